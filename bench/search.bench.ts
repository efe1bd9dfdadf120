/**
 * Duplicate search (issue 18, `demandes search`): a gestionnaire's lookup of a demandeur's
 * demandes by the doublon key, ACTIVE and RADIEE, on a registry of 2 million demandes (generated
 * by bulk SQL, as registry.bench.ts does). Measured through the registry's own read
 * (`searchDemandes`), keys built by `cleIdentite` as the CLI builds them: found and not found,
 * in all territories and in one. Target: a search within 5 ms (the index, not a scan).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleIdentite } from '../src/registry/doublon.js';
import { SqliteRegistry } from '../src/registry/sqlite/store.js';
import { generateRegistry } from './lib/registry-fill.js';
import type { Benchmark, BenchFigure } from './types.js';

const DEMANDES = Number(process.env.BENCH_REGISTRY_DEMANDES ?? 2_000_000);
const SEARCHES = 2_000;

const percentile = (xs: readonly number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

const bench: Benchmark = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sne-bench-search-'));
  try {
    const file = join(dir, 'full.sqlite');
    await new SqliteRegistry(file).close(); // the schema, by the real migrations
    const genStarted = performance.now();
    generateRegistry(file, DEMANDES); // demandeur i is `Gen<i>`, `Prénom`, born 1980-01-01
    const genSeconds = (performance.now() - genStarted) / 1000;

    const registry = new SqliteRegistry(file);
    const times: number[] = [];
    let found = 0;
    try {
      for (let s = 0; s < SEARCHES; s++) {
        // Spread over the registry; one in four for nobody, one in two in one territory.
        const i = Math.floor((s * 7919 * 997) % DEMANDES);
        const cle = cleIdentite(s % 4 === 3 ? `Absent-${i}` : `GEN ${i}`, 'prenom', '1980-01-01');
        const started = performance.now();
        const result = await registry.searchDemandes(cle, s % 2 === 0 ? '111' : undefined);
        if (s >= 100) times.push(performance.now() - started); // the first ones warm up
        found += result.length;
      }
    } finally {
      await registry.close();
    }
    if (found < SEARCHES / 2) throw new Error(`only ${found} demandes found: the keys do not match the generated ones`);
    const p50 = percentile(times, 0.5);
    const p99 = percentile(times, 0.99);
    return [
      {
        name: `demandes search on ${(DEMANDES / 1e6).toFixed(1)} M demandes: one search (median)`,
        value: p50,
        unit: 'ms',
        target: 'median ≤ 5 ms',
        met: p50 <= 5,
      },
      { name: 'demandes search: 99th percentile', value: p99, unit: 'ms' },
      { name: `generation of the ${(DEMANDES / 1e6).toFixed(1)} M-demande registry (bulk SQL, not measured)`, value: genSeconds, unit: 's' },
    ] satisfies BenchFigure[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

export default bench;
