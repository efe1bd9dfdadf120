/**
 * The one transaction of a lot: its outcome, each demande's registration, the audit events and
 * the replies to send commit together or not at all (Postfix's discipline: nothing is
 * acknowledged before it is durable). Exactly-once: a message already committed is recognised
 * by its hash, a lot re-delivered by (guichet, identifiantLot, empreinte).
 */
import { parisDate } from '../clock.js';
import { lotError, type LotError } from '../errors.js';
import { hasDemandeLogement, type DemandeAvecLogement, type DemandeLue } from '../lot/types.js';
import { OPERATIONS } from '../registry/operations/index.js';
import type { Canal, DemandeRecord, Guichet, LotRecord, LotStatut, ResultatRecord } from '../registry/model.js';
import type { RegistryTx } from '../registry/registry.js';
import { resultatIllisible, statutDuLot } from '../replies/compte-rendu.js';
import { queueAttestation, queueCompteRendu, queueCopie, requeueCompteRendu, type QueueSettings } from '../replies/queue.js';
import type { Judgement, NomsCommunes } from '../rules/index.js';
import type { DecodedLot } from './decode.js';

export interface Reception {
  /** Default `mail`. */
  readonly canal?: Canal;
  readonly messageSha256: string;
  /** The submission's identity in its channel (`Submission.source`): tells a crash from a re-send. */
  readonly source?: string;
  readonly messageId?: string;
  readonly expediteur?: string;
  readonly recuAt: Date;
  readonly traiteAt: Date;
  readonly original: Buffer;
}

export type CommitInput =
  | { readonly kind: 'quarantine'; readonly reception: Reception; readonly error: LotError }
  | {
      readonly kind: 'rejected';
      readonly reception: Reception;
      readonly guichet: Guichet;
      readonly error: LotError;
      readonly identifiantLot?: string;
      readonly empreinte?: string;
    }
  | {
      readonly kind: 'decoded';
      readonly reception: Reception;
      readonly guichet: Guichet;
      readonly decoded: DecodedLot;
      readonly judgements: ReadonlyMap<number, Judgement>;
    };

export interface CommitResult {
  readonly lot: LotRecord;
  /** The message had been committed before (a crash between commit and mailbox move). */
  readonly alreadyCommitted: boolean;
  /** The message had been committed before and was delivered again: its compte rendu is re-sent. */
  readonly redelivered?: boolean;
}

export type CommitSettings = QueueSettings;

type DemandeLogementLue = DemandeAvecLogement;

export async function commitLot(tx: RegistryTx, input: CommitInput, settings: CommitSettings): Promise<CommitResult> {
  const known = await settleKnownMessage(tx, input.reception);
  if (known) return known;

  switch (input.kind) {
    case 'quarantine':
      // An unknown sender gets no reply at all (spec 4.1): the message is kept, nothing is queued.
      return await done(tx, await insertLot(tx, input.reception, { statut: 'QUARANTAINE', erreurs: [input.error] }));
    case 'rejected':
      return await done(tx, await rejectLot(tx, input, settings));
    case 'decoded':
      return await done(tx, await registerLot(tx, input, settings));
  }
}

/**
 * A message whose exact bytes were committed before. The same copy, still in the inbox (a crash
 * between the commit and the move out of it), is only settled. A new delivery of those bytes (a
 * guichet re-sending the mail it never got an answer to; a new Maildir file or IMAP UID) is
 * recorded, and the lot's compte rendu queued again, the same message (spec 4.1). Undefined for a
 * message never seen.
 */
export async function settleKnownMessage(
  tx: RegistryTx,
  reception: Pick<Reception, 'canal' | 'messageSha256' | 'source' | 'recuAt'>,
): Promise<CommitResult | undefined> {
  const lot = await tx.lotByMessageSha256(reception.messageSha256);
  if (!lot) return undefined;
  const sources = await tx.lotSources(lot.id);
  // A lot committed before its sources were recorded cannot tell a re-send: settled, as then.
  if (reception.source === undefined || sources.length === 0 || sources.includes(reception.source)) {
    return { lot, alreadyCommitted: true };
  }
  await tx.recordReception(lot.id, reception.source, reception.recuAt.toISOString());
  const guichet = lot.guichet === undefined ? undefined : await tx.getGuichet(lot.guichet);
  if (guichet) await requeueCompteRendu(tx, lot.id, lot.id, reception.recuAt, reception.canal ?? 'mail', guichet);
  return { lot, alreadyCommitted: false, redelivered: true };
}

async function done(tx: RegistryTx, lotId: number): Promise<CommitResult> {
  return { lot: (await tx.getLot(lotId))!, alreadyCommitted: false };
}

async function insertLot(
  tx: RegistryTx,
  reception: Reception,
  fields: { statut: LotStatut; erreurs: readonly LotError[]; guichet?: string; identifiantLot?: string; empreinte?: string; doublonDe?: number },
): Promise<number> {
  const { original, recuAt, traiteAt, ...identity } = reception;
  return await tx.insertLot({ ...identity, ...fields, original, recuAt: recuAt.toISOString(), traiteAt: traiteAt.toISOString() });
}

