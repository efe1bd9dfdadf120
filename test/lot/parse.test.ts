import { describe, expect, it } from 'vitest';
import type { LotError } from '../../src/errors.js';
import { LIMITS } from '../../src/limits.js';
import { parseMessage } from '../../src/lot/messages.js';
import { parseLot } from '../../src/lot/parse.js';
import { validateDocument } from '../../src/lot/schema.js';
import { hasDemandeLogement, type Demande, type DemandeLue, type ParsedLot } from '../../src/lot/types.js';
import { bytes, demandeBlocks, edit, exampleText, fixtureText, lotOf } from './helpers.js';

function parsed(xml: string | Uint8Array): ParsedLot {
  const result = parseLot(typeof xml === 'string' ? bytes(xml) : xml);
  if (!result.ok) throw new Error(`expected a parsed lot, got ${result.error.code}: ${result.error.message}`);
  return result.lot;
}

function refused(xml: string | Uint8Array): LotError {
  const result = parseLot(typeof xml === 'string' ? bytes(xml) : xml);
  if (result.ok) throw new Error('expected the lot to be refused');
  return result.error;
}

function demande(lue: DemandeLue | undefined): Demande {
  if (lue === undefined || !lue.ok) throw new Error(`expected a readable demande, got ${JSON.stringify(lue)}`);
  return lue.demande;
}

function illisible(lue: DemandeLue | undefined) {
  if (lue === undefined || lue.ok) throw new Error('expected a DEM_SCHEMA demande');
  return lue;
}

describe('parseLot on the example lot of the spec', () => {
  const lot = parsed(exampleText());

  it('reads the entete', () => {
    expect(lot.entete).toEqual({
      guichet: 'G1104',
      identifiantLot: 'BX93-20261126-001',
      dateFichier: '2026-11-26T09:30:00+01:00',
      nombreDemandes: 3,
    });
    expect(lot.demandes.map((d) => d.ok)).toEqual([true, true, true]);
  });

  it('reads the création with its cotitulaire, child and communes in order', () => {
    const cre = demande(lot.demandes[0]);
    expect(cre).toMatchObject({ position: 1, reference: 'DOS-2026-00042', typeFichier: 'CRE' });
    if (!hasDemandeLogement(cre)) throw new Error('unexpected RAD or COP');
    const logement = cre.demandeLogement;
    expect(logement.numUnique).toBeUndefined();
    expect(logement.demandeur).toMatchObject({
      civilite: '2',
      nom: 'Lefèvre',
      nomPatronymique: 'Œuvray',
      prenom: 'Anaïs',
      dateNaissance: '1986-09-21',
      pieceIdentite: { code: 'CNI', numero: 'X4RTBPFW4' },
      mel: 'a.lefevre@exemple.fr',
      adressePostale: { etranger: false, numero: '12', voie: 'rue des Lilas', complement: 'Bâtiment B', codePostal: '93200', commune: { code: '93066', nom: 'Saint-Denis' } },
      situationProfessionnelle: { typeContratTravail: 'CDI', codePostal: '93200', commune: { nom: 'Saint-Denis' } },
      revenuFiscal: { anneeMoins1: 2025, montantMoins1: 18450, anneeMoins2: 2024, montantMoins2: 17900 },
      ressources: [{ code: 'SAL', montant: 1620 }, { code: 'AF', montant: 140 }],
    });
    expect(logement.cotitulaires).toHaveLength(1);
    expect(logement.cotitulaires[0]).toMatchObject({
      civilite: '1',
      prenom: 'Karim',
      nationalite: '3',
      pieceIdentite: { code: 'TITRE_SEJOUR', numero: '9912345678' },
      adressePostale: { codePostal: '93200', commune: { code: '93066' } },
      situationProfessionnelle: { typeContratTravail: 'CDD' },
      lienDemandeur: 'M',
      ressources: [],
    });
    expect(logement.cotitulaires[0]?.adressePostale?.commune).toEqual({ code: '93066' });
    expect(logement.personnesACharge).toEqual([{ nom: 'Lefèvre', prenom: 'Inès', dateNaissance: '2015-05-03', sexe: 'F', lienParente: 'E' }]);
    expect(logement.logementActuel).toEqual({ modelesLogement: ['LP'], montantMensuelLoyer: 890, nombreHabitant: 3 });
    expect(logement.motifs).toEqual(['13', '09']);
    expect(logement.logementRecherche).toEqual({
      categorieLogement: 'A',
      typesLogement: ['T3', 'T4'],
      communesSouhaitees: [{ code: '93066' }, { code: '93001' }, { code: '75056' }],
    });
  });

  it('reads the renouvellement with its numéro unique and an empty commune', () => {
    const ren = demande(lot.demandes[1]);
    if (!hasDemandeLogement(ren)) throw new Error('unexpected RAD or COP');
    expect(ren).toMatchObject({ position: 2, reference: 'DOS-2025-00017', typeFichier: 'REN' });
    expect(ren.demandeLogement.numUnique).toBe('1111125000412G1104');
    expect(ren.demandeLogement.demandeur.prenom).toBe('Văn Minh');
    expect(ren.demandeLogement.demandeur.adressePostale?.commune).toEqual({});
    expect(ren.demandeLogement.cotitulaires).toEqual([]);
    expect(ren.demandeLogement.logementRecherche.categorieLogement).toBeUndefined();
  });

  it('reads the radiation', () => {
    expect(demande(lot.demandes[2])).toEqual({
      position: 3,
      reference: 'DOS-2024-00311',
      typeFichier: 'RAD',
      radiation: { numUnique: '1110524000107G1104', motif: 'RADATT', dateEffet: '2026-11-20' },
    });
  });
});

