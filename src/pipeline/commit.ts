/**
 * The one transaction of a lot: its outcome, each demande's registration, the audit events and
 * the replies to send commit together or not at all (Postfix's discipline: nothing is
 * acknowledged before it is durable). Exactly-once: a message already committed is recognised
 * by its hash, a lot re-delivered by (guichet, identifiantLot, empreinte).
 */
import { parisDate } from '../clock.js';
import { lotError, type LotError } from '../errors.js';
import type { Demande, DemandeLue } from '../lot/types.js';
import { OPERATIONS } from '../registry/operations/index.js';
import type { Guichet, LotRecord, LotStatut, RegistryTx, ResultatRecord } from '../registry/types.js';
import { resultatIllisible, statutDuLot } from '../replies/compte-rendu.js';
import { queueAttestation, queueCompteRendu, requeueCompteRendu, type QueueSettings } from '../replies/queue.js';
import type { Judgement } from '../rules/index.js';
import type { DecodedLot } from './decode.js';

export interface Reception {
  readonly messageSha256: string;
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
}

export type CommitSettings = QueueSettings;

type DemandeLogementLue = Exclude<Demande, { typeFichier: 'RAD' }>;

export function commitLot(tx: RegistryTx, input: CommitInput, settings: CommitSettings): CommitResult {
  const known = tx.lotByMessageSha256(input.reception.messageSha256);
  if (known) return { lot: known, alreadyCommitted: true };

  switch (input.kind) {
    case 'quarantine':
      // An unknown sender gets no reply at all (spec 4.1): the message is kept, nothing is queued.
      return done(tx, insertLot(tx, input.reception, { statut: 'QUARANTAINE', erreurs: [input.error] }));
    case 'rejected':
      return done(tx, rejectLot(tx, input, settings));
    case 'decoded':
      return done(tx, registerLot(tx, input, settings));
  }
}

function done(tx: RegistryTx, lotId: number): CommitResult {
  return { lot: tx.getLot(lotId)!, alreadyCommitted: false };
}

function insertLot(
  tx: RegistryTx,
  reception: Reception,
  fields: { statut: LotStatut; erreurs: readonly LotError[]; guichet?: string; identifiantLot?: string; empreinte?: string; doublonDe?: number },
): number {
  const { original, recuAt, traiteAt, ...identity } = reception;
  return tx.insertLot({ ...identity, ...fields, original, recuAt: recuAt.toISOString(), traiteAt: traiteAt.toISOString() });
}

function rejectLot(tx: RegistryTx, input: Extract<CommitInput, { kind: 'rejected' }>, settings: CommitSettings): number {
  const lotId = insertLot(tx, input.reception, {
    statut: 'REJETE',
    erreurs: [input.error],
    guichet: input.guichet.code,
    ...(input.identifiantLot === undefined ? {} : { identifiantLot: input.identifiantLot }),
    ...(input.empreinte === undefined ? {} : { empreinte: input.empreinte }),
  });
  queueCompteRendu(tx, lotId, input.guichet, [], settings);
  return lotId;
}

function registerLot(tx: RegistryTx, input: Extract<CommitInput, { kind: 'decoded' }>, settings: CommitSettings): number {
  const { guichet, decoded, reception } = input;
  const { entete } = decoded.lot;
  const lotFields = { guichet: guichet.code, identifiantLot: entete.identifiantLot, empreinte: decoded.empreinte };

  const first = tx.lotByIdentifiant(guichet.code, entete.identifiantLot);
  if (first && first.empreinte === decoded.empreinte) {
    // The same lot delivered again: nothing is registered, its compte rendu is sent again.
    const lotId = insertLot(tx, reception, { ...lotFields, statut: first.statut, erreurs: [], doublonDe: first.id });
    requeueCompteRendu(tx, first.id, lotId);
    return lotId;
  }
  if (first) {
    const error = lotError(
      'LOT_IDENTIFIANT_REUTILISE',
      `L'identifiant de lot ${entete.identifiantLot} a déjà servi le ${first.recuAt.slice(0, 10)} pour un contenu différent : donnez un nouvel identifiant à ce lot.`,
    );
    return rejectLot(tx, { kind: 'rejected', reception, guichet, error, identifiantLot: entete.identifiantLot, empreinte: decoded.empreinte }, settings);
  }

  const lotId = insertLot(tx, reception, { ...lotFields, statut: 'REJETE', erreurs: [] });
  const context = {
    tx,
    guichet,
    lotId,
    identifiantLot: entete.identifiantLot,
    today: parisDate(reception.traiteAt),
    at: reception.traiteAt.toISOString(),
  };
  const resultats: ResultatRecord[] = [];
  const attestations: { demande: DemandeLogementLue; kind: 'CRE' | 'REN'; numeroUnique: string }[] = [];
  for (const lue of decoded.lot.demandes) {
    const rejection = rejectionOf(lue, input.judgements);
    if (rejection || !lue.ok) {
      resultats.push(rejection!);
      continue;
    }
    const { territoire } = input.judgements.get(lue.demande.position) ?? {};
    const outcome = OPERATIONS[lue.demande.typeFichier](lue.demande, territoire === undefined ? context : { ...context, territoire });
    resultats.push(outcome.resultat);
    if (outcome.attestation && lue.demande.typeFichier !== 'RAD') {
      attestations.push({ demande: lue.demande, kind: outcome.attestation, numeroUnique: outcome.resultat.numeroUnique! });
    }
  }
  tx.insertResultats(lotId, resultats);
  tx.setLotStatut(lotId, statutDuLot({ erreurs: [], resultats }));
  queueCompteRendu(tx, lotId, guichet, resultats, settings);
  for (const a of attestations) {
    queueAttestation(tx, { lotId, guichet, demande: a.demande, kind: a.kind, numeroUnique: a.numeroUnique, issuedAt: reception.traiteAt }, settings);
  }
  return lotId;
}

function rejectionOf(lue: DemandeLue, judgements: ReadonlyMap<number, Judgement>): ResultatRecord | undefined {
  if (!lue.ok) return resultatIllisible(lue);
  const errors = judgements.get(lue.demande.position)?.errors ?? [];
  if (errors.length === 0) return undefined;
  const { position, reference, typeFichier } = lue.demande;
  return { position, reference, typeFichier, statut: 'REJETEE', erreurs: errors };
}