async function rejectLot(tx: RegistryTx, input: Extract<CommitInput, { kind: 'rejected' }>, settings: CommitSettings): Promise<number> {
  const lotId = await insertLot(tx, input.reception, {
    statut: 'REJETE',
    erreurs: [input.error],
    guichet: input.guichet.code,
    ...(input.identifiantLot === undefined ? {} : { identifiantLot: input.identifiantLot }),
    ...(input.empreinte === undefined ? {} : { empreinte: input.empreinte }),
  });
  await queueCompteRendu(tx, lotId, input.guichet, [], settings);
  return lotId;
}

async function registerLot(tx: RegistryTx, input: Extract<CommitInput, { kind: 'decoded' }>, settings: CommitSettings): Promise<number> {
  const { guichet, decoded, reception } = input;
  const { entete } = decoded.lot;
  const lotFields = { guichet: guichet.code, identifiantLot: entete.identifiantLot, empreinte: decoded.empreinte };

  const first = await tx.lotByIdentifiant(guichet.code, entete.identifiantLot);
  if (first && first.empreinte === decoded.empreinte) {
    // The same lot delivered again: nothing is registered, its compte rendu is sent again.
    const lotId = await insertLot(tx, reception, { ...lotFields, statut: first.statut, erreurs: [], doublonDe: first.id });
    await requeueCompteRendu(tx, first.id, lotId, reception.traiteAt, reception.canal ?? 'mail', guichet);
    return lotId;
  }
  if (first) {
    const error = lotError(
      'LOT_IDENTIFIANT_REUTILISE',
      `L'identifiant de lot ${entete.identifiantLot} a déjà servi le ${parisDate(new Date(first.recuAt))} pour un contenu différent : donnez un nouvel identifiant à ce lot.`,
    );
    return await rejectLot(tx, { kind: 'rejected', reception, guichet, error, identifiantLot: entete.identifiantLot, empreinte: decoded.empreinte }, settings);
  }

  const lotId = await insertLot(tx, reception, { ...lotFields, statut: 'REJETE', erreurs: [] });
  const { resultats, attestations, copies } = await registerDemandes(tx, lotId, input, new Map());
  await tx.insertResultats(lotId, resultats);
  await tx.setLotStatut(lotId, statutDuLot({ erreurs: [], resultats }));
  await queueReplies(tx, lotId, guichet, resultats, { attestations, copies }, reception.traiteAt, settings);
  return lotId;
}

type Attestation = { readonly demande: DemandeLogementLue; readonly kind: 'CRE' | 'REN'; readonly numeroUnique: string; readonly nomsCommunes?: NomsCommunes };
/** A copie numérique owed (COP): the guichet's reference and the demande as the lot saw it. */
type Copie = { readonly reference: string; readonly demande: DemandeRecord };
/** The documents a lot owes beside its compte rendu. */
type Documents = { readonly attestations: readonly Attestation[]; readonly copies: readonly Copie[] };

/**
 * Each demande of the lot, in order: rejected with its errors, or through its operation. A
 * demande that succeeded before (`previous`, on replay) keeps its result and is never run again.
 */
async function registerDemandes(
  tx: RegistryTx,
  lotId: number,
  input: Extract<CommitInput, { kind: 'decoded' }>,
  previous: ReadonlyMap<number, ResultatRecord>,
): Promise<{ resultats: ResultatRecord[]; attestations: Attestation[]; copies: Copie[] }> {
  const { guichet, decoded, reception } = input;
  const context = {
    tx,
    guichet,
    lotId,
    identifiantLot: decoded.lot.entete.identifiantLot,
    receptionDay: parisDate(reception.recuAt),
    today: parisDate(reception.traiteAt),
    at: reception.traiteAt.toISOString(),
  };
  const resultats: ResultatRecord[] = [];
  const attestations: Attestation[] = [];
  const copies: Copie[] = [];
  for (const lue of decoded.lot.demandes) {
    const before = previous.get(lue.ok ? lue.demande.position : lue.position);
    if (before && before.statut !== 'REJETEE') {
      resultats.push(before);
      continue;
    }
    const rejection = rejectionOf(lue, input.judgements);
    if (rejection || !lue.ok) {
      resultats.push(rejection!);
      continue;
    }
    const { territoire, nomsCommunes } = input.judgements.get(lue.demande.position) ?? {};
    const outcome = await OPERATIONS[lue.demande.typeFichier](lue.demande, territoire === undefined ? context : { ...context, territoire });
    resultats.push(outcome.resultat);
    if (outcome.attestation && hasDemandeLogement(lue.demande)) {
      attestations.push({ demande: lue.demande, kind: outcome.attestation, numeroUnique: outcome.resultat.numeroUnique!, ...(nomsCommunes ? { nomsCommunes } : {}) });
    }
    if (outcome.copie) copies.push({ reference: lue.demande.reference, demande: outcome.copie });
  }
  return { resultats, attestations, copies };
}

