/**
 * The daily dispatching pass (issue 19 point 6): a registry of `BENCH_DISPATCH_DEMANDES` demandes
 * (2 million by default) whose last pass is on record, then a day of 50,000 events (MOD, REN, RAD
 * by 300 guichets) on demandes wanting 3 communes each among 600, for 300 bailleurs holding 10
 * communes each. Measured: `runDispatch` (the window read in batches, the digests planned and
 * queued in one transaction: what the daemon does at `dispatching.hour`), wall time and the
 * process's peak RSS. Sealing the digests is the outbox's work, measured by the reply benchmarks.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDispatch } from '../src/replies/dispatch.js';
import { SqliteRegistry } from '../src/registry/sqlite/store.js';
import { timed, withPeakRss } from './lib/measure.js';
import { generateRegistry } from './lib/registry-fill.js';
import type { Benchmark, BenchFigure } from './types.js';

const DEMANDES = Number(process.env.BENCH_DISPATCH_DEMANDES ?? 2_000_000);
const EVENTS = 50_000;
const BAILLEURS = 300;
const COMMUNES = 600;
const AT = new Date('2026-11-26T06:00:00+01:00');

const commune = (i: number) => `93${String(i % COMMUNES).padStart(3, '0')}`;
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const bailleur = (i: number) => `B${String(i).padStart(4, '0')}`;

/** 200 demande templates, each wanting 3 of the 600 communes (the filler gives each demande its own name). */
const donnees = Array.from({ length: 200 }, (_, k) =>
  JSON.stringify({
    demandeur: { nom: '__NOM__', prenom: 'Prénom', dateNaissance: '1980-01-01' },
    cotitulaires: [],
    personnesACharge: [],
    logementActuel: { modelesLogement: ['LP'] },
    motifs: ['13'],
    logementRecherche: { typesLogement: ['T3'], communesSouhaitees: [0, 1, 2].map((j) => ({ code: commune(k + j * 200) })) },
  }),
);

const bench: Benchmark = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sne-bench-dispatch-'));
  try {
    const file = join(dir, 'registry.sqlite');
    await new SqliteRegistry(file).close(); // the schema, by the real migrations
    const generation = await timed(() => generateRegistry(file, DEMANDES, { donnees }));

    // 300 bailleurs with 10 communes each; yesterday's pass covered every event so far.
    let registry = new SqliteRegistry(file);
    for (let b = 0; b < BAILLEURS; b++) {
      const code = bailleur(b);
      await registry.addGuichet({ code, nom: `Bailleur ${code}`, adresse: '1 rue de la Paix\n93200 Saint-Denis', expediteurs: [`lots@${code.toLowerCase()}.example`], destinataires: [`retours@${code.toLowerCase()}.example`], cles: [], departements: ['93'] });
      await registry.setGuichetCommunes(code, Array.from({ length: 10 }, (_, j) => commune(b * 7 + j * 61)));
    }
    const before = await registry.lastEventId();
    await registry.transaction(async (tx) => tx.insertDispatchPass({ jour: '2026-11-25', apres: 0, jusqua: before, at: '2026-11-25T05:00:00.000Z' }));
    await registry.close();

    // The day: 50,000 events spread over the registry, by the 300 guichets in turn.
    const db = new Database(file);
    // A step prime to the template count, so that the day's demandes want every commune alike.
    let step = Math.max(1, Math.floor(DEMANDES / EVENTS));
    while (gcd(step, donnees.length) !== 1) step--;
    db.prepare(
      `INSERT INTO evenements (numero_unique, action, acteur, lot_id, at, details)
       SELECT numero_unique, CASE rowid % 3 WHEN 0 THEN 'MOD' WHEN 1 THEN 'REN' ELSE 'RAD' END, 'guichet:B' || printf('%04d', rowid % ${BAILLEURS}),
              NULL, '2026-11-25T10:00:00Z', '{"reference":"bench"}'
       FROM demandes WHERE rowid % ? = 0 LIMIT ?`,
    ).run(step, EVENTS);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();

    registry = new SqliteRegistry(file);
    const rssBefore = process.memoryUsage.rss() / 2 ** 20;
    const { value: pass, peakMiB } = await withPeakRss(() => timed(() => runDispatch(registry, '2026-11-26', AT, { messageIdDomain: 'bench.localhost' })));
    await registry.close();
    const outcome = pass.value;
    if (outcome.kind !== 'done') throw new Error(`pass not run: ${outcome.kind}`);
    if (outcome.evenements !== EVENTS) throw new Error(`${outcome.evenements} events in the window, not ${EVENTS}`);
    const entries = outcome.digests.reduce((n, d) => n + d.evenements, 0);
    const scale = `${(DEMANDES / 1e6).toFixed(2)} M demandes`;
    return [
      { name: `daily dispatching pass: ${EVENTS.toLocaleString('en')} events, ${BAILLEURS} bailleurs, registry of ${scale} (runDispatch)`, value: pass.ms / 1000, unit: 's' },
      { name: 'daily dispatching pass: peak RSS of the process', value: peakMiB, unit: 'MiB' },
      // The bulk fill's SQLite page cache stays resident: what the pass itself adds is the difference.
      { name: 'daily dispatching pass: RSS before the pass (after the bulk fill)', value: rssBefore, unit: 'MiB' },
      { name: 'daily dispatching pass: RSS added by the pass (peak − before)', value: peakMiB - rssBefore, unit: 'MiB' },
      { name: 'daily dispatching pass: digests queued', value: outcome.digests.length, unit: 'digests' },
      { name: 'daily dispatching pass: digest entries (event × bailleur)', value: entries, unit: 'entries' },
      { name: `generation of the ${scale} registry (bulk SQL, not part of the pass)`, value: generation.ms / 1000, unit: 's' },
    ] satisfies BenchFigure[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

export default bench;
