import { readFileSync } from 'node:fs';
import { XmlDocument, XsdValidator, type XmlElement } from 'libxml2-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMANDE_ERRORS, LOT_ERRORS, demandeError, lotError } from '../../src/errors.js';
import {
  COMPTE_RENDU_NAMESPACE,
  buildCompteRendu,
  formatDateTime,
  resultatIllisible,
  statutDuLot,
} from '../../src/replies/compte-rendu.js';
import type { CompteRenduData } from '../../src/replies/types.js';

const schemaPath = new URL('../../schemas/compte-rendu-1.xsd', import.meta.url);
const ns = { cr: COMPTE_RENDU_NAMESPACE };
let schemaDoc: XmlDocument;
let validator: XsdValidator;

beforeAll(() => {
  schemaDoc = XmlDocument.fromString(readFileSync(schemaPath, 'utf8'));
  validator = XsdValidator.fromDoc(schemaDoc);
});
afterAll(() => {
  validator.dispose();
  schemaDoc.dispose();
});

/** Parses and validates `xml`, hands the document to `check`, always frees it. */
function withValid<T>(xml: string, check: (doc: XmlDocument) => T): T {
  const doc = XmlDocument.fromString(xml);
  try {
    validator.validate(doc);
    return check(doc);
  } finally {
    doc.dispose();
  }
}

function isValid(xml: string): boolean {
  const doc = XmlDocument.fromString(xml);
  try {
    validator.validate(doc);
    return true;
  } catch {
    return false;
  } finally {
    doc.dispose();
  }
}

const attr = (doc: XmlDocument, xpath: string, name: string): string | undefined =>
  (doc.get(xpath, ns) as XmlElement | null)?.attr(name)?.value;

const lot = {
  guichet: 'G1104',
  identifiantLot: 'BX75-20261126-001',
  messageId: '<lot-42@guichet.exemple.fr>',
  recu: new Date('2026-11-26T08:31:02Z'),
  traite: new Date('2026-11-26T08:31:04.350Z'),
  empreinte: `sha256:${'ab'.repeat(32)}`,
  version: 1,
};

/** The spec 5.1 example: one registration, one rejection with a Cedex error. */
const partiel: CompteRenduData = {
  lot: { ...lot, statut: 'PARTIEL' },
  erreurs: [],
  resultats: [
    {
      position: 1,
      reference: 'DOS-2026-00042',
      typeFichier: 'CRE',
      statut: 'ENREGISTREE',
      numUnique: '1111126000001G1104',
      dateDepot: '2026-11-26',
      dateEcheance: '2027-11-26',
      erreurs: [],
    },
    {
      position: 2,
      reference: 'DOS-2026-00043',
      typeFichier: 'CRE',
      statut: 'REJETEE',
      erreurs: [
        demandeError(
          'DEM_CEDEX',
          '/lot/demande[2]/demandeLogement/personnePhysique/demandeur/situationProfessionnelle/codePostal',
          {
            valeur: '93736',
            suggestion: '93000',
            message: 'Code postal Cedex non admis : utilisez le code postal de référence de la commune (93000 Bobigny).',
          },
        ),
        demandeError('DEM_COMMUNE_INCONNUE', '/lot/demande[2]/demandeLogement/personnePhysique/demandeur/adressePostale/commune', {
          valeur: `St-Denis <&"'> l'Île`,
          suggestion: 'Saint-Denis',
          message: `La commune « St-Denis <&"'> » n'existe pas : vouliez-vous dire « Saint-Denis » ?`,
        }),
      ],
    },
  ],
};

