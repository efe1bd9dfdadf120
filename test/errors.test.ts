import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALL_ERROR_CODES } from '../src/errors.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const table = readme.slice(readme.indexOf('## Error codes'), readme.indexOf('\n## ', readme.indexOf('## Error codes') + 1));
const documented = [...table.matchAll(/^\| `((?:LOT|DEM)_[A-Z_]+)` \|/gm)].map((m) => m[1]);

describe("error codes and the README's table", () => {
  it('documents every code of src/errors.ts', () => {
    expect(ALL_ERROR_CODES.filter((code) => !documented.includes(code))).toEqual([]);
  });
  it('documents no code that src/errors.ts lacks, each once', () => {
    expect(documented.filter((code) => !(ALL_ERROR_CODES as readonly string[]).includes(code!))).toEqual([]);
    expect(new Set(documented).size).toBe(documented.length);
  });
  it('lists the codes of the spec, sections 4.1 and 4.2', () => {
    const spec = readFileSync(new URL('../../shared/spec/INTERFACE.md', import.meta.url), 'utf8');
    const specCodes = new Set([...spec.matchAll(/^\| `((?:LOT|DEM)_[A-Z_]+)` \|/gm)].map((m) => m[1]));
    expect([...specCodes].sort()).toEqual([...ALL_ERROR_CODES].sort());
  });
});
