/**
 * Progress of a long command (`replay --status`, `reference import`, `expire`) on the operator's
 * terminal: count, rate and time left, rewritten in place on standard error. Nothing at all when
 * standard error is not a terminal (a pipe, a log file) or with `--json`: the output stays the
 * command's result only.
 */

/** Where progress goes: standard error, or in tests any object that says it is a terminal. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

export interface Progress {
  /** `done` items of `total` are finished. */
  update(done: number, total: number): void;
  /** Wipes the line, before the command prints a line of its own on the same terminal; the next update redraws it. */
  clear(): void;
  /** Finished: the line is completed with a newline (once something was shown). */
  end(): void;
}

export interface ProgressOptions {
  readonly stream?: ProgressStream;
  /** `--json`: no progress. */
  readonly quiet?: boolean;
  /** Milliseconds, monotonic (durations only). */
  readonly now?: () => number;
  /** Least time between two redraws. */
  readonly intervalMs?: number;
}

const NONE: Progress = { update: () => undefined, clear: () => undefined, end: () => undefined };

export function startProgress(label: string, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.quiet === true || stream.isTTY !== true) return NONE;
  const now = options.now ?? (() => performance.now());
  const intervalMs = options.intervalMs ?? 200;
  const started = now();
  let drawnAt: number | undefined;
  let width = 0;
  return {
    update(done, total) {
      if (total <= 0) return;
      const at = now();
      if (done < total && drawnAt !== undefined && at - drawnAt < intervalMs) return;
      drawnAt = at;
      const line = progressLine(label, done, total, (at - started) / 1000);
      // Spaces wipe what a longer previous line left.
      stream.write(`\r${line.padEnd(width)}`);
      width = line.length;
    },
    clear() {
      if (width > 0) stream.write(`\r${' '.repeat(width)}\r`);
      width = 0;
      drawnAt = undefined;
    },
    end() {
      if (width > 0) stream.write('\n');
    },
  };
}

/** `lots rejoués : 120/400 (30 %) — 12,0/s — reste 23 s` */
export function progressLine(label: string, done: number, total: number, elapsedSeconds: number): string {
  const percent = Math.floor((done / total) * 100);
  const rate = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
  const left = done >= total ? 'terminé' : rate > 0 ? `reste ${duration((total - done) / rate)}` : 'reste ?';
  return `${label} : ${done}/${total} (${percent} %) — ${rate.toLocaleString('fr-FR', { maximumFractionDigits: 1, minimumFractionDigits: 1 })}/s — ${left}`;
}

function duration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}
