/**
 * `registry copy` (src/registry/copy.ts): a SQLite registry filled through the real pipeline
 * (commitLot, the outbox's preparation and sending, a gestionnaire's changes) copied into a real
 * PostgreSQL database, which then answers as the SQLite registry does; a non-empty target and a
 * source at another schema version are refused; a copy that fails leaves the target empty.
 */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { COPIED_TABLES, CopyMismatchError, copyRegistry, CopyRefusedError, type CopyOptions, type CopyReport, type CopyRow, type CopySource, type CopyTarget } from '../../src/registry/copy.js';
import { SCHEMA_VERSION, type Registry } from '../../src/registry/registry.js';
import { PostgresImport } from '../../src/registry/postgres/import.js';
import { SqliteExport } from '../../src/registry/sqlite/export.js';
import { SqliteRegistry } from '../../src/registry/sqlite/store.js';
import { POSTGRESQL, postgresCluster, SQLITE } from './backends.js';
import { commitDemandes, cre, G1104, G1301, mod, rad, sampleDemandeLogement, withDemandeur } from './helpers.js';

const AT = new Date('2026-11-26T10:00:00+01:00');
const LATER = new Date('2026-12-03T10:00:00+01:00');

const open: Registry[] = [];
afterEach(async () => {
  for (const registry of open.splice(0)) await registry.close();
});

async function sqliteSource(): Promise<{ path: string; registry: SqliteRegistry; numeros: string[] }> {
  const path = await SQLITE.storage();
  const registry = new SqliteRegistry(path);
  open.push(registry);
  await registry.addGuichet(G1104);
  await registry.addGuichet(G1301);
  await registry.updateGuichet('G1301', { actif: false });
  await registry.setGuichetCommunes('G1104', ['93066', '75056']);
  await registry.setTerritory({ departement: '93', delaiAnormalementLongMois: 36, preavisDemandeur: true, commissionAdresse: 'Commission de médiation\n93000 Bobigny', modifieAt: AT.toISOString() });
  const base = sampleDemandeLogement();
  const first = await commitDemandes(
    registry,
    'G1104',
    ['Martin', 'Durand', 'Nguyễn', 'Łukasz'].map((nom, i) => cre(`R${i}`, withDemandeur(base, { nom }))),
    AT,
  );
  const numeros = (await registry.lotResultats(first.lot.id)).flatMap((r) => (r.numeroUnique === undefined ? [] : [r.numeroUnique]));
  expect(numeros).toHaveLength(4);
  await commitDemandes(registry, 'G1104', [rad('D1', { numUnique: numeros[0]!, motif: 'RADABA' }), mod('M1', numeros[1]!, withDemandeur(base, { nom: 'Durand-Petit' }))], LATER);
  // Replies: some sealed (bytes beyond ASCII and a NUL), one of them sent; the others still documents.
  const claim = { holder: 'test', now: LATER, until: new Date(LATER.getTime() + 60_000) };
  const queued = await registry.outboxToPrepare(claim);
  expect(queued.length).toBeGreaterThan(3);
  for (const item of queued.slice(0, 3)) await registry.markPrepared(item.id, Buffer.concat([Buffer.from(`scellé ${item.id} `), Buffer.from([0, 0xff, 0x80])]));
  await registry.markSent(queued[0]!.id, LATER);
  // A quarantined message, deleted by a gestionnaire: its row kept, its original emptied; a re-delivery recorded.
  const quarantined = await registry.transaction(async (tx) => {
    const id = await tx.insertLot({ messageSha256: 'f'.repeat(64), statut: 'QUARANTAINE', recuAt: AT.toISOString(), traiteAt: AT.toISOString(), erreurs: [], original: Buffer.from('x'), source: 'maildir:1' });
    await tx.recordReception(id, 'maildir:2', LATER.toISOString());
    return id;
  });
  expect(await registry.deleteQuarantined(quarantined, LATER, 'gestionnaire')).toBe(true);
  return { path, registry, numeros };
}

