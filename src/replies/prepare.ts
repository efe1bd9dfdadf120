/**
 * After the lot's transaction, each queued reply is rendered (compte rendu XML or attestation
 * PDF, completed with the registry's territory settings and bailleurs), signed and encrypted to
 * its guichet, built into a message and stored, ready for `deliver.ts`. The demandeur's copy of
 * an attestation is the plain PDF (they hold no key). Resumes after a crash from what the
 * registry still holds as A_PREPARER.
 */
import type { Clock } from '../clock.js';
import type { PrivateKeyring } from '../crypto/index.js';
import { outboxClaim, THIS_PROCESS, type Instance } from '../instance.js';
import type { Logger } from '../log.js';
import { buffersToCollect, collectGarbage } from '../memory.js';
import type { Guichet, LotRecord, OutboxItem } from '../registry/model.js';
import type { Registry } from '../registry/registry.js';
import { nomsCommunes } from '../rules/noms-communes.js';
import type { ReferenceIndex } from '../rules/reference/index.js';
import { decodeDocument } from './documents.js';
import type { ReplyMode } from './ecole.js';
import { rememberedTerritoryReads, withTerritoryData, type TerritoryReads } from './territoires.js';
import { entreeOf } from './entree.js';
import type { AttestationData, DispatchingData } from './types.js';
import type { ReplyWorkerPool } from './workers/pool.js';
import { sealReply, type ReplyJob } from './workers/reply-job.js';

/** `ecole`: the gateway is a base école (spec 9); every reply it prepares says so. */
export interface PrepareDeps extends ReplyMode {
  readonly registry: Registry;
  readonly keyring: PrivateKeyring;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The gateway's address: the `From` of every reply. */
  readonly from: string;
  readonly reference: ReferenceIndex;
  /** Worker threads for big batches; without them everything is sealed on this thread. */
  readonly workers?: ReplyWorkerPool;
  /** Who claims the replies it prepares (several instances, spec 10); this process by default. */
  readonly instance?: Instance;
}

/**
 * The attestation's data with the INSEE names it prints where the guichet gave only codes or a
 * postal code: the ones resolved when the demande was judged, or, for a reply queued before they
 * were, from the reference (loaded then).
 */
export function withCommuneNames(data: AttestationData, reference: () => ReferenceIndex): AttestationData {
  const { nomsCommunes: resolved, ...rest } = data;
  const noms = resolved ?? nomsCommunes(data.demande, reference());
  const { demandeur } = data.demande;
  const adresse = demandeur.adressePostale;
  return {
    ...rest,
    demande: noms.adresse !== undefined && adresse
      ? { ...data.demande, demandeur: { ...demandeur, adressePostale: { ...adresse, commune: { ...adresse.commune, nom: noms.adresse } } } }
      : data.demande,
    communesSouhaitees: data.demande.logementRecherche.communesSouhaitees.map((c, i) => {
      const name = noms.souhaitees[i] ?? '';
      return name !== '' ? `${name} (${c.code})` : (c.code ?? c.nom ?? '');
    }),
  };
}

/** Told of each reply once it is stored, ready to send (its bytes in `raw`). */
export type OnPrepared = (ready: OutboxItem) => Promise<void>;

/**
 * Renders, encrypts and stores every reply still waiting for it; returns how many. They come a
 * batch at a time, claimed for this instance (another instance prepares the others). With a
 * worker pool and a batch worth it, replies are sealed on every core, a few per worker in flight
 * so that none waits; each is stored as soon as it is ready, then handed to `onPrepared`. A reply
 * that fails stays claimed until its claim expires: the next pass (of any instance) tries it again.
 */
export async function prepareReplies(deps: PrepareDeps, onPrepared?: OnPrepared): Promise<number> {
  const pass: PassReads = { envelopes: new Map(), territories: rememberedTerritoryReads(deps.registry) };
  const pool = deps.workers;
  const prepare = (item: OutboxItem, seal: (job: ReplyJob) => Promise<Buffer>) => prepareOne(item, deps, pass, seal, onPrepared);
  const next = () => deps.registry.outboxToPrepare(outboxClaim(deps.instance ?? THIS_PROCESS, deps.clock));
  let count = 0;
  // The others go on when one fails (each is stored on its own); the first failure is rethrown.
  const failures: unknown[] = [];
  // Kept from one batch to the next: the workers are not left idle while the next batch is claimed.
  const running = new Set<Promise<void>>();
  for (let items = await next(); items.length > 0; items = await next()) {
    count += items.length;
    if (pool === undefined || (items.length < MIN_BATCH_FOR_WORKERS && pool.running === 0)) {
      for (const item of items) await prepare(item, (job) => sealReply(job, deps.keyring)).catch((error: unknown) => void failures.push(error));
      continue;
    }
    for (const item of items) {
      if (item.kind !== 'attestation') {
        // Here, not in a worker (one per lot, but up to 10,000 results: too big for a worker's heap;
        // a digest reads its entries from the registry),
        // and stored before its lot's attestations are dispatched: the guichet gets it first.
        await prepare(item, (job) => sealReply(job, deps.keyring)).catch((error: unknown) => void failures.push(error));
        // A big lot's commit and its compte rendu are garbage now: collected before its attestations.
        if ((item.document?.length ?? 0) > BIG_COMPTE_RENDU_CHARS) collectGarbage();
        continue;
      }
      const task: Promise<void> = prepare(item, (job) => pool.seal(job))
        .catch((error: unknown) => void failures.push(error))
        .finally(() => running.delete(task));
      running.add(task);
      if (running.size >= pool.size * IN_FLIGHT_PER_WORKER) await Promise.race(running);
    }
    // The batch's replies, moved from the workers, are garbage once stored; V8 counts them only
    // as external memory, and waited for ~60 MB of them before collecting (a 10,000-demande lot's
    // replies: the process's peak, docs/PERFORMANCE.md "Memory"). Collected at a batch's end once
    // they add up, the jobs in flight done first, as when it was done at every batch's end.
    if (buffersToCollect()) {
      await Promise.all(running);
      collectGarbage();
    }
  }
  await Promise.all(running);
  if (failures.length > 0) throw failures[0];
  return count;
}

