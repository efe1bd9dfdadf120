/** The real binary, as a gestionnaire runs it (`bin/sne-gateway`, which runs `dist/`). */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/sne-gateway', import.meta.url));

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The instant the binary takes as now in tests (`SNE_GATEWAY_NOW`): the registry's calendar then
 * starts there whatever the real date, so numéros and dates are those of November 2026.
 */
export const CLI_NOW = '2026-11-26T10:30:00+01:00';

/** The binary's environment in tests: logs silenced, its clock at CLI_NOW, unless `env` says otherwise. */
export function cliEnv(env: Readonly<Record<string, string | undefined>> = {}, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...base, SNE_GATEWAY_LOG_LEVEL: 'silent', SNE_GATEWAY_NOW: CLI_NOW, ...env };
}

/** Runs the binary to completion (see cliEnv). */
export function runCli(args: readonly string[], env: Readonly<Record<string, string>> = {}): CliRun {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: cliEnv(env),
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A runner bound to one home directory: `cli('lots', 'list')`. */
export function cliIn(home: string, env: Readonly<Record<string, string>> = {}): (...args: string[]) => CliRun {
  return (...args) => runCli(['--home', home, ...args], env);
}
