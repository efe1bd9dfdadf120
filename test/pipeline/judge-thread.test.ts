/**
 * The daemon judges messages on a thread of its own (docs/PERFORMANCE.md, "Memory"): the verdict
 * must be the main thread's, byte for byte, and the INSEE names the attestations print are
 * resolved there, so that preparing the replies needs no reference.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MessageChannel } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { nationalKeyLocation, openGateway, type Gateway } from '../../src/app.js';
import { initHome } from '../../src/cli/commands/init.js';
import { unlockedKeyMaterial } from '../../src/crypto/index.js';
import { nationalPublicKeys } from '../../src/crypto/national-keys.js';
import { intakePass, pipelineDeps } from '../../src/daemon.js';
import { enrolGuichet, guichetKeys, sealLotMessage, type GuichetIdentity, type GuichetKeys } from '../../src/demo/guichet.js';
import { silentLogger } from '../../src/log.js';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { mailSubmission } from '../../src/mail/submission.js';
import type { Submission } from '../../src/pipeline/submission.js';
import { judgeHandler, verdictTransfer } from '../../src/pipeline/judge-handler.js';
import { judgeThread, type JudgeResponse } from '../../src/pipeline/judge-thread.js';
import { sha256Hex } from '../../src/pipeline/sha256.js';
import { decodeDocument } from '../../src/replies/documents.js';
import { withCommuneNames } from '../../src/replies/prepare.js';
import type { ReferenceIndex } from '../../src/rules/reference/index.js';
import { G1104 as FIXTURE_GUICHET } from '../helpers/guichets.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const LOT = readFileSync(new URL('../../fixtures/lots/lot-g1104-valide.xml', import.meta.url));
// The lot also asks for Paris 11e: habilitated for 75 too.
const G1104: GuichetIdentity = { ...FIXTURE_GUICHET, departements: ['93', '75'] };
const NOW = new Date('2026-11-26T09:00:00Z');
// A full collection on demand, to tell what the thread's caller still holds.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const noReference = (): ReferenceIndex => {
  throw new Error('the reference was loaded');
};

describe('the judge thread', () => {
  let home: string;
  let gateway: Gateway;
  let keys: GuichetKeys;
  let message: Submission;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'sne-judge-'));
    const { config } = await initHome(home);
    gateway = await openGateway(config, silentLogger());
    keys = await guichetKeys(join(home, 'guichets'), G1104);
    await enrolGuichet(gateway.registry, G1104, keys);
    const raw = await sealLotMessage({ xml: LOT, fileName: 'lot.xml', guichet: G1104, keys, nationalPublicKeys: nationalPublicKeys(nationalKeyLocation(config)), depot: 'depot@x' });
    message = mailSubmission({ sourceId: 'test', raw, sizeBytes: raw.length, receivedAt: new Date('2026-11-26T08:59:00Z') });
  });
  afterAll(async () => {
    await gateway.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('gives the verdict of the main thread, with the original message the main thread holds', async () => {
    const sha = sha256Hex(message.original);
    const here = await pipelineDeps(gateway).judge(message, sha, NOW);
    const thread = judgeThread(gateway.config, () => unlockedKeyMaterial(gateway.keyring));
    try {
      const there = await thread.judge(message, sha, NOW);
      expect(there.kind).toBe('decoded');
      expect(there).toEqual(here);
      expect(there.reception.original).toBe(message.original);
    } finally {
      await thread.close();
    }
  });

  it('holds no verdict once it has returned it (a 10,000-demande lot would stay through its replies)', async () => {
    const sha = sha256Hex(message.original);
    const thread = judgeThread(gateway.config, () => unlockedKeyMaterial(gateway.keyring));
    try {
      const verdict = new WeakRef(await thread.judge(message, sha, NOW));
      await pause(10); // a WeakRef keeps its target until the end of the job that made it
      collectGarbage();
      expect(verdict.deref()).toBeUndefined();
    } finally {
      await thread.close();
    }
  });

  // Issue 15 point 12: a 10,000-demande lot's structured clone was the process's peak.
  it('sends a lot back packed: its demandes in one buffer, whose memory moves to the main thread instead of being copied', async () => {
    const handle = await judgeHandler({ config: gateway.config, keys: unlockedKeyMaterial(gateway.keyring) });
    const response = await handle({ submission: message, messageSha256: sha256Hex(message.original), now: NOW });
    const { verdict } = response;
    if (verdict.kind !== 'packed') throw new Error('packed verdict expected');
    expect(Object.keys(verdict.decoded).sort()).toEqual(['empreinte', 'entete', 'signerFingerprint']);
    expect(verdict).not.toHaveProperty('judgements');
    const transfer = verdictTransfer(response);
    expect(transfer).toEqual([verdict.demandes.buffer]);
    const { port1, port2 } = new MessageChannel();
    try {
      const size = verdict.demandes.byteLength;
      expect(size).toBeGreaterThan(0);
      port1.postMessage(response, transfer);
      expect(verdict.demandes.byteLength).toBe(0); // moved: the sender no longer holds it
      const received = await new Promise<JudgeResponse>((resolve) => port2.once('message', resolve));
      expect(received.verdict.kind === 'packed' && received.verdict.demandes.byteLength).toBe(size);
    } finally {
      port1.close();
    }
  });

  it('stays warm after a small lot (run --once)', async () => {
    const sha = sha256Hex(message.original);
    const thread = judgeThread(gateway.config, () => unlockedKeyMaterial(gateway.keyring));
    try {
      expect(thread.threadId).toBeUndefined();
      await thread.judge(message, sha, NOW);
      const first = thread.threadId;
      expect(first).toBeDefined();
      await pause(100);
      expect(thread.threadId).toBe(first);
    } finally {
      await thread.close();
    }
    expect(thread.threadId).toBeUndefined();
  });

  // A lot leaving the thread over the threshold: here any lot, with a threshold of 1 byte.
  it('lets its memory go after a big lot, before returning the verdict (the commit would hold both); the next message starts a thread again (run --once)', async () => {
    const sha = sha256Hex(message.original);
    const thread = judgeThread(gateway.config, () => unlockedKeyMaterial(gateway.keyring), { releaseAboveBytes: 1 });
    try {
      const started = thread.judge(message, sha, NOW);
      await vi.waitFor(() => expect(thread.threadId).toBeDefined());
      const first = thread.threadId;
      await started;
      // Already stopping: not on a timer, which a commit busy on better-sqlite3 would hold back.
      expect(thread.threadId).toBeUndefined();
      const again = thread.judge(message, sha, NOW);
      await vi.waitFor(() => expect(thread.threadId).toBeDefined());
      expect(thread.threadId).not.toBe(first);
      expect((await again).kind).toBe('decoded');
    } finally {
      await thread.close();
    }
  });

  it('kept ready (the daemon): a fresh thread replaces the one a big lot stopped, before the next message', async () => {
    const sha = sha256Hex(message.original);
    const thread = judgeThread(gateway.config, () => unlockedKeyMaterial(gateway.keyring), { releaseAboveBytes: 1 });
    try {
      thread.keepReady();
      const first = thread.threadId;
      expect(first).toBeDefined();
      await thread.judge(message, sha, NOW);
      await vi.waitFor(() => expect(thread.threadId ?? first).not.toBe(first));
      const fresh = thread.threadId;
      await pause(100);
      expect(thread.threadId).toBe(fresh); // started once, not again
    } finally {
      await thread.close();
    }
    expect(thread.threadId).toBeUndefined();
  });

  it('resolves the INSEE names of communes given by code, and the replies are prepared without the reference', async () => {
    const sha = sha256Hex(message.original);
    const thread = judgeThread(gateway.config, () => unlockedKeyMaterial(gateway.keyring));
    const input = await thread.judge(message, sha, NOW).finally(() => thread.close());
    if (input.kind !== 'decoded') throw new Error('decoded lot expected');
    const [first] = [...input.judgements.values()];
    expect(first?.nomsCommunes).toEqual({ souhaitees: ['Saint-Denis', 'Aubervilliers', 'Paris 11e Arrondissement'] });

    await deliverToMaildir(join(home, gateway.config.mailbox.path), message.original);
    // Intake only: a queued reply's document is forgotten once the reply is sealed.
    const [outcome] = await intakePass(gateway);
    if (outcome?.kind !== 'committed') throw new Error('committed lot expected');
    expect({ statut: outcome.lot.statut, erreurs: outcome.lot.erreurs }).toEqual({ statut: 'ACCEPTE', erreurs: [] });
    const attestation = (await gateway.registry.outboxForLot(outcome.lot.id))
      .map((item) => decodeDocument(item.document!))
      .find((document) => document.kind === 'attestation');
    if (attestation?.kind !== 'attestation') throw new Error('attestation expected');
    const completed = withCommuneNames(attestation.data, noReference);
    expect(completed.communesSouhaitees).toContain('Saint-Denis (93066)');
    expect(completed).not.toHaveProperty('nomsCommunes');
    // A reply queued before the names were stored: the same document, from the reference.
    const { nomsCommunes: _stored, ...older } = attestation.data;
    expect(withCommuneNames(older, () => gateway.reference)).toEqual(completed);
    expect(() => withCommuneNames(older, noReference)).toThrow('the reference was loaded');
  });
});

/** The fixture lot under another identifiantLot. */
function withIdentifiant(identifiantLot: string): Buffer {
  return Buffer.from(LOT.toString('utf8').replace(/<identifiantLot>[^<]*<\/identifiantLot>/, `<identifiantLot>${identifiantLot}</identifiantLot>`));
}

