/**
 * The benchmarks measure the gateway as it runs in service, from `dist/` (what bin/sne-gateway
 * loads), not its sources through tsx: tsx's esbuild transform keeps function names by a
 * `__name()` call at every function's creation, which made the daemon's hot paths ~10 % slower
 * (docs/PERFORMANCE.md, "measured as it runs in service"). Registered with `--import` before the
 * benchmarks load: every module of `src/` they import resolves to its compiled twin.
 */
import { register } from 'node:module';

register('./compiled-hooks.mjs', import.meta.url);