async function copy(path: string, url: string, options?: CopyOptions): Promise<CopyReport> {
  const source = new SqliteExport(path);
  try {
    const target = await PostgresImport.open({ connectionString: url, password: (await postgresCluster()).password });
    try {
      return await copyRegistry(source, target, options);
    } finally {
      await target.close();
    }
  } finally {
    source.close();
  }
}

async function postgres(url: string): Promise<Registry> {
  const registry = await POSTGRESQL.open(url);
  open.push(registry);
  return registry;
}

/** What a registry answers, read through the contract only. */
async function answers(registry: Registry, numeros: readonly string[]) {
  const lots = await registry.listLots();
  return {
    guichets: await registry.listGuichets(),
    communes: await registry.guichetCommunes('G1104'),
    bailleurs: await registry.bailleursIn(['93066']),
    territoires: await registry.listTerritories(),
    lots,
    perLot: await Promise.all(
      lots.map(async (lot) => ({
        resultats: await registry.lotResultats(lot.id),
        original: await registry.lotOriginal(lot.id),
        size: await registry.lotOriginalSize(lot.id),
        sources: await registry.lotSources(lot.id),
        outbox: await Promise.all((await registry.outboxForLot(lot.id)).map(async (o) => registry.getOutbox(o.id))),
      })),
    ),
    demandes: await Promise.all(numeros.map(async (n) => ({ demande: await registry.getDemande(n), history: await registry.demandeHistory(n) }))),
    pret: await registry.outboxByStatut('PRET'),
    echues: await registry.demandesEchues('2099-01-01'),
  };
}

