/**
 * Replies sealed on worker threads: an attestation rendered in a worker is byte-identical to the
 * main thread's; a batch prepared through the pool decrypts, with the guichet's key, to exactly
 * the PDFs the main thread renders; an outbox pass sends each reply once stored, without waiting
 * for the last; the workers unlock the national key from what they are given;
 * and closing the pool (or leaving it idle) leaves no thread running.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { decryptAndVerify, generateKeyPair, loadPrivateKeyring, type GeneratedKeyPair, type PrivateKeyring } from '../../src/crypto/index.js';
import { silentLogger } from '../../src/log.js';
import { MaildirSender } from '../../src/mail/maildir-sender.js';
import type { ReplySender } from '../../src/mail/types.js';
import { SqliteRegistry } from '../../src/registry/sqlite/store.js';
import type { ResultatRecord } from '../../src/registry/model.js';
import { renderAttestation } from '../../src/replies/attestation/index.js';
import { decodeDocument } from '../../src/replies/documents.js';
import { outboxPass } from '../../src/replies/outbox-pass.js';
import { prepareReplies, withCommuneNames } from '../../src/replies/prepare.js';
import { queueAttestation, queueCompteRendu } from '../../src/replies/queue.js';
import { withTerritoryData } from '../../src/replies/territoires.js';
import { ReplyWorkerPool } from '../../src/replies/workers/index.js';
import { loadBundledReference } from '../../src/rules/reference/index.js';
import { openReplyAttachment } from '../helpers/replies.js';
import { acceptedLot, attestationCre, attestationRen } from './fixtures.js';

const AT = new Date('2026-11-26T08:31:04Z');
const PASSPHRASE = 'phrase de passe des workers';
const BATCH = 20; // above the pool's threshold: the batch goes to the workers
const SETTINGS = { messageIdDomain: 'sne.test', copyAttestationToDemandeur: false };
const reference = loadBundledReference();

let dir: string;
let registry: SqliteRegistry;
let national: GeneratedKeyPair;
let guichetKey: GeneratedKeyPair;
let nationalRing: PrivateKeyring;
let guichetRing: PrivateKeyring;
const pools: ReplyWorkerPool[] = [];

function pool(options: { size?: number; idleMs?: number; passphrase?: string } = {}): ReplyWorkerPool {
  const created = new ReplyWorkerPool({
    size: options.size ?? 2,
    keys: () => [{ privateKey: national.privateKey, passphrase: options.passphrase ?? PASSPHRASE }],
    ...(options.idleMs === undefined ? {} : { idleMs: options.idleMs }),
  });
  pools.push(created);
  return created;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'workers-'));
  registry = new SqliteRegistry(join(dir, 'registry.sqlite'));
  national = await generateKeyPair({ name: 'SNE national', email: 'national@sne.test', passphrase: PASSPHRASE });
  guichetKey = await generateKeyPair({ name: 'Guichet G1104', email: 'retours@g1104.example' });
  nationalRing = await loadPrivateKeyring([{ privateKey: national.privateKey, passphrase: PASSPHRASE }]);
  guichetRing = await loadPrivateKeyring([{ privateKey: guichetKey.privateKey }]);
  await registry.addGuichet({
    code: 'G1104',
    nom: 'Plaine Commune Habitat',
    adresse: '4 rue de la Poterie\n93200 Saint-Denis',
    expediteurs: ['lots@g1104.example'],
    destinataires: ['retours@g1104.example'],
    cles: [{ fingerprint: guichetKey.fingerprint, armored: guichetKey.publicKey }],
    departements: ['93', '75'],
  });
});

afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
  await registry?.close();
  rmSync(dir, { recursive: true, force: true });
});

function manyResultats(count: number): ResultatRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    position: i + 1,
    reference: `DOS-${i + 1}`,
    typeFichier: 'CRE' as const,
    statut: 'ENREGISTREE' as const,
    numeroUnique: `1111126${String(i + 1).padStart(6, '0')}G1104`,
    dateDepot: '2026-11-26',
    dateEcheance: '2027-11-26',
    erreurs: [],
  }));
}

/** A lot of BATCH registered demandes whose attestations (and compte rendu) are queued, as commit.ts does. */
async function queueLot(identifiantLot: string, firstSequence: number, withCompteRendu = false): Promise<number> {
  const guichet = (await registry.getGuichet('G1104'))!;
  return await registry.transaction(async (tx) => {
    const id = await tx.insertLot(acceptedLot(identifiantLot, `<${identifiantLot}@g1104.example>`, AT));
    // A big one (10,000 results, the most a lot holds): it takes longer than an attestation to seal.
    if (withCompteRendu) await queueCompteRendu(tx, id, guichet, manyResultats(10_000), SETTINGS);
    for (let i = 1; i <= BATCH; i++) {
      const numeroUnique = `1111126${String(firstSequence + i).padStart(6, '0')}G1104`;
      const demande = { position: i, reference: `DOS-${i}`, typeFichier: 'CRE', demandeLogement: attestationCre.demande } as never;
      await tx.insertDemande(
        { numeroUnique, territoire: '111', guichet: 'G1104', statut: 'ACTIVE', dateDepot: '2026-11-26', dateEcheance: '2027-11-26', donnees: attestationCre.demande },
        { guichet: 'G1104', identifiantLot, reference: `DOS-${i}` },
      );
      await queueAttestation(tx, { lot: (await tx.getLot(id))!, guichet, demande, kind: 'CRE', numeroUnique, issuedAt: AT }, SETTINGS);
    }
    return id;
  });
}

