/**
 * Acceptance of spec 5.2 (CCH R.441-2-4), read back as a demandeur reads it: the text poppler's
 * `pdftotext` extracts from an attestation for a long accented name and ten communes (one page
 * and its annex) holds every mention the article requires, one assertion per mention.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderAttestation } from '../../src/replies/attestation/index.js';
import type { AttestationData } from '../../src/replies/types.js';
import { attestationCre, attestationRen, NOM_LONG, PRENOM_LONG } from './fixtures.js';

const run = promisify(execFile);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mentions-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * The PDF's text in reading order on one line, no-break spaces and ’ made plain, a compound name
 * cut at its hyphen joined again (pdfkit breaks only there, never inside a word); and its pages.
 */
async function lire(data: AttestationData): Promise<{ text: string; pages: number; file: string }> {
  const file = join(dir, `${data.kind}-${data.reference}.pdf`);
  await writeFile(file, await renderAttestation(data));
  const { stdout } = await run('pdftotext', ['-raw', file, '-']);
  const info = (await run('pdfinfo', [file])).stdout;
  return {
    text: stdout.replace(/-\n/g, '-').replace(/[\u00A0\u202F]/g, ' ').replace(/’/g, "'").replace(/\s+/g, ' '),
    pages: Number(/^Pages:\s+(\d+)/m.exec(info)?.[1]),
    file,
  };
}

const COMMUNES_EN_ORDRE =
  '1. Saint-Denis (93066) ; 2. Aubervilliers (93001) ; 3. Montreuil (93048) ; 4. Bobigny (93008) ; 5. Saint-Ouen-sur-Seine (93070) ; 6. Pantin (93055) ; 7. Drancy (93029) ; 8. Rosny-sous-Bois (93064) ; 9. Les Lilas (93045) ; 10. Stains (93072).';

/** Each mention of spec 5.2, and what the demandeur must be able to read for it. */
const MENTIONS_COMMUNES: readonly [string, readonly string[]][] = [
  ['nom du demandeur (accents, Ł, Ş, ễ, Œ)', [`Madame ${PRENOM_LONG} ${NOM_LONG}`]],
  ['adresse du demandeur', ['12 bis avenue du Président Salvador Allende, résidence des Tilleuls', 'Bâtiment B, escalier 3, 4e étage, porte gauche', '93200 Saint-Denis']],
  ['nom et adresse du guichet', ['Plaine Commune Habitat — Agence de Saint-Denis', '4 rue de la Poterie CS 40012 93200 Saint-Denis']],
  ['bailleurs des communes souhaitées', ['Bailleurs disposant de logements dans les communes souhaitées : Plaine Commune Habitat, Seine-Saint-Denis Habitat, CDC Habitat social, Immobilière 3F.']],
  ['commission de médiation : délai et adresse', ['délai « anormalement long »', 'saisir par écrit la commission de médiation', 'Commission de médiation DALO de la Seine-Saint-Denis, 1 esplanade Jean Moulin, 93000 Bobigny']],
  ['validité d\'un an', ['valable un an']],
  ['conditions de radiation', ['votre demande sera radiée et vous perdrez son ancienneté']],
  ['suivi de la demande (portail)', ['www.demande-logement-social.gouv.fr', 'consulter votre demande, la mettre à jour et la renouveler en ligne']],
  ['résumé : foyer, logement, communes souhaitées dans l\'ordre', ['Composition du foyer : 3 personnes.', 'Logement recherché : appartement (T3, T4).', COMMUNES_EN_ORDRE]],
  ['fondement', ["l'article R. 441-2-4 du code de la construction et de l'habitation"]],
  ['annexe : prochaines étapes', ['Annexe : les prochaines étapes et les pièces justificatives', 'Les prochaines étapes', '1. Votre demande est transmise à tous les bailleurs sociaux']],
  [
    'annexe : pièces justificatives de l\'arrêté',
    [
      'Les pièces justificatives',
      "une pièce d'identité du demandeur (carte nationale d'identité ou passeport) et, pour un ressortissant d'un pays hors de l'Union européenne",
      'un titre de séjour en cours de validité',
      "l'avis d'imposition de l'avant-dernière année",
      "d'après l'arrêté du 22 décembre 2020",
    ],
  ],
];

describe('every mention of spec 5.2 on the attestation', () => {
  it('CRE: numéro unique, date of registration, renewal date and window, médiation from that date', async () => {
    const { text, pages, file } = await lire(attestationCre);
    const mentions: [string, readonly string[]][] = [
      ...MENTIONS_COMMUNES,
      ['titre', ["Attestation d'enregistrement de votre demande de logement social"]],
      ['numéro unique national', ['Numéro unique national : 1111126000001G1104']],
      ['date de premier enregistrement', ['a été enregistrée le 26 novembre 2026']],
      ['date et fenêtre de renouvellement', ["jusqu'au 26 novembre 2027", 'entre le 26 octobre 2027 et le 26 décembre 2027', 'au plus tard le 26 décembre 2027']],
      ['délai en mois, compté du dépôt', ['dans un délai de 36 mois à compter du dépôt de votre demande le 26 novembre 2026', 'soit à partir du 26 novembre 2029']],
    ];
    for (const [mention, expected] of mentions) {
      for (const e of expected) expect(text, mention).toContain(e);
    }
    expect(text).not.toContain('départemental ou régional');
    // The attestation on page 1, its annex on page 2 (spec 5.2: one page, two at most).
    expect(pages).toBe(2);
    await expect(run('qpdf', ['--check', file])).resolves.toBeDefined();
  });

  it('REN: first registration kept, date of the last renewal, new échéance', async () => {
    const { text, pages } = await lire(attestationRen);
    const mentions: [string, readonly string[]][] = [
      ...MENTIONS_COMMUNES,
      ['titre', ['Attestation de renouvellement de votre demande de logement social']],
      ['numéro unique', ['1111125000412G1104']],
      ['date de premier enregistrement et du dernier renouvellement', ['enregistrée pour la première fois le 20 novembre 2025, a été renouvelée le 26 novembre 2026']],
      ['ancienneté conservée', ['reste le 20 novembre 2025']],
      ['date et fenêtre de renouvellement', ["jusqu'au 20 novembre 2027", 'entre le 20 octobre 2027 et le 20 décembre 2027']],
      ['délai compté du premier dépôt', ['le 20 novembre 2025 (le délai', 'soit à partir du 20 novembre 2028']],
    ];
    for (const [mention, expected] of mentions) for (const e of expected) expect(text, mention).toContain(e);
    expect(pages).toBe(2);
  });
});
