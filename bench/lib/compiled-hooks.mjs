/** Module hooks for compiled.mjs: `src/**.ts` resolves to `dist/**.js`, loaded as Node would (no transform). */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

const src = new URL('../../src/', import.meta.url).href;
const dist = new URL('../../dist/', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (!resolved.url.startsWith(src)) return resolved;
  const compiled = `${dist}${resolved.url.slice(src.length).replace(/\.ts$/, '.js')}`;
  if (!existsSync(new URL(compiled))) throw new Error(`bench: ${compiled} is missing: run \`npm run build\` first`);
  return { url: compiled, format: 'module', shortCircuit: true };
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith(dist)) return nextLoad(url, context);
  return { format: 'module', source: await readFile(new URL(url)), shortCircuit: true };
}
