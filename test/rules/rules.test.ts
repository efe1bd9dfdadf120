/**
 * Every demande-level rule of spec 4.2 that needs no registry, table-driven on real lot XML and
 * the bundled INSEE / La Poste reference: each row edits the base lot, and asserts the code,
 * the XPath, the value seen and the suggestion (or that the demande passes).
 */
import { describe, expect, it } from 'vitest';
import { ageOn } from '../../src/rules/date-naissance.js';
import { baseLot, judgeEdits, judgeXml, type Edit } from './helpers.js';

const D = '/lot/demande[1]/demandeLogement/personnePhysique/demandeur';
const C = '/lot/demande[1]/demandeLogement/personnePhysique/listeCotitulaire/cotitulaire';
const L = '/lot/demande[1]/demandeLogement/logementRecherche/listeLocalisationSouhaite/localisationSouhaite';

const ADRESSE = '<codePostal>93200</codePostal>\n            <commune code="93066">Saint-Denis</commune>';
const adresse = (cp: string, commune: string): Edit => [ADRESSE, `<codePostal>${cp}</codePostal>${commune}`];
const MEL = '<mel>a.lefevre@exemple.fr</mel>';
const mel = (value: string): Edit => [MEL, `<mel>${value}</mel>`];
const PIECE = '<pieceIdentite code="CNI" numero="X4RTBPFW4"/>';
const piece = (code: string, numero: string): Edit => [PIECE, `<pieceIdentite code="${code}" numero="${numero}"/>`];
const NAISSANCE = '<dateNaissance>1986-09-21</dateNaissance>';
const naissance = (date: string): Edit => [NAISSANCE, `<dateNaissance>${date}</dateNaissance>`];
const R = '/lot/demande[1]/@dateReception';
const recue = (date: string): Edit => ['reference="REGLE-1"', `reference="REGLE-1" dateReception="${date}"`];

interface Expected {
  readonly code: string;
  readonly chemin: string;
  readonly valeur?: string;
  /** Exact suggestion, or a RegExp it must match; `null`: no suggestion. */
  readonly suggestion?: string | RegExp | null;
}

interface Row {
  readonly name: string;
  readonly edits: readonly Edit[];
  /** Undefined: the demande passes every rule. */
  readonly expected?: Expected;
  /** The day the gateway received the lot (default TODAY). */
  readonly receptionDay?: string;
}

