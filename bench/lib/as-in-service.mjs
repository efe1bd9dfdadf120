/**
 * Runs the benchmarks under the runtime settings bin/sne-gateway gives the gateway in service, read
 * from its shebang line (the one place they are written): its environment (glibc's allocator
 * tunables) and node's flags (`--max-semi-space-size`, `--expose-gc`, which lets the gateway
 * collect after a big lot). Without them the benchmarks measured another runtime: young
 * generations twice as large, and none of the gateway's own collections (docs/PERFORMANCE.md,
 * "measured as it runs in service"). Then `compiled.mjs`, and the given script through tsx.
 *
 * Usage: node bench/lib/as-in-service.mjs bench/run.ts [arguments…]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const shebang = readFileSync(new URL('../../bin/sne-gateway', import.meta.url), 'utf8').split('\n', 1)[0];
const words = /^#!\/usr\/bin\/env -S (.*)$/.exec(shebang)?.[1]?.split(/\s+/);
const at = words?.indexOf('node') ?? -1;
if (words === undefined || at < 0) throw new Error(`bin/sne-gateway: unexpected shebang ${shebang}`);
const env = { ...process.env };
for (const assignment of words.slice(0, at)) {
  const [name, value] = assignment.split(/=(.*)/s);
  // `env -S` expands ${NAME} from the caller's environment.
  env[name] = value.replace(/\$\{(\w+)\}/g, (_, variable) => process.env[variable] ?? '');
}
const flags = words.slice(at + 1);
const run = spawnSync(process.execPath, [...flags, '--import', 'tsx', '--import', './bench/lib/compiled.mjs', ...process.argv.slice(2)], { stdio: 'inherit', env });
process.exit(run.status ?? 1);
