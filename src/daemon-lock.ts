/**
 * One daemon per registry. The lock is an OS lock the kernel holds for the process that took it,
 * on an open file beside the registry (`registry.sqlite.lock.db`, see `registry/sqlite/file-lock.ts`):
 * it lasts exactly as long as that process, so a daemon killed with -9 can always be restarted,
 * even when its PID now belongs to another process (a container's PID 1 after a restart). A PID
 * written in a file cannot tell that: it names a live process that is not the daemon.
 *
 * Beside it, `registry.sqlite.lock` names the holder (pid, host, since) so that a refused start
 * can say which process to stop. It is information only: left behind by a killed daemon, it is
 * overwritten by the next one.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { systemClock, type Clock } from './clock.js';
import { sqlitePath } from './config/registry-location.js';
import type { Config } from './config/schema.js';
import { holdFileLock } from './registry/sqlite/file-lock.js';

export interface DaemonLock {
  /** The file naming the holder. */
  readonly path: string;
  release(): void;
}

interface Owner {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

export class LockHeldError extends Error {
  constructor(readonly path: string, readonly owner: Owner | undefined) {
    super(
      owner
        ? `un autre démon traite déjà ce registre (processus ${owner.pid} sur ${owner.host}, depuis ${owner.since}) : arrêtez-le d'abord.`
        : `un autre démon traite déjà ce registre (verrou ${path}) : arrêtez-le d'abord.`,
    );
    this.name = 'LockHeldError';
  }
}

/**
 * The daemon lock of a SQLite registry; none for PostgreSQL, where several instances share the
 * registry by design (spec 10) and leases and claims in the registry keep them apart.
 */
export function acquireRegistryLock(config: Readonly<Config>, clock: Clock = systemClock): DaemonLock | undefined {
  const path = sqlitePath(config);
  return path === undefined ? undefined : acquireDaemonLock(path, clock);
}

export function acquireDaemonLock(registryPath: string, clock: Clock = systemClock): DaemonLock {
  const path = `${registryPath}.lock`;
  const held = holdFileLock(`${path}.db`);
  // The holder may not have written its name yet: the message then names the lock only.
  if (held === undefined) throw new LockHeldError(path, readOwner(path));
  const me: Owner = { pid: process.pid, host: hostname(), since: clock.now().toISOString() };
  try {
    // Written aside then renamed: a reader never sees it half-written.
    const aside = `${path}.${me.pid}`;
    writeFileSync(aside, `${JSON.stringify(me)}\n`, { mode: 0o600 });
    renameSync(aside, path);
  } catch (error) {
    held.release();
    throw error;
  }
  return {
    path,
    release: () => {
      // Removed before the lock is released, so that it never removes the next holder's name.
      try {
        rmSync(path, { force: true });
      } finally {
        held.release();
      }
    },
  };
}

function readOwner(path: string): Owner | undefined {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<Owner>;
    return typeof value.pid === 'number' && typeof value.host === 'string' ? { pid: value.pid, host: value.host, since: String(value.since) } : undefined;
  } catch {
    return undefined;
  }
}
