/**
 * A lot this large has the garbage of its stages collected between them (pipeline/decode.ts,
 * judge.ts): ~2,000 demandes (~7 MB of XML); the 4 MiB lot stays under it.
 */
export const LARGE_LOT = { xmlBytes: 8 * 1024 * 1024, demandes: 2_000 };

/**
 * What the buffers outside V8's heap may grow by before `buffersToCollect` says so: well under
 * the ~64 MB after which V8 collects on its own.
 */
const BUFFER_GROWTH_BYTES = 16 * 1024 * 1024;
/** `arrayBuffers` right after the last `collectGarbage`. */
let buffersAfterCollection = 0;

/**
 * One full garbage collection, after the one-off work of a big lot (docs/PERFORMANCE.md, "Memory").
 *
 * V8 sets its next old-generation limit from what was live at its last full collection. For a
 * 10,000-demande lot that last one runs while the commit holds the judged lot (~60 MB live), so
 * the replies' short-lived garbage then grows the main heap to ~180 MB before the next one, for
 * the whole of the replies. Collecting once that work is garbage sets the limit from the ~20 MB
 * that remain. `gc` exists when node runs with `--expose-gc` (bin/sne-gateway's shebang);
 * elsewhere (tests, `node bin/…`) this does nothing.
 */
export function collectGarbage(): void {
  const gc = exposedGc();
  if (gc === undefined) return;
  gc();
  buffersAfterCollection = process.memoryUsage().arrayBuffers;
}

/** V8's `gc`, present when node runs with `--expose-gc`. */
function exposedGc(): (() => void) | undefined {
  return (globalThis as { gc?: () => void }).gc;
}

/**
 * Whether the memory held by buffers (`process.memoryUsage().arrayBuffers`: the replies moved
 * from the workers) has grown by 16 MB since the last `collectGarbage`, and a collection is worth
 * its ~24 ms of the main thread. Those buffers mostly die young, freed by the young generation's
 * collections: one full collection per batch of 100 replies took 0.24 s of a 1,000-demande lot
 * and freed none of them; a 10,000-demande lot's, kept longer, are still collected.
 */
export function buffersToCollect(): boolean {
  if (exposedGc() === undefined) return false;
  return process.memoryUsage().arrayBuffers - buffersAfterCollection >= BUFFER_GROWTH_BYTES;
}
