/**
 * The judge on a thread of its own: the daemon's stages before the registry (MIME, OpenPGP,
 * libxml2, the rules and their INSEE reference) run in a worker thread, stopped after a big lot
 * (the daemon starts a fresh one at once).
 *
 * What they leave behind — libxml2's WebAssembly memory, which never shrinks, the reference's
 * parsed JSON, a lot's decrypted copies — goes with the thread instead of staying in the
 * process that then renders the replies (docs/PERFORMANCE.md, "Memory"). A lot that exhausts the
 * thread's heap kills the thread, not the daemon; it is tried again on a fresh thread, and after
 * `LIMITS.judgeAttempts` deaths refused. A message judged past `LIMITS.judgeMs` has its thread
 * terminated and is refused (pipeline/unjudged.ts): one message cannot hold the mailbox.
 * Messages are judged one at a time, so that each budget counts that message's work alone.
 */
import type { Config } from '../config/schema.js';
import type { KeyMaterial } from '../crypto/index.js';
import { LIMITS as INPUT_LIMITS } from '../limits.js';
import { ThreadExited, ThreadPool, ThreadTimeout } from '../threads.js';
import type { Judge } from './judge.js';
import { unpackVerdict, type PackedVerdict } from './packed-verdict.js';
import type { Submission } from './submission.js';
import { exhausted, overBudget } from './unjudged.js';

export interface JudgeThreadInit {
  readonly config: Readonly<Config>;
  /** The national keys the main thread unlocked. */
  readonly keys: readonly KeyMaterial[];
}

export interface JudgeRequest {
  readonly submission: Submission;
  readonly messageSha256: string;
  readonly now: Date;
}

/** Far above a 10,000-demande lot's needs (~150 MB); a hostile one fails here, not the daemon. */
const LIMITS = { maxOldGenerationSizeMb: 1024 };

/**
 * What the thread judged, and the memory it then holds: its JavaScript heap (the lot's objects,
 * until collected) and what lies outside it (libxml2's WebAssembly memory, which grows to the
 * biggest batch parsed and never shrinks; the lot's buffers).
 */
export interface JudgeResponse {
  /** Packed (packed-verdict.ts): a lot's demandes cross in one transferred buffer. */
  readonly verdict: PackedVerdict;
  readonly heldBytes: number;
}

/**
 * Above this, the thread is stopped as soon as its verdict is in, before the lot is committed:
 * what a big lot leaves goes back before the commit copies the lot and the replies render. Measured
 * after lots of 1,000 / 1,175 (4 MiB) / 10,000 demandes: ~81 / 86 / 135–170 MB (docs/PERFORMANCE.md).
 * Below it the thread stays: a start costs ~0.5 s of CPU (modules, reference, libxml2) and the
 * fresh thread's first lot runs before its JIT has warmed.
 */
const RELEASE_ABOVE_BYTES = 128 * 1024 * 1024;

export interface JudgeThread {
  readonly judge: Judge;
  /**
   * Starts the thread now and keeps one ready (the daemon): when a big lot has it replaced, the
   * fresh thread starts at once, while the lot's replies render, instead of on the next message.
   * Still stopped after `idleMs` without a message.
   */
  keepReady(): void;
  /** The running thread's id; undefined until it starts and once it is stopped. */
  readonly threadId: number | undefined;
  close(): Promise<void>;
}

export interface JudgeThreadOptions {
  /** Stopped after this long without a message (default 5 min). */
  readonly idleMs?: number;
  /** Replaced after a message that leaves it holding more than this (tests lower it). */
  readonly releaseAboveBytes?: number;
  /** Time to judge one message (default `LIMITS.judgeMs`; tests lower it). */
  readonly budgetMs?: number;
  /** The thread's script (default judge-worker; a test substitutes one that stalls on a message). */
  readonly script?: URL;
}

/** Started on the first message (or `keepReady()`), stopped after `idleMs` without one. */
export function judgeThread(config: Readonly<Config>, keys: () => readonly KeyMaterial[], options: JudgeThreadOptions = {}): JudgeThread {
  const threads = new ThreadPool<JudgeThreadInit, JudgeRequest, JudgeResponse>({
    script: options.script ?? new URL('./judge-worker.js', import.meta.url),
    size: 1,
    init: () => ({ config, keys: keys() }),
    idleMs: options.idleMs ?? 300_000,
    resourceLimits: LIMITS,
  });
  const releaseAbove = options.releaseAboveBytes ?? RELEASE_ABOVE_BYTES;
  const budgetMs = options.budgetMs ?? INPUT_LIMITS.judgeMs;
  let keepReady = false;
  let closed = false;

  const judgeOne: Judge = async (submission, messageSha256, now) => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const { verdict, heldBytes } = await threads.run({ submission, messageSha256, now }, { timeoutMs: budgetMs });
        // Before unpacking: the thread's copy of the lot goes first.
        if (heldBytes > releaseAbove) threads.stopWhenIdle(keepReady);
        const input = unpackVerdict(verdict);
        // The thread sends the original back empty: this thread still holds it.
        return { ...input, reception: { ...input.reception, original: submission.original } };
      } catch (error) {
        if (closed) throw error;
        if (error instanceof ThreadTimeout) {
          if (keepReady) threads.warm();
          throw overBudget(budgetMs);
        }
        if (!(error instanceof ThreadExited)) throw error;
        if (attempt >= INPUT_LIMITS.judgeAttempts) throw exhausted(attempt);
      }
    }
  };
  let queue: Promise<unknown> = Promise.resolve();

  return {
    judge(submission, messageSha256, now) {
      const turn = queue.then(() => judgeOne(submission, messageSha256, now));
      // Not `turn.catch(…)`, which resolves to the verdict: the queue would hold the last judged
      // lot (10,000 demandes: ~45 MB of heap) until the next message, through all its replies.
      queue = turn.then(
        () => undefined,
        () => undefined,
      );
      return turn;
    },
    keepReady() {
      keepReady = true;
      threads.warm();
    },
    get threadId() {
      return threads.threadIds[0];
    },
    close: () => {
      closed = true;
      return threads.close();
    },
  };
}
