/**
 * One daemon per registry: an exclusive lock file beside the registry (`registry.sqlite.lock`)
 * holding the owner's pid and host. A second daemon refuses to start with a clear message; a
 * lock left by a process that no longer runs on this host is taken over.
 */
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';

export interface DaemonLock {
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
        ? `un autre démon traite déjà ce registre (processus ${owner.pid} sur ${owner.host}, depuis ${owner.since}) : arrêtez-le d'abord, ou supprimez ${path} s'il ne tourne plus.`
        : `le verrou ${path} est pris par un autre démon : arrêtez-le d'abord, ou supprimez ce fichier s'il ne tourne plus.`,
    );
    this.name = 'LockHeldError';
  }
}

export function acquireDaemonLock(registryPath: string): DaemonLock {
  const path = `${registryPath}.lock`;
  const me: Owner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  const content = `${JSON.stringify(me)}\n`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      // Written aside then linked: the lock never exists half-written, and `link` fails if it exists.
      const aside = `${path}.${me.pid}`;
      writeFileSync(aside, content, { mode: 0o644 });
      try {
        linkSync(aside, path);
      } finally {
        unlinkSync(aside);
      }
      return {
        path,
        release: () => {
          // Only our own lock: never one taken over after we were presumed dead.
          if (readOwner(path)?.pid === me.pid) unlinkSync(path);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readOwner(path);
    if (owner && (owner.host !== me.host || isAlive(owner.pid))) throw new LockHeldError(path, owner);
    if (!owner && attempt > 0) throw new LockHeldError(path, undefined);
    // Stale (its process is gone) or unreadable: take it over, once; a racing daemon wins or loses on `link`.
    try {
      unlinkSync(path);
    } catch {
      // already removed by the racing daemon
    }
  }
  throw new LockHeldError(path, readOwner(path));
}

function readOwner(path: string): Owner | undefined {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<Owner>;
    return typeof value.pid === 'number' && typeof value.host === 'string' ? { pid: value.pid, host: value.host, since: String(value.since) } : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