describe('parseLot on the demo fixtures', () => {
  it('reads the three valid créations of G1104', () => {
    const lot = parsed(fixtureText('lot-g1104-valide.xml'));
    expect(lot.entete).toMatchObject({ guichet: 'G1104', identifiantLot: 'G1104-DEMO-001', nombreDemandes: 3 });
    const demandes = lot.demandes.map(demande);
    expect(demandes.map((d) => d.typeFichier)).toEqual(['CRE', 'CRE', 'CRE']);
    const second = demandes[1];
    expect(second !== undefined && hasDemandeLogement(second) && second.demandeLogement.demandeur.nom).toBe('Nguyễn Thị');
    const first = demandes[0];
    expect(first !== undefined && hasDemandeLogement(first) && first.demandeLogement.demandeur.ressources[1]).toEqual({ code: 'AF', montant: 140.5 });
  });

  it('rejects only the second demande of G1301, at its civilite', () => {
    const lot = parsed(fixtureText('lot-g1301-rejets.xml'));
    expect(lot.entete.guichet).toBe('G1301');
    expect(lot.demandes.map((d) => d.ok)).toEqual([true, false, true]);
    const bad = illisible(lot.demandes[1]);
    expect(bad).toMatchObject({ position: 2, reference: 'MRS-2026-0102', typeFichier: 'CRE' });
    expect(bad.errors).toEqual([
      {
        code: 'DEM_SCHEMA',
        chemin: '/lot/demande[2]/demandeLogement/personnePhysique/demandeur/civilite/@code',
        valeur: '9',
        message: "Valeur « 9 » de l'attribut code de <civilite> non admise : valeurs attendues 1, 2, 3.",
      },
    ]);
    const nice = demande(lot.demandes[2]);
    expect(hasDemandeLogement(nice) && nice.demandeLogement.logementRecherche.communesSouhaitees).toEqual([{ code: '06088' }]);
  });
});