describe('reply worker threads', () => {
  it('render an attestation byte-identical to the main thread (CRE and REN)', async () => {
    const workers = pool();
    for (const data of [attestationCre, attestationRen]) {
      const inWorker = await workers.render({ kind: 'attestation', data });
      expect(Buffer.compare(inWorker, await renderAttestation(data))).toBe(0);
    }
    expect(workers.running).toBe(2);
    await workers.close();
    expect(workers.running).toBe(0);
    await expect(workers.render({ kind: 'attestation', data: attestationCre })).rejects.toThrow(/closed/);
  });

  it('seal a batch that the guichet decrypts to the same PDFs as the main thread renders', async () => {
    const lotId = await queueLot('LOT-WORKERS', 0);
    const workers = pool();
    // Read before: a reply's document is forgotten once it is sealed.
    const documents = new Map((await registry.outboxForLot(lotId)).map((item) => [item.id, item.document!]));
    const prepared = await prepareReplies({ registry, keyring: nationalRing, clock: fixedClock(AT), logger: silentLogger(), from: 'depot@sne.test', reference, workers });
    expect(prepared).toBe(BATCH);
    expect(workers.running).toBe(2); // the batch went to the workers

    const items = await Promise.all((await registry.outboxForLot(lotId)).map(async (item) => (await registry.getOutbox(item.id))!)); // with their bytes
    expect(items).toHaveLength(BATCH);
    for (const item of items) {
      expect(item.statut).toBe('PRET');
      const { content } = await openReplyAttachment(item.raw!);
      const opened = await decryptAndVerify(content, guichetRing, [national.publicKey]);
      expect(opened.ok).toBe(true);
      if (!opened.ok) continue;
      expect(item.document).toBeUndefined();
      const document = decodeDocument(documents.get(item.id)!);
      if (document.kind !== 'attestation') throw new Error('attestation expected');
      const mainThread = await renderAttestation(await withTerritoryData(withCommuneNames(document.data, () => reference), registry));
      expect(Buffer.compare(Buffer.from(opened.value.payload), mainThread)).toBe(0);
    }
  });

  it('hand each reply to the sender, in an outbox pass, once stored and while the next are still being prepared, the compte rendu first', async () => {
    const workers = pool();
    await workers.render({ kind: 'attestation', data: attestationCre }); // started: an attestation now takes ~10 ms
    const lotId = await queueLot('LOT-PASS', 1000, true);
    const maildir = new MaildirSender(join(dir, 'outgoing'));
    const handedOver: { readonly kind: string; readonly stored: boolean; readonly stillToPrepare: number }[] = [];
    const sender: ReplySender = {
      send: async (message) => {
        const item = (await registry.outboxForLot(lotId)).find((i) => i.messageId === message.messageId);
        const stored = item && (await registry.getOutbox(item.id))!;
        if (stored) handedOver.push({ kind: stored.kind, stored: stored.statut === 'PRET' && Buffer.compare(stored.raw!, message.raw) === 0, stillToPrepare: (await registry.outboxByStatut('A_PREPARER')).length });
        await maildir.send(message);
      },
      close: () => maildir.close(),
    };
    const preparedBefore = (await registry.outboxByStatut('PRET')).length; // by the tests above: drained after this lot's
    const summary = await outboxPass({ registry, keyring: nationalRing, clock: fixedClock(AT), logger: silentLogger(), from: 'depot@sne.test', reference, workers, sender });
    expect(summary).toEqual({ prepared: BATCH + 1, sent: BATCH + 1 + preparedBefore, deferred: 0, failed: 0 });
    expect(handedOver.map((h) => h.kind)).toEqual(['compte-rendu', ...Array(BATCH).fill('attestation')]);
    expect(handedOver.every((h) => h.stored)).toBe(true);
    expect(handedOver[0]!.stillToPrepare).toBeGreaterThan(0);
    expect((await registry.outboxForLot(lotId)).map((i) => i.statut)).toEqual(Array(BATCH + 1).fill('ENVOYE'));
    expect(readdirSync(join(dir, 'outgoing', 'new'))).toHaveLength(BATCH + 1 + preparedBefore);
  });

  it('hand attestations to a sender that takes several at once concurrently, up to its limit, the compte rendu alone and first', async () => {
    const workers = pool();
    const lotId = await queueLot('LOT-CONCURRENT', 2000, true);
    const kinds = new Map((await registry.outboxForLot(lotId)).map((i) => [i.messageId, i.kind]));
    const maildir = new MaildirSender(join(dir, 'outgoing-concurrent'));
    const events: string[] = [];
    let inFlight = 0;
    let most = 0;
    const sender: ReplySender = {
      concurrency: 3,
      send: async (message) => {
        const kind = kinds.get(message.messageId) ?? 'other';
        inFlight++;
        most = Math.max(most, inFlight);
        events.push(`start ${kind}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
        await maildir.send(message);
        events.push(`end ${kind}`);
        inFlight--;
      },
      close: () => maildir.close(),
    };
    await outboxPass({ registry, keyring: nationalRing, clock: fixedClock(AT), logger: silentLogger(), from: 'depot@sne.test', reference, workers, sender });
    const ours = events.filter((e) => !e.endsWith('other'));
    expect(ours.slice(0, 2)).toEqual(['start compte-rendu', 'end compte-rendu']);
    expect(ours.filter((e) => e === 'end attestation')).toHaveLength(BATCH);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(3);
    expect((await registry.outboxForLot(lotId)).map((i) => i.statut)).toEqual(Array(BATCH + 1).fill('ENVOYE'));
  });

  it('fail their jobs, without hanging, when the national key does not open', async () => {
    const workers = pool({ size: 1, passphrase: 'pas la bonne' });
    await expect(workers.render({ kind: 'attestation', data: attestationCre })).rejects.toThrow(/phrase de passe/);
    expect(workers.running).toBe(0);
  });

  it('stop by themselves once idle', async () => {
    const workers = pool({ size: 1, idleMs: 50 });
    await workers.render({ kind: 'attestation', data: attestationCre });
    expect(workers.running).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(workers.running).toBe(0);
    // …and start again on the next job.
    expect((await workers.render({ kind: 'attestation', data: attestationCre })).subarray(0, 5).toString()).toBe('%PDF-');
  });
});
