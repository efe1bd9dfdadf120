/**
 * The daemon's lock holds exactly as long as the process that took it: a PID written in the lock
 * file that now names another live process (reused after a kill -9, a container's PID 1) must not
 * block a restart; a live holder is refused and named; a holder killed with -9 frees it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireDaemonLock, LockHeldError } from '../src/daemon-lock.js';

const MODULE = fileURLToPath(new URL('../src/daemon-lock.ts', import.meta.url));

/** Another process that takes the lock and waits, as a running daemon does. */
async function holder(registry: string): Promise<ChildProcess> {
  const script = `const { acquireDaemonLock } = await import(process.argv[1]); acquireDaemonLock(process.argv[2]); process.stdout.write('held\\n'); setInterval(() => {}, 60_000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, MODULE, registry], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('held')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
  });
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

describe('daemon lock', () => {
  let dir: string;
  let registry: string;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sne-lock-'));
    registry = join(dir, 'registry.sqlite');
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.kill('SIGKILL');
      await exited(child);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('is taken over when the lock file names a live process that is not a daemon (a reused PID)', async () => {
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(sleeper);
    for (const pid of [process.pid, sleeper.pid!]) {
      writeFileSync(`${registry}.lock`, `${JSON.stringify({ pid, host: hostname(), since: '2030-01-01T00:00:00.000Z' })}\n`);
      const lock = acquireDaemonLock(registry);
      expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
      lock.release();
      expect(existsSync(lock.path)).toBe(false);
    }
  });

  it('is refused while a live daemon holds it, naming that process; free again once it is killed with -9', async () => {
    const daemon = await holder(registry);
    children.push(daemon);
    let refusal: unknown;
    try {
      acquireDaemonLock(registry).release();
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(LockHeldError);
    expect((refusal as Error).message).toContain(`processus ${daemon.pid} sur ${hostname()}`);

    daemon.kill('SIGKILL');
    await exited(daemon);
    // Its name is left behind, the lock is not.
    expect(JSON.parse(readFileSync(`${registry}.lock`, 'utf8'))).toMatchObject({ pid: daemon.pid });
    const lock = acquireDaemonLock(registry);
    expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
  });

  it('is refused to a second taker in the same process until released', () => {
    const first = acquireDaemonLock(registry);
    expect(() => acquireDaemonLock(registry)).toThrow(LockHeldError);
    first.release();
    acquireDaemonLock(registry).release();
  });
});
