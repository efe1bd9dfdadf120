/**
 * A gateway home whose registry is on a given backend, for the tests that run end to end on
 * both: SQLite (the default file in the home) or a new empty database of the test file's
 * PostgreSQL cluster, configured as a gestionnaire does it (`registry.url` without password, the
 * password in a 0600 file named by `registry.passwordFile`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initHome, type InitReport } from '../../src/cli/commands/init.js';
import { configPath } from '../../src/config/load.js';
import { DEFAULTS } from '../../src/config/schema.js';
import { postgresCluster } from './file-postgres.js';

type Sections = Record<string, Record<string, unknown>>;

export interface HomeBackend {
  readonly name: 'SQLite' | 'PostgreSQL';
  /** The `registry` settings of a new home on this backend, after writing what they name in `home`. */
  registrySettings(home: string): Promise<Record<string, unknown>>;
}

export const SQLITE_HOME: HomeBackend = {
  name: 'SQLite',
  registrySettings: async () => ({}),
};

export const POSTGRESQL_HOME: HomeBackend = {
  name: 'PostgreSQL',
  registrySettings: async (home) => {
    const cluster = await postgresCluster();
    const url = await cluster.createDatabase();
    writeFileSync(join(home, 'registry.password'), `${cluster.password}\n`, { mode: 0o600 });
    return { url, passwordFile: 'registry.password' };
  },
};

export const HOME_BACKENDS: readonly HomeBackend[] = [SQLITE_HOME, POSTGRESQL_HOME];

/**
 * Writes the configuration file of a new home (the defaults, `sections` over them) with its
 * registry on `backend`, without initialising it: `initHome` or `sne-gateway init` does that next.
 */
export async function configureHome(backend: HomeBackend, home: string, sections: Sections = {}): Promise<void> {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const registry = await backend.registrySettings(home);
  const config: Sections = { ...(DEFAULTS as unknown as Sections) };
  for (const [section, settings] of Object.entries(sections)) config[section] = { ...config[section], ...settings };
  config.registry = { ...config.registry, ...sections.registry, ...registry };
  writeFileSync(configPath(home), `${JSON.stringify(config, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
}

/** `initHome` on a home whose registry is on `backend`. */
export async function initHomeOn(backend: HomeBackend, home: string, sections: Sections = {}): Promise<InitReport> {
  await configureHome(backend, home, sections);
  return initHome(home);
}
