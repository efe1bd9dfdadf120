/**
 * PostgreSQL only: several registries (instances of the gateway) on one database. They migrate
 * it once, and their transactions run one at a time, so numbering stays gap-free (spec 4.4).
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresRegistry } from '../../src/registry/postgres/store.js';
import { MIGRATIONS } from '../../src/registry/sqlite/migrations.js';
import { POSTGRESQL, postgresCluster } from './backends.js';
import { commitDemandes, cre, expectGapFreeAndInterleaved, G1104, G2000, sampleDemandeLogement, withDemandeur } from './helpers.js';

async function openTwo(): Promise<[PostgresRegistry, PostgresRegistry, string]> {
  const url = await POSTGRESQL.storage();
  const [a, b] = (await Promise.all([POSTGRESQL.open(url), POSTGRESQL.open(url)])) as [PostgresRegistry, PostgresRegistry];
  return [a, b, url];
}

describe('PostgreSQL registry shared by several instances', () => {
  it('is migrated once when two instances open the same empty database at the same time', async () => {
    const [a, b, url] = await openTwo();
    try {
      expect([a.schemaVersion, b.schemaVersion]).toEqual([MIGRATIONS.length, MIGRATIONS.length]);
      expect(a.server).toMatch(/^PostgreSQL 15\./);
      const cluster = await postgresCluster();
      const client = new pg.Client({ host: '127.0.0.1', port: cluster.port, user: 'postgres', password: cluster.password, database: new URL(url).pathname.slice(1) });
      await client.connect();
      try {
        expect((await client.query('SELECT id, version FROM schema_version')).rows).toEqual([{ id: 1, version: MIGRATIONS.length }]);
      } finally {
        await client.end();
      }
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('runs one instance’s transaction only after the other’s has ended', async () => {
    const [a, b] = await openTwo();
    try {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let opened!: () => void;
      const isOpen = new Promise<void>((resolve) => (opened = resolve));
      const order: string[] = [];
      const first = a.transaction(async (tx) => {
        order.push('A begins');
        const n = await tx.nextSequence('111', '1126');
        opened();
        await held;
        order.push('A ends');
        return n;
      });
      await isOpen;
      const second = b.transaction(async (tx) => {
        order.push('B begins');
        return tx.nextSequence('093', '1126'); // another counter row: only the lock makes it wait
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(order).toEqual(['A begins']);
      release();
      expect(await Promise.all([first, second])).toEqual([1, 1]);
      expect(order).toEqual(['A begins', 'A ends', 'B begins']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('never gives a numéro twice and leaves no gap when two instances register at once', async () => {
    const [a, b] = await openTwo();
    try {
      await a.addGuichet(G1104);
      await a.addGuichet(G2000);
      const lots = 25;
      const perLot = 3;
      const at = new Date('2026-11-26T10:00:00Z');
      const register = async (registry: PostgresRegistry, guichet: string, name: string): Promise<string[]> => {
        const numeros: string[] = [];
        for (let lot = 0; lot < lots; lot++) {
          const demandes = Array.from({ length: perLot }, (_, i) =>
            cre(`${name}-${lot}-${i}`, withDemandeur(sampleDemandeLogement(), { nom: `Nom${name}${lot}x${i}`.replace(/\d/g, (d) => 'abcdefghij'[Number(d)]!) })),
          );
          const committed = await commitDemandes(registry, guichet, demandes, at);
          for (const r of await registry.lotResultats(committed.lot.id)) {
            expect(r.statut).toBe('ENREGISTREE');
            numeros.push(r.numeroUnique!);
          }
        }
        return numeros;
      };
      const [fromA, fromB] = await Promise.all([register(a, 'G1104', 'A'), register(b, 'G2000', 'B')]);

      expectGapFreeAndInterleaved(fromA, fromB, 2 * lots * perLot);
      for (const n of [...fromA, ...fromB]) expect((await b.getDemande(n))?.statut).toBe('ACTIVE');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('refuses a URL holding a password: it comes from the options only', async () => {
    await expect(PostgresRegistry.open({ connectionString: 'postgres://sne:secret@127.0.0.1:1/registre' })).rejects.toThrow('must not hold a password');
  });
});
