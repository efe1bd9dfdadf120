/**
 * Loads the configuration once at start: defaults < file < environment < command line, every
 * error reported at once, the result deep-frozen and passed as an argument (no global getter).
 * The file is `--config FILE`, else $SNE_GATEWAY_CONFIG, else the home's sne-gateway.config.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { CHECKS, CROSS_CHECKS, DEFAULTS, RENAMED, type Config, type ConfigFile } from './schema.js';

export const CONFIG_FILE_NAME = 'sne-gateway.config.json';

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Configuration invalide :\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** `--home`, else SNE_GATEWAY_HOME, else `./var`. */
export function resolveHome(cliHome: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(cliHome ?? env.SNE_GATEWAY_HOME ?? 'var');
}

export function configPath(home: string): string {
  return join(home, CONFIG_FILE_NAME);
}

/** The configuration file: `--config`, else SNE_GATEWAY_CONFIG (both relative to the working directory), else the home's. */
export function resolveConfigFile(home: string, cliFile?: string, env: NodeJS.ProcessEnv = process.env): { path: string; explicit: boolean } {
  const given = cliFile ?? (env.SNE_GATEWAY_CONFIG || undefined);
  return given === undefined ? { path: configPath(home), explicit: false } : { path: resolve(given), explicit: true };
}

/** A setting given on the command line: it wins over the environment and the file. */
export interface CliSetting {
  /** `log.level` */
  readonly setting: string;
  /** As typed: converted like an environment variable's value. */
  readonly value: string;
  /** `--log-level`, to name it in an error. */
  readonly flag: string;
}

export interface ConfigSource {
  /** The configuration file; a file named explicitly must exist. Default: the home's. */
  readonly file?: { readonly path: string; readonly explicit: boolean };
  readonly cli?: readonly CliSetting[];
}

/** The environment variable overriding a setting: `daemon.pollIntervalMs` → SNE_GATEWAY_DAEMON_POLL_INTERVAL_MS. */
export function envName(section: string, key: string): string {
  const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
  return `SNE_GATEWAY_${snake(section)}_${snake(key)}`;
}

function fromEnv(raw: string, defaultValue: unknown): unknown {
  if (typeof defaultValue === 'number') return raw.trim() === '' ? Number.NaN : Number(raw);
  if (typeof defaultValue === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  // A setting that defaults to `auto` takes `auto` or a number.
  if (defaultValue === 'auto' && /^\s*\d+\s*$/.test(raw)) return Number(raw);
  return raw;
}

export function loadConfig(home: string, env: NodeJS.ProcessEnv = process.env, source: ConfigSource = {}): Readonly<Config> {
  const { path: file, explicit } = source.file ?? resolveConfigFile(home, undefined, env);
  const problems: string[] = [];
  let fromFile: ConfigFile = {};
  if (existsSync(file)) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8')) as ConfigFile;
    } catch (error) {
      throw new ConfigError([`${file} : JSON illisible (${(error as Error).message})`]);
    }
    if (fromFile === null || typeof fromFile !== 'object' || Array.isArray(fromFile)) {
      throw new ConfigError([`${file} : un objet JSON est attendu ({ "section": { "paramètre": valeur } })`]);
    }
  } else if (explicit) {
    throw new ConfigError([`${file} : fichier de configuration introuvable (donné par --config ou SNE_GATEWAY_CONFIG)`]);
  }
  const cli = new Map((source.cli ?? []).map((c) => [c.setting, c]));
  for (const c of cli.values()) {
    const [section, key] = c.setting.split('.');
    if (!(section! in DEFAULTS) || !(key! in (DEFAULTS as Record<string, object>)[section!]!)) problems.push(`${c.flag} : paramètre ${c.setting} inconnu`);
  }

  const merged: Record<string, Record<string, unknown>> = {};
  for (const [section, defaults] of Object.entries(DEFAULTS) as [string, Record<string, unknown>][]) {
    const fileSection = { ...((fromFile as Record<string, Record<string, unknown> | undefined>)[section] ?? {}) };
    for (const key of Object.keys(fileSection)) {
      const renamed = RENAMED[`${section}.${key}`];
      if (renamed === undefined) continue;
      fileSection[renamed] ??= fileSection[key];
      delete fileSection[key];
    }
    const checks = (CHECKS as Record<string, Record<string, (v: unknown) => string | undefined>>)[section] ?? {};
    merged[section] = {};
    for (const key of Object.keys(fileSection)) {
      if (!(key in defaults)) problems.push(`${section}.${key} : paramètre inconnu (fichier ${file})`);
    }
    for (const [key, defaultValue] of Object.entries(defaults)) {
      const variable = envName(section, key);
      const flag = cli.get(`${section}.${key}`);
      const raw = flag?.value ?? env[variable];
      const value = raw !== undefined ? fromEnv(raw, defaultValue) : fileSection[key] ?? defaultValue;
      const problem = checks[key]?.(value);
      const origin = flag !== undefined ? ` (option ${flag.flag})` : raw !== undefined ? ` (variable ${variable})` : '';
      if (problem) problems.push(`${section}.${key}${origin} : ${problem}`);
      merged[section]![key] = value;
    }
  }
  for (const section of Object.keys(fromFile)) {
    if (!(section in DEFAULTS)) problems.push(`${section} : section inconnue (fichier ${file})`);
  }
  if (problems.length === 0) {
    for (const check of CROSS_CHECKS) {
      const problem = check(merged as unknown as Omit<Config, 'home'>);
      if (problem) problems.push(problem);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze({ home, ...merged } as unknown as Config);
}

/** A path setting made absolute against the home directory. */
export function homePath(config: Pick<Config, 'home'>, path: string): string {
  return isAbsolute(path) ? path : join(config.home, path);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
