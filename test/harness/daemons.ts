/**
 * Several `sne-gateway run` daemons on one home — the binary, separate processes — killed with
 * SIGKILL at random instants and restarted, for the multi-instance tests (spec 10). The plan of
 * kills follows a seed (printed by the tests, SNE_TEST_KILL_SEED replays it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, cliEnv } from '../helpers/cli.js';

/** The seed of the kill plan: SNE_TEST_KILL_SEED, else a new one. */
export const killSeed = (): number => Number(process.env.SNE_TEST_KILL_SEED) || randomInt(1, 2 ** 31);

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Daemons {
  start(slot: number): void;
  /** Stops daemon `slot` (if running) with `signal` and waits for its exit. */
  stop(slot: number, signal: NodeJS.Signals): Promise<void>;
  stopAll(signal: NodeJS.Signals): Promise<void>;
  /** The slots running now. */
  running(): number[];
  /** Lines logged at level error or fatal by any daemon so far, each prefixed with its log file. */
  errors(): string[];
}

/**
 * Daemons on `home`, each start logging (JSON, level info) to a file of its own in `logDir`.
 * They run on the system clock: a clock moved by SNE_GATEWAY_NOW starts from that instant at each
 * process's start, so instances started apart would disagree on when a lease expires.
 */
export function daemons(home: string, logDir: string, env: Readonly<Record<string, string>> = {}): Daemons {
  const children = new Map<number, ChildProcess>();
  let starts = 0;
  const stop = async (slot: number, signal: NodeJS.Signals): Promise<void> => {
    const child = children.get(slot);
    if (!child) return;
    children.delete(slot);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  };
  return {
    start: (slot) => {
      if (children.has(slot)) throw new Error(`daemon ${slot} is running`);
      const log = openSync(join(logDir, `daemon-${slot}.${++starts}.log`), 'w');
      children.set(slot, spawn(process.execPath, [BIN, '--home', home, 'run'], { env: cliEnv({ SNE_GATEWAY_NOW: '', SNE_GATEWAY_LOG_LEVEL: 'info', ...env }), stdio: ['ignore', log, log] }));
      closeSync(log); // the child has its own copy
    },
    stop,
    stopAll: async (signal) => {
      await Promise.all([...children.keys()].map((slot) => stop(slot, signal)));
    },
    running: () => [...children.keys()],
    errors: () =>
      readdirSync(logDir)
        .filter((file) => file.startsWith('daemon-') && file.endsWith('.log'))
        .flatMap((file) => readFileSync(join(logDir, file), 'utf8').split('\n').filter((line) => /"level":(50|60)\b/.test(line)).map((line) => `${file}: ${line}`)),
  };
}

export interface KillPlan {
  readonly random: () => number;
  readonly durationMs: number;
  /** Called every few tens of milliseconds meanwhile (to deliver lots at their instants). */
  readonly tick?: (now: number) => Promise<void>;
  /** Longest wait between two kills, and before a killed daemon is started again. */
  readonly maxBetweenKillsMs?: number;
  readonly maxRestartDelayMs?: number;
}

/**
 * Kills a running daemon with SIGKILL at random instants for `durationMs`, each started again
 * after a random delay; when it returns, every daemon killed is running again. Returns the count.
 */
export async function killAtRandom(group: Daemons, plan: KillPlan): Promise<number> {
  const { random, durationMs, maxBetweenKillsMs = 3_000, maxRestartDelayMs = 2_000 } = plan;
  const deadline = Date.now() + durationMs;
  const restarts: { slot: number; at: number }[] = [];
  let kills = 0;
  let nextKill = Date.now() + 500 + random() * maxBetweenKillsMs;
  while (Date.now() < deadline) {
    const now = Date.now();
    await plan.tick?.(now);
    for (const restart of restarts.filter((r) => r.at <= now)) {
      restarts.splice(restarts.indexOf(restart), 1);
      group.start(restart.slot);
    }
    if (now >= nextKill) {
      const alive = group.running();
      if (alive.length > 0) {
        const slot = alive[Math.floor(random() * alive.length)]!;
        await group.stop(slot, 'SIGKILL');
        kills++;
        restarts.push({ slot, at: Date.now() + random() * maxRestartDelayMs });
      }
      nextKill = Date.now() + 500 + random() * maxBetweenKillsMs;
    }
    await sleep(50);
  }
  for (const restart of restarts.splice(0)) group.start(restart.slot);
  return kills;
}
