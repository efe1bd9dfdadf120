/**
 * An exclusive lock the kernel holds for this process on an open file, through SQLite's own
 * locking (POSIX `fcntl` byte-range locks: Node has no `flock` in core). The kernel drops it when
 * the process ends, however it ends (kill -9 included), whatever PID comes next: no staleness to
 * judge. Within one process SQLite keeps its own table of locks, so a second `holdFileLock` of
 * the same file in the same process is refused too.
 *
 * The file is an (empty) SQLite database and is never deleted: unlinking it while another
 * process has it open would let a third lock a new file of the same name alongside the first.
 * Nothing else may open and close it in the holding process (closing any descriptor of a file
 * drops that process's `fcntl` locks on it; SQLite's own descriptors are managed for this).
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync } from 'node:fs';

export interface FileLock {
  release(): void;
}

/** Takes the lock on `path` (created 0600 if missing), or returns `undefined` if another holds it. */
export function holdFileLock(path: string): FileLock | undefined {
  // Created here with its mode (SQLite would make it 0644 minus the umask; its journal copies it),
  // and only when missing: opening then closing it while this process holds it would drop the lock.
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  const db = new Database(path, { timeout: 0 });
  try {
    // A write transaction left open holds SQLite's RESERVED lock: any other BEGIN IMMEDIATE fails.
    db.exec('BEGIN IMMEDIATE');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return undefined;
    throw error;
  }
  return {
    release: () => {
      db.exec('ROLLBACK');
      db.close();
    },
  };
}
