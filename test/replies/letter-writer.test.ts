/**
 * The letters' own PDF writer (src/replies/pdf/) against the pdfkit renderer it replaced
 * (test/replies/reference-render.ts): for a corpus of 200 generated attestations and préavis —
 * names in several scripts, the schema's longest values and beyond, one to ten communes, no to
 * forty bailleurs, CRE and REN, base école — poppler reads the same words at the same places
 * (`pdftotext -bbox`: every word with its box, to the millionth of a point). Each file is also
 * checked by qpdf and pdffonts (every font embedded), and renders to the same bytes again.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seeded } from '../../bench/lib/generate-lot.js';
import { contenuAttestation, fileId, renderAttestation } from '../../src/replies/attestation/index.js';
import { contenuPreavis, renderPreavis } from '../../src/replies/preavis/index.js';
import { BoundedMap, FACE_CACHE_ENTRIES } from '../../src/replies/pdf/face.js';
import { letterFaces } from '../../src/replies/attestation/fonts.js';
import type { AttestationData, PreavisData } from '../../src/replies/types.js';
import { attestationCre, demandeLogement } from './fixtures.js';
import { renderLettre as referenceLettre } from './reference-render.js';

const run = promisify(execFile);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'letters-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const NOMS = [
  'Martin', 'Łukasz-Şahin de La Rochefoucauld-Œuvray', 'Nguyễn', 'O’Brien', 'Ñúñez Øvergård', 'Ærø-Ågesen', 'Dvořák', 'Đặng',
  'Müller-Lüdenscheidt', 'Çelik', 'Ibáñez', 'Ferreira da Conceição', 'Ó Súilleabháin', 'Kowalczyk-Wiśniewska', 'Zoë Lefèvre',
  'Łukasz-Şahin de La Rochefoucauld-Œuvray-Vandenbroucke-Montmorency-Laval-Brézé', 'Très-Longue-Dénomination-Sans-Espace'.repeat(4),
];
const PRENOMS = ['Jean-Noël', 'Nguyễn Thị', 'Aïcha', 'Œdipe', 'Şahin', 'Ewa', 'Thanh Hương', 'Søren', 'Marie-Françoise-Nguyễn-Thị-Bích-Ngọc-Anne-Sophie', 'Björn'];
const VOIES = ['rue de la Paix', 'avenue du Président Salvador Allende, résidence des Tilleuls et des Marronniers, entrée par le parc', 'allée Ốc Eo', 'chemin des Écoliers'];
const GUICHETS = [
  'Plaine Commune Habitat — Agence de Saint-Denis',
  'Office public de l’habitat de la Seine-Saint-Denis — Agence territoriale de Saint-Denis et Pierrefitte',
  'Mairie de Montreuil',
];

/** The i-th letter of the corpus, drawn from a seeded generator. */
function corpus(i: number, rnd: () => number): { data: AttestationData | PreavisData; preavis: boolean; ecole: boolean } {
  const pick = <T,>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  const demandeur = {
    ...demandeLogement.demandeur,
    nom: pick(NOMS),
    prenom: pick(PRENOMS),
    adressePostale: {
      ...demandeLogement.demandeur.adressePostale!,
      numero: String(1 + Math.floor(rnd() * 120)),
      voie: pick(VOIES),
      complement: rnd() < 0.5 ? undefined : 'Bâtiment B, escalier 3, 4e étage, porte gauche',
    },
  };
  const guichet = { ...attestationCre.guichet, nom: pick(GUICHETS), adresse: rnd() < 0.3 ? '1 place de la Mairie\n93100 Montreuil' : attestationCre.guichet.adresse };
  const issuedAt = new Date(Date.UTC(2026, Math.floor(rnd() * 12), 1 + Math.floor(rnd() * 28), Math.floor(rnd() * 24), Math.floor(rnd() * 60)));
  const numeroUnique = `0931126${String(i).padStart(6, '0')}G1104`.slice(0, 18);
  if (i % 10 === 9) {
    const preavis: PreavisData = {
      numeroUnique,
      reference: `DOS-${i}`,
      dateDepot: '2024-03-12',
      anniversaire: '2027-03-12',
      guichet,
      demandeur,
      issuedAt,
    };
    return { data: preavis, preavis: true, ecole: i % 20 === 19 };
  }
  const communes = 1 + Math.floor(rnd() * 10);
  const data: AttestationData = {
    ...attestationCre,
    kind: rnd() < 0.3 ? 'REN' : 'CRE',
    ...(rnd() < 0.3 ? { dateRenouvellement: '2026-11-26' } : {}),
    numeroUnique,
    reference: `DOS-2026-${String(i).padStart(5, '0')}`,
    guichet,
    issuedAt,
    demande: { ...demandeLogement, demandeur },
    communesSouhaitees: Array.from({ length: communes }, (_, k) => `${pick(['Saint-Denis', 'Saint-Remy-en-Bouzemont-Saint-Genest-et-Isson', 'Les Lilas', 'L’Île-Saint-Denis'])} (930${String(k).padStart(2, '0')})`),
    ...(rnd() < 0.3 ? { bailleurs: Array.from({ length: Math.floor(rnd() * 41) }, (_, k) => `Société anonyme d’HLM numéro ${k + 1}`) } : {}),
    ...(rnd() < 0.2 ? { commissionMediation: undefined } : {}),
  };
  return { data, preavis: false, ecole: i % 10 === 4 };
}

