/** What every command gets: where the home is, its configuration, and where to write. */
import type { Command } from 'commander';
import { clockFromEnvironment, type Clock } from '../clock.js';
import { loadConfig, resolveConfigFile, resolveHome, type CliSetting } from '../config/load.js';
import type { Config } from '../config/schema.js';

/** A command's arguments are wrong: `main` prints the message and exits with status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface CliContext {
  /** The home directory: `--home`, else $SNE_GATEWAY_HOME, else ./var. */
  home(): string;
  /** The configuration file: `--config`, else $SNE_GATEWAY_CONFIG, else the home's; `explicit` when named. */
  configFile(): { readonly path: string; readonly explicit: boolean };
  /** The configuration, loaded and checked: defaults < file < environment < command line (throws ConfigError, reported by main). */
  config(): Readonly<Config>;
  /** Whether `--home` or $SNE_GATEWAY_HOME was given (the demo defaults to var/demo otherwise). */
  homeGiven(): boolean;
  /** The gateway's clock: the system's, or moved by SNE_GATEWAY_NOW (tests, rehearsals). */
  clock(): Clock;
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
  return {
    home,
    configFile,
    clock: () => (clock ??= clockFromEnvironment()),
    config: () => loadConfig(home(), process.env, { file: configFile(), cli: cli() }),
    homeGiven: () => options().home !== undefined || process.env.SNE_GATEWAY_HOME !== undefined,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
}
