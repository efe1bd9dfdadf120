/** Small measuring helpers shared by the benchmarks. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Wall time of `fn`, in ms. */
export async function timed<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

/** Samples this process's RSS every `everyMs` while `fn` runs: the peak, in MiB (threads included). */
export async function withPeakRss<T>(fn: () => Promise<T>, everyMs = 20): Promise<{ value: T; peakMiB: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), everyMs);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, peakMiB: peak / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

/**
 * A full garbage collection of this thread's heap, between measurements: the floors leave hundreds
 * of MB of garbage behind them, which the daemon measured next would otherwise collect (and mark,
 * on the same two cores) during its own run. `gc` is exposed for this without `--expose-gc` on
 * the command line (tsx runs the benchmarks).
 */
export function collectAll(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
