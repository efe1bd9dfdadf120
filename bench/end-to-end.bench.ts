/**
 * End to end on the embedded edges (issue 9 items 2, 3 and 6): one lot of 1,000 demandes (~3.5 MB
 * of XML, 4 % of them rejected for eight different causes), encrypted and signed by its guichet,
 * from the message written into the deposit Maildir to the last reply written into the outgoing
 * Maildir, by the running daemon (warm, as in service during a campaign: lots of 600 and twice
 * 1,000 demandes before, so that V8 has compiled its hot code — ~0.8 and ~0.6 s of optimizing
 * compilation in the first two 1,000-demande lots, ~0.15 s per lot from the fourth; the first
 * such lot's time is reported too). Then the same work on
 * one thread (intake, replies prepared on the main thread, sent), and the component floor of
 * the same lot: the ratio end to end / sum of the floors (target ≤ 1.2; below 1 means the
 * stages overlap on both cores). And the limit floor (issue 21 point 4): the intake's floors plus
 * the replies' bytes deflated, hashed, encrypted and written with node:zlib/node:crypto alone
 * (lib/limit-floor.ts), measured in the same run; the issue's target is the lot end to end in
 * ≤ 3 s (≥ 330 demandes/s) on this 2-core machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { intakePass, runDaemon } from '../src/daemon.js';
import { outboxPass } from '../src/replies/outbox-pass.js';
import { floorSum, intakeFloor, limitFloor, measureFloors, type Floors } from './lib/floors.js';
import { benchHome } from './lib/home.js';
import { checkLot, sealedLot, throughDaemon } from './lib/lots.js';
import { collectAll, median, timed, withPeakRss } from './lib/measure.js';
import type { BenchFigure, Benchmark } from './types.js';

const DEMANDES = 1_000;
/** 1,000-demande lots through the daemon after its 600-demande warm-up lot, before the measured runs. */
const SETTLING_LOTS = 2;
const RUNS = 3;

