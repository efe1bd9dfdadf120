/**
 * The replies a lot owes, queued in its transaction (spec 5): the compte rendu, one attestation
 * per registered or renewed demande — and, when the setting is on, a copy of the attestation to
 * the demandeur's own `mel` (never in a base école). Each is stored as the document's data; `prepare.ts` renders, signs
 * and encrypts it after the commit.
 */
import type { DemandeAvecLogement } from '../lot/types.js';
import { DISPATCHED_ACTIONS, acteurGuichet, type Canal, type DemandeRecord, type DispatchedAction, type Guichet, type LotRecord, type ResultatRecord } from '../registry/model.js';
import type { RegistryTx } from '../registry/registry.js';
import type { NomsCommunes } from '../rules/index.js';
import { encodeDocument } from './documents.js';
import { demandeurRecipient, type ReplyMode } from './ecole.js';
import type { AttestationData } from './types.js';
import { entreeOf } from './entree.js';
import { attestationMessageId, compteRenduMessageId, copieMessageId } from './message-ids.js';

export interface QueueSettings extends ReplyMode {
  readonly messageIdDomain: string;
  /** replies.copyAttestationToDemandeur: also mail the attestation to the demandeur's `mel`. */
  readonly copyAttestationToDemandeur?: boolean;
}

/**
 * Who the guichet's replies to a lot are mailed to: its reply addresses, or nobody for a lot
 * received over HTTPS (spec 7: the guichet fetches them; deliver.ts then only marks them delivered).
 */
export function guichetRecipients(lot: Pick<LotRecord, 'canal'>, guichet: Guichet): readonly string[] {
  return lot.canal === 'https' ? [] : guichet.destinataires;
}

/**
 * The same lot delivered again (spec 4.1), by either channel: its latest compte rendu is queued
 * again, identical — the same Message-ID and, once sealed, the same bytes (its document is not
 * kept after sealing) — for the channel it came by this time: mailed to the same recipients, to
 * the guichet's reply addresses when it first came over HTTPS, to nobody when it came over HTTPS.
 * `queuedAt`: when the new delivery asked for it.
 */
export async function requeueCompteRendu(tx: RegistryTx, fromLotId: number, toLotId: number, queuedAt: Date, canal: Canal, guichet: Guichet): Promise<void> {
  const compteRendu = [...await tx.outboxForLot(fromLotId)].reverse().find((item) => item.kind === 'compte-rendu');
  if (!compteRendu) return;
  const destinataires = canal === 'https' ? [] : compteRendu.destinataires.length === 0 ? guichet.destinataires : undefined;
  await tx.requeueReply(compteRendu.id, toLotId, queuedAt.toISOString(), destinataires);
}

export async function queueAttestation(
  tx: RegistryTx,
  input: {
    /** The lot's record: its caller reads it once per lot, not once per demande (a round trip on PostgreSQL). */
    readonly lot: LotRecord;
    readonly guichet: Guichet;
    readonly demande: DemandeAvecLogement;
    readonly kind: 'CRE' | 'REN';
    readonly numeroUnique: string;
    readonly issuedAt: Date;
    readonly nomsCommunes?: NomsCommunes;
  },
  settings: QueueSettings,
): Promise<void> {
  const { lot } = input;
  const record = (await tx.getDemande(input.numeroUnique))!;
  const { guichet, demande } = input;
  const lotKey = { guichet: guichet.code, lotId: lot.id, ...(lot.identifiantLot === undefined ? {} : { identifiantLot: lot.identifiantLot }) };
  const data: AttestationData = {
    kind: input.kind,
    numeroUnique: record.numeroUnique,
    reference: demande.reference,
    dateDepot: record.dateDepot,
    ...(record.dateRenouvellement === undefined ? {} : { dateRenouvellement: record.dateRenouvellement }),
    dateEcheance: record.dateEcheance,
    guichet: { code: guichet.code, nom: guichet.nom, adresse: guichet.adresse },
    demande: demande.demandeLogement,
    issuedAt: input.issuedAt,
    ...(input.nomsCommunes ? { nomsCommunes: input.nomsCommunes } : {}),
  };
  await tx.queueReply({
    lotId: lot.id,
    kind: 'attestation',
    messageId: attestationMessageId(settings.messageIdDomain, lotKey, demande.reference, input.kind),
    destinataires: guichetRecipients(lot, guichet),
    document: encodeDocument({ kind: 'attestation', data }),
    queuedAt: lot.traiteAt,
  });
  const mel = demandeurRecipient(demande.demandeLogement.demandeur.mel, settings.copyAttestationToDemandeur === true, settings);
  if (mel !== undefined) {
    await tx.queueReply({
      lotId: lot.id,
      kind: 'attestation',
      messageId: attestationMessageId(settings.messageIdDomain, lotKey, demande.reference, input.kind, 'demandeur'),
      destinataires: [mel],
      document: encodeDocument({ kind: 'attestation', data, pour: 'demandeur' }),
      queuedAt: lot.traiteAt,
    });
  }
}