describe('DEM_SCHEMA: one bad demande among good ones', () => {
  const blocks = demandeBlocks(exampleText());
  const [cre, ren, rad] = blocks as [string, string, string];

  it('rejects that demande alone, each fault with its chemin, value and French message', () => {
    let bad = edit(ren, '<typeLogement code="T1"/>', '<typeLogement code="T1"/><typeLogement code="T9"/>');
    bad = edit(bad, '<dateNaissance>1979-12-30</dateNaissance>', '<dateNaissance>30/12/1979</dateNaissance>');
    const lot = parsed(lotOf([cre, bad, rad, cre.replace('DOS-2026-00042', 'DOS-2026-00043')]));
    expect(lot.demandes.map((d) => d.ok)).toEqual([true, false, true, true]);
    const errors = illisible(lot.demandes[1]).errors;
    expect(errors).toEqual([
      {
        code: 'DEM_SCHEMA',
        chemin: '/lot/demande[2]/demandeLogement/personnePhysique/demandeur/dateNaissance',
        valeur: '30/12/1979',
        message: 'Valeur « 30/12/1979 » de <dateNaissance> non conforme : attendu une date réelle AAAA-MM-JJ sans fuseau horaire (p. ex. 1988-03-14).',
      },
      {
        code: 'DEM_SCHEMA',
        chemin: '/lot/demande[2]/demandeLogement/logementRecherche/listeTypeLogement/typeLogement[2]/@code',
        valeur: 'T9',
        message: "Valeur « T9 » de l'attribut code de <typeLogement> non admise : valeurs attendues C, T1, T2, T3, T4, T5, T6P.",
      },
    ]);
    expect(demande(lot.demandes[3]).reference).toBe('DOS-2026-00043');
  });

  it('names an unexpected or missing element and what was expected', () => {
    const unexpected = edit(cre, '<prenom>Karim</prenom>', '<prenom>Karim</prenom><age>42</age>');
    const missing = edit(cre, '<listeMotif><motif code="13"/><motif code="09"/></listeMotif>', '');
    const lot = parsed(lotOf([unexpected, missing]));
    expect(illisible(lot.demandes[0]).errors[0]).toMatchObject({
      chemin: '/lot/demande[1]/demandeLogement/personnePhysique/listeCotitulaire/cotitulaire/age',
      message: 'Élément <age> inattendu à cet endroit : attendu <dateNaissance> ou <nationalite>.',
    });
    expect(illisible(lot.demandes[1]).errors[0]).toMatchObject({
      chemin: '/lot/demande[2]/demandeLogement/logementRecherche',
      message: 'Élément <logementRecherche> inattendu à cet endroit : attendu <listeMotif>.',
    });
  });

  it('reports a missing attribute at its path and a pattern with its expected form', () => {
    let bad = edit(cre, '<civilite code="1"/>', '<civilite/>');
    bad = edit(bad, '<commune code="93001"/>', '<commune code="931"/>');
    const errors = illisible(parsed(lotOf([bad])).demandes[0]).errors;
    expect(errors.map((e) => e.chemin)).toEqual([
      '/lot/demande[1]/demandeLogement/personnePhysique/listeCotitulaire/cotitulaire/civilite/@code',
      '/lot/demande[1]/demandeLogement/logementRecherche/listeLocalisationSouhaite/localisationSouhaite[2]/commune/@code',
    ]);
    expect(errors[0]?.message).toBe('Attribut code obligatoire absent de <civilite>.');
    expect(errors[1]?.message).toContain('code INSEE de commune de 5 caractères');
  });

  it('keeps reference and typeFichier when readable, and drops them when not', () => {
    const noAttributes = cre.replace('typeFichier="CRE" reference="DOS-2026-00042"', 'typeFichier="XXX"');
    const lot = parsed(lotOf([noAttributes]));
    const bad = illisible(lot.demandes[0]);
    expect(bad.reference).toBeUndefined();
    expect(bad.typeFichier).toBeUndefined();
    expect(bad.errors.map((e) => e.chemin)).toEqual(['/lot/demande[1]/@typeFichier', '/lot/demande[1]/@reference']);
  });

  it.each([
    ['a CRE with a numUnique', () => edit(cre, '<demandeLogement>', '<demandeLogement><numUnique>1111125000412G1104</numUnique>'), '/lot/demande[1]/demandeLogement/numUnique'],
    ['a REN without numUnique', () => edit(ren, '<numUnique>1111125000412G1104</numUnique>', ''), '/lot/demande[1]/demandeLogement'],
    ['a MOD without numUnique', () => edit(ren, '<numUnique>1111125000412G1104</numUnique>', '').replace('"REN"', '"MOD"'), '/lot/demande[1]/demandeLogement'],
    ['a RAD carrying a demandeLogement', () => cre.replace('"CRE"', '"RAD"'), '/lot/demande[1]/demandeLogement'],
    ['a CRE carrying a radiation', () => rad.replace('"RAD"', '"CRE"'), '/lot/demande[1]/radiation'],
    ['a RADIRR without sousMotif', () => rad.replace('RADATT', 'RADIRR'), '/lot/demande[1]/radiation'],
    ['a sousMotif without RADIRR', () => edit(rad, '<motif code="RADATT"/>', '<motif code="RADATT"/><sousMotif code="IRRSEJ"/>'), '/lot/demande[1]/radiation/sousMotif'],
  ])('refuses %s (a co-constraint the XSD cannot express)', (_name, make, chemin) => {
    const bad = illisible(parsed(lotOf([make()])).demandes[0]);
    expect(bad.errors).toHaveLength(1);
    expect(bad.errors[0]).toMatchObject({ code: 'DEM_SCHEMA', chemin });
  });

  // Issue 15, point 4: locating each of 20,000 errors walked the tree (> 4 min for one demande).
  it('a demande with 20,000 faulty elements: 20 errors, the first ones, found without locating the rest', () => {
    const faulty = '<detailRessource><ressource code="XXX"/><montant>1</montant></detailRessource>'.repeat(20_000);
    const poison = edit(cre, '<detailRessource><ressource code="SAL"/><montant>1620</montant></detailRessource>', faulty);
    const lot = parsed(lotOf([poison, cre.replace('DOS-2026-00042', 'DOS-2026-00043')]));
    const errors = illisible(lot.demandes[0]).errors;
    expect(errors).toHaveLength(20);
    expect(errors.map((e) => e.chemin)).toEqual(
      Array.from({ length: 20 }, (_, i) => `/lot/demande[1]/demandeLogement/personnePhysique/demandeur/listeRessourceRecue/detailRessource[${i + 1}]/ressource/@code`),
    );
    expect(errors[0]).toMatchObject({ code: 'DEM_SCHEMA', valeur: 'XXX' });
    expect(lot.demandes[1]?.ok).toBe(true);
  }, 30_000);

  it('accepts a RADIRR with its sousMotif, and a MOD with its numUnique', () => {
    const irr = edit(rad, '<motif code="RADATT"/>', '<motif code="RADIRR"/><sousMotif code="IRRRES"/>');
    const lot = parsed(lotOf([irr, ren.replace('"REN"', '"MOD"')]));
    expect(demande(lot.demandes[0])).toMatchObject({ radiation: { motif: 'RADIRR', sousMotif: 'IRRRES' } });
    expect(demande(lot.demandes[1]).typeFichier).toBe('MOD');
  });
});

