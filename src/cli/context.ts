/** What every command gets: where the home is, its configuration, and where to write. */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { clockFromEnvironment, type Clock } from '../clock.js';
import { sqlitePath } from '../config/registry-location.js';
import { loadConfig, resolveConfigFile, resolveHome, type CliSetting } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { escapeControls } from '../control-characters.js';
import { createLogger, type Logger } from '../log.js';

/** A command's arguments are wrong: `main` prints the message and exits with status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The operation failed (a lot not found, a conflict): `main` prints the message and exits with status 1. */
export class OperationError extends Error {
  override readonly name = 'OperationError';
}

/**
 * What the CLI prints, made harmless for the operator's terminal: a Message-ID, an identifiant
 * or a value from a message may hold escape sequences or bidi overrides; they are shown escaped
 * (`\u001b`), line breaks and tabs kept.
 */
export function terminalSafe(text: string): string {
  return escapeControls(text, '\n\t');
}

/**
 * The configuration of a home that has a registry. Every command but `init` and `demo` (which
 * create one) goes through this: a mistyped `--home` must not leave a new empty registry behind.
 */
export function configWithRegistry(config: Readonly<Config>): Readonly<Config> {
  // A PostgreSQL registry is checked when it is opened (a server cannot be asked synchronously).
  const registry = sqlitePath(config);
  if (registry !== undefined && !existsSync(registry)) {
    throw new OperationError(
      `Pas de registre dans ${config.home} (${registry} introuvable) : vérifiez --home (ou SNE_GATEWAY_HOME), ou créez ce dossier de travail avec « npx sne-gateway --home ${config.home} init ».`,
    );
  }
  return config;
}

export interface CliContext {
  /** The home directory: `--home`, else $SNE_GATEWAY_HOME, else ./var. */
  home(): string;
  /** The configuration file: `--config`, else $SNE_GATEWAY_CONFIG, else the home's; `explicit` when named. */
  configFile(): { readonly path: string; readonly explicit: boolean };
  /**
   * The configuration, loaded and checked: defaults < file < environment < command line (throws
   * ConfigError, reported by main), of a home that holds a registry (else OperationError).
   */
  config(): Readonly<Config>;
  /** Whether `--home` or $SNE_GATEWAY_HOME was given (the demo defaults to var/demo otherwise). */
  homeGiven(): boolean;
  /** The gateway's clock: the system's, or moved by SNE_GATEWAY_NOW (tests, rehearsals). */
  clock(): Clock;
  /**
   * The logger of a command other than the daemon: short human lines on standard error, warnings
   * and above unless `--log-level` (or SNE_GATEWAY_LOG_LEVEL) asks for another level. The
   * configuration file's `log.level` is the daemon's (`init` writes it for `run`).
   */
  logger(): Logger;
  out(line: string): void;
  err(line: string): void;
}

/** A command module: registers its command(s) on the program. */
export type RegisterCommand = (program: Command, context: CliContext) => void;

/** The settings that have a global command-line option; it wins over the environment and the file. */
export const CLI_SETTINGS: readonly { readonly flags: string; readonly attribute: string; readonly setting: string; readonly description: string }[] = [
  {
    flags: '--log-level <niveau>',
    attribute: 'logLevel',
    setting: 'log.level',
    description: 'niveau des journaux : fatal, error, warn, info, debug, trace ou silent (prime sur SNE_GATEWAY_LOG_LEVEL et le fichier)',
  },
];

export function cliContext(program: Command): CliContext {
  const options = () => program.opts<{ home?: string; config?: string } & Record<string, string | undefined>>();
  const home = () => resolveHome(options().home);
  const configFile = () => resolveConfigFile(home(), options().config);
  const cli = (): CliSetting[] =>
    CLI_SETTINGS.flatMap((s) => {
      const value = options()[s.attribute];
      return value === undefined ? [] : [{ setting: s.setting, value, flag: s.flags.split(' ')[0]! }];
    });
  let clock: Clock | undefined;
  let config: Readonly<Config> | undefined;
  const loaded = () => (config ??= configWithRegistry(loadConfig(home(), process.env, { file: configFile(), cli: cli() })));
  return {
    home,
    configFile,
    clock: () => (clock ??= clockFromEnvironment()),
    logger: () => {
      const asked = options().logLevel !== undefined || process.env.SNE_GATEWAY_LOG_LEVEL !== undefined;
      return createLogger({ level: asked ? loaded().log.level : 'warn', format: 'human' });
    },
    config: loaded,
    homeGiven: () => options().home !== undefined || process.env.SNE_GATEWAY_HOME !== undefined,
    out: (line) => process.stdout.write(`${terminalSafe(line)}\n`),
    err: (line) => process.stderr.write(`${terminalSafe(line)}\n`),
  };
}