const bench: Benchmark = async () => {
  const home = await benchHome();
  const scratch = mkdtempSync(join(tmpdir(), 'sne-bench-floor-'));
  const gw = await home.open();
  try {
    const lots = [];
    for (let run = 0; run < RUNS; run++) lots.push(await sealedLot(home, DEMANDES, 100 + run, 'E2E'));
    // ~300 renderings per reply worker, as many on this thread for the floor: the first few hundred
    // renderings of a thread are ~50 % slower (JIT, font caches).
    const warmUp = await sealedLot(home, 600, 1, 'WARMUP');
    const settling = [];
    for (let run = 0; run < SETTLING_LOTS; run++) settling.push(await sealedLot(home, DEMANDES, 150 + run, 'SETTLE'));
    const single = await sealedLot(home, DEMANDES, 200, 'MAIN');

    // The daemon, as in service: a first lot starts its reply workers and warms them; the next
    // two let V8 finish optimizing (its compilations' time per lot falls from ~0.8 s to ~0.15 s).
    // Each run's floor is measured right after it, on its lot, and the ratio taken run by run: this
    // shared machine's speed drifts by ±15 % within a minute (see docs/PERFORMANCE.md).
    const controller = new AbortController();
    const daemon = runDaemon(gw, controller.signal);
    const daemonMs: number[] = [];
    const runFloors: Floors[] = [];
    let peakMiB = 0;
    const settlingMs: number[] = [];
    try {
      await throughDaemon(home, warmUp);
      await measureFloors(gw, warmUp.raw, warmUp.xml, await checkLot(gw, warmUp), scratch);
      for (const lot of settling) {
        collectAll();
        settlingMs.push(await throughDaemon(home, lot));
      }
      for (const lot of lots) {
        collectAll();
        const run = await withPeakRss(() => throughDaemon(home, lot));
        daemonMs.push(run.value);
        peakMiB = Math.max(peakMiB, run.peakMiB);
        runFloors.push(await measureFloors(gw, lot.raw, lot.xml, await checkLot(gw, lot), scratch));
      }
    } finally {
      controller.abort();
      await daemon;
    }

    // The same work on the main thread alone: intake, then each reply sealed and sent in turn.
    const outbox = { registry: gw.registry, keyring: gw.keyring, clock: gw.clock, logger: gw.logger, from: gw.config.gateway.address, reference: gw.reference, sender: gw.sender };
    const expected = home.outgoing() + 1 + single.valid;
    await home.deliver(single.raw);
    const { ms: singleMs } = await timed(async () => {
      await intakePass(gw);
      await outboxPass(outbox);
    });
    if (home.outgoing() < expected) throw new Error('one-thread run: replies missing');
    await checkLot(gw, single);

    const last = lots[lots.length - 1]!;
    // The run of median ratio, each figure of the same run.
    const ratios = daemonMs.map((ms, i) => ms / floorSum(runFloors[i]!));
    const mid = ratios.indexOf(median(ratios));
    const [e2e, floors, ratio] = [daemonMs[mid]!, runFloors[mid]!, ratios[mid]!];
    const floor = floorSum(floors);
    const rate = (ms: number) => (DEMANDES / ms) * 1000;
    const mb = (last.xml.length / 1e6).toFixed(1);
    const limit = limitFloor(floors);
    const perRun = daemonMs.map((ms, i) => `${(ms / 1000).toFixed(1)} s / ${(floorSum(runFloors[i]!) / 1000).toFixed(1)} s`).join(', ');
    return [
      { name: `end to end, daemon (${DEMANDES} demandes, ${mb} MB XML, ${last.valid} registered): wall time and floor of the run of median ratio, of ${RUNS} (${perRun})`, value: e2e, unit: 'ms', floor, ratio, target: 'ratio ≤ 1.2 (< 1: stages overlap on both cores)', met: ratio <= 1.2 },
      {
        name: `end to end, daemon, its first ${DEMANDES}-demande lot, after a 600-demande one (V8 still compiling its hot code; the next: ${settlingMs.slice(1).map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')})`,
        value: settlingMs[0]!,
        unit: 'ms',
      },
      { name: 'end to end, daemon: throughput', value: rate(e2e), unit: 'demandes/s', floor: rate(floor), target: '≥ 330 demandes/s (issue 21)', met: rate(e2e) >= 330 },
      { name: `end to end, daemon, against the LIMIT floor (intake floors + the ${last.valid + 1} replies' bytes deflated, hashed, signed, encrypted, base64'd, written; node:zlib/node:crypto)`, value: e2e, unit: 'ms', floor: limit, ratio: e2e / limit, target: '≤ 3,000 ms (issue 21)', met: e2e <= 3_000 },
      { name: 'limit floor: throughput', value: rate(limit), unit: 'demandes/s' },
      { name: 'limit floor: intake (decrypt + schema + SQLite, the component floors above)', value: intakeFloor(floors), unit: 'ms' },
      { name: 'limit floor: replies (deflate own streams + SHA-512/Ed25519 + X25519/AES-KW + AES-256-CFB + base64 + tmp/fsync/new)', value: floors.limitRepliesMs, unit: 'ms', ratio: floors.limitRepliesMs / limit },
      { name: 'end to end, daemon: peak RSS of the process (reply workers included)', value: peakMiB, unit: 'MiB' },
      { name: 'end to end, one thread (no reply workers): wall time', value: singleMs, unit: 'ms', floor, ratio: singleMs / floor },
      { name: 'reply workers: speed-up of the daemon over one thread', value: singleMs / e2e, unit: '×', target: '> 1.2 to keep them', met: singleMs / e2e > 1.2 },
      { name: 'floor: OpenPGP decrypt + verify of the lot', value: floors.decryptMs, unit: 'ms' },
      { name: 'floor: libxml2 schema validation', value: floors.schemaMs, unit: 'ms' },
      { name: 'floor: SQLite inserts of the same rows, one transaction', value: floors.sqliteMs, unit: 'ms' },
      { name: `floor: rendering the ${last.valid} attestations`, value: floors.renderMs, unit: 'ms', ratio: floors.renderMs / floor },
      { name: 'floor: signing, encrypting and building the reply messages', value: floors.sealMs, unit: 'ms', ratio: floors.sealMs / floor },
    ] satisfies BenchFigure[];
  } finally {
    await gw.close();
    home.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  }
};

export default bench;
