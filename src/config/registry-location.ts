/**
 * Where the registry is, from `registry.url`: a SQLite file (a path, relative to the home) or a
 * PostgreSQL database (`postgres://user@host:port/database`, its password from
 * SNE_GATEWAY_REGISTRY_PASSWORD or `registry.passwordFile`, its CA from `registry.caFile`).
 */
import { readFileSync } from 'node:fs';
import { homePath } from './load.js';
import type { Config } from './schema.js';
import { serverPassword } from './secrets.js';

export type RegistryLocation =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly password?: string; readonly ca?: Buffer };

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** The SQLite file of the registry, or undefined when it is on PostgreSQL. */
export function sqlitePath(config: Readonly<Config>): string | undefined {
  return isPostgresUrl(config.registry.url) ? undefined : homePath(config, config.registry.url);
}

/** The registry's location with its secrets (read now: a missing password file is reported here). */
export function registryLocation(config: Readonly<Config>, env: NodeJS.ProcessEnv = process.env): RegistryLocation {
  const path = sqlitePath(config);
  if (path !== undefined) return { kind: 'sqlite', path };
  const password = serverPassword(config, 'registry', env);
  const { caFile } = config.registry;
  return {
    kind: 'postgres',
    url: config.registry.url,
    ...(password !== undefined ? { password } : {}),
    ...(caFile !== '' ? { ca: readFileSync(homePath(config, caFile)) } : {}),
  };
}

/** How the registry is named to an operator: its file, or its URL (which never holds a password). */
export function describeRegistry(config: Readonly<Config>): string {
  return sqlitePath(config) ?? config.registry.url;
}