/**
 * A copie numérique (COP, spec 8): the demande as this lot's transaction sees it, with its last
 * event, kept as data until it is sealed like an attestation; its own Message-ID, threaded under
 * the lot like every reply to it.
 */
export async function queueCopie(
  tx: RegistryTx,
  input: { readonly lotId: number; readonly guichet: Guichet; readonly reference: string; readonly demande: DemandeRecord; readonly generee: Date },
  settings: QueueSettings,
): Promise<void> {
  const lot = (await tx.getLot(input.lotId))!;
  const { guichet, demande, reference } = input;
  const lotKey = { guichet: guichet.code, lotId: lot.id, ...(lot.identifiantLot === undefined ? {} : { identifiantLot: lot.identifiantLot }) };
  const dispatched: readonly string[] = DISPATCHED_ACTIONS;
  const last = [...(await tx.demandeHistory(demande.numeroUnique))].reverse().find((e) => dispatched.includes(e.action));
  // A demande always has its CRE; one imported without history is described by its registration.
  const event = last
    ? { ...last, action: last.action as DispatchedAction }
    : { numeroUnique: demande.numeroUnique, action: 'CRE' as const, acteur: acteurGuichet(demande.guichet), at: new Date(demande.dateDepot).toISOString() };
  await tx.queueReply({
    lotId: input.lotId,
    kind: 'copie',
    messageId: copieMessageId(settings.messageIdDomain, lotKey, reference),
    destinataires: guichetRecipients(lot, guichet),
    document: encodeDocument({
      kind: 'copie',
      data: { guichet: guichet.code, reference, genere: input.generee.toISOString(), entree: entreeOf(event, demande) },
    }),
    queuedAt: lot.traiteAt,
  });
}

export async function queueCompteRendu(
  tx: RegistryTx,
  lotId: number,
  guichet: Guichet,
  resultats: readonly ResultatRecord[],
  settings: QueueSettings,
): Promise<void> {
  const lot = (await tx.getLot(lotId))!;
  const lotKey = { guichet: guichet.code, lotId, ...(lot.identifiantLot === undefined ? {} : { identifiantLot: lot.identifiantLot }) };
  await tx.queueReply({
    lotId,
    kind: 'compte-rendu',
    messageId: compteRenduMessageId(settings.messageIdDomain, lotKey, lot.version),
    destinataires: guichetRecipients(lot, guichet),
    queuedAt: lot.traiteAt,
    document: encodeDocument({
      kind: 'compte-rendu',
      data: {
        lot: {
          guichet: guichet.code,
          ...(lot.identifiantLot === undefined ? {} : { identifiantLot: lot.identifiantLot }),
          messageId: lot.messageId ?? '',
          recu: new Date(lot.recuAt),
          traite: new Date(lot.traiteAt),
          ...(lot.empreinte === undefined ? {} : { empreinte: lot.empreinte }),
          statut: lot.statut === 'QUARANTAINE' ? 'REJETE' : lot.statut,
          version: lot.version,
        },
        erreurs: lot.erreurs,
        resultats: resultats.map((r) => ({
          position: r.position,
          ...(r.reference === undefined ? {} : { reference: r.reference }),
          ...(r.typeFichier === undefined ? {} : { typeFichier: r.typeFichier }),
          statut: r.statut,
          ...(r.numeroUnique === undefined ? {} : { numUnique: r.numeroUnique }),
          ...(r.dateDepot === undefined ? {} : { dateDepot: r.dateDepot }),
          ...(r.dateEcheance === undefined ? {} : { dateEcheance: r.dateEcheance }),
          erreurs: r.erreurs,
        })),
      },
    }),
  });
}
