/**
 * Validation throughput (issue #4 item 8): demandes per second through the schema and every rule
 * that needs no registry, on a generated 1,000-demande lot, against libxml2's bare parse + XSD
 * validation of the same document (the floor). ratio = floor time / our time (1 = no overhead).
 */
import { validateDocument } from '../src/lot/schema.js';
import { parseLot } from '../src/lot/parse.js';
import { judgeDemandes } from '../src/rules/index.js';
import { loadBundledReference } from '../src/rules/reference/index.js';
import { generateLot } from './lib/generate-lot.js';
import type { Benchmark } from './types.js';

const DEMANDES = 1_000;
const ROUNDS = 15;

function best(fn: () => void): number {
  for (let i = 0; i < 3; i++) fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!; // median
}

const bench: Benchmark = async () => {
  const reference = loadBundledReference();
  const xml = new TextEncoder().encode(generateLot({ demandes: DEMANDES }));
  const context = { guichet: { code: 'G1104', departements: ['93', '75'] }, receptionDay: '2026-11-26', reference };

  // The generated lot must be valid throughout, or the figure would measure rejections.
  const parsed = parseLot(xml);
  if (!parsed.ok) throw new Error(`generated lot refused: ${parsed.error.message}`);
  const demandes = parsed.lot.demandes.flatMap((l) => (l.ok ? [l.demande] : []));
  const rejected = [...judgeDemandes(demandes, context).values()].filter((j) => j.errors.length > 0).length;
  if (demandes.length !== DEMANDES || rejected > 0) throw new Error(`generated lot: ${DEMANDES - demandes.length} unreadable, ${rejected} rejected`);

  const floorMs = best(() => {
    if (validateDocument(xml).errors.length > 0) throw new Error('schema');
  });
  const fullMs = best(() => {
    const lot = parseLot(xml);
    if (!lot.ok) throw new Error('parse');
    judgeDemandes(lot.lot.demandes.flatMap((l) => (l.ok ? [l.demande] : [])), context);
  });
  const rulesMs = best(() => judgeDemandes(demandes, context));
  const perSecond = (ms: number) => (DEMANDES / ms) * 1000;
  return [
    {
      name: `validation: demandes/s, schema + rules (${DEMANDES}-demande lot, ${(xml.length / 1e6).toFixed(1)} MB)`,
      value: perSecond(fullMs),
      unit: 'demandes/s',
      floor: perSecond(floorMs),
      ratio: floorMs / fullMs,
    },
    { name: 'validation: rules alone', value: perSecond(rulesMs), unit: 'demandes/s' },
  ];
};

export default bench;
