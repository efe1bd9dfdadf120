/** SQLite-only: migrating registry files made by earlier versions of the gateway; calls beside a transaction. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { YIELD_EVERY } from '../../src/registry/sqlite/connection.js';
import { SqliteRegistry } from '../../src/registry/sqlite/store.js';
import { applyMigration, MIGRATIONS } from '../../src/registry/sqlite/migrations.js';

describe('migration 6: the outbox bytes in their own table', () => {
  it('keeps the bytes of replies prepared before it, and status updates leave them alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sne-migration-'));
    try {
      const file = join(dir, 'registry.sqlite');
      const old = new Database(file);
      MIGRATIONS.slice(0, 5).forEach((step) => applyMigration(old, step));
      old.pragma('user_version = 5');
      old.exec(`INSERT INTO lots (id, message_sha256, statut, recu_at, traite_at, original) VALUES (1, 'sha', 'ACCEPTE', 'hier', 'hier', x'00')`);
      const insert = old.prepare(`INSERT INTO outbox (id, lot_id, kind, message_id, destinataires, statut, document, raw) VALUES (?, 1, 'attestation', ?, '[]', ?, '{}', ?)`);
      insert.run(1, '<a@sne.test>', 'PRET', Buffer.from('message prêt'));
      insert.run(2, '<b@sne.test>', 'A_PREPARER', null);
      old.close();

      const registry = new SqliteRegistry(file);
      try {
        expect(registry.schemaVersion).toBe(MIGRATIONS.length);
        expect((await registry.getOutbox(1))?.raw?.toString()).toBe('message prêt');
        expect((await registry.getOutbox(2))?.raw).toBeUndefined();
        expect(await registry.markPrepared(2, Buffer.from('préparé après'))).toBe(true);
        expect(await registry.markPrepared(2, Buffer.from('une seconde fois'))).toBe(false);
        const now = new Date();
        expect((await registry.outboxDue({ holder: 'test', now, until: new Date(now.getTime() + 60_000) })).map((item) => item.raw?.toString())).toEqual(['message prêt', 'préparé après']);
        await registry.markSent(1, new Date());
        expect(await registry.getOutbox(1)).toMatchObject({ statut: 'ENVOYE', raw: Buffer.from('message prêt') });
      } finally {
        await registry.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('migration 8: receptions of a message, and the documents of sealed replies forgotten', () => {
  it('purges the rendering input of replies already sealed, keeps it for those still to prepare, and forgets it once they are', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sne-migration-'));
    try {
      const file = join(dir, 'registry.sqlite');
      const old = new Database(file);
      MIGRATIONS.slice(0, 6).forEach((step) => applyMigration(old, step));
      old.pragma('user_version = 6');
      old.exec(`INSERT INTO lots (id, message_sha256, statut, recu_at, traite_at, original) VALUES (1, 'sha', 'ACCEPTE', 'hier', 'hier', x'00')`);
      const insert = old.prepare(`INSERT INTO outbox (id, lot_id, kind, message_id, destinataires, statut, document) VALUES (?, 1, 'attestation', ?, '[]', ?, ?)`);
      insert.run(1, '<a@sne.test>', 'ENVOYE', '{"nom":"DUPONT"}');
      insert.run(2, '<b@sne.test>', 'PRET', '{"nom":"MARTIN"}');
      insert.run(3, '<c@sne.test>', 'A_PREPARER', '{"nom":"DURAND"}');
      old.prepare('INSERT INTO outbox_raw (id, raw) VALUES (?, ?)').run(1, Buffer.from('envoyé'));
      old.prepare('INSERT INTO outbox_raw (id, raw) VALUES (?, ?)').run(2, Buffer.from('prêt'));
      old.close();

      const registry = new SqliteRegistry(file);
      try {
        expect(await registry.getOutbox(1)).toMatchObject({ statut: 'ENVOYE', raw: Buffer.from('envoyé') });
        expect((await registry.getOutbox(1))?.document).toBeUndefined();
        expect((await registry.getOutbox(2))?.document).toBeUndefined();
        expect((await registry.getOutbox(3))?.document).toBe('{"nom":"DURAND"}');
        expect(await registry.markPrepared(3, Buffer.from('scellé'))).toBe(true);
        expect(await registry.getOutbox(3)).toMatchObject({ statut: 'PRET', raw: Buffer.from('scellé') });
        expect((await registry.getOutbox(3))?.document).toBeUndefined();
        // No trace of the demandeurs' data left in the outbox rows.
        const db = new Database(file, { readonly: true });
        expect(db.prepare(`SELECT count(*) AS n FROM outbox WHERE document <> ''`).get()).toEqual({ n: 0 });
        db.close();
        // A lot committed before receptions were recorded has none: a copy of it seen again is only settled.
        expect(await registry.lotSources(1)).toEqual([]);
      } finally {
        await registry.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('migration 14: settings per département', () => {
  it('gives an Île-de-France (111) setting to each of its eight départements, and names the others by département', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sne-migration-'));
    try {
      const file = join(dir, 'registry.sqlite');
      const old = new Database(file);
      MIGRATIONS.slice(0, 13).forEach((step) => applyMigration(old, step));
      old.pragma('user_version = 13');
      const insert = old.prepare('INSERT INTO territoires (territoire, delai_anormalement_long_mois, commission_adresse, modifie_at) VALUES (?, ?, ?, ?)');
      insert.run('111', 36, 'Commission IdF', '2026-01-01T00:00:00Z');
      insert.run('013', 24, 'Commission 13', '2026-01-02T00:00:00Z');
      insert.run('02A', 12, 'Commission 2A', '2026-01-03T00:00:00Z');
      insert.run('971', 60, 'Commission 971', '2026-01-04T00:00:00Z');
      old.close();

      const registry = new SqliteRegistry(file);
      try {
        const settings = await registry.listTerritories();
        expect(settings.map((t) => [t.departement, t.delaiAnormalementLongMois, t.preavisDemandeur])).toEqual([
          ['13', 24, false],
          ['2A', 12, false],
          ['75', 36, false],
          ['77', 36, false],
          ['78', 36, false],
          ['91', 36, false],
          ['92', 36, false],
          ['93', 36, false],
          ['94', 36, false],
          ['95', 36, false],
          ['971', 60, false],
        ]);
      } finally {
        await registry.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('calls beside an open transaction (issue 17)', () => {
  const TERRITOIRE = { departement: '93', delaiAnormalementLongMois: 36, commissionAdresse: 'A', preavisDemandeur: false, modifieAt: '2026-11-26T10:00:00Z' };

  /** A transaction of many calls, a write and a read made beside it, and a turn of the event loop asked for: in the order they end. */
  const race = async (registry: SqliteRegistry): Promise<string[]> => {
    const events: string[] = [];
    const open = registry.transaction(async (tx) => {
      for (let i = 0; i < 4 * YIELD_EVERY; i++) await tx.nextSequence('111', '1126');
      events.push('commit');
    });
    setImmediate(() => events.push('turn'));
    const write = registry.setTerritory(TERRITOIRE).then(() => events.push('write'));
    const read = registry.getTerritory('93').then((t) => events.push(t === undefined ? 'read before the write' : 'read after the write'));
    await Promise.all([open, write, read]);
    return events;
  };

  it('gives the event loop turns during a long transaction; a write beside it waits for its end, a read does not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sne-beside-'));
    try {
      const registry = new SqliteRegistry(join(dir, 'registry.sqlite'));
      try {
        expect(await race(registry)).toEqual(['read before the write', 'turn', 'commit', 'write']);
      } finally {
        await registry.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('in memory, where no second connection can read, makes a read wait as a write does', async () => {
    const registry = new SqliteRegistry(':memory:');
    try {
      expect(await race(registry)).toEqual(['turn', 'commit', 'write', 'read after the write']);
    } finally {
      await registry.close();
    }
  });

  it('closes once the open transaction has committed, not between two of its turns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sne-beside-'));
    try {
      const file = join(dir, 'registry.sqlite');
      const registry = new SqliteRegistry(file);
      const open = registry.transaction(async (tx) => {
        for (let i = 0; i < 4 * YIELD_EVERY; i++) await tx.nextSequence('111', '1126');
      });
      await registry.close();
      await open;
      const again = new SqliteRegistry(file);
      try {
        expect(await again.transaction((tx) => tx.nextSequence('111', '1126'))).toBe(4 * YIELD_EVERY + 1);
      } finally {
        await again.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
