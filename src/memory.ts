/**
 * A lot this large has the garbage of its stages collected between them (pipeline/decode.ts,
 * judge.ts): ~2,000 demandes (~7 MB of XML); the 4 MiB lot stays under it.
 */
export const LARGE_LOT = { xmlBytes: 8 * 1024 * 1024, demandes: 2_000 };

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
  (globalThis as { gc?: () => void }).gc?.();
}