const RULES: Readonly<Record<string, readonly Row[]>> = {
  DEM_MEL: [
    { name: 'the base address', edits: [] },
    { name: 'a 19-character local part', edits: [mel('abcdefghijklmnopqrs@exemple.fr')] },
    { name: 'a 17-character domain and a 3-character tld', edits: [mel('a_b-c.d@abcdefghijklmnopq.com')] },
    { name: 'a dotted domain', edits: [mel('jean@mairie.paris.fr')] },
    { name: 'a 20-character local part', edits: [mel('abcdefghijklmnopqrst@exemple.fr')], expected: { code: 'DEM_MEL', chemin: `${D}/mel`, valeur: 'abcdefghijklmnopqrst@exemple.fr' } },
    { name: 'an 18-character domain', edits: [mel('a@abcdefghijklmnopqr.fr')], expected: { code: 'DEM_MEL', chemin: `${D}/mel` } },
    { name: 'a 4-character tld', edits: [mel('a@exemple.info')], expected: { code: 'DEM_MEL', chemin: `${D}/mel` } },
    { name: 'no @', edits: [mel('a.lefevre.exemple.fr')], expected: { code: 'DEM_MEL', chemin: `${D}/mel` } },
    { name: 'an accented letter', edits: [mel('élodie@exemple.fr')], expected: { code: 'DEM_MEL', chemin: `${D}/mel`, valeur: 'élodie@exemple.fr' } },
    { name: 'the cotitulaire’s', edits: [['<situationFamiliale code="M"/>\n            <adressePostale>', '<situationFamiliale code="M"/><mel>k@x</mel>\n            <adressePostale>']], expected: { code: 'DEM_MEL', chemin: `${C}/mel`, valeur: 'k@x' } },
  ],
  DEM_CEDEX: [
    { name: 'a distribution code and a street', edits: [['rue des Lilas', 'rue des Cèdres']] },
    { name: 'a Cedex postal code, fixed with the commune’s reference code', edits: [adresse('93736', '<commune>BOBIGNY CEDEX 9</commune>')], expected: { code: 'DEM_CEDEX', chemin: `${D}/adressePostale/codePostal`, valeur: '93736', suggestion: '93000' } },
    { name: 'the word cedex in the commune, any case', edits: [adresse('93000', '<commune>Bobigny cedex</commune>')], expected: { code: 'DEM_CEDEX', chemin: `${D}/adressePostale/commune`, valeur: 'Bobigny cedex', suggestion: '93000' } },
    { name: 'CEDEX glued to its number in the postal code', edits: [adresse('93000CEDEX', '<commune code="93008"/>')], expected: { code: 'DEM_CEDEX', chemin: `${D}/adressePostale/codePostal`, suggestion: '93000' } },
    { name: 'a TSA box in the employer’s street', edits: [['2 rue du Docteur Delafontaine', 'TSA 12345']], expected: { code: 'DEM_CEDEX', chemin: `${D}/situationProfessionnelle/voie`, valeur: 'TSA 12345', suggestion: '93200, 93210, 93380' } },
    { name: 'a BP in the cotitulaire’s street', edits: [['<voie>rue des Lilas</voie>\n              <codePostal>', '<voie>B.P. 12</voie>\n              <codePostal>']], expected: { code: 'DEM_CEDEX', chemin: `${C}/adressePostale/voie`, suggestion: '93200, 93210, 93380' } },
    { name: 'a CS box in the complement', edits: [['Bâtiment B', 'CS 70001']], expected: { code: 'DEM_CEDEX', chemin: `${D}/adressePostale/complement`, valeur: 'CS 70001' } },
    { name: 'an address abroad', edits: [['<etranger>false</etranger>', '<etranger>true</etranger>'], adresse('CEDEX 1', '<commune>Bruxelles</commune>')] },
  ],
  DEM_COMMUNE_INCONNUE: [
    { name: 'a name without case, accents or hyphens', edits: [adresse('93200', '<commune>SAINT DENIS</commune>')] },
    { name: 'an abbreviated name, with the INSEE names and their départements', edits: [adresse('93200', '<commune>St-Denis</commune>')], expected: { code: 'DEM_COMMUNE_INCONNUE', chemin: `${D}/adressePostale/commune`, valeur: 'St-Denis', suggestion: /^Saint-Denis \(93\), Saint-Denis \((974|11)\)/ } },
    { name: 'ST DENIS', edits: [adresse('93200', '<commune>ST DENIS</commune>')], expected: { code: 'DEM_COMMUNE_INCONNUE', chemin: `${D}/adressePostale/commune`, suggestion: /^Saint-Denis \(93\)/ } },
    { name: 'a name that is not the code’s', edits: [adresse('93200', '<commune code="93066">Bobigny</commune>')], expected: { code: 'DEM_COMMUNE_INCONNUE', chemin: `${D}/adressePostale/commune`, valeur: 'Bobigny', suggestion: 'Saint-Denis' } },
    { name: 'a retired commune code, with its current commune', edits: [adresse('93200', '<commune code="93059"/>')], expected: { code: 'DEM_COMMUNE_INCONNUE', chemin: `${D}/adressePostale/commune/@code`, valeur: '93059', suggestion: '93066' } },
    { name: 'an unknown commune souhaitée named, with the nearest codes', edits: [['<commune code="93001"/>', '<commune code="93999">St-Denis</commune>']], expected: { code: 'DEM_COMMUNE_INCONNUE', chemin: `${L}[2]/commune/@code`, valeur: '93999', suggestion: /93066/ } },
    { name: 'a commune souhaitée with its INSEE name', edits: [['<commune code="93001"/>', '<commune code="93001">AUBERVILLIERS</commune>']] },
    { name: 'a commune souhaitée with another name', edits: [['<commune code="93001"/>', '<commune code="93001">Auber</commune>']], expected: { code: 'DEM_COMMUNE_INCONNUE', chemin: `${L}[2]/commune`, valeur: 'Auber', suggestion: 'Aubervilliers' } },
  ],
  DEM_COMMUNE_CODE_POSTAL: [
    { name: 'Paris 11e by code', edits: [adresse('75011', '<commune code="75111">Paris 11e Arrondissement</commune>')] },
    { name: 'Paris by name with an arrondissement’s code', edits: [adresse('75011', '<commune>Paris</commune>')] },
    { name: 'Ajaccio (2A004)', edits: [adresse('20000', '<commune code="2A004">Ajaccio</commune>')] },
    { name: 'Saint-Denis de La Réunion (97411)', edits: [adresse('97400', '<commune code="97411">Saint-Denis</commune>')] },
    { name: 'a postal code alone, serving one commune', edits: [adresse('93300', '<commune/>')] },
    { name: 'a code with another commune’s postal code', edits: [adresse('93000', '<commune code="93066"/>')], expected: { code: 'DEM_COMMUNE_CODE_POSTAL', chemin: `${D}/adressePostale/codePostal`, valeur: '93000', suggestion: '93200, 93210, 93380' } },
    { name: 'Ajaccio with Bastia’s postal code', edits: [adresse('20200', '<commune code="2A004"/>')], expected: { code: 'DEM_COMMUNE_CODE_POSTAL', chemin: `${D}/adressePostale/codePostal`, suggestion: /20000/ } },
    { name: 'a name another postal code serves', edits: [adresse('93300', '<commune>Saint-Denis</commune>')], expected: { code: 'DEM_COMMUNE_CODE_POSTAL', chemin: `${D}/adressePostale/codePostal`, valeur: '93300', suggestion: /Saint-Denis \(93\) : 93200, 93210, 93380/ } },
    { name: 'a postal code alone shared by several communes, candidates listed', edits: [adresse('01000', '<commune/>')], expected: { code: 'DEM_COMMUNE_CODE_POSTAL', chemin: `${D}/adressePostale/commune`, valeur: '01000', suggestion: '01053 Bourg-en-Bresse, 01344 Saint-Denis-lès-Bourg' } },
    { name: 'a postal code that is not French in form', edits: [adresse('9320', '<commune code="93066"/>')], expected: { code: 'DEM_COMMUNE_CODE_POSTAL', chemin: `${D}/adressePostale/codePostal`, valeur: '9320', suggestion: null } },
  ],
  DEM_LOCALISATION_TERRITOIRE: [
    { name: 'Paris and Seine-Saint-Denis: one territory', edits: [] },
    { name: 'Marseille after Saint-Denis', edits: [['<commune code="93001"/>', '<commune code="13055"/>']], expected: { code: 'DEM_LOCALISATION_TERRITOIRE', chemin: `${L}[2]/commune/@code`, valeur: '13055', suggestion: 'Déposez une demande distincte par territoire.' } },
  ],
  DEM_GUICHET_NON_HABILITE: [
    { name: 'Val-de-Marne, not held by G1104', edits: [['<commune code="93001"/>', '<commune code="94028"/>']], expected: { code: 'DEM_GUICHET_NON_HABILITE', chemin: `${L}[2]/commune/@code`, valeur: '94028', suggestion: /gestionnaire territorial/ } },
  ],
  DEM_PIECE_IDENTITE: [
    { name: 'an old French CNI', edits: [piece('CNI', '880692310285')] },
    { name: 'a French passport', edits: [piece('PASSEPORT', '19FV12345')] },
    { name: 'an EU national’s card', edits: [['<nationalite code="1"/>', '<nationalite code="2"/>'], piece('CNI', 'CA12345678')] },
    { name: 'none', edits: [[PIECE, '']], expected: { code: 'DEM_PIECE_IDENTITE', chemin: `${D}/pieceIdentite`, suggestion: /pieceIdentite/ } },
    { name: 'a short CNI number', edits: [piece('CNI', 'X4RT')], expected: { code: 'DEM_PIECE_IDENTITE', chemin: `${D}/pieceIdentite/@numero`, valeur: 'X4RT', suggestion: null } },
    { name: 'a CNI number with a space, fixed by its compact form', edits: [piece('CNI', 'x4rt bpfw4')], expected: { code: 'DEM_PIECE_IDENTITE', chemin: `${D}/pieceIdentite/@numero`, valeur: 'x4rt bpfw4', suggestion: 'X4RTBPFW4' } },
    { name: 'a French passport of the wrong form', edits: [piece('PASSEPORT', '123456789')], expected: { code: 'DEM_PIECE_IDENTITE', chemin: `${D}/pieceIdentite/@numero` } },
    { name: 'a titre de séjour for a French national', edits: [piece('TITRE_SEJOUR', '9912345678')], expected: { code: 'DEM_PIECE_IDENTITE', chemin: `${D}/pieceIdentite/@code`, valeur: 'TITRE_SEJOUR' } },
    { name: 'a CNI for a non-EU cotitulaire', edits: [['<pieceIdentite code="TITRE_SEJOUR" numero="9912345678"/>', '<pieceIdentite code="CNI" numero="X4RTBPFW4"/>']], expected: { code: 'DEM_PIECE_IDENTITE', chemin: `${C}/pieceIdentite/@code`, valeur: 'CNI' } },
    { name: 'a short titre de séjour number', edits: [['numero="9912345678"', 'numero="99123"']], expected: { code: 'DEM_PIECE_IDENTITE', chemin: `${C}/pieceIdentite/@numero`, valeur: '99123' } },
    // R.441-2-3: a non-EU demandeur proves lawful residence; the cotitulaire's piece is optional.
    { name: 'a non-EU demandeur’s titre de séjour', edits: [['<nationalite code="1"/>', '<nationalite code="3"/>'], piece('TITRE_SEJOUR', '9912345679')] },
    {
      name: 'a non-EU demandeur’s passport alone',
      edits: [['<nationalite code="1"/>', '<nationalite code="3"/>'], piece('PASSEPORT', 'A12345678')],
      expected: { code: 'DEM_PIECE_IDENTITE', chemin: `${D}/pieceIdentite/@code`, valeur: 'PASSEPORT', suggestion: /^Donnez son titre de séjour : <pieceIdentite code="TITRE_SEJOUR"/ },
    },
    {
      name: 'a non-EU demandeur without a piece, told a titre de séjour is needed',
      edits: [['<nationalite code="1"/>', '<nationalite code="3"/>'], [PIECE, '']],
      expected: { code: 'DEM_PIECE_IDENTITE', chemin: `${D}/pieceIdentite`, suggestion: /code="TITRE_SEJOUR"/ },
    },
    { name: 'a non-EU cotitulaire’s passport', edits: [['<pieceIdentite code="TITRE_SEJOUR" numero="9912345678"/>', '<pieceIdentite code="PASSEPORT" numero="A12345678"/>']] },
    { name: 'a cotitulaire without a piece', edits: [['<pieceIdentite code="TITRE_SEJOUR" numero="9912345678"/>', '']] },
  ],
  DEM_DATE_NAISSANCE: [
    { name: 'a demandeur of 16 today', edits: [naissance('2010-11-26')] },
    { name: 'a demandeur of 120', edits: [naissance('1906-11-26')] },
    { name: 'none', edits: [[NAISSANCE, '']], expected: { code: 'DEM_DATE_NAISSANCE', chemin: `${D}/dateNaissance`, suggestion: /AAAA-MM-JJ/ } },
    { name: 'in the future', edits: [naissance('2026-11-27')], expected: { code: 'DEM_DATE_NAISSANCE', chemin: `${D}/dateNaissance`, valeur: '2026-11-27', suggestion: null } },
    { name: 'a demandeur of 15, one day short of 16', edits: [naissance('2010-11-27')], expected: { code: 'DEM_DATE_NAISSANCE', chemin: `${D}/dateNaissance`, valeur: '2010-11-27' } },
    { name: 'a demandeur of 121', edits: [naissance('1905-11-26')], expected: { code: 'DEM_DATE_NAISSANCE', chemin: `${D}/dateNaissance`, valeur: '1905-11-26' } },
    { name: 'a cotitulaire without one', edits: [['<dateNaissance>1984-02-11</dateNaissance>', '']], expected: { code: 'DEM_DATE_NAISSANCE', chemin: `${C}/dateNaissance` } },
    { name: 'judged on the injected day', edits: [naissance('2010-11-27')], receptionDay: '2026-11-27' },
    { name: 'judged on the dateReception, not the later reception day', edits: [naissance('2010-11-20'), recue('2026-11-19')], expected: { code: 'DEM_DATE_NAISSANCE', chemin: `${D}/dateNaissance`, valeur: '2010-11-20' } },
  ],
  DEM_DATE_RECEPTION: [
    { name: 'none: the demande is dated from the reception day', edits: [] },
    { name: 'the reception day itself', edits: [recue('2026-11-26')] },
    { name: 'one month before it, to the day', edits: [recue('2026-10-26')] },
    { name: 'the day after the reception day', edits: [recue('2026-11-27')], expected: { code: 'DEM_DATE_RECEPTION', chemin: R, valeur: '2026-11-27', suggestion: /du 2026-10-26 au 2026-11-26/ } },
    { name: 'one month and one day before it', edits: [recue('2026-10-25')], expected: { code: 'DEM_DATE_RECEPTION', chemin: R, valeur: '2026-10-25', suggestion: /du 2026-10-26 au 2026-11-26/ } },
    { name: 'a year before it', edits: [recue('2025-11-26')], expected: { code: 'DEM_DATE_RECEPTION', chemin: R, valeur: '2025-11-26' } },
    { name: 'received on 31 March: 28 February is one month before', edits: [recue('2027-02-28')], receptionDay: '2027-03-31' },
    { name: 'received on 31 March: 27 February is too old', edits: [recue('2027-02-27')], receptionDay: '2027-03-31', expected: { code: 'DEM_DATE_RECEPTION', chemin: R, valeur: '2027-02-27', suggestion: /du 2027-02-28 au 2027-03-31/ } },
    { name: 'received on 31 March of a leap year: 29 February is one month before', edits: [recue('2028-02-29')], receptionDay: '2028-03-31' },
    { name: 'received on 31 March of a leap year: 28 February is too old', edits: [recue('2028-02-28')], receptionDay: '2028-03-31', expected: { code: 'DEM_DATE_RECEPTION', chemin: R, valeur: '2028-02-28' } },
    { name: 'received on 1 January: 1 December of the year before', edits: [recue('2026-12-01')], receptionDay: '2027-01-01' },
    { name: 'received on 31 December: the next day is after it', edits: [recue('2028-01-01')], receptionDay: '2027-12-31', expected: { code: 'DEM_DATE_RECEPTION', chemin: R, valeur: '2028-01-01' } },
  ],
};

