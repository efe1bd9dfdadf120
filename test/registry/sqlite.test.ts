import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteRegistry } from '../../src/registry/sqlite/store.js';
import { applyMigration, MIGRATIONS } from '../../src/registry/sqlite/migrations.js';

const GUICHET = {
  code: 'G1104',
  nom: 'Bailleur',
  adresse: '1 rue A\n93200 Saint-Denis',
  expediteurs: ['Lots@G1104.example'],
  destinataires: ['retours@g1104.example'],
  cles: [{ fingerprint: 'ABCD', armored: '-----BEGIN PGP PUBLIC KEY BLOCK-----' }],
  departements: ['93', '75'],
};

describe('SQLite registry', () => {
  let dir: string;
  let registry: SqliteRegistry;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sne-registry-'));
    registry = new SqliteRegistry(join(dir, 'registry.sqlite'));
  });
  afterEach(async () => {
    await registry.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies every migration once and records the version', async () => {
    expect(registry.schemaVersion).toBe(MIGRATIONS.length);
    await registry.close();
    registry = new SqliteRegistry(join(dir, 'registry.sqlite'));
    expect(registry.schemaVersion).toBe(MIGRATIONS.length);
  });

  it('finds an active guichet by its sender address, whatever its case', async () => {
    await registry.addGuichet(GUICHET);
    expect((await registry.guichetBySender('lots@g1104.example'))?.code).toBe('G1104');
    expect((await registry.guichetBySender('LOTS@G1104.EXAMPLE'))?.departements).toEqual(['75', '93']);
    expect(await registry.guichetBySender('retours@g1104.example')).toBeUndefined();
  });

  it('ignores a disabled guichet', async () => {
    await registry.addGuichet({ ...GUICHET, actif: false });
    expect(await registry.guichetBySender('lots@g1104.example')).toBeUndefined();
  });

  it('numbers gap-free per territory and month, and rolls a failed transaction back whole', async () => {
    const take = async (territoire: string, mmyy: string) => registry.transaction(async (tx) => tx.nextSequence(territoire, mmyy));
    expect([await take('111', '1126'), await take('111', '1126'), await take('093', '1126'), await take('111', '1226')]).toEqual([1, 2, 1, 1]);
    await expect(
      registry.transaction(async (tx) => {
        await tx.nextSequence('111', '1126');
        throw new Error('crash in the middle of a lot');
      }),
    ).rejects.toThrow('crash');
    expect(await take('111', '1126')).toBe(3);
  });

  it('runs transactions one at a time, even when their work awaits', async () => {
    const order: string[] = [];
    const tick = () => new Promise((resolve) => setImmediate(resolve));
    const lot = (name: string) =>
      registry.transaction(async (tx) => {
        order.push(`${name} begins`);
        const first = await tx.nextSequence('111', '1126');
        await tick(); // the other transaction may not start here
        const second = await tx.nextSequence('111', '1126');
        order.push(`${name} ends`);
        return [first, second];
      });
    expect(await Promise.all([lot('A'), lot('B')])).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(order).toEqual(['A begins', 'A ends', 'B begins', 'B ends']);
  });

  it('never shows uncommitted work to a call made outside the open transaction', async () => {
    let opened!: () => void;
    const isOpen = new Promise<void>((resolve) => (opened = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const open = registry.transaction(async (tx) => {
      await tx.insertLot({ messageSha256: 'sha', statut: 'QUARANTAINE', recuAt: 'hier', traiteAt: 'hier', erreurs: [], original: Buffer.from('x') });
      opened();
      await held;
      throw new Error('rolled back');
    });
    await isOpen;
    const outside = registry.listLots(); // the transaction is open, its lot written: this waits for its end
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await expect(open).rejects.toThrow('rolled back');
    expect(await outside).toEqual([]);
  });

  it('keeps a territory’s settings, replaced by the next ones', async () => {
    expect(await registry.getTerritory('093')).toBeUndefined();
    await registry.setTerritory({ territoire: '093', delaiAnormalementLongMois: 36, commissionAdresse: 'A', modifieAt: '2026-11-26T10:00:00Z' });
    await registry.setTerritory({ territoire: '093', delaiAnormalementLongMois: 48, commissionAdresse: 'B', modifieAt: '2026-11-27T10:00:00Z' });
    expect(await registry.getTerritory('093')).toMatchObject({ delaiAnormalementLongMois: 48, commissionAdresse: 'B' });
    expect(await registry.listTerritories()).toHaveLength(1);
  });

  it('lists the active bailleurs holding stock in any of the communes', async () => {
    await registry.addGuichet(GUICHET);
    await registry.addGuichet({ ...GUICHET, code: 'G2000', nom: 'Autre bailleur', expediteurs: ['b@x.example'] });
    await registry.addGuichet({ ...GUICHET, code: 'G3000', nom: 'Bailleur inactif', expediteurs: ['c@x.example'], actif: false });
    await registry.setGuichetCommunes('G1104', ['93066', '93001']);
    await registry.setGuichetCommunes('G2000', ['93048']);
    await registry.setGuichetCommunes('G3000', ['93066']);
    expect(await registry.guichetCommunes('G1104')).toEqual(['93001', '93066']);
    expect(await registry.bailleursIn(['93066', '93048'])).toEqual(['Autre bailleur', 'Bailleur']);
    expect(await registry.bailleursIn(['75111'])).toEqual([]);
  });
});

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
