/**
 * Characters no name or address holds (issue 15): invisible and format characters in names,
 * addresses and communes, and letters of other scripts in names, are DEM_SCHEMA on the field,
 * naming the character by its code point; genuine names of every origin pass.
 */
import { describe, expect, it } from 'vitest';
import { judgeEdits, type Edit } from './helpers.js';

const D = '/lot/demande[1]/demandeLogement/personnePhysique/demandeur';
const C = '/lot/demande[1]/demandeLogement/personnePhysique/listeCotitulaire/cotitulaire';
const P = '/lot/demande[1]/demandeLogement/personnePhysique/listePersonneACharge/personneACharge[1]';

const nom = (value: string): Edit => ['<nom>Lefèvre</nom>', `<nom>${value}</nom>`];

describe('characters no civil-status name holds', () => {
  it.each([
    ['a zero-width space', nom('Lef\u200Bèvre'), `${D}/nom`, 'caractère invisible U+200B non admis dans un nom', 'Lef[U+200B]èvre', 'Lefèvre'],
    ['a soft hyphen in the prénom', ['<prenom>Anaïs</prenom>', '<prenom>Ana\u00ADïs</prenom>'] as Edit, `${D}/prenom`, 'caractère invisible U+00AD non admis dans un prénom', 'Ana[U+00AD]ïs', 'Anaïs'],
    ['a right-to-left override', nom('\u202ELefèvre'), `${D}/nom`, 'caractère de contrôle de direction du texte U+202E non admis dans un nom', '[U+202E]Lefèvre', 'Lefèvre'],
    ['a zero-width joiner in the cotitulaire’s nom', ['<nom>Lefèvre</nom>', '<nom>Lefè\u200Dvre</nom>', 1] as Edit, `${C}/nom`, 'caractère invisible U+200D', 'Lefè[U+200D]vre', 'Lefèvre'],
    ['a word joiner in a personne à charge’s prénom', ['<prenom>Inès</prenom>', '<prenom>In\u2060ès</prenom>'] as Edit, `${P}/prenom`, 'caractère invisible U+2060', 'In[U+2060]ès', 'Inès'],
    ['a private-use character', nom('Lefèvre\uE000'), `${D}/nom`, 'caractère à usage privé U+E000', 'Lefèvre[U+E000]', 'Lefèvre'],
  ])('refuses %s, naming it by its code point', (_, edit, chemin, message, valeur, suggestion) => {
    expect(judgeEdits([edit])).toEqual([expect.objectContaining({ code: 'DEM_SCHEMA', chemin, valeur, suggestion, message: expect.stringContaining(message) })]);
  });

  it.each([
    ['a Cyrillic « о » in a Latin name, with its Latin spelling', 'Dup\u043Ent', 'lettre cyrillique « о » (U+043E) non admise dans un nom', 'Dupont'],
    ['a Greek capital omicron', 'DUP\u039FNT', 'lettre grecque « Ο » (U+039F) non admise dans un nom', 'DUPONT'],
    ['a name wholly in Cyrillic', 'Иванова', 'lettre cyrillique « И » (U+0418)', undefined],
    ['a name wholly in Greek', 'Παπαδοπούλου', 'lettre grecque « Π » (U+03A0)', undefined],
  ])('refuses %s: names are written in Latin letters', (_, value, message, suggestion) => {
    const errors = judgeEdits([nom(value)]);
    expect(errors).toEqual([expect.objectContaining({ code: 'DEM_SCHEMA', chemin: `${D}/nom`, valeur: value, message: expect.stringContaining(message) })]);
    expect(errors[0]?.suggestion).toBe(suggestion);
  });

  it.each([
    'Łukasz',
    'Nguyễn Thị',
    'Şahin',
    "O'Brien",
    'O’Brien',
    'Le Goff',
    "N'Diaye",
    'Øster-Ðorđević',
    'Straße',
    'Lefe\u0300vre', // accents sent decomposed
    'Du\u2011pont', // a non-breaking hyphen is a hyphen: admitted, and ignored by the doublon key
    'Le\u00A0Goff',
  ])('admits the genuine name %s', (value) => {
    expect(judgeEdits([nom(value)])).toEqual([]);
  });
});

describe('characters no address or commune holds', () => {
  it('refuses an invisible character in a voie, a complement and an employer’s street', () => {
    const errors = judgeEdits([
      ['<voie>rue des Lilas</voie>', '<voie>rue des\u200B Lilas</voie>'],
      ['Bâtiment B', 'Bâtiment\u202E B'],
      ['2 rue du Docteur Delafontaine', '2 rue du Docteur\u00AD Delafontaine'],
    ]);
    expect(errors).toEqual([
      expect.objectContaining({ code: 'DEM_SCHEMA', chemin: `${D}/adressePostale/voie`, message: expect.stringContaining('caractère invisible U+200B non admis dans une adresse') }),
      expect.objectContaining({ code: 'DEM_SCHEMA', chemin: `${D}/adressePostale/complement`, message: expect.stringContaining('U+202E non admis dans une adresse') }),
      expect.objectContaining({ code: 'DEM_SCHEMA', chemin: `${D}/situationProfessionnelle/voie`, message: expect.stringContaining('U+00AD') }),
    ]);
  });

  it('refuses an invisible character in a commune name', () => {
    const errors = judgeEdits([['<commune code="93066">Saint-Denis</commune>', '<commune code="93066">Saint\u200B-Denis</commune>']]);
    expect(errors).toContainEqual(
      expect.objectContaining({ code: 'DEM_SCHEMA', chemin: `${D}/adressePostale/commune`, valeur: 'Saint[U+200B]-Denis', message: expect.stringContaining('caractère invisible U+200B non admis dans un nom de commune') }),
    );
  });

  it('admits an address abroad written in its own script', () => {
    expect(judgeEdits([['<voie>rue des Lilas</voie>', '<voie>улица Ленина</voie>']])).toEqual([]);
  });
});
