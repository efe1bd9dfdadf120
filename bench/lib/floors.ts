/**
 * The component floor of one lot (issue 9 item 3): the bare cost of each stage alone, on the
 * data the end-to-end run just processed — decryption + signature check of its message, libxml2
 * schema validation of its XML, SQLite inserts of the very rows its transaction wrote (in one
 * transaction, into a fresh registry file), rendering of its attestations, then signing,
 * encrypting and building of its reply messages. Everything the pipeline adds (parsing into
 * objects, rules, numbering, completion of the documents, bookkeeping) is left out.
 * Beside it, the limit floor (issue 21 point 4): the same intake floors, then the replies' bytes
 * deflated, hashed, encrypted and written with node:zlib/node:crypto alone (limit-floor.ts).
 */
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { Gateway } from '../../src/app.js';
import { sqlitePath } from '../../src/config/registry-location.js';
import { decryptAndVerify, signAndEncrypt } from '../../src/crypto/index.js';
import { validateDocument } from '../../src/lot/schema.js';
import { readLotMessage } from '../../src/mail/mime-in.js';
import { buildReplyMessage } from '../../src/mail/mime-out.js';
import { SqliteRegistry } from '../../src/registry/sqlite/store.js';
import { renderAttestation } from '../../src/replies/attestation/index.js';
import { decodeDocument } from '../../src/replies/documents.js';
import { buildCompteRendu } from '../../src/replies/compte-rendu.js';
import { withCommuneNames } from '../../src/replies/prepare.js';
import { queueAttestation, queueCompteRendu } from '../../src/replies/queue.js';
import { withTerritoryData } from '../../src/replies/territoires.js';
import type { AttestationData } from '../../src/replies/types.js';
import { limitFloorMs, limitReplies } from './limit-floor.js';
import { median, timed } from './measure.js';

export interface Floors {
  readonly decryptMs: number;
  readonly schemaMs: number;
  readonly sqliteMs: number;
  readonly renderMs: number;
  readonly sealMs: number;
  /** The replies' limit floor: their bytes deflated, hashed, encrypted, written (limit-floor.ts). */
  readonly limitRepliesMs: number;
}

/** The component floors: each stage by the libraries the gateway uses. */
export const floorSum = (f: Floors): number => f.decryptMs + f.schemaMs + f.sqliteMs + f.renderMs + f.sealMs;
/** The limit floor: the intake's component floors, then the replies' bare work. */
export const intakeFloor = (f: Floors): number => f.decryptMs + f.schemaMs + f.sqliteMs;
export const limitFloor = (f: Floors): number => intakeFloor(f) + f.limitRepliesMs;

const ROUNDS = 5;

async function best<T>(fn: () => Promise<T> | T): Promise<number> {
  await fn(); // warm
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) times.push((await timed(fn)).ms);
  return median(times);
}

const ROLLBACK = new Error('rolled back');

/**
 * The documents the lot's transaction queued, in its outbox order: forgotten once each reply was
 * sealed, they are queued again as then, in a transaction rolled back.
 */
async function lotDocuments(gw: Gateway, lotId: number): Promise<string[]> {
  const documents: string[] = [];
  try {
    await gw.registry.transaction(async (tx) => {
      const lot = (await tx.getLot(lotId))!;
      const guichet = (await tx.getGuichet(lot.guichet!))!;
      const resultats = await tx.lotResultats(lotId);
      const settings = { messageIdDomain: gw.config.gateway.messageIdDomain, copyAttestationToDemandeur: gw.config.replies.copyAttestationToDemandeur };
      await queueCompteRendu(tx, lotId, guichet, resultats, settings);
      for (const r of resultats) {
        if (r.statut !== 'ENREGISTREE') continue;
        const demande = { position: r.position, reference: r.reference!, typeFichier: 'CRE' as const, demandeLogement: (await tx.getDemande(r.numeroUnique!))!.donnees };
        await queueAttestation(tx, { lot, guichet, demande, kind: 'CRE', numeroUnique: r.numeroUnique!, issuedAt: new Date(lot.traiteAt) }, settings);
      }
      documents.push(...(await tx.outboxForLot(lotId)).flatMap((item) => (item.document === undefined ? [] : [item.document])));
      throw ROLLBACK;
    });
  } catch (error) {
    if (error !== ROLLBACK) throw error;
  }
  return documents;
}