describe('registry copy, SQLite to PostgreSQL', () => {
  it('copies every table; the PostgreSQL registry then answers as the SQLite one and carries on after it', async () => {
    const { path, registry: sqlite, numeros } = await sqliteSource();
    const before = await answers(sqlite, numeros);
    const url = await POSTGRESQL.storage();

    const report = await copy(path, url);
    expect(report.tables.map((t) => t.table)).toEqual(COPIED_TABLES);
    const rows = Object.fromEntries(report.tables.map((t) => [t.table, t.rows]));
    expect(rows).toMatchObject({ guichets: 2, guichet_communes: 2, territoires: 1, lots: 3, demandes: 4, lot_receptions: 2, outbox_raw: 3 });
    expect(rows.evenements).toBeGreaterThanOrEqual(6);
    for (const t of report.tables) expect(t.sha256).toMatch(/^[0-9a-f]{64}$/);

    const pg = await postgres(url);
    const after = await answers(pg, numeros);
    expect(after).toEqual(before);
    expect(after.perLot.flatMap((l) => l.outbox).filter((o) => o?.raw !== undefined)).toHaveLength(3);
    expect(after.demandes[0]!.demande!.statut).toBe('RADIEE');
    expect(after.perLot[2]!.size).toBe(0);

    // The numbering, the lots' ids, the audit trail and the outbox carry on where SQLite was.
    const next = async (registry: Registry) =>
      registry.transaction(async (tx) => {
        const sequence = await tx.nextSequence('111', '1126');
        const lotId = await tx.insertLot({ messageSha256: 'e'.repeat(64), statut: 'REJETE', recuAt: 'r', traiteAt: 't', erreurs: [], original: Buffer.from('y') });
        const outboxId = await tx.queueReply({ lotId, kind: 'compte-rendu', messageId: '<suite@sne.test>', destinataires: ['a@x.example'], document: '{}', queuedAt: 't' });
        await tx.insertEvent({ numeroUnique: numeros[2]!, action: 'CONSULTATION', acteur: 'test', lotId, at: 'z' });
        return { sequence, lotId, outboxId };
      });
    const sqliteNext = await next(sqlite);
    const pgNext = await next(pg);
    expect(pgNext).toEqual(sqliteNext);
    expect(sqliteNext).toMatchObject({ sequence: 5, lotId: 4 });
    expect(await pg.demandeHistory(numeros[2]!)).toEqual(await sqlite.demandeHistory(numeros[2]!));
  });

  it('refuses a target that holds a guichet, and leaves it as it was', async () => {
    const { path } = await sqliteSource();
    const url = await POSTGRESQL.storage();
    const occupied = await postgres(url);
    await occupied.addGuichet({ ...G1104, code: 'G9999' });
    const refusal = copy(path, url);
    await expect(refusal).rejects.toThrow(CopyRefusedError);
    await expect(refusal).rejects.toThrow(/n’est pas vide \(lignes dans : guichets, guichet_adresses, guichet_cles, guichet_departements\)/);
    expect((await occupied.listGuichets()).map((g) => g.code)).toEqual(['G9999']);
    expect(await occupied.listLots()).toEqual([]);
  });

  it('refuses a SQLite registry at another schema version, before writing anything', async () => {
    const { path, registry } = await sqliteSource();
    await registry.close();
    open.splice(open.indexOf(registry), 1);
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION - 1}`);
    db.close();
    const url = await POSTGRESQL.storage();
    await expect(copy(path, url)).rejects.toThrow(`schéma version ${SCHEMA_VERSION - 1}, cette passerelle copie la version ${SCHEMA_VERSION}`);
    expect(await (await postgres(url)).listGuichets()).toEqual([]);
  });

  it('leaves the target empty when the copy fails halfway, and a new copy then succeeds', async () => {
    const { path, numeros, registry: sqlite } = await sqliteSource();
    const url = await POSTGRESQL.storage();
    let interrupted = false;
    const failing = copy(path, url, {
      onProgress: (phase, done, total) => {
        if (phase === 'copie' && done > total / 2) {
          interrupted = true;
          throw new Error('interrompue');
        }
      },
    });
    await expect(failing).rejects.toThrow('interrompue');
    expect(interrupted).toBe(true);
    const pg = await postgres(url);
    expect(await pg.listGuichets()).toEqual([]);
    expect(await pg.listLots()).toEqual([]);
    expect(await pg.getDemande(numeros[1]!)).toBeUndefined();

    await copy(path, url);
    expect(await answers(pg, numeros)).toEqual(await answers(sqlite, numeros));
  });
});

describe('registry copy: the check of what the target holds', () => {
  /** Every table one row `{ id: 1, v: 'a' }`; the target stores `demandes` through `alter`. */
  const attempt = async (alter: (rows: readonly CopyRow[]) => CopyRow[]) => {
    const shape = (name: string) => ({ name, columns: ['id', 'v'], primaryKey: ['id'] });
    const source: CopySource = { schemaVersion: SCHEMA_VERSION, table: shape, count: () => 1, pages: () => [[{ id: 1, v: 'a' }]] };
    const stored = new Map<string, readonly CopyRow[]>();
    let committed = false;
    const target: CopyTarget = {
      schemaVersion: SCHEMA_VERSION,
      columns: () => ['id', 'v'],
      nonEmpty: async () => [],
      insert: async (table, _columns, rows) => void stored.set(table, table === 'demandes' ? alter(rows) : rows),
      pages: async function* (table) {
        yield stored.get(table.name)!;
      },
      resetSequences: async () => undefined,
      commit: async () => void (committed = true),
    };
    const error = await copyRegistry(source, target).then(() => undefined, (e: unknown) => e);
    return { error, committed };
  };

  it('refuses to commit when a table read back differs from the source by a value or by its count', async () => {
    const changed = await attempt((rows) => rows.map((r) => ({ ...r, v: 'b' })));
    expect(changed.error).toBeInstanceOf(CopyMismatchError);
    expect((changed.error as Error).message).toMatch(/^Table demandes : les sommes de contrôle des deux registres diffèrent/);
    const lost = await attempt(() => []);
    expect((lost.error as Error).message).toMatch(/^Table demandes : 1 ligne\(s\) lue\(s\) dans le registre SQLite, 0 relue\(s\) dans PostgreSQL/);
    expect([changed.committed, lost.committed]).toEqual([false, false]);
    expect(await attempt((rows) => [...rows])).toEqual({ error: undefined, committed: true });
  });
});
