/**
 * Scale (issue 9 item 4), through the running daemon on the embedded edges:
 * - lots of 10, 100, 1,000 and 10,000 demandes (the last zipped, as its 35 MB of XML must be to
 *   fit the 4 MiB attachment): the cost per demande, which should stay flat (linear time);
 * - the same 1,000-demande lots into an empty registry and into one holding 2 million demandes
 *   (target: time ≤ 1.10 × empty);
 * - the peak RSS of a fresh process handling one 4 MiB encrypted lot (target < 300 MB).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { LIMITS } from '../src/limits.js';
import { runDaemon } from '../src/daemon.js';
import type { Gateway } from '../src/app.js';
import { generate } from './lib/generate-lot.js';
import { benchHome, type BenchHome } from './lib/home.js';
import { checkLot, sealedLot, throughDaemon } from './lib/lots.js';
import { generateRegistry } from './lib/registry-fill.js';
import type { BenchFigure, Benchmark } from './types.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SIZES = [10, 100, 1_000, 10_000];
const REGISTRY_DEMANDES = Number(process.env.BENCH_REGISTRY_DEMANDES ?? 2_000_000);
const REGISTRY_RUNS = 2;

interface Running {
  readonly home: BenchHome;
  readonly gw: Gateway;
  stop(): Promise<void>;
}

/** A home with its daemon running, warmed by a small lot (reply workers started, JIT warm). */
async function running(home: BenchHome): Promise<Running> {
  const gw = await home.open();
  const controller = new AbortController();
  const daemon = runDaemon(gw, controller.signal);
  await throughDaemon(home, await sealedLot(home, 50, 1, 'WARMUP'));
  return {
    home,
    gw,
    stop: async () => {
      controller.abort();
      await daemon;
      await gw.close();
      home.cleanup();
    },
  };
}

async function lotSizes(): Promise<BenchFigure[]> {
  const r = await running(await benchHome());
  try {
    const perDemande = new Map<number, number>();
    for (const size of SIZES) {
      const lot = await sealedLot(r.home, size, 10 + size, 'SCALE');
      const ms = await throughDaemon(r.home, lot);
      await checkLot(r.gw, lot);
      perDemande.set(size, ms / size);
    }
    const linearity = perDemande.get(10_000)! / perDemande.get(1_000)!;
    return [
      ...SIZES.map((size) => ({ name: `lot of ${size.toLocaleString('en')} demandes: cost per demande, end to end (daemon)`, value: perDemande.get(size)!, unit: 'ms' })),
      { name: 'linearity: cost per demande, 10,000-demande lot / 1,000-demande lot', value: linearity, unit: '×', target: '≤ 1.2 (linear)', met: linearity <= 1.2 },
    ];
  } finally {
    await r.stop();
  }
}

async function bigRegistry(): Promise<BenchFigure[]> {
  let fillSeconds = 0;
  const empty = await running(await benchHome());
  const full = await running(
    await benchHome({
      fill: (file) => {
        const started = performance.now();
        generateRegistry(file, REGISTRY_DEMANDES);
        fillSeconds = (performance.now() - started) / 1000;
      },
    }),
  );
  try {
    const best = { empty: Infinity, full: Infinity };
    for (let run = 0; run < REGISTRY_RUNS; run++) {
      // The same lots (same seed) into each, alternated so that the machine's moods weigh on both.
      for (const which of run % 2 === 0 ? (['empty', 'full'] as const) : (['full', 'empty'] as const)) {
        const target = which === 'empty' ? empty : full;
        const lot = await sealedLot(target.home, 1_000, 300 + run, 'REG');
        best[which] = Math.min(best[which], await throughDaemon(target.home, lot));
        await checkLot(target.gw, lot);
      }
    }
    const ratio = best.full / best.empty;
    return [
      { name: '1,000-demande lot into an empty registry, end to end (best of 2)', value: best.empty, unit: 'ms' },
      {
        name: `1,000-demande lot into a registry of ${(REGISTRY_DEMANDES / 1e6).toFixed(1)} M demandes, end to end (best of 2)`,
        value: best.full,
        unit: 'ms',
        ratio,
        target: 'ratio (full / empty) ≤ 1.10',
        met: ratio <= 1.1,
      },
      { name: `filling that registry (bulk SQL, not measured end to end)`, value: fillSeconds, unit: 's' },
    ];
  } finally {
    await full.stop();
    await empty.stop();
  }
}

/**
 * A lot whose encrypted attachment is just under the 4 MiB limit, handled by the real binary
 * (`sne-gateway run --once`, compiled: tsx alone would add ~200 MB) in a fresh process.
 */
async function peakRss(): Promise<BenchFigure[]> {
  const home = await benchHome();
  const rssFile = join(home.home, 'rss.txt');
  try {
    await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT }); // dist/ as the sources are now
    const sample = generate({ demandes: 200, seed: 7 }).xml.length / 200;
    const demandes = Math.floor((LIMITS.attachmentBytes - 80 * 1024) / sample);
    const lot = await sealedLot(home, demandes, 7, 'RSS');
    await home.deliver(lot.raw);
    const started = performance.now();
    // Executed as `npx sne-gateway` does, through its shebang (allocator and young-generation settings).
    await run(fileURLToPath(new URL('../bin/sne-gateway', import.meta.url)), ['--home', home.home, 'run', '--once'], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: `--require ${fileURLToPath(new URL('./lib/report-rss.cjs', import.meta.url))}`, BENCH_RSS_FILE: rssFile, SNE_GATEWAY_LOG_LEVEL: 'warn' },
    });
    const ms = performance.now() - started;
    if (home.outgoing() !== lot.valid + 1) throw new Error(`run --once: ${home.outgoing()} replies, ${lot.valid + 1} expected`);
    const mb = (Number(readFileSync(rssFile, 'utf8').trim()) * 1024) / 1e6;
    return [
      {
        name: `peak RSS, sne-gateway run --once, one lot of ${demandes} demandes (${(lot.raw.length / 2 ** 20).toFixed(1)} MiB message, ${(lot.xml.length / 2 ** 20).toFixed(2)} MiB XML), judge and reply threads included`,
        value: mb,
        unit: 'MB',
        target: '< 300 MB',
        met: mb < 300,
      },
      { name: 'that process: wall time, start to exit (reply workers started cold)', value: ms, unit: 'ms' },
    ];
  } finally {
    home.cleanup();
  }
}

const bench: Benchmark = async () => [...(await lotSizes()), ...(await bigRegistry()), ...(await peakRss())];

export default bench;