/** The rows the lot's transaction wrote, copied into a fresh registry file in one transaction. */
async function sqliteFloor(registryFile: string, lotId: number, dir: string, documents: readonly string[]): Promise<number> {
  const source = new Database(registryFile, { readonly: true });
  const lot = source.prepare('SELECT identifiant_lot FROM lots WHERE id = ?').get(lotId) as { identifiant_lot: string };
  const tables: [string, unknown[]][] = [
    ['lots', source.prepare('SELECT * FROM lots WHERE id = ?').all(lotId)],
    ['lot_resultats', source.prepare('SELECT * FROM lot_resultats WHERE lot_id = ?').all(lotId)],
    ['demandes', source.prepare('SELECT d.* FROM demandes d JOIN demande_sources s USING (numero_unique) WHERE s.identifiant_lot = ?').all(lot.identifiant_lot)],
    ['demande_sources', source.prepare('SELECT * FROM demande_sources WHERE identifiant_lot = ?').all(lot.identifiant_lot)],
    ['evenements', source.prepare('SELECT * FROM evenements WHERE lot_id = ?').all(lotId)],
    ['outbox', source.prepare("SELECT * FROM outbox WHERE lot_id = ?").all(lotId)],
  ];
  source.close();
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const file = join(dir, `floor-${round}.sqlite`);
    await new SqliteRegistry(file).close(); // the schema, by the real migrations
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = OFF');
    const inserts = tables.map(([table, rows]) => {
      const columns = Object.keys((rows[0] ?? {}) as object);
      const statement = columns.length === 0 ? undefined : db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`);
      // Replies are stored unprepared by the lot's transaction, with their documents: their bytes come later (outbox_raw).
      return { rows: rows.map((r, i) => (table === 'outbox' ? { ...(r as object), statut: 'A_PREPARER', document: documents[i] ?? '' } : r)), statement };
    });
    const started = performance.now();
    db.transaction(() => {
      for (const { rows, statement } of inserts) for (const row of rows) statement!.run(row);
    })();
    times.push(performance.now() - started);
    db.close();
  }
  return median(times);
}

/** Floors of the lot `lotId`, delivered as the message `raw`, in the gateway `gw`. */
export async function measureFloors(gw: Gateway, raw: Buffer, xml: Uint8Array, lotId: number, scratchDir: string): Promise<Floors> {
  const message = await readLotMessage(raw);
  if (!message.ok) throw new Error(`unreadable lot message: ${message.error.code}`);
  const guichet = (await gw.registry.getGuichet((await gw.registry.getLot(lotId))!.guichet!))!;
  const guichetKeys = guichet.cles.map((c) => c.armored);
  const decryptMs = await best(async () => {
    const opened = await decryptAndVerify(message.value.openpgp.content, gw.keyring, guichetKeys);
    if (!opened.ok) throw new Error(`floor: ${opened.error.code}`);
  });
  const schemaMs = await best(() => {
    if (!validateDocument(xml).wellFormed) throw new Error('floor: lot not well-formed');
  });
  const documents = await lotDocuments(gw, lotId);
  const sqliteMs = await sqliteFloor(sqlitePath(gw.config)!, lotId, mkdtempSync(join(scratchDir, 'sqlite-')), documents);

  // One round each for the two big stages (seconds each): the same attestations, completed as sent.
  const attestations: AttestationData[] = [];
  const compteRendus: Uint8Array[] = [];
  for (const json of documents) {
    const document = decodeDocument(json);
    if (document.kind === 'attestation') attestations.push(await withTerritoryData(withCommuneNames(document.data, () => gw.reference), gw.registry));
    if (document.kind === 'compte-rendu') compteRendus.push(Buffer.from(buildCompteRendu(document.data)));
  }
  await renderAttestation(attestations[0]!); // fonts parsed
  const pdfs: Buffer[] = [];
  const renderMs = (await timed(async () => {
    for (const data of attestations) pdfs.push(await renderAttestation(data));
  })).ms;
  const sealMs = (await timed(async () => {
    for (const [i, pdf] of pdfs.entries()) {
      const content = await signAndEncrypt(pdf, gw.keyring, guichetKeys, { filename: `attestation-${i}.pdf` });
      await buildReplyMessage({
        from: gw.config.gateway.address,
        to: guichet.destinataires,
        subject: 'Attestation d’enregistrement d’une demande de logement social',
        text: 'Bonjour,\n\nVous trouverez ci-joint l’attestation.\n',
        messageId: `<floor-${i}@bench.localhost>`,
        date: new Date(),
        attachment: { filename: `attestation-${i}.pdf.gpg`, content, contentType: 'application/octet-stream' },
      });
    }
  })).ms;
  const replies = limitReplies(pdfs, compteRendus);
  limitFloorMs(replies.slice(0, 50), scratchDir); // warm
  const limitRepliesMs = median([0, 1, 2].map(() => limitFloorMs(replies, scratchDir).ms));
  return { decryptMs, schemaMs, sqliteMs, renderMs, sealMs, limitRepliesMs };
}
