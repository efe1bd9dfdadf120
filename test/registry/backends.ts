/**
 * The registry's backends for the contract suite: each registry case runs on every one
 * (`describe.each(BACKENDS)`), each on new empty storage. The PostgreSQL cluster is started the
 * first time a test file needs it and stopped after that file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { Registry } from '../../src/registry/registry.js';
import { PostgresRegistry } from '../../src/registry/postgres/store.js';
import { SqliteRegistry } from '../../src/registry/sqlite/store.js';
import { postgresCluster } from '../harness/file-postgres.js';

export interface Backend {
  readonly name: 'SQLite' | 'PostgreSQL';
  /** New empty storage (a file path, a database URL), for `open`. */
  storage(): Promise<string>;
  /** A registry on that storage; several may be open on it at once. */
  open(storage: string): Promise<Registry>;
}

const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export { postgresCluster };

export const SQLITE: Backend = {
  name: 'SQLite',
  storage: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sne-registry-'));
    dirs.push(dir);
    return join(dir, 'registry.sqlite');
  },
  open: async (path) => new SqliteRegistry(path),
};

export const POSTGRESQL: Backend = {
  name: 'PostgreSQL',
  storage: async () => (await postgresCluster()).createDatabase(),
  open: async (url) => PostgresRegistry.open({ connectionString: url, password: (await postgresCluster()).password }),
};

export const BACKENDS: readonly Backend[] = [SQLITE, POSTGRESQL];

/** A registry on new empty storage. */
export async function freshRegistry(backend: Backend): Promise<Registry> {
  return backend.open(await backend.storage());
}