describe('dateReception on a demande (spec 3.2)', () => {
  const [cre, ren] = demandeBlocks(exampleText()) as [string, string];
  const dated = (value: string) => edit(cre, 'reference="DOS-2026-00042"', `reference="DOS-2026-00042" dateReception="${value}"`);

  it('reads it into the demande, and leaves it absent when not given', () => {
    const lot = parsed(lotOf([dated('2026-11-20'), ren]));
    expect(demande(lot.demandes[0]).dateReception).toBe('2026-11-20');
    expect(demande(lot.demandes[1])).not.toHaveProperty('dateReception');
  });

  it.each(['20/11/2026', '2026-02-30', '2026-11-20+01:00'])('refuses %s as DEM_SCHEMA at @dateReception, the other demandes going on', (value) => {
    const lot = parsed(lotOf([dated(value), ren]));
    expect(lot.demandes.map((d) => d.ok)).toEqual([false, true]);
    const errors = illisible(lot.demandes[0]).errors;
    expect(errors).toEqual([{ code: 'DEM_SCHEMA', chemin: '/lot/demande[1]/@dateReception', valeur: value, message: expect.any(String) }]);
    expect(errors[0]!.message).toMatch(new RegExp(`^Valeur « ${value.replace('+', '\\+')} » de l'attribut dateReception de <demande> non conforme : attendu une date (réelle )?AAAA-MM-JJ sans fuseau horaire`));
  });
});