describe.each(Object.entries(RULES))('%s', (code, rows) => {
  it('has a row that passes and a row that fails', () => {
    expect(rows.some((r) => r.expected === undefined) || code === 'DEM_GUICHET_NON_HABILITE').toBe(true);
    expect(rows.some((r) => r.expected?.code === code)).toBe(true);
  });

  it.each(rows.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    const errors = judgeEdits(row.edits, row.receptionDay);
    if (row.expected === undefined) {
      expect(errors).toEqual([]);
      return;
    }
    expect(errors).toHaveLength(1);
    const [error] = errors;
    const { suggestion, ...rest } = row.expected;
    expect(error).toMatchObject(rest);
    expect(error!.message).toMatch(/\S/);
    if (suggestion === null) expect(error!.suggestion).toBeUndefined();
    else if (suggestion instanceof RegExp) expect(error!.suggestion).toMatch(suggestion);
    else if (suggestion !== undefined) expect(error!.suggestion).toBe(suggestion);
  });
});

describe('the rules on a whole lot', () => {
  const demande = baseLot().slice(baseLot().indexOf('<demande '), baseLot().indexOf('</demande>') + '</demande>'.length);
  const lotOf = (...blocks: string[]) =>
    baseLot().replace(demande, blocks.join('\n  ')).replace('<nombreDemandes>1</nombreDemandes>', `<nombreDemandes>${blocks.length}</nombreDemandes>`);

  it('DEM_REFERENCE_DUPLIQUEE rejects both demandes sharing a reference, not the third', () => {
    const [first, second, third] = judgeXml(lotOf(demande, demande.replace('REGLE-1', 'REGLE-2'), demande));
    expect(first!.map((e) => e.code)).toEqual(['DEM_REFERENCE_DUPLIQUEE']);
    expect(second).toEqual([]);
    expect(third![0]).toMatchObject({ chemin: '/lot/demande[3]/@reference', valeur: 'REGLE-1' });
  });

  it('DEM_SCHEMA rejects one malformed demande alone, its neighbours are judged', () => {
    const bad = demande.replace('REGLE-1', 'REGLE-2').replace('<civilite code="2"/>', '<civilite code="9"/>');
    const [first, second, third] = judgeXml(lotOf(demande, bad, demande.replace('REGLE-1', 'REGLE-3').replace(NAISSANCE, '')));
    expect(first).toEqual([]);
    expect(second!.map((e) => [e.code, e.chemin])).toEqual([['DEM_SCHEMA', '/lot/demande[2]/demandeLogement/personnePhysique/demandeur/civilite/@code']]);
    expect(third!.map((e) => e.code)).toEqual(['DEM_DATE_NAISSANCE']);
  });

  it('reports every broken rule of one demande, in reading order', () => {
    const errors = judgeEdits([naissance('2030-01-01'), mel('x'), adresse('93736', '<commune>BOBIGNY CEDEX 9</commune>')]);
    expect(errors.map((e) => e.code)).toEqual(['DEM_DATE_NAISSANCE', 'DEM_MEL', 'DEM_CEDEX']);
  });
});

