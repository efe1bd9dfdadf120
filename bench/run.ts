/**
 * `npm run bench`: runs every `bench/*.bench.ts` (or those named on the command line), prints
 * each figure with its floor, ratio and target, and writes them to bench/results/latest.json.
 * Speed is measured here, never in tests.
 */
import { cpus, totalmem } from 'node:os';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import type { BenchFigure, Benchmark } from './types.js';

const dir = new URL('./', import.meta.url);
const only = process.argv.slice(2);
const modules = readdirSync(dir)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => only.length === 0 || only.some((o) => name.startsWith(o)))
  .sort();

const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toPrecision(3));
const results: Record<string, readonly BenchFigure[]> = {};
for (const name of modules) {
  const bench = (await import(new URL(name, dir).href)) as { default: Benchmark };
  process.stdout.write(`\n## ${name.replace('.bench.ts', '')}\n`);
  const figures = await bench.default();
  results[name] = figures;
  for (const f of figures) {
    const parts = [`${f.name}: ${fmt(f.value)} ${f.unit}`];
    if (f.floor !== undefined) parts.push(`floor ${fmt(f.floor)} ${f.unit}`);
    if (f.ratio !== undefined) parts.push(`ratio ${f.ratio.toFixed(2)}`);
    if (f.target !== undefined) parts.push(`target ${f.target}${f.met === undefined ? '' : f.met ? ' ✔' : ' ✘'}`);
    process.stdout.write(`  ${parts.join(' · ')}\n`);
  }
}

mkdirSync(new URL('results/', dir), { recursive: true });
writeFileSync(
  new URL('results/latest.json', dir),
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryBytes: totalmem(), results }, null, 2)}\n`,
);
process.stdout.write('\nwritten: bench/results/latest.json\n');