describe('lot-level refusals', () => {
  const example = exampleText();

  it('LOT_XML: not well-formed, with the line and a French message', () => {
    const error = refused(edit(example, '<prenom>Karim</prenom>', '<prenom>Karim</prenam>'));
    expect(error.code).toBe('LOT_XML');
    expect(error.message).toMatch(/^Le fichier du lot n'est pas un document XML bien formé \(ligne 57/);
    expect(error.message).toContain('balise de fin </prenam> inattendue');
  });

  it('LOT_XML: an undefined entity', () => {
    const error = refused(edit(example, '<voie>rue des Lilas</voie>\n            <complement>', '<voie>rue &lilas;</voie>\n            <complement>'));
    expect(error.code).toBe('LOT_XML');
    expect(error.message).toContain('&lilas;');
  });

  it('LOT_XML: a DOCTYPE, even harmless', () => {
    const error = refused(example.replace('<lot ', '<!DOCTYPE lot>\n<lot '));
    expect(error).toMatchObject({ code: 'LOT_XML' });
    expect(error.message).toContain('DOCTYPE');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(example.replace('encoding="UTF-8"', 'encoding="UTF-16"').replace('<lot ', '<!DOCTYPE lot>\n<lot '), 'utf16le')]);
    expect(refused(new Uint8Array(utf16)).message).toContain('DOCTYPE');
  });

  it('LOT_XML: billion laughs', () => {
    const entities = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('\n');
    const xml = `<?xml version="1.0"?>\n<!DOCTYPE lot [\n<!ENTITY lol0 "lol">\n${entities}\n]>\n<lot xmlns="urn:sne-gateway:lot:1" version="1.0">&lol9;</lot>`;
    expect(refused(xml).code).toBe('LOT_XML');
  });

  it('LOT_XML: an external entity to /etc/passwd, without reading it', () => {
    const xml = example.replace('<lot ', '<!DOCTYPE lot [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<lot ').replace('<nom>Nguyen</nom>', '<nom>&xxe;</nom>');
    const error = refused(xml);
    expect(error.code).toBe('LOT_XML');
    expect(JSON.stringify(error)).not.toContain('root:');
  });

  it('LOT_XML: an entity declaration outside a DOCTYPE, and a parameter entity', () => {
    expect(refused(example.replace('<lot ', '<!ENTITY x "y">\n<lot ')).code).toBe('LOT_XML');
    expect(refused(example.replace('<lot ', '<!DOCTYPE lot [<!ENTITY % p SYSTEM "http://exemple.fr/x.dtd"> %p;]>\n<lot ')).code).toBe('LOT_XML');
  });

  it('does not mistake a DOCTYPE quoted in a comment, a CDATA section or an attribute for a real one', () => {
    let xml = example.replace('<lot ', '<!-- <!DOCTYPE lot> -->\n<lot ');
    xml = edit(xml, '<numero>12</numero>\n            <voie>rue des Lilas</voie>\n            <complement>', '<numero>12</numero>\n            <voie>rue > <![CDATA[<!DOCTYPE]]></voie>\n            <complement>');
    const lot = parsed(xml);
    const cre = demande(lot.demandes[0]);
    expect(hasDemandeLogement(cre) && cre.demandeLogement.demandeur.adressePostale?.voie).toBe('rue > <!DOCTYPE');
  });

  it(`LOT_XML: nesting deeper than ${LIMITS.xmlDepth}`, () => {
    const depth = LIMITS.xmlDepth + 1;
    const deep = `${'<x>'.repeat(depth - 1)}${'</x>'.repeat(depth - 1)}`;
    const error = refused(edit(example, '<complement>Bâtiment B</complement>', `<complement>${deep}</complement>`));
    expect(error.code).toBe('LOT_XML');
    expect(error.details).toMatchObject({ limit: 'xmlDepth', max: LIMITS.xmlDepth });
    expect(error.message).toContain('imbrication');
    // Self-closing tags and attribute values holding ">" do not count as depth.
    const flat = `<x a=">>"/>`.repeat(200);
    const lot = parsed(edit(example, '<complement>Bâtiment B</complement>', `<complement>${flat}</complement>`));
    expect(illisible(lot.demandes[0]).errors[0]?.message).toBe("L'élément <complement> ne peut contenir que du texte, pas d'éléments.");
  });

  it('LOT_XML: an encoding that lies or is not admitted', () => {
    const utf8DeclaredLatin1 = example.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"');
    const latin1DeclaredUtf8 = Buffer.from(example, 'latin1');
    const latin1Undeclared = Buffer.from(example.replace('<?xml version="1.0" encoding="UTF-8"?>', ''), 'latin1');
    const bomWithLatin1 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(utf8DeclaredLatin1)]);
    const utf16Declared = example.replace('encoding="UTF-8"', 'encoding="UTF-16"');
    const ebcdic = example.replace('encoding="UTF-8"', 'encoding="EBCDIC-CP-FR"');
    for (const lie of [utf8DeclaredLatin1, latin1DeclaredUtf8, latin1Undeclared, bomWithLatin1, utf16Declared, ebcdic]) {
      const error = refused(typeof lie === 'string' ? lie : new Uint8Array(lie));
      expect(error.code).toBe('LOT_XML');
      expect(error.message).toMatch(/encodage/);
    }
  });

  it('honours a truthful ISO-8859-1, windows-1252 or UTF-16 lot', () => {
    const latin1 = Buffer.from(example.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace('Văn Minh', 'Van Minh'), 'latin1');
    const cp1252 = Buffer.from(example.replace('encoding="UTF-8"', 'encoding="windows-1252"').replace('Văn Minh', 'Van Minh').replace('Œuvray', 'OEuvray'), 'latin1');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(example.replace('encoding="UTF-8"', 'encoding="UTF-16"'), 'utf16le')]);
    for (const [input, prenom] of [[latin1, 'Van Minh'], [cp1252, 'Van Minh'], [utf16, 'Văn Minh']] as const) {
      const lot = parsed(new Uint8Array(input));
      const cre = demande(lot.demandes[0]);
      const ren = demande(lot.demandes[1]);
      expect(hasDemandeLogement(cre) && cre.demandeLogement.demandeur.nom).toBe('Lefèvre');
      expect(hasDemandeLogement(ren) && ren.demandeLogement.demandeur.prenom).toBe(prenom);
    }
  });

  it('LOT_XML: a wrong root element or namespace', () => {
    expect(refused(example.replace('xmlns="urn:sne-gateway:lot:1"', 'xmlns="urn:sne-gateway:lot:2"')).message).toContain('urn:sne-gateway:lot:2');
    expect(refused(example.replace('xmlns="urn:sne-gateway:lot:1" ', '')).code).toBe('LOT_XML');
    expect(refused('<envoi xmlns="urn:sne-gateway:lot:1" version="1.0"/>').code).toBe('LOT_XML');
  });

  it('accepts a prefixed namespace and an xsi:schemaLocation', () => {
    const prefixed = example
      .replace(/<(\/?)([a-zA-Z0-9]+)([\s>/])/g, (_m, slash: string, name: string, after: string) => `<${slash}s:${name}${after}`)
      .replace('xmlns="urn:sne-gateway:lot:1"', 'xmlns:s="urn:sne-gateway:lot:1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:sne-gateway:lot:1 lot-1.xsd"');
    expect(prefixed).toContain('<s:demandeur>');
    expect(parsed(prefixed).demandes.map((d) => d.ok)).toEqual([true, true, true]);
  });

  it('LOT_SCHEMA: an entete that breaks the schema, with a French message', () => {
    const error = refused(example.replace('<guichet>G1104</guichet>', '<guichet>g-1104</guichet>'));
    expect(error.code).toBe('LOT_SCHEMA');
    expect(error.message).toContain('<guichet>');
    expect(error.message).toContain('code guichet de 5 caractères');
    expect(error.details).toMatchObject({ chemin: '/lot/entete/guichet' });
    expect(refused(example.replace(/<identifiantLot>.*<\/identifiantLot>/, '')).code).toBe('LOT_SCHEMA');
    expect(refused(example.replace('<nombreDemandes>3', '<nombreDemandes>trois')).code).toBe('LOT_SCHEMA');
  });

  it('LOT_SCHEMA: the lot envelope (version, order, stray elements)', () => {
    expect(refused(example.replace('<lot xmlns="urn:sne-gateway:lot:1" version="1.0">', '<lot xmlns="urn:sne-gateway:lot:1">')).code).toBe('LOT_SCHEMA');
    expect(refused(example.replace('lot:1" version="1.0"', 'lot:1" version="2.0"')).code).toBe('LOT_SCHEMA');
    expect(refused(example.replace('</lot>', '<commentaire>fin</commentaire></lot>')).code).toBe('LOT_SCHEMA');
    expect(refused(example.replace('</lot>', 'texte libre</lot>')).code).toBe('LOT_SCHEMA');
    const enteteLast = example.replace(/(<entete>[\s\S]*<\/entete>)([\s\S]*)(<\/lot>)/, '$2$1$3');
    expect(refused(enteteLast).code).toBe('LOT_SCHEMA');
  });

  it('LOT_NOMBRE: nombreDemandes differs from the count of demandes', () => {
    const error = refused(example.replace('<nombreDemandes>3', '<nombreDemandes>4'));
    expect(error).toMatchObject({ code: 'LOT_NOMBRE', details: { annonce: 4, lu: 3 } });
    expect(refused(lotOf([], 1)).code).toBe('LOT_NOMBRE');
  });

  it('LOT_TAILLE: more demandes than the limit, before validating any', () => {
    const count = LIMITS.demandesPerLot + 1;
    const error = refused(lotOf(Array.from({ length: count }, () => '<demande/>'), count));
    expect(error).toMatchObject({ code: 'LOT_TAILLE', details: { limit: 'demandesPerLot', actual: count } });
  });

  it('LOT_TAILLE: an XML over the size limit', () => {
    const big = new Uint8Array(LIMITS.xmlBytes + 1).fill(0x20);
    big.set(bytes(exampleText()), 0);
    expect(refused(big)).toMatchObject({ code: 'LOT_TAILLE', details: { limit: 'xmlBytes' } });
  });

  it('accepts an empty lot that says so', () => {
    expect(parsed(lotOf([], 0)).demandes).toEqual([]);
  });
});