async function wordsAndBoxes(pdf: Buffer, name: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, pdf);
  const { stdout } = await run('pdftotext', ['-bbox', file, '-']);
  return stdout.replace(/<head>[\s\S]*<\/head>/, '');
}

describe('the letters’ PDF writer', () => {
  it('prints the same words at the same places as the pdfkit renderer, for 200 generated letters', async () => {
    const rnd = seeded(21);
    const letters = Array.from({ length: 200 }, (_, i) => corpus(i, rnd));
    let compared = 0;
    for (let start = 0; start < letters.length; start += 8) {
      await Promise.all(
        letters.slice(start, start + 8).map(async ({ data, preavis, ecole }, k) => {
          const i = start + k;
          const mode = { ecole };
          const ours = preavis ? await renderPreavis(data as PreavisData, mode) : await renderAttestation(data as AttestationData, mode);
          const contenu = preavis ? contenuPreavis(data as PreavisData) : contenuAttestation(data as AttestationData);
          const id = fileId(preavis ? { preavis: data } : data);
          const theirs = await referenceLettre(contenu, { issuedAt: data.issuedAt, id, ...mode });
          const [a, b] = await Promise.all([wordsAndBoxes(ours, `ours-${i}.pdf`), wordsAndBoxes(theirs, `theirs-${i}.pdf`)]);
          expect(a, `letter ${i}`).toBe(b);
          expect(a).toContain('<word');
          compared++;
        }),
      );
    }
    expect(compared).toBe(200);
  }, 180_000);

  it('places the marks the font positions off the line (a letter without a precomposed form) where pdfkit placed them', async () => {
    // q̃, x́, ṉ, ệ and M̆ have no precomposed glyph in DejaVu: shaping puts each mark at an offset.
    const nom = 'Nq̃x́ṉ Ngệ-M̆ǰ';
    const { regular, bold } = letterFaces();
    expect(regular.shapeText(nom).offsets && bold.shapeText(nom).offsets).toBe(true);
    const data: AttestationData = { ...attestationCre, demande: { ...demandeLogement, demandeur: { ...demandeLogement.demandeur, nom, prenom: 'Aq̃' } } };
    const theirs = await referenceLettre(contenuAttestation(data), { issuedAt: data.issuedAt, id: fileId(data) });
    const [a, b] = await Promise.all([wordsAndBoxes(await renderAttestation(data), 'marks-ours.pdf'), wordsAndBoxes(theirs, 'marks-theirs.pdf')]);
    expect(a).toBe(b);
    expect(a).toContain('M̆');
    // The words' boxes hardly move with a mark: the page's pixels show where each mark went.
    const pixels = async (name: string): Promise<Buffer> =>
      (await run('pdftoppm', ['-r', '100', '-f', '1', '-l', '1', '-gray', join(dir, name)], { encoding: 'buffer', maxBuffer: 64 << 20 })).stdout;
    expect((await pixels('marks-ours.pdf')).equals(await pixels('marks-theirs.pdf'))).toBe(true);
  });

  it('writes files qpdf finds sound, with every font embedded, the same bytes each time', async () => {
    const rnd = seeded(7);
    for (let i = 0; i < 12; i++) {
      const { data, preavis, ecole } = corpus(i * 5 + 4, rnd);
      const render = (): Promise<Buffer> => (preavis ? renderPreavis(data as PreavisData, { ecole }) : renderAttestation(data as AttestationData, { ecole }));
      const pdf = await render();
      const file = join(dir, `check-${i}.pdf`);
      await writeFile(file, pdf);
      await run('qpdf', ['--check', file]);
      const fonts = (await run('pdffonts', [file])).stdout.split('\n').slice(2).filter((line) => line.trim() !== '');
      expect(fonts.length).toBe(2);
      for (const line of fonts) expect(line).toMatch(/^[A-Z]{6}\+DejaVuSans(-Bold)?\s+CID TrueType\s+Identity-H\s+yes yes yes/);
      expect((await render()).equals(pdf)).toBe(true);
    }
  }, 60_000);

  it('keeps its per-process caches bounded however many one-off words the letters hold', async () => {
    const { regular, bold } = letterFaces();
    for (let i = 0; i < 1_200; i++) {
      const unique = `Zyx${i.toString(36)}qw Pqr${(i * 7).toString(36)}`;
      await renderAttestation({
        ...attestationCre,
        reference: `DOS-${unique}`,
        demande: { ...demandeLogement, demandeur: { ...demandeLogement.demandeur, nom: unique, prenom: unique } },
      });
    }
    for (const face of [regular, bold]) {
      for (const size of Object.values(face.cacheSizes())) expect(size).toBeLessThanOrEqual(FACE_CACHE_ENTRIES);
    }
  }, 60_000);

  it('keeps in its caches what every letter uses while one-off words come and go, within the bound', () => {
    const cache = new BoundedMap<number>(100);
    const hot = Array.from({ length: 20 }, (_, i) => `mot-${i}`);
    for (const key of hot) cache.remember(key, 1);
    let reshaped = 0;
    for (let letter = 0; letter < 500; letter++) {
      for (const key of hot) {
        if (cache.get(key) !== undefined) continue;
        reshaped++;
        cache.remember(key, 1);
      }
      for (let k = 0; k < 7; k++) cache.remember(`nom-${letter}-${k}`, 2);
      expect(cache.size).toBeLessThanOrEqual(100);
    }
    // Emptying the whole cache when full would shape the fixed words again every ~4 letters here.
    expect(reshaped).toBe(0);
  });
});
