/** The real binary, as a gestionnaire runs it (`bin/sne-gateway`, which runs `dist/`). */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/sne-gateway', import.meta.url));

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the binary to completion, logs silenced. */
export function runCli(args: readonly string[], env: Readonly<Record<string, string>> = {}): CliRun {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, SNE_GATEWAY_LOG_LEVEL: 'silent', ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A runner bound to one home directory: `cli('lots', 'list')`. */
export function cliIn(home: string, env: Readonly<Record<string, string>> = {}): (...args: string[]) => CliRun {
  return (...args) => runCli(['--home', home, ...args], env);
}