describe('a large lot', () => {
  it('parses 1,000 demandes (~4 MB), one bad one rejected alone (speed is measured by the benchmark)', () => {
    const cre = demandeBlocks(exampleText())[0] as string;
    const blocks = Array.from({ length: 1000 }, (_, i) => cre.replace('DOS-2026-00042', `DOS-${i}`));
    const good = bytes(lotOf(blocks));
    const bad = bytes(lotOf(blocks.map((b, i) => (i === 500 ? b.replace('<civilite code="2"/>', '<civilite code="0"/>') : b))));
    parseLot(good); // warm-up: compiles the schema once per process
    for (const [input, valid] of [[good, 1000], [bad, 999]] as const) {
      expect(parsed(input).demandes.filter((d) => d.ok)).toHaveLength(valid);
    }
    expect(illisible(parsed(bad).demandes[500]).errors[0]?.chemin).toBe('/lot/demande[501]/demandeLogement/personnePhysique/demandeur/civilite/@code');
  });
});

// Issue 15, point 12: libxml2 parses the lot a batch of demandes at a time (layout.ts,
// batches.ts); what it reports must be what it reports on the whole document.
describe('a lot parsed in batches', () => {
  const cre = demandeBlocks(exampleText())[0] as string;
  const blocks = Array.from({ length: 1000 }, (_, i) => cre.replace('DOS-2026-00042', `DOS-${i + 1}`));
  const at = (position: number, from: string, to: string) => blocks.map((b, i) => (i === position - 1 ? edit(b, from, to) : b));
  /** libxml2's message for the whole document, as parseLot words it. */
  function wholeDocumentError(text: string): string {
    const whole = validateDocument(bytes(text));
    expect(whole.wellFormed).toBe(false);
    const first = whole.errors[0]!;
    return parseMessage(first.message, first.line, first.column);
  }

  it.each([
    ['a mismatched end tag', () => lotOf(at(900, '<prenom>Karim</prenom>', '<prenom>Karim</prenam>'))],
    ['an undefined entity', () => lotOf(at(900, '<prenom>Karim</prenom>', '<prenom>&karim;</prenom>'))],
    ['a lot cut short', () => lotOf(blocks).slice(0, lotOf(blocks).indexOf('DOS-700') + 500)],
    ['a fault on the line a batch starts', () => lotOf(blocks).replace(/<\/demande>\n/g, '</demande>').replace('reference="DOS-900"', 'reference="DOS-900" reference="x"')],
    ['garbage after </lot>', () => `${lotOf(blocks)}<autre/>`],
  ])('LOT_XML for %s, at the line and column libxml2 gives for the whole document', (_name, make) => {
    const text = make();
    const error = refused(text);
    expect(error.code).toBe('LOT_XML');
    expect(error.message).toBe(wholeDocumentError(text));
  });

  it('LOT_SCHEMA for a stray element or text among the last demandes', () => {
    expect(refused(lotOf(at(990, '</demande>', '</demande><commentaire>fin</commentaire>'), 1000)).message).toContain('<commentaire>');
    const foreign = refused(lotOf(at(990, '</demande>', '</demande><demande xmlns="urn:autre"/>'), 1001));
    expect(foreign).toMatchObject({ code: 'LOT_SCHEMA' });
    expect(foreign.message).toContain('urn:autre');
    expect(refused(lotOf(at(990, '</demande>', '</demande>texte'))).code).toBe('LOT_SCHEMA');
    expect(refused(lotOf(at(990, '</demande>', '</demande><![CDATA[x]]>'))).code).toBe('LOT_SCHEMA');
  });

  it('is not misled by comments, CDATA, processing instructions and attribute values holding markup', () => {
    const decorated = blocks.map((b, i) =>
      i % 97 === 0
        ? `<!-- <demande> </lot> -->${b.replace('<voie>rue des Lilas</voie>', '<voie><![CDATA[</demande></lot>]]><?pi </demande>?></voie>').replace('numero="X4RTBPFW4"', 'numero="&gt;>&lt;/demande>"')}`
        : b,
    );
    const lot = parsed(lotOf(decorated));
    expect(lot.demandes.map((d) => d.ok)).toEqual(blocks.map(() => true));
    const numero = (n: number) => {
      const d = demande(lot.demandes[n]);
      return hasDemandeLogement(d) && d.demandeLogement.demandeur.pieceIdentite?.numero;
    };
    expect([numero(970), numero(971)]).toEqual(['>></demande>', 'X4RTBPFW4']);
    const voie = (n: number) => {
      const d = demande(lot.demandes[n]);
      return hasDemandeLogement(d) && d.demandeLogement.demandeur.adressePostale?.voie;
    };
    expect([voie(970), voie(971)]).toEqual(['</demande></lot>', 'rue des Lilas']);
    expect(demande(lot.demandes[999]).reference).toBe('DOS-1000');
  });

  it('keeps the positions of the demandes in every batch', () => {
    const lot = parsed(lotOf(at(999, '<civilite code="2"/>', '<civilite code="0"/>')));
    expect(lot.demandes.map((d) => (d.ok ? d.demande.position : d.position))).toEqual(blocks.map((_, i) => i + 1));
    expect(illisible(lot.demandes[998]).errors[0]?.chemin).toBe('/lot/demande[999]/demandeLogement/personnePhysique/demandeur/civilite/@code');
  });

  it('reads a prefixed namespace in every batch', () => {
    const prefixed = lotOf(blocks)
      .replace(/<(\/?)([a-zA-Z0-9]+)([\s>/])/g, (_m, slash: string, name: string, after: string) => `<${slash}s:${name}${after}`)
      .replace('xmlns="urn:sne-gateway:lot:1"', 'xmlns:s="urn:sne-gateway:lot:1"');
    expect(parsed(prefixed).demandes.filter((d) => d.ok)).toHaveLength(1000);
  });

  it(`LOT_XML: one child of <lot> over ${LIMITS.xmlChildBytes} bytes, before libxml2 parses it`, () => {
    const huge = `<!--${' '.repeat(LIMITS.xmlChildBytes)}-->`;
    const error = refused(lotOf(at(10, '<demandeLogement>', `<demandeLogement>${huge}`)));
    expect(error).toMatchObject({ code: 'LOT_XML', details: { limit: 'xmlChildBytes', max: LIMITS.xmlChildBytes } });
    // The same for what follows the root, even an empty one.
    expect(refused(`${lotOf(blocks)}${huge}`).details).toMatchObject({ limit: 'xmlChildBytes' });
    expect(refused(`<lot xmlns="urn:sne-gateway:lot:1" version="1.0"/>${huge}`).details).toMatchObject({ limit: 'xmlChildBytes' });
  });
});
