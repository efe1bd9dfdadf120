/** The leases part on SQLite (src/registry/leases.ts). */
import type { LeasesRegistry } from '../leases.js';
import type { SqliteConnection, Sync } from './connection.js';

export function leasesWrites(c: SqliteConnection): Sync<LeasesRegistry> {
  return {
    takeLease: (name, holder, now, until) =>
      c
        .stmt(
          `INSERT INTO leases (name, holder, until) VALUES (?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
           WHERE leases.holder = excluded.holder OR leases.until <= ?`,
        )
        .run(name, holder, until.toISOString(), now.toISOString()).changes === 1,
    releaseLease: (name, holder) => {
      c.stmt('DELETE FROM leases WHERE name = ? AND holder = ?').run(name, holder);
    },
  };
}