describe('buildCompteRendu', () => {
  it('reproduces the shape of the spec 5.1 example and validates', () => {
    const xml = buildCompteRendu(partiel);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    withValid(xml, (doc) => {
      const root = doc.root;
      expect(root.name).toBe('compteRendu');
      expect(root.namespaceUri).toBe(COMPTE_RENDU_NAMESPACE);
      expect(root.attr('version')?.value).toBe('1.0');
      expect(attr(doc, '/cr:compteRendu/cr:lot', 'guichet')).toBe('G1104');
      expect(attr(doc, '/cr:compteRendu/cr:lot', 'identifiantLot')).toBe('BX75-20261126-001');
      expect(attr(doc, '/cr:compteRendu/cr:lot', 'messageId')).toBe('<lot-42@guichet.exemple.fr>');
      expect(attr(doc, '/cr:compteRendu/cr:lot', 'recu')).toBe('2026-11-26T09:31:02+01:00');
      expect(attr(doc, '/cr:compteRendu/cr:lot', 'traite')).toBe('2026-11-26T09:31:04+01:00');
      expect(attr(doc, '/cr:compteRendu/cr:lot', 'statut')).toBe('PARTIEL');
      expect(attr(doc, '/cr:compteRendu/cr:lot', 'version')).toBe('1');
      expect(doc.find('/cr:compteRendu/cr:erreur', ns)).toHaveLength(0);
      const resultats = doc.find('/cr:compteRendu/cr:resultat', ns) as XmlElement[];
      expect(resultats.map((r) => r.attr('reference')?.value)).toEqual(['DOS-2026-00042', 'DOS-2026-00043']);
      expect(attr(doc, '/cr:compteRendu/cr:resultat[1]', 'numUnique')).toBe('1111126000001G1104');
      expect(attr(doc, '/cr:compteRendu/cr:resultat[1]', 'dateEcheance')).toBe('2027-11-26');
      expect(doc.find('/cr:compteRendu/cr:resultat[1]/cr:erreur', ns)).toHaveLength(0);
      const cedex = doc.get('/cr:compteRendu/cr:resultat[2]/cr:erreur[1]', ns) as XmlElement;
      expect(cedex.attr('code')?.value).toBe('DEM_CEDEX');
      expect(cedex.attr('valeur')?.value).toBe('93736');
      expect(cedex.attr('suggestion')?.value).toBe('93000');
      expect(cedex.content).toContain('93000 Bobigny');
    });
  });

  it('puts ecole="true" on the root of a base école\'s compte rendu, which the schema admits; none on the real one\'s', () => {
    withValid(buildCompteRendu(partiel, { ecole: true }), (doc) => {
      expect(doc.root.attr('ecole')?.value).toBe('true');
      expect(doc.root.attr('version')?.value).toBe('1.0');
    });
    withValid(buildCompteRendu(partiel), (doc) => expect(doc.root.attr('ecole')).toBeNull());
    expect(buildCompteRendu(partiel, { ecole: false })).toBe(buildCompteRendu(partiel));
    // The attribute says "école" or nothing: a compte rendu cannot claim to be a real one's.
    expect(isValid(buildCompteRendu(partiel, { ecole: true }).replace('ecole="true"', 'ecole="false"'))).toBe(false);
  });

  it('escapes special characters of values taken from the lot', () => {
    const xml = buildCompteRendu(partiel);
    withValid(xml, (doc) => {
      const erreur = doc.get('/cr:compteRendu/cr:resultat[2]/cr:erreur[2]', ns) as XmlElement;
      expect(erreur.attr('valeur')?.value).toBe(`St-Denis <&"'> l'Île`);
      expect(erreur.content).toBe(`La commune « St-Denis <&"'> » n'existe pas : vouliez-vous dire « Saint-Denis » ?`);
      expect(erreur.attr('chemin')?.value).toMatch(/^\/lot\/demande\[2\]\//);
    });
  });

  it('writes an accepted lot of every operation, in the given order', () => {
    const data: CompteRenduData = {
      lot: { ...lot, statut: 'ACCEPTE', version: 3 },
      erreurs: [],
      resultats: (['RAD', 'CRE', 'MOD', 'REN'] as const).map((typeFichier, i) => ({
        position: i + 1,
        reference: `REF-${typeFichier}`,
        typeFichier,
        statut: ({ CRE: 'ENREGISTREE', REN: 'RENOUVELEE', MOD: 'MODIFIEE', RAD: 'RADIEE' } as const)[typeFichier],
        numUnique: `0931126${String(i + 1).padStart(6, '0')}G1104`,
        erreurs: [],
      })),
    };
    expect(statutDuLot(data)).toBe('ACCEPTE');
    withValid(buildCompteRendu(data), (doc) => {
      const resultats = doc.find('/cr:compteRendu/cr:resultat', ns) as XmlElement[];
      expect(resultats.map((r) => r.attr('reference')?.value)).toEqual(['REF-RAD', 'REF-CRE', 'REF-MOD', 'REF-REN']);
      expect(resultats.map((r) => r.attr('statut')?.value)).toEqual(['RADIEE', 'ENREGISTREE', 'MODIFIEE', 'RENOUVELEE']);
      expect(attr(doc, '/cr:compteRendu/cr:lot', 'version')).toBe('3');
    });
  });

  it('writes a lot refused before its XML was read: lot-level erreur only, no identifiantLot', () => {
    const data: CompteRenduData = {
      lot: { guichet: 'GDPUB', messageId: '<x@y>', recu: lot.recu, traite: lot.traite, statut: 'REJETE', version: 1 },
      erreurs: [lotError('LOT_DECHIFFREMENT')],
      resultats: [],
    };
    expect(statutDuLot(data)).toBe('REJETE');
    withValid(buildCompteRendu(data), (doc) => {
      const lotElement = doc.get('/cr:compteRendu/cr:lot', ns) as XmlElement;
      expect(lotElement.attr('identifiantLot')).toBeNull();
      expect(lotElement.attr('empreinte')).toBeNull();
      const erreurs = doc.find('/cr:compteRendu/cr:erreur', ns) as XmlElement[];
      expect(erreurs.map((e) => e.attr('code')?.value)).toEqual(['LOT_DECHIFFREMENT']);
      expect(erreurs[0]?.content).toBe(LOT_ERRORS.LOT_DECHIFFREMENT);
      expect(doc.find('/cr:compteRendu/cr:resultat', ns)).toHaveLength(0);
    });
  });

  it('leaves out a malformed identifiantLot rather than writing an invalid document', () => {
    const data: CompteRenduData = {
      lot: { ...lot, identifiantLot: 'lot avec espaces', statut: 'REJETE' },
      erreurs: [lotError('LOT_SCHEMA')],
      resultats: [],
    };
    withValid(buildCompteRendu(data), (doc) => {
      expect(attr(doc, '/cr:compteRendu/cr:lot', 'identifiantLot')).toBeUndefined();
    });
  });

  it('reports an unreadable demande by position, without reference nor typeFichier', () => {
    const illisible = resultatIllisible({
      position: 3,
      typeFichier: 'XYZ',
      errors: [demandeError('DEM_SCHEMA', '/lot/demande[3]', { message: 'Attribut « reference » absent.' })],
    });
    expect(illisible).toEqual({ position: 3, statut: 'REJETEE', erreurs: illisible.erreurs });
    const data: CompteRenduData = { lot: { ...lot, statut: 'REJETE' }, erreurs: [], resultats: [illisible] };
    expect(statutDuLot(data)).toBe('REJETE');
    withValid(buildCompteRendu(data), (doc) => {
      const resultat = doc.get('/cr:compteRendu/cr:resultat', ns) as XmlElement;
      expect(resultat.attr('position')?.value).toBe('3');
      expect(resultat.attr('reference')).toBeNull();
      expect(resultat.attr('typeFichier')).toBeNull();
      expect(attr(doc, '/cr:compteRendu/cr:resultat/cr:erreur', 'code')).toBe('DEM_SCHEMA');
    });
    expect(resultatIllisible({ position: 1, reference: 'A1', typeFichier: 'REN', errors: [] })).toMatchObject({
      reference: 'A1',
      typeFichier: 'REN',
    });
  });

  it('keeps tabs and newlines of values through a parse; replaces what XML cannot hold', () => {
    const data: CompteRenduData = {
      ...partiel,
      resultats: [
        {
          position: 1,
          reference: 'R1',
          typeFichier: 'CRE',
          statut: 'REJETEE',
          erreurs: [
            demandeError('DEM_SCHEMA', '/lot/demande[1]/x', {
              valeur: 'ligne 1\nligne 2\tfin\r\uFDD0n',
              suggestion: 'a\u0001b',
              message: 'deux\nlignes \uFDD0\uFDD0t',
            }),
          ],
        },
      ],
    };
    withValid(buildCompteRendu(data), (doc) => {
      const erreur = doc.get('/cr:compteRendu/cr:resultat/cr:erreur', ns) as XmlElement;
      expect(erreur.attr('valeur')?.value).toBe('ligne 1\nligne 2\tfin\r\uFDD0n');
      expect(erreur.attr('suggestion')?.value).toBe('a\uFFFDb');
      expect(erreur.content).toBe('deux\nlignes \uFDD0\uFDD0t');
    });
  });
});

describe('schemas/compte-rendu-1.xsd', () => {
  const xsd = readFileSync(schemaPath, 'utf8');
  const enumeration = (type: string): string[] => {
    const block = xsd.match(new RegExp(`<xs:simpleType name="${type}">([\\s\\S]*?)</xs:simpleType>`))?.[1] ?? '';
    return [...block.matchAll(/<xs:enumeration value="([A-Z_]+)"\/>/g)].map((m) => m[1] as string);
  };

  it('lists exactly the codes of src/errors.ts', () => {
    expect(enumeration('CodeErreurLot').sort()).toEqual(Object.keys(LOT_ERRORS).sort());
    expect(enumeration('CodeErreurDemande').sort()).toEqual(Object.keys(DEMANDE_ERRORS).sort());
  });

  it('refuses what a compte rendu must not hold', () => {
    const good = buildCompteRendu(partiel);
    expect(isValid(good)).toBe(true);
    expect(isValid(good.replace('code="DEM_CEDEX"', 'code="DEM_INVENTE"'))).toBe(false);
    expect(isValid(good.replace('statut="PARTIEL"', 'statut="OK"'))).toBe(false);
    expect(isValid(good.replace('2026-11-26T09:31:02+01:00', '2026-11-26T09:31:02'))).toBe(false);
    expect(isValid(good.replace(/empreinte="sha256:[0-9a-f]+"/, 'empreinte="md5:00"'))).toBe(false);
    expect(isValid(good.replace('version="1"/>', 'version="0"/>'))).toBe(false);
    expect(isValid(good.replace('numUnique="1111126000001G1104"', 'numUnique="1111326000001G1104"'))).toBe(false);
    expect(isValid(good.replace(' guichet="G1104"', ''))).toBe(false);
  });
});

describe('formatDateTime', () => {
  it('writes Paris local time with its offset, summer and winter', () => {
    expect(formatDateTime(new Date('2026-07-01T10:00:00Z'))).toBe('2026-07-01T12:00:00+02:00');
    expect(formatDateTime(new Date('2026-12-31T23:30:00Z'))).toBe('2027-01-01T00:30:00+01:00');
    expect(formatDateTime(new Date('2026-12-31T23:30:00Z'), 'UTC')).toBe('2026-12-31T23:30:00+00:00');
  });
});