describe('DEM_DATE_RECEPTION', () => {
  it('gives the accepted range in its message', () => {
    const [error] = judgeEdits([recue('2026-10-01')]);
    expect(error!.message).toBe('Date de réception 2026-10-01 hors délai : elle doit être comprise entre le 2026-10-26 et le 2026-11-26 (jour de réception du lot par la passerelle).');
  });

  it('judges the other rules of a demande out of range on the reception day, not on its wrong date', () => {
    const errors = judgeEdits([recue('1026-11-26')]);
    expect(errors.map((e) => e.code)).toEqual(['DEM_DATE_RECEPTION']);
  });
});

describe('ageOn', () => {
  it.each([
    ['2008-02-29', '2024-02-28', 15],
    ['2008-02-29', '2024-02-29', 16],
    ['2008-02-29', '2025-03-01', 17],
    ['1986-09-21', '2026-09-20', 39],
  ])('born %s, on %s: %i', (born, today, age) => expect(ageOn(born, today)).toBe(age));
});

describe('DEM_PIECE_IDENTITE as R.441-2-3 words it', () => {
  it('tells a guichet why a non-EU demandeur’s passport is not enough', () => {
    const [error] = judgeEdits([['<nationalite code="1"/>', '<nationalite code="3"/>'], piece('PASSEPORT', 'A12345678')]);
    expect(error!.message).toBe(
      "Pièce d'identité du demandeur non admise pour sa nationalité (code 3) : un passeport seul ne suffit pas pour un demandeur ressortissant d'un pays hors Union européenne : la régularité de son séjour en France doit être justifiée par un titre de séjour (CCH, art. R. 441-2-3).",
    );
    expect(error!.suggestion).toBe('Donnez son titre de séjour : <pieceIdentite code="TITRE_SEJOUR" numero="…"/> (son numéro d\'étranger à 10 chiffres).');
  });
});
