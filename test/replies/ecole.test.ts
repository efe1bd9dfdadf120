/**
 * The documents of a base école (spec 9): « SPÉCIMEN — BASE ÉCOLE — SANS VALEUR » across every
 * page of every PDF (attestation and préavis, both letters of `renderLettre`), read back with
 * poppler; the rest of the letter as the real gateway's; still PDF/A-2b and byte-reproducible.
 * Subjects and the demandeur's address: src/replies/ecole.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderAttestation } from '../../src/replies/attestation/index.js';
import { courrielAttestation, courrielDuMode } from '../../src/replies/courriels.js';
import { demandeurRecipient, MENTION_SPECIMEN, replyRootAttributes } from '../../src/replies/ecole.js';
import { buildCopie, buildDispatching } from '../../src/replies/dispatching.js';
import { renderPreavis } from '../../src/replies/preavis/index.js';
import type { AttestationData, PreavisData } from '../../src/replies/types.js';
import { attestationCre, demandeLogement } from './fixtures.js';

const run = promisify(execFile);
let dir: string;
let counter = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ecole-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function saved(pdf: Buffer): Promise<string> {
  const file = join(dir, `e${++counter}.pdf`);
  await writeFile(file, pdf);
  return file;
}

/** Each page's text, in reading order (`pdftotext -raw`, pages split at the form feed). */
async function pageTexts(pdf: Buffer): Promise<string[]> {
  const { stdout } = await run('pdftotext', ['-raw', await saved(pdf), '-']);
  return stdout.split('\f').slice(0, -1);
}

const withoutMention = (page: string): string =>
  page
    .split('\n')
    .filter((line) => line !== MENTION_SPECIMEN)
    .join('\n');

const preavis: PreavisData = {
  numeroUnique: '1111126000001G1104',
  reference: 'DOS-2026-00042',
  dateDepot: '2026-11-26',
  anniversaire: '2027-11-26',
  guichet: attestationCre.guichet,
  demandeur: demandeLogement.demandeur,
  issuedAt: new Date('2027-10-26T05:00:00Z'),
};

/** Names far past the schema's limits: the letter runs onto a third page in mid-paragraph. */
const long = 'Très-Longue-Dénomination-Sans-Espace'.repeat(4);
const troisPages: AttestationData = {
  ...attestationCre,
  guichet: { ...attestationCre.guichet, nom: `${long} ${long}`, adresse: Array.from({ length: 8 }, (_, i) => `Ligne ${i} ${long}`).join('\n') },
  demande: { ...demandeLogement, demandeur: { ...demandeLogement.demandeur, nom: long, prenom: long } },
  bailleurs: Array.from({ length: 40 }, (_, i) => `Bailleur social numéro ${i} de la région`),
  communesSouhaitees: Array.from({ length: 10 }, (_, i) => `${long} ${i}`),
};

describe('the PDFs of a base école', () => {
  it.each([
    ['the attestation', (ecole: boolean) => renderAttestation(attestationCre, { ecole })],
    ['the préavis de renouvellement', (ecole: boolean) => renderPreavis(preavis, { ecole })],
    ['an attestation of three pages, broken in mid-paragraph', (ecole: boolean) => renderAttestation(troisPages, { ecole })],
  ])('%s carries the mention across every page, and is otherwise the real one', async (_, render) => {
    const ecole = await pageTexts(await render(true));
    const reel = await pageTexts(await render(false));
    expect(ecole.length).toBe(reel.length);
    for (const page of ecole) expect(page).toContain(MENTION_SPECIMEN);
    for (const page of reel) expect(page).not.toMatch(/SPÉCIMEN|ÉCOLE/);
    // The same words, in the same order, on the same pages: the mark takes nothing away.
    expect(ecole.map(withoutMention)).toEqual(reel);
  });

  it('stays PDF/A-2b with only the embedded DejaVu, and byte-reproducible', async () => {
    const pdf = await renderAttestation(attestationCre, { ecole: true });
    const file = await saved(pdf);
    await expect(run('qpdf', ['--check', file])).resolves.toBeDefined();
    const fonts = (await run('pdffonts', [file])).stdout.split('\n').slice(2).filter((line) => line.trim() !== '');
    expect(fonts).toHaveLength(2);
    for (const line of fonts) expect(line).toMatch(/^[A-Z]{6}\+DejaVuSans(-Bold)?\s.*\byes\s+yes\s+yes\b/);
    expect(pdf.toString('latin1')).toContain('<pdfaid:part>2</pdfaid:part>');
    // No transparency (an ExtGState with a constant alpha): the mark is a plain light grey.
    expect(pdf.toString('latin1')).not.toMatch(/\/ca |\/CA /);
    expect((await renderAttestation({ ...attestationCre }, { ecole: true })).equals(pdf)).toBe(true);
    expect((await renderAttestation(attestationCre)).equals(pdf)).toBe(false);
  });
});

describe('the rest of a base école (src/replies/ecole.ts)', () => {
  it('prefixes every subject with [ÉCOLE], and only there', () => {
    const courriel = courrielAttestation('CRE', 'DOS-1');
    expect(courrielDuMode(courriel, { ecole: true })).toEqual({ ...courriel, subject: `[ÉCOLE] ${courriel.subject}` });
    expect(courrielDuMode(courriel, {})).toEqual(courriel);
  });

  it('gives XML reply roots ecole="true", and nothing to a real gateway', () => {
    expect(replyRootAttributes({ ecole: true })).toEqual({ ecole: 'true' });
    expect(replyRootAttributes({ ecole: false })).toEqual({});
  });

  it('never makes a demandeur a recipient in a base école, whatever the setting', () => {
    expect(demandeurRecipient('a@b.fr', true, { ecole: true })).toBeUndefined();
    expect(demandeurRecipient('a@b.fr', true, {})).toBe('a@b.fr');
    expect(demandeurRecipient('a@b.fr', false, {})).toBeUndefined();
    expect(demandeurRecipient('', true, {})).toBeUndefined();
  });
});

describe('the XML documents of spec 8 in a base école', () => {
  const entree = {
    numUnique: '0931126000001G1104',
    evenement: 'RAD',
    date: '2026-11-26T08:31:02.000Z',
    origine: 'GUICHET',
    guichet: 'G1104',
    statut: 'RADIEE',
    dateDepot: '2026-11-26',
    dateEcheance: '2027-11-26',
    dateRadiation: '2026-11-26',
    radiation: { motif: 'RADABA' },
  } as const;

  it('put ecole="true" on the digest and the copy roots, valid against dispatching-1.xsd; a real gateway does not', async () => {
    const digest = { guichet: 'G1301', sequence: 1, jour: '2026-11-27', genere: '2026-11-27T05:00:00.000Z', evenements: [1], entrees: [entree] };
    const copie = { guichet: 'G1301', reference: 'DOS-1', genere: '2026-11-27T05:00:00.000Z', entree };
    for (const xml of [buildDispatching(digest, { ecole: true }), buildCopie(copie, { ecole: true })]) {
      expect(xml).toMatch(/^<\?xml[^>]*>\s*<\w+ [^>]*ecole="true"/);
      const file = join(dir, `x${++counter}.xml`);
      await writeFile(file, xml);
      await run('xmllint', ['--noout', '--schema', join('schemas', 'dispatching-1.xsd'), file]);
    }
    expect(buildDispatching(digest)).not.toContain('ecole=');
    expect(buildCopie(copie)).not.toContain('ecole=');
  });
});
