import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_OCCURS, schemaMessage } from '../../src/lot/messages.js';
import { copyRootBothWays, loadLotSchema, validateChildrenBothWays, validateDocument } from '../../src/lot/schema.js';
import { bytes, demandeBlocks, edit, exampleText, fixtureText, lotOf } from './helpers.js';

const NS = 'xmlns="urn:sne-gateway:lot:1"';
/** The first demande of the example, as a document of its own. */
const firstDemande = (): string => (demandeBlocks(exampleText())[0] as string).replace('<demande ', `<demande ${NS} `);
const radiation = (inner: string): string =>
  `<demande ${NS} typeFichier="RAD" reference="R-1"><radiation><numUnique>1110524000107G1104</numUnique>${inner}</radiation></demande>`;

const valid = (xml: string): boolean => {
  const result = validateDocument(bytes(xml));
  expect(result.wellFormed).toBe(true);
  return result.errors.length === 0;
};

describe('schemas/lot-1.xsd', () => {
  it('compiles with libxml2', () => {
    expect(() => loadLotSchema()).not.toThrow();
    const xsd = readFileSync(new URL('../../schemas/lot-1.xsd', import.meta.url), 'utf8');
    expect(xsd).toContain('targetNamespace="urn:sne-gateway:lot:1"');
    expect(xsd).toContain('elementFormDefault="qualified"');
  });

  it('accepts the example lot of the spec and the valid demo lot', () => {
    expect(validateDocument(bytes(exampleText())).errors).toEqual([]);
    expect(validateDocument(bytes(fixtureText('lot-g1104-valide.xml'))).errors).toEqual([]);
  });

  it('finds in the G1301 demo lot only the civilite of its second demande', () => {
    const errors = validateDocument(bytes(fixtureText('lot-g1301-rejets.xml'))).errors;
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain("attribute 'code'");
    expect(errors[0]?.value).toBe('9');
  });

  it('declares entete and demande globally, so each validates as its own document', () => {
    expect(valid(firstDemande())).toBe(true);
    const entete = /<entete>[\s\S]*?<\/entete>/.exec(exampleText())?.[0] as string;
    expect(valid(entete.replace('<entete>', `<entete ${NS}>`))).toBe(true);
  });

  it.each([
    ['civilite', '<civilite code="2"/>', '<civilite code="4"/>'],
    ['nationalite', '<nationalite code="1"/>', '<nationalite code="4"/>'],
    ['pieceIdentite', 'code="CNI"', 'code="PERMIS"'],
    ['situationFamiliale', '<situationFamiliale code="M"/>\n          <telPortable>', '<situationFamiliale code="X"/>\n          <telPortable>'],
    ['typeContratTravail', 'code="CDI"', 'code="CDX"'],
    ['ressource', 'code="SAL"', 'code="SALAIRE"'],
    ['modeleLogement', 'code="LP"', 'code="LOC"'],
    ['motif', '<motif code="13"/>', '<motif code="24"/>'],
    ['lienDemandeur', '<lienDemandeur code="M"/>', '<lienDemandeur code="F"/>'],
    ['lienParente', '<lienParente code="E"/>', '<lienParente code="X"/>'],
    ['sexe', '<sexe code="F"/>', '<sexe code="X"/>'],
    ['categorieLogement', '<categorieLogement code="A"/>', '<categorieLogement code="B"/>'],
    ['typeLogement', '<typeLogement code="T3"/>', '<typeLogement code="T7"/>'],
    ['typeFichier', 'typeFichier="CRE"', 'typeFichier="NEW"'],
    ['reference', 'reference="DOS-2026-00042"', 'reference="DOS 42"'],
    ['commune code', '<commune code="93001"/>', '<commune code="2C001"/>'],
    ['date', '<dateNaissance>1986-09-21</dateNaissance>', '<dateNaissance>1986-02-30</dateNaissance>'],
    ['date with zone', '<dateNaissance>1986-09-21</dateNaissance>', '<dateNaissance>1986-09-21Z</dateNaissance>'],
    ['negative amount', '<montantMensuelLoyer>890</montantMensuelLoyer>', '<montantMensuelLoyer>-1</montantMensuelLoyer>'],
    ['boolean', '<etranger>false</etranger>\n            <numero>12</numero>\n            <voie>rue des Lilas</voie>\n            <complement>', '<etranger>non</etranger>\n            <numero>12</numero>\n            <voie>rue des Lilas</voie>\n            <complement>'],
    ['empty nom', '<nom>Lefèvre</nom>\n          <nomPatronymique>', '<nom> </nom>\n          <nomPatronymique>'],
    ['element order', '<prenom>Anaïs</prenom>', '<prenom>Anaïs</prenom><nomPatronymique>X</nomPatronymique>'],
    ['codePostal over 10 characters', '<codePostal>93200</codePostal>\n            <commune code="93066">', '<codePostal>93200 CEDEX 12</codePostal>\n            <commune code="93066">'],
  ])('refuses a bad %s', (_name, from, to) => {
    expect(valid(firstDemande())).toBe(true);
    expect(valid(edit(firstDemande(), from, to))).toBe(false);
  });

  it('leaves dateNaissance, pieceIdentite, the mel form and a foreign postal code to the rules', () => {
    let demande = edit(firstDemande(), '<dateNaissance>1986-09-21</dateNaissance>', '');
    demande = edit(demande, '<pieceIdentite code="CNI" numero="X4RTBPFW4"/>', '');
    demande = edit(demande, '<mel>a.lefevre@exemple.fr</mel>', '<mel>pas-une-adresse</mel>');
    demande = edit(demande, '<codePostal>93200</codePostal>\n            <commune code="93066">', '<codePostal>SW1A 1AA</codePostal>\n            <commune code="93066">');
    expect(valid(demande)).toBe(true);
  });

  it('takes 1 to 10 communes souhaitées', () => {
    const communes = (n: number) =>
      Array.from({ length: n }, () => '<localisationSouhaite><commune code="93066"/></localisationSouhaite>').join('');
    const withCommunes = (n: number) =>
      firstDemande().replace(/<listeLocalisationSouhaite>[\s\S]*<\/listeLocalisationSouhaite>/, `<listeLocalisationSouhaite>${communes(n)}</listeLocalisationSouhaite>`);
    expect(valid(withCommunes(1))).toBe(true);
    expect(valid(withCommunes(10))).toBe(true);
    expect(valid(withCommunes(0))).toBe(false);
    expect(valid(withCommunes(11))).toBe(false);
  });

  it('bounds every list of a demande, and says so when one has too many (issue 15: a dense lot)', () => {
    const xsd = readFileSync(new URL('../../schemas/lot-1.xsd', import.meta.url), 'utf8');
    const bounds = Object.fromEntries(
      [...xsd.matchAll(/<xs:element name="(\w+)"[^>]*maxOccurs="(\w+)"/g)]
        .filter(([, name]) => name !== 'demande')
        .map(([, name, max]) => [name, max === 'unbounded' ? max : Number(max)]),
    );
    expect(bounds).toEqual(MAX_OCCURS);
    const ressources = (n: number) => `<listeRessourceRecue>${'<detailRessource><ressource code="SAL"/><montant>1</montant></detailRessource>'.repeat(n)}</listeRessourceRecue>`;
    const withRessources = (n: number) => bytes(firstDemande().replace(/<listeRessourceRecue>[\s\S]*?<\/listeRessourceRecue>/, ressources(n)));
    expect(validateDocument(withRessources(30)).errors).toEqual([]);
    const errors = validateDocument(withRessources(31)).errors.map((e) => schemaMessage(e.message));
    expect(errors).toEqual(['Élément <detailRessource> en trop : 30 au plus dans une demande.']);
  });

  it('takes a commune empty, by code, by name, or both', () => {
    for (const commune of ['<commune/>', '<commune code="93066"/>', '<commune>Saint-Denis</commune>', '<commune code="2A004">Ajaccio</commune>']) {
      expect(valid(edit(firstDemande(), '<commune code="93066">Saint-Denis</commune>', commune))).toBe(true);
    }
  });

  it('checks the numéro unique layout', () => {
    const ren = (numUnique: string) =>
      edit(firstDemande(), '<demandeLogement>', `<demandeLogement><numUnique>${numUnique}</numUnique>`);
    for (const good of ['1111125000412G1104', '02A0318016982G1104', '9740124000001GDPUB', '0131226999999G1301']) expect(valid(ren(good))).toBe(true);
    for (const bad of ['1111325000412G1104', '9771125000412G1104', '111112500041G1104', '1111125000412g1104', '1111125000412G11045']) {
      expect(valid(ren(bad))).toBe(false);
    }
  });

  it('takes the radiation motifs a guichet may send, never RADREN, dateEffet optional', () => {
    expect(valid(radiation('<motif code="RADATT"/>'))).toBe(true);
    expect(valid(radiation('<motif code="RADCON"/><dateEffet>2026-11-20</dateEffet>'))).toBe(true);
    expect(valid(radiation('<motif code="RADIRR"/><sousMotif code="IRRSEJ"/>'))).toBe(true);
    expect(valid(radiation('<motif code="RADREN"/>'))).toBe(false);
    expect(valid(radiation('<motif code="RADIRR"/><sousMotif code="IRRXXX"/>'))).toBe(false);
  });

  it('checks the entete: guichet code, identifiantLot, dateFichier', () => {
    const entete = (guichet: string, id: string, date: string) =>
      `<entete ${NS}><guichet>${guichet}</guichet><identifiantLot>${id}</identifiantLot><dateFichier>${date}</dateFichier><nombreDemandes>1</nombreDemandes></entete>`;
    expect(valid(entete('GDPUB', 'a.b_c-1', '2026-11-26T09:30:00'))).toBe(true);
    expect(valid(entete('g1104', 'X', '2026-11-26T09:30:00Z'))).toBe(false);
    expect(valid(entete('G1104', 'avec espace', '2026-11-26T09:30:00Z'))).toBe(false);
    expect(valid(entete('G1104', 'x'.repeat(41), '2026-11-26T09:30:00Z'))).toBe(false);
    expect(valid(entete('G1104', 'X', '26/11/2026'))).toBe(false);
  });
});