async function queueReplies(
  tx: RegistryTx,
  lotId: number,
  guichet: Guichet,
  resultats: readonly ResultatRecord[],
  documents: Documents,
  issuedAt: Date,
  settings: CommitSettings,
): Promise<void> {
  await queueCompteRendu(tx, lotId, guichet, resultats, settings);
  if (documents.attestations.length > 0) {
    const lot = (await tx.getLot(lotId))!;
    for (const a of documents.attestations) await queueAttestation(tx, { lot, guichet, issuedAt, ...a }, settings);
  }
  for (const c of documents.copies) await queueCopie(tx, { lotId, guichet, generee: issuedAt, ...c }, settings);
}

/** What a replay changed (spec 6): the lot's outcome before and after, demande by demande. */
export interface ReplayChange {
  readonly lot: LotRecord;
  readonly before: { readonly statut: LotStatut; readonly erreurs: readonly LotError[]; readonly resultats: readonly ResultatRecord[] };
  readonly after: { readonly statut: LotStatut; readonly erreurs: readonly LotError[]; readonly resultats: readonly ResultatRecord[] };
  /** Demandes registered or renewed by this replay (they get an attestation). */
  readonly nouvelles: number;
  /** Why nothing was replayed, when nothing was (the sender is still unknown, a re-delivery…). */
  readonly refus?: string;
}

/**
 * Replays a stored lot through the current rules (spec 6), in the caller's transaction: demandes
 * that succeeded keep their result and numéro; the others are judged again; a new compte rendu
 * (version + 1 when one was sent before) and attestations for the newly registered only. The
 * replay is recorded under `rejouePar`, who asked for it (`gestionnaire:NOM`); a replay refused
 * changes nothing and records nothing.
 */
export async function replayCommit(tx: RegistryTx, lot: LotRecord, input: CommitInput, settings: CommitSettings, rejouePar: string): Promise<ReplayChange> {
  const previous = await tx.lotResultats(lot.id);
  const before = { statut: lot.statut, erreurs: lot.erreurs, resultats: previous };
  const unchanged = (refus: string): ReplayChange => ({ lot, before, after: before, nouvelles: 0, refus });
  if (lot.doublonDe !== undefined) return unchanged(`ce message livrait à nouveau le lot ${lot.doublonDe} : rejouez celui-ci`);
  if (input.kind === 'quarantine') return unchanged("l'expéditeur n'est toujours l'adresse d'aucun guichet actif");

  const hadCompteRendu = (await tx.outboxForLot(lot.id)).some((item) => item.kind === 'compte-rendu');
  const version = hadCompteRendu ? lot.version + 1 : lot.version;
  const traiteAt = input.reception.traiteAt.toISOString();
  const byPosition = new Map(previous.map((r) => [r.position, r]));

  let erreurs: readonly LotError[] = [];
  let resultats: readonly ResultatRecord[] = previous;
  let attestations: readonly Attestation[] = [];
  let copies: readonly Copie[] = [];
  let fields: { identifiantLot?: string; empreinte?: string } = {};
  if (input.kind === 'rejected') {
    erreurs = [input.error];
    fields = { ...(input.identifiantLot ? { identifiantLot: input.identifiantLot } : {}), ...(input.empreinte ? { empreinte: input.empreinte } : {}) };
  } else {
    const { entete } = input.decoded.lot;
    const first = await tx.lotByIdentifiant(input.guichet.code, entete.identifiantLot);
    if (first && first.id !== lot.id) {
      return unchanged(
        first.empreinte === input.decoded.empreinte
          ? `le lot ${first.id} porte déjà ce contenu : rejouez celui-ci`
          : `l'identifiant ${entete.identifiantLot} est celui du lot ${first.id}, d'un autre contenu`,
      );
    }
    fields = { identifiantLot: entete.identifiantLot, empreinte: input.decoded.empreinte };
    ({ resultats, attestations, copies } = await registerDemandes(tx, lot.id, input, byPosition));
  }
  const registered = resultats.some((r) => r.statut !== 'REJETEE');
  const statut: LotStatut = erreurs.length > 0 ? (registered ? 'PARTIEL' : 'REJETE') : statutDuLot({ erreurs, resultats });
  await tx.replaceLotOutcome(lot.id, { statut, version, erreurs, traiteAt, guichet: input.guichet.code, ...fields, rejouePar }, resultats);
  await queueReplies(tx, lot.id, input.guichet, resultats, { attestations, copies }, input.reception.traiteAt, settings);
  return { lot: (await tx.getLot(lot.id))!, before, after: { statut, erreurs, resultats }, nouvelles: attestations.length };
}

function rejectionOf(lue: DemandeLue, judgements: ReadonlyMap<number, Judgement>): ResultatRecord | undefined {
  if (!lue.ok) return resultatIllisible(lue);
  const errors = judgements.get(lue.demande.position)?.errors ?? [];
  if (errors.length === 0) return undefined;
  const { position, reference, typeFichier } = lue.demande;
  return { position, reference, typeFichier, statut: 'REJETEE', erreurs: errors };
}
