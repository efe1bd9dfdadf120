/**
 * The attestation PDF (issue 21 point 1): ms per page, warm, one process, the data varying per
 * document (numéro unique, reference, names in several scripts) as a real lot's would.
 * Target: ≤ 1 ms per page. Beside it:
 * - the floor: the bytes the pages must contain, deflated (zlib level 4, as written) and
 *   assembled into one file with the fonts' prepared objects — the work no renderer can skip;
 * - the renderer as it was before issue 21 (pdfkit, test/replies/reference-render.ts), same data.
 */
import { inflateSync, deflateSync } from 'node:zlib';
import { renderAttestation } from '../src/replies/attestation/index.js';
import type { AttestationData } from '../src/replies/types.js';
import { attestationCre, demandeLogement } from '../test/replies/fixtures.js';
import { renderAttestation as renderWithPdfkit } from '../test/replies/reference-render.js';
import type { Benchmark } from './types.js';

const WARM_UP = 300;
const DOCUMENTS = 400;
const ROUNDS = 5;

const PRENOMS = ['Nguyễn Thị', 'Łukasz', 'Şahin', 'Françoise', 'Zoë', 'Jean-Noël', 'Aïcha', 'Œdipe'];

function data(i: number): AttestationData {
  return {
    ...attestationCre,
    numeroUnique: `11111260${String(i).padStart(5, '0')}G1104`,
    reference: `DOS-2026-${String(i).padStart(5, '0')}`,
    demande: { ...demandeLogement, demandeur: { ...demandeLogement.demandeur, prenom: PRENOMS[i % PRENOMS.length]! } },
  };
}

/** The streams of a PDF written by the letters' writer: each stream's bytes as stored, and inflated when deflated. */
function streams(pdf: Buffer): { stored: Buffer; content: Buffer | null }[] {
  const text = pdf.toString('latin1');
  const found: { stored: Buffer; content: Buffer | null }[] = [];
  for (const match of text.matchAll(/<< ([^\n]*?)\/Length (\d+) >>\nstream\n/g)) {
    const start = match.index + match[0].length;
    const stored = pdf.subarray(start, start + Number(match[2]));
    const isPage = match[1] === '/Filter /FlateDecode ' && inflateSync(stored).includes(' TJ');
    found.push({ stored, content: isPage ? inflateSync(stored) : null });
  }
  return found;
}

const pageCount = (pdf: Buffer): number => Number(/\/Count (\d+)/.exec(pdf.toString('latin1'))?.[1]);

async function timed(render: (d: AttestationData) => Promise<Buffer>, offset: number): Promise<{ ms: number; pages: number; bytes: number }> {
  let pages = 0;
  let bytes = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < DOCUMENTS; i++) {
    const pdf = await render(data(offset + i));
    pages += pageCount(pdf);
    bytes += pdf.length;
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { ms: ms / pages, pages: pages / DOCUMENTS, bytes: bytes / DOCUMENTS };
}

/** Deflating each document's page content and writing the file's bytes, per page. */
function floorOf(documents: readonly { parts: Buffer[]; contents: Buffer[] }[]): number {
  let pages = 0;
  const start = process.hrtime.bigint();
  for (const { parts, contents } of documents) {
    const deflated = contents.map((content) => deflateSync(content, { level: 4 }));
    Buffer.concat([...parts, ...deflated]);
    pages += contents.length;
  }
  return Number(process.hrtime.bigint() - start) / 1e6 / pages;
}

const bench: Benchmark = async () => {
  for (let i = 0; i < WARM_UP; i++) await renderAttestation(data(i));
  for (let i = 0; i < 30; i++) await renderWithPdfkit(data(i));
  const documents: { parts: Buffer[]; contents: Buffer[] }[] = [];
  for (let i = 0; i < DOCUMENTS; i++) {
    const found = streams(await renderAttestation(data(i)));
    documents.push({
      parts: found.filter((s) => s.content === null).map((s) => Buffer.from(s.stored)),
      contents: found.flatMap((s) => (s.content === null ? [] : [s.content])),
    });
  }
  // Rounds alternate, and the best of each is kept: load from other processes hits all alike.
  let ours = { ms: Infinity, pages: 0, bytes: 0 };
  let floor = Infinity;
  let before = { ms: Infinity, pages: 0, bytes: 0 };
  for (let r = 0; r < ROUNDS; r++) {
    const o = await timed(renderAttestation, r * DOCUMENTS);
    if (o.ms < ours.ms) ours = o;
    floor = Math.min(floor, floorOf(documents));
    if (r < 2) {
      const b = await timed(renderWithPdfkit, r * 50);
      if (b.ms < before.ms) before = b;
    }
  }
  return [
    { name: 'attestation PDF (DejaVu embedded, PDF/A-2b): ms per page', value: ours.ms, unit: 'ms', floor, ratio: ours.ms / floor, target: '≤ 1 ms', met: ours.ms <= 1 },
    { name: 'attestation PDF: pages per attestation', value: ours.pages, unit: 'pages' },
    { name: 'attestation PDF: bytes per PDF', value: ours.bytes, unit: 'bytes' },
    { name: 'attestation PDF by pdfkit, fonts parsed once (the oracle; the renderer before issue 21 also shared word layouts and glyphs across documents: 3.8 ms/page): ms per page', value: before.ms, unit: 'ms', ratio: before.ms / ours.ms },
    { name: 'attestation PDF by pdfkit: bytes per PDF', value: before.bytes, unit: 'bytes' },
  ];
};

export default bench;