describe('copying elements out of libxml2', () => {
  it('gives the same tree through the struct accessors as through the public API', () => {
    for (const text of [exampleText(), fixtureText('lot-g1104-valide.xml')]) {
      const { fast, reference } = copyRootBothWays(bytes(text.replace('<nom>Lefèvre</nom>', '<nom><![CDATA[Lefèvre]]> &amp; Cie</nom>')));
      expect(fast).toEqual(reference);
      expect(fast.children.length).toBeGreaterThan(1);
    }
  });
});

describe('locating schema errors', () => {
  // The fast way reads libxml2's structs with a bounded error handler; the public API is the reference.
  it('finds the same diagnostics, at the same paths, through the raw calls as through the public API', () => {
    const [cre] = demandeBlocks(exampleText()) as [string];
    let bad = edit(cre, '<civilite code="1"/>', '<civilite/>');
    bad = edit(bad, '<commune code="93001"/>', '<commune code="931"/>');
    bad = edit(bad, '<prenom>Karim</prenom>', '<prenom>Karim</prenom><age>42</age>');
    const faulty = '<detailRessource><ressource code="XXX"/><montant>1</montant></detailRessource>';
    const worse = edit(cre, '<detailRessource><ressource code="SAL"/><montant>1620</montant></detailRessource>', faulty.repeat(30));
    const lot = bytes(lotOf([bad, worse, cre]));
    for (const limit of [1, 5, 20]) {
      const { fast, reference } = validateChildrenBothWays(lot, limit);
      expect(fast).toEqual(reference);
      expect(fast.map((diagnostics) => diagnostics.length)).toEqual([0, Math.min(limit, 3), Math.min(limit, 30), 0]);
    }
  });
});
