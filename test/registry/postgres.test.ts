/**
 * PostgreSQL only: several registries (instances of the gateway) on one database. They migrate
 * it once, and their transactions run one at a time, so numbering stays gap-free (spec 4.4).
 * And a registry of an older version brought up to date with its data.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { POSTGRES_MIGRATIONS } from '../../src/registry/postgres/migrations.js';
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

describe('migration 14: settings per département', () => {
  it('gives an Île-de-France (111) setting to each of its eight départements, and names the others by département', async () => {
    const url = await POSTGRESQL.storage();
    const cluster = await postgresCluster();
    // A registry left at version 13 with settings per numbering territory, as a gateway of then wrote them.
    const client = new pg.Client({ host: '127.0.0.1', port: cluster.port, user: 'postgres', password: cluster.password, database: new URL(url).pathname.slice(1) });
    await client.connect();
    try {
      await client.query('CREATE TABLE schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)');
      for (const { version, step } of POSTGRES_MIGRATIONS.filter((m) => m.version < 14)) {
        if (typeof step !== 'string') throw new Error(`step ${version} is not SQL text`);
        await client.query(step);
      }
      await client.query('INSERT INTO schema_version (id, version) VALUES (1, 13)');
      const insert = 'INSERT INTO territoires (territoire, delai_anormalement_long_mois, commission_adresse, modifie_at) VALUES ($1, $2, $3, $4)';
      await client.query(insert, ['111', 36, 'Commission IdF', '2026-01-01T00:00:00Z']);
      await client.query(insert, ['013', 24, 'Commission 13', '2026-01-02T00:00:00Z']);
      await client.query(insert, ['02A', 12, 'Commission 2A', '2026-01-03T00:00:00Z']);
      await client.query(insert, ['971', 60, 'Commission 971', '2026-01-04T00:00:00Z']);
    } finally {
      await client.end();
    }

    const registry = await POSTGRESQL.open(url);
    try {
      expect(registry.schemaVersion).toBe(MIGRATIONS.length);
      const settings = await registry.listTerritories();
      expect(settings.map((t) => [t.departement, t.delaiAnormalementLongMois, t.commissionAdresse, t.preavisDemandeur])).toEqual([
        ['13', 24, 'Commission 13', false],
        ['2A', 12, 'Commission 2A', false],
        ...['75', '77', '78', '91', '92', '93', '94', '95'].map((d) => [d, 36, 'Commission IdF', false]),
        ['971', 60, 'Commission 971', false],
      ]);
      // Each département's own from now on: changing Seine-Saint-Denis leaves Paris as it was.
      const [paris, seineSaintDenis] = [settings.find((t) => t.departement === '75')!, settings.find((t) => t.departement === '93')!];
      await registry.setTerritory({ ...seineSaintDenis, delaiAnormalementLongMois: 48, modifieAt: '2026-02-01T00:00:00Z' });
      expect(await registry.getTerritory('75')).toEqual(paris);
      expect((await registry.getTerritory('93'))?.delaiAnormalementLongMois).toBe(48);
    } finally {
      await registry.close();
    }
  });
});
