/**
 * `npm run bench` (which builds `dist/` first: the gateway is measured compiled, as in service;
 * bench/lib/compiled.mjs): runs every `bench/*.bench.ts` (or those named on the command line), prints
 * each figure with its floor, ratio and target, and writes them to bench/results/latest.json
 * (merged into the figures already there when only some benchmarks run). A benchmark that fails
 * is reported and the others still run; the exit code is then 1. Speed is measured here, never
 * in tests.
 */
import { cpus, totalmem } from 'node:os';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { BenchFigure, Benchmark } from './types.js';

const dir = new URL('./', import.meta.url);
const only = process.argv.slice(2);
const modules = readdirSync(dir)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => only.length === 0 || only.some((o) => name.startsWith(o)))
  .sort();

const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toPrecision(3));
const latest = new URL('results/latest.json', dir);
const previous = only.length > 0 && existsSync(latest) ? (JSON.parse(readFileSync(latest, 'utf8')) as { results?: Record<string, readonly BenchFigure[]> }).results : undefined;
const results: Record<string, readonly BenchFigure[]> = { ...previous };
// The V8 flags in force: bin/sne-gateway's, when run through `npm run bench` (lib/as-in-service.mjs).
const v8Flags = process.execArgv.filter((flag) => !flag.startsWith('--import') && !flag.endsWith('.mjs') && flag !== 'tsx');
const machine = { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryBytes: totalmem(), v8Flags };
process.stdout.write(`machine: ${machine.cpus} × ${machine.cpuModel}, ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB, Node ${machine.node} ${v8Flags.join(' ') || '(no V8 flags)'}\n`);
let failed = 0;
for (const name of modules) {
  const bench = (await import(new URL(name, dir).href)) as { default: Benchmark };
  process.stdout.write(`\n## ${name.replace('.bench.ts', '')}\n`);
  const started = performance.now();
  let figures: readonly BenchFigure[];
  try {
    figures = await bench.default();
  } catch (error) {
    failed++;
    process.stdout.write(`  FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    continue;
  }
  results[name] = figures;
  for (const f of figures) {
    const parts = [`${f.name}: ${fmt(f.value)} ${f.unit}`];
    if (f.floor !== undefined) parts.push(`floor ${fmt(f.floor)} ${f.unit}`);
    if (f.ratio !== undefined) parts.push(`ratio ${f.ratio.toFixed(2)}`);
    if (f.target !== undefined) parts.push(`target ${f.target}${f.met === undefined ? '' : f.met ? ' ✔' : ' ✘'}`);
    process.stdout.write(`  ${parts.join(' · ')}\n`);
  }
  process.stdout.write(`  (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
}

mkdirSync(new URL('results/', dir), { recursive: true });
writeFileSync(latest, `${JSON.stringify({ date: new Date().toISOString(), ...machine, results }, null, 2)}\n`);
process.stdout.write(`\nwritten: bench/results/latest.json${failed > 0 ? ` — ${failed} benchmark(s) FAILED` : ''}\n`);
process.exitCode = failed > 0 ? 1 : 0;