/**
 * One reply sealed now, on this thread, unless it already is (the HTTPS channel answers with a
 * lot's compte rendu before the outbox pass comes by): its stored bytes. Whoever stores first
 * wins (`markPrepared`), so the bytes read back are the only ones ever served or sent.
 */
export async function sealedNow(item: OutboxItem, deps: PrepareDeps): Promise<Buffer | undefined> {
  if (item.statut === 'A_PREPARER' && item.document !== undefined) {
    const pass: PassReads = { envelopes: new Map(), territories: rememberedTerritoryReads(deps.registry) };
    const raw = await sealReply(await jobOf(item, deps, pass), deps.keyring);
    await deps.registry.markPrepared(item.id, raw);
  }
  return (await deps.registry.getOutbox(item.id))?.raw;
}

/** Below this many replies, starting the workers (~0.3 s) costs more than it saves. */
const MIN_BATCH_FOR_WORKERS = 16;
/** A compte rendu this long (~5,000 results) follows a commit big enough to leave V8's limits high. */
const BIG_COMPTE_RENDU_CHARS = 1024 * 1024;
/**
 * Jobs queued per worker (~12 ms of its work at 8): enough that it never waits while this thread,
 * sharing two cores with it, stores replies or is descheduled (3 measured 0.1–0.2 s slower a lot).
 */
const IN_FLIGHT_PER_WORKER = 8;

/** The lot and guichet of each item, read once per pass: a lot's replies come a thousand at a time. */
type Envelopes = Map<number, { lot: LotRecord; guichet: Guichet }>;

/** What one pass reads of the registry once: each lot's envelope, the territories' settings. */
interface PassReads {
  readonly envelopes: Envelopes;
  readonly territories: TerritoryReads;
}

/** The reply's job: its document completed from the registry and the reference, its envelope. */
async function jobOf(item: OutboxItem, deps: PrepareDeps, pass: PassReads): Promise<ReplyJob> {
  if (item.document === undefined) throw new Error(`outbox item ${item.id}: no document to prepare`);
  const document = decodeDocument(item.document);
  if (document.kind === 'dispatching') return await dispatchingJob(item, document.data, deps);
  if (item.lotId === undefined) throw new Error(`outbox item ${item.id}: no lot`);
  const { envelopes, territories } = pass;
  let envelope = envelopes.get(item.lotId);
  if (envelope === undefined) {
    const lot = await deps.registry.getLot(item.lotId);
    const guichet = lot?.guichet === undefined ? undefined : await deps.registry.getGuichet(lot.guichet);
    if (!lot || !guichet) throw new Error(`outbox item ${item.id}: lot ${item.lotId} or its guichet is missing`);
    envelope = { lot, guichet };
    envelopes.set(item.lotId, envelope);
  }
  const { lot, guichet } = envelope;
  return {
    document:
      document.kind === 'attestation'
        ? { ...document, data: await withTerritoryData(withCommuneNames(document.data, () => deps.reference), territories) }
        : document,
    recipientKeys: guichet.cles.map((c) => c.armored),
    from: deps.from,
    // A reply of an HTTPS lot is stored, not mailed: its header still names the guichet's reply
    // addresses, those it is mailed to if the lot comes again by mail (queue.ts requeueCompteRendu).
    to: item.destinataires.length > 0 ? item.destinataires : guichet.destinataires,
    messageId: item.messageId,
    // A préavis answers no lot: the lot it is filed under (the demande's last CRE or REN) is a year old.
    ...(lot.messageId && item.kind !== 'preavis' ? { inReplyTo: lot.messageId } : {}),
    date: deps.clock.now(),
    ...(deps.ecole === true ? { ecole: true } : {}),
  };
}

/** A digest's job: its entries read now, the demandes as they stand; not threaded (it answers no lot). */
async function dispatchingJob(item: OutboxItem, data: DispatchingData, deps: PrepareDeps): Promise<ReplyJob> {
  const guichet = await deps.registry.getGuichet(data.guichet);
  if (!guichet) throw new Error(`outbox item ${item.id}: guichet ${data.guichet} is missing`);
  const entrees = (await deps.registry.dispatchEntries(data.evenements)).map(({ event, demande }) => entreeOf(event, demande));
  return {
    document: { kind: 'dispatching', data: { ...data, entrees } },
    recipientKeys: guichet.cles.map((c) => c.armored),
    from: deps.from,
    to: item.destinataires.length > 0 ? item.destinataires : guichet.destinataires,
    messageId: item.messageId,
    date: deps.clock.now(),
  };
}

async function prepareOne(
  item: OutboxItem,
  deps: PrepareDeps,
  pass: PassReads,
  seal: (job: ReplyJob) => Promise<Buffer>,
  onPrepared: OnPrepared | undefined,
): Promise<void> {
  const raw = await seal(await jobOf(item, deps, pass));
  // Not stored (another process prepared it meanwhile): that process sends it, not this one.
  if (!await deps.registry.markPrepared(item.id, raw)) return;
  deps.logger.debug({ outbox: item.id, lotId: item.lotId, kind: item.kind }, 'reply prepared');
  await onPrepared?.({ ...item, statut: 'PRET', raw });
}
