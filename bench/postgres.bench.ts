/**
 * The registry on PostgreSQL (issue 16, point 6). First the same 1,000-demande lot end to end
 * (Maildir in → last reply out) through one running daemon on SQLite, then on PostgreSQL (a
 * durable cluster: fsync and synchronous commits on); target ≤ 1.3× SQLite's time. Then 1, 2 and
 * 3 daemons, separate processes as deployed, on one PostgreSQL database and one shared Maildir,
 * given the same lots at once: throughput, and correctness — every lot committed once, every
 * valid demande registered once, numbering gap-free, every reply written. On 2 cores the point of
 * several instances is that nothing is lost, not speed-up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runDaemon } from '../src/daemon.js';
import { openRegistry } from '../src/app.js';
import { parseNumeroUnique } from '../src/registry/numero-unique.js';
import { startPostgres, type PostgresCluster } from '../test/harness/postgres.js';
import { benchHome, type BenchHome } from './lib/home.js';
import { checkLot, sealedLot, throughDaemon, type Lot } from './lib/lots.js';
import { median, timed } from './lib/measure.js';
import type { BenchFigure, Benchmark } from './types.js';

const DEMANDES = 1_000;
const RUNS = 3;
/** The multi-instance runs: this many lots of `PER_LOT` demandes, delivered together. */
const LOTS = 6;
const PER_LOT = 250;
const BIN = fileURLToPath(new URL('../bin/sne-gateway', import.meta.url));

/** Median wall time of the 1,000-demande lot through one in-process daemon, after a warm-up lot. */
async function oneDaemon(home: BenchHome): Promise<number> {
  const gw = await home.open();
  const controller = new AbortController();
  const daemon = runDaemon(gw, controller.signal);
  try {
    await throughDaemon(home, await sealedLot(home, 600, 1, 'WARMUP'));
    const times: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const lot = await sealedLot(home, DEMANDES, 100 + run, 'RUN');
      times.push(await throughDaemon(home, lot));
      await checkLot(gw, lot);
    }
    return median(times);
  } finally {
    controller.abort();
    await daemon;
    await gw.close();
  }
}

/** `instances` daemons on one fresh database: the wall time of `LOTS` lots delivered at once. */
async function instancesOn(cluster: PostgresCluster, instances: number): Promise<{ ms: number; demandes: number }> {
  const home = await benchHome({ registry: { url: await cluster.createDatabase(), password: cluster.password } });
  const daemons: ChildProcess[] = [];
  try {
    const lots: Lot[] = [];
    for (let i = 0; i < LOTS; i++) lots.push(await sealedLot(home, PER_LOT, 300 + i, `INST${instances}`));
    const env = { ...process.env, SNE_GATEWAY_DAEMON_POLL_INTERVAL_MS: '200', SNE_GATEWAY_LOG_LEVEL: 'warn' };
    for (let i = 0; i < instances; i++) daemons.push(spawn(BIN, ['--home', home.home, 'run'], { env, stdio: ['ignore', 'ignore', 'inherit'] }));
    // Started (keys unlocked, schema checked) before the clock runs: an empty pass is cheap.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const expected = lots.length + lots.reduce((sum, lot) => sum + lot.valid, 0);
    const { ms } = await timed(async () => {
      for (const lot of lots) await home.deliver(lot.raw);
      await home.outgoingReaches(expected, 600_000);
    });
    await stop(daemons);
    await checkInstances(home, lots);
    return { ms, demandes: LOTS * PER_LOT };
  } finally {
    await stop(daemons);
    home.cleanup();
  }
}

async function stop(daemons: readonly ChildProcess[]): Promise<void> {
  await Promise.all(
    daemons
      .filter((d) => d.exitCode === null && d.signalCode === null)
      .map((d) => new Promise((resolve) => {
        d.once('exit', resolve);
        d.kill('SIGTERM');
      })),
  );
}

/** Every lot committed once, every valid demande registered once, numbering gap-free, every reply sent. */
async function checkInstances(home: BenchHome, lots: readonly Lot[]): Promise<void> {
  const registry = await openRegistry(home.config);
  try {
    const committed = await registry.listLots();
    if (committed.length !== lots.length) throw new Error(`${committed.length} lots committed, ${lots.length} delivered`);
    const numeros: string[] = [];
    for (const lot of committed) numeros.push(...(await registry.lotResultats(lot.id)).flatMap((r) => (r.statut === 'ENREGISTREE' && r.numeroUnique ? [r.numeroUnique] : [])));
    const valid = lots.reduce((sum, lot) => sum + lot.valid, 0);
    if (new Set(numeros).size !== valid || numeros.length !== valid) throw new Error(`${numeros.length} numéros (${new Set(numeros).size} distinct), ${valid} valid demandes`);
    const sequences = new Map<string, number[]>();
    for (const numero of numeros) {
      const { territoire, mmyy, sequence } = parseNumeroUnique(numero)!;
      sequences.set(`${territoire}${mmyy}`, [...(sequences.get(`${territoire}${mmyy}`) ?? []), sequence]);
    }
    for (const [key, list] of sequences) {
      if (list.sort((a, b) => a - b).some((n, i) => n !== i + 1)) throw new Error(`numbering of ${key} has a gap`);
    }
    const unsent = [...(await registry.outboxByStatut('A_PREPARER')), ...(await registry.outboxByStatut('PRET'))];
    if (unsent.length > 0) throw new Error(`${unsent.length} replies not sent`);
  } finally {
    await registry.close();
  }
}

const bench: Benchmark = async () => {
  const cluster = await startPostgres({ durable: true });
  try {
    const sqliteHome = await benchHome();
    const sqliteMs = await oneDaemon(sqliteHome).finally(() => sqliteHome.cleanup());
    const pgHome = await benchHome({ registry: { url: await cluster.createDatabase(), password: cluster.password } });
    const pgMs = await oneDaemon(pgHome).finally(() => pgHome.cleanup());
    const figures: BenchFigure[] = [
      { name: `one daemon on SQLite: ${DEMANDES}-demande lot end to end (median of ${RUNS})`, value: sqliteMs, unit: 'ms' },
      {
        name: `one daemon on PostgreSQL 15 (durable): the same lot (median of ${RUNS})`,
        value: pgMs,
        unit: 'ms',
        floor: sqliteMs,
        ratio: pgMs / sqliteMs,
        target: 'ratio ≤ 1.3 (SQLite as floor)',
        met: pgMs / sqliteMs <= 1.3,
      },
    ];
    for (const instances of [1, 2, 3]) {
      const { ms, demandes } = await instancesOn(cluster, instances);
      figures.push({
        name: `${instances} daemon(s) on one PostgreSQL and one Maildir: ${LOTS} lots of ${PER_LOT} delivered at once, every lot committed once, numbering gap-free, every reply sent`,
        value: (demandes / ms) * 1000,
        unit: 'demandes/s',
      });
    }
    return figures;
  } finally {
    await cluster.stop();
  }
};

export default bench;