// Issue 15, point 4: one costly message held `run --once` for minutes and the lots behind it waited.
describe('a message over its time budget', () => {
  let home: string;
  let gateway: Gateway;

  // A registry of its own per test: the valid lots register the same demandeurs.
  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'sne-budget-'));
    const { config } = await initHome(home);
    gateway = await openGateway(config, silentLogger());
  });
  afterEach(async () => {
    await gateway.close();
    rmSync(home, { recursive: true, force: true });
  });

  /** Delivers a message the substitute thread handles by its Message-ID, then the valid lot; one intake pass. */
  async function passWith(marked: string, identifiantLot: string) {
    const keys = await guichetKeys(join(home, 'guichets'), G1104);
    await enrolGuichet(gateway.registry, G1104, keys);
    const seal = (xml: Uint8Array, messageId: string) =>
      sealLotMessage({ xml, fileName: 'lot.xml', guichet: G1104, keys, nationalPublicKeys: nationalPublicKeys(nationalKeyLocation(gateway.config)), depot: 'depot@x', messageId });
    const mailbox = join(home, gateway.config.mailbox.path);
    await deliverToMaildir(mailbox, await seal(withIdentifiant(`${identifiantLot}-MARQUE`), marked));
    await pause(20);
    await deliverToMaildir(mailbox, await seal(withIdentifiant(identifiantLot), `<valide-${identifiantLot}@exemple.fr>`));

    // Named as compiled: the thread pool runs its .ts twin through tsx.
    const script = new URL('./stalling-judge-worker.js', import.meta.url);
    const thread = judgeThread(gateway.config, () => unlockedKeyMaterial(gateway.keyring), { budgetMs: 5_000, script });
    try {
      const outcomes = await intakePass(gateway, undefined, thread.judge);
      const lots = outcomes.map((outcome) => (outcome.kind === 'committed' ? outcome.lot : undefined));
      const byMessageId = (id: string) => lots.find((lot) => lot?.messageId === id);
      // Both left the inbox: nothing is tried again.
      const left: string[] = [];
      for await (const message of gateway.mailbox.pending()) left.push(message.sourceId);
      expect(left).toEqual([]);
      return { marked: byMessageId(marked), valid: byMessageId(`<valide-${identifiantLot}@exemple.fr>`) };
    } finally {
      await thread.close();
    }
  }

  it('is refused with LOT_TAILLE and its thread replaced; the valid lot behind it is committed (run --once)', async () => {
    // A thread that never answers for this message, whatever the machine's speed; the valid lot
    // behind it is judged on a fresh thread, well within the budget.
    const { marked, valid } = await passWith('<stall@exemple.fr>', 'BUDGET-1');
    expect(marked).toMatchObject({ statut: 'REJETE', erreurs: [{ code: 'LOT_TAILLE', details: { limit: 'judgeMs' } }] });
    expect(valid).toMatchObject({ statut: 'ACCEPTE', erreurs: [] });
  }, 120_000);

  it('is refused with LOT_TAILLE once it has killed the judge thread three times; the valid lot behind it is committed', async () => {
    const { marked, valid } = await passWith('<crash@exemple.fr>', 'CRASH-1');
    expect(marked).toMatchObject({ statut: 'REJETE', erreurs: [{ code: 'LOT_TAILLE', details: { limit: 'judgeAttempts' } }] });
    expect(valid).toMatchObject({ statut: 'ACCEPTE', erreurs: [] });
  }, 120_000);
});
