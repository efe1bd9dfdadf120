/** The leases part on PostgreSQL (src/registry/leases.ts). */
import type { LeasesRegistry } from '../leases.js';
import type { Sql } from './connection.js';

export function leasesWrites(sql: Sql): LeasesRegistry {
  return {
    takeLease: async (name, holder, now, until) =>
      (await sql.run(
        `INSERT INTO leases (name, holder, until) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
         WHERE leases.holder = excluded.holder OR leases.until <= $4`,
        name,
        holder,
        until.toISOString(),
        now.toISOString(),
      )) === 1,
    releaseLease: async (name, holder) => {
      await sql.run('DELETE FROM leases WHERE name = $1 AND holder = $2', name, holder);
    },
  };
}
