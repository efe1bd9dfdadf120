/** What every command gets: where the home is, its configuration, and where to write. */
import type { Command } from 'commander';
import { loadConfig, resolveHome } from '../config/load.js';
import type { Config } from '../config/schema.js';

export interface CliContext {
  /** The home directory: `--home`, else $SNE_GATEWAY_HOME, else ./var. */
  home(): string;
  /** The home's configuration, loaded and checked (throws ConfigError, reported by main). */
  config(): Readonly<Config>;
  /** Whether `--home` or $SNE_GATEWAY_HOME was given (the demo defaults to var/demo otherwise). */
  homeGiven(): boolean;
  out(line: string): void;
  err(line: string): void;
}

/** A command module: registers its command(s) on the program. */
export type RegisterCommand = (program: Command, context: CliContext) => void;

export function cliContext(program: Command): CliContext {
  const homeOption = () => program.opts<{ home?: string }>().home;
  return {
    home: () => resolveHome(homeOption()),
    config: () => loadConfig(resolveHome(homeOption())),
    homeGiven: () => homeOption() !== undefined || process.env.SNE_GATEWAY_HOME !== undefined,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
}
