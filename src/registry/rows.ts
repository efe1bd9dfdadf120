/**
 * The registry's rows as both backends store them (the same columns and encodings: instants and
 * days as ISO text, lists as JSON text): column values of new entities, and entities of rows
 * read. No SQL here: each backend's folder holds its own.
 */
import { cleDoublon } from './doublon.js';
import type { AuditEntry, AuditEvent, DemandeRecord, DemandeTrouvee, DispatchEvent, DispatchPass, DispatchRecord, Gestionnaire, LotRejeu, LotReplayOutcome, OutboxAttempt, LotRecord, NewLot, OutboxDepth, OutboxItem, OutboxStatut, PreavisRecord, ResultatRecord, TerritorySettings } from './model.js';

export type Row = Record<string, unknown>;

/** A lot's columns but its original message (up to 8 MiB), read only by `lotOriginal`. */
export const LOT_COLUMNS = 'id, canal, message_sha256, message_id, expediteur, guichet, identifiant_lot, empreinte, statut, version, recu_at, traite_at, erreurs, doublon_de, supprime_at, supprime_par';

export const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

/** Builds an object without the keys whose value is undefined (rows map NULL to absent). */
export function compact<T extends object>(value: { [K in keyof T]: T[K] | undefined }): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function toLot(row: Row): LotRecord {
  return compact<LotRecord>({
    id: Number(row.id),
    canal: (row.canal ?? 'mail') as LotRecord['canal'],
    messageSha256: String(row.message_sha256),
    messageId: str(row.message_id),
    expediteur: str(row.expediteur),
    guichet: str(row.guichet),
    identifiantLot: str(row.identifiant_lot),
    empreinte: str(row.empreinte),
    statut: row.statut as LotRecord['statut'],
    version: Number(row.version),
    recuAt: String(row.recu_at),
    traiteAt: String(row.traite_at),
    erreurs: JSON.parse(String(row.erreurs)) as LotRecord['erreurs'],
    doublonDe: row.doublon_de === null ? undefined : Number(row.doublon_de),
    supprimeAt: str(row.supprime_at),
    supprimePar: str(row.supprime_par),
  });
}

/** A new lot's column values, in the order of both backends' INSERT (… doublon_de, original, canal). */
export function lotColumns(lot: NewLot): unknown[] {
  return [
    lot.messageSha256,
    lot.messageId ?? null,
    lot.expediteur ?? null,
    lot.guichet ?? null,
    lot.identifiantLot ?? null,
    lot.empreinte ?? null,
    lot.statut,
    lot.recuAt,
    lot.traiteAt,
    JSON.stringify(lot.erreurs),
    lot.doublonDe ?? null,
    lot.original,
    lot.canal ?? 'mail',
  ];
}

/** A replay's new outcome of a lot, in the order of both backends' UPDATE (… traite_at, then the COALESCEd guichet, identifiant_lot, empreinte). */
export function lotOutcomeColumns(outcome: LotReplayOutcome): unknown[] {
  return [
    outcome.statut,
    outcome.version,
    JSON.stringify(outcome.erreurs),
    outcome.traiteAt,
    outcome.guichet ?? null,
    outcome.identifiantLot ?? null,
    outcome.empreinte ?? null,
  ];
}

/** A replay's record, in the order of both backends' INSERT INTO lot_rejeux (lot_id, at, par, version, statut). */
export function rejeuColumns(lotId: number, outcome: LotReplayOutcome): unknown[] {
  return [lotId, outcome.traiteAt, outcome.rejouePar, outcome.version, outcome.statut];
}

export function toRejeu(row: Row): LotRejeu {
  return { at: String(row.at), par: String(row.par), version: Number(row.version), statut: row.statut as LotRejeu['statut'] };
}

export function toResultat(row: Row): ResultatRecord {
  return compact<ResultatRecord>({
    position: Number(row.position),
    reference: str(row.reference),
    typeFichier: str(row.type_fichier) as ResultatRecord['typeFichier'],
    statut: row.statut as ResultatRecord['statut'],
    numeroUnique: str(row.numero_unique),
    dateDepot: str(row.date_depot),
    dateEcheance: str(row.date_echeance),
    erreurs: JSON.parse(String(row.erreurs)) as ResultatRecord['erreurs'],
  });
}

export function toDemande(row: Row): DemandeRecord {
  return compact<DemandeRecord>({
    numeroUnique: String(row.numero_unique),
    territoire: String(row.territoire),
    guichet: String(row.guichet),
    statut: row.statut as DemandeRecord['statut'],
    dateDepot: String(row.date_depot),
    dateRenouvellement: str(row.date_renouvellement),
    dateEcheance: String(row.date_echeance),
    motifRadiation: str(row.motif_radiation),
    sousMotifRadiation: str(row.sous_motif_radiation),
    dateRadiation: str(row.date_radiation),
    donnees: JSON.parse(String(row.donnees)) as DemandeRecord['donnees'],
  });
}

/** A row of `searchDemandes` (never `donnees`, the demandeur's data), as a found demande. */
export function toDemandeTrouvee(row: Row): DemandeTrouvee {
  return compact<DemandeTrouvee>({
    numeroUnique: String(row.numero_unique),
    statut: row.statut as DemandeTrouvee['statut'],
    territoire: String(row.territoire),
    guichet: String(row.guichet),
    dateDepot: String(row.date_depot),
    dateRenouvellement: str(row.date_renouvellement),
    dateEcheance: String(row.date_echeance),
    dateRadiation: str(row.date_radiation),
    motifRadiation: str(row.motif_radiation),
  });
}

export function demandeColumns(d: DemandeRecord): unknown[] {
  return [
    d.numeroUnique,
    d.territoire,
    d.guichet,
    d.statut,
    d.dateDepot,
    d.dateRenouvellement ?? null,
    d.dateEcheance,
    d.motifRadiation ?? null,
    d.sousMotifRadiation ?? null,
    d.dateRadiation ?? null,
    JSON.stringify(d.donnees),
    // Derived from the data it is stored with, so the doublon index never drifts from it.
    cleDoublon(d.donnees) ?? null,
  ];
}

/** An audit event's column values: numero_unique, action, acteur, lot_id, at, details. */
export function eventColumns(e: AuditEvent): unknown[] {
  return [e.numeroUnique, e.action, e.acteur, e.lotId ?? null, e.at, e.details ? JSON.stringify(e.details) : null];
}

export function toAuditEntry(row: Row): AuditEntry {
  return compact<AuditEntry>({
    numeroUnique: String(row.numero_unique),
    action: String(row.action),
    acteur: String(row.acteur),
    lotId: row.lot_id === null ? undefined : Number(row.lot_id),
    identifiantLot: str(row.identifiant_lot),
    at: String(row.at),
    details: row.details === null ? undefined : (JSON.parse(String(row.details)) as AuditEntry['details']),
  });
}

/** A failed attempt's column values: derniere_erreur, prochaine_tentative, premiere_tentative (if unset), restants and refus (if given). */
export function attemptColumns(attempt: OutboxAttempt): unknown[] {
  return [
    attempt.error,
    attempt.nextAttempt.toISOString(),
    attempt.at.toISOString(),
    attempt.restants === undefined ? null : JSON.stringify(attempt.restants),
    attempt.refus === undefined ? null : JSON.stringify(attempt.refus),
  ];
}

export function toOutbox(row: Row): OutboxItem {
  return compact<OutboxItem>({
    id: Number(row.id),
    lotId: row.lot_id === null || row.lot_id === undefined ? undefined : Number(row.lot_id),
    kind: row.kind as OutboxItem['kind'],
    messageId: String(row.message_id),
    destinataires: JSON.parse(String(row.destinataires)) as string[],
    statut: row.statut as OutboxItem['statut'],
    document: row.document === '' ? undefined : String(row.document),
    raw: row.raw === null ? undefined : (row.raw as Buffer),
    tentatives: Number(row.tentatives),
    prochaineTentative: str(row.prochaine_tentative),
    derniereErreur: str(row.derniere_erreur),
    premiereTentative: str(row.premiere_tentative),
    restants: row.restants === null || row.restants === undefined ? undefined : (JSON.parse(String(row.restants)) as string[]),
    refus: JSON.parse(String(row.refus ?? '[]')) as OutboxItem['refus'],
    envoyeAt: str(row.envoye_at),
    echecAt: str(row.echec_at),
    relances: JSON.parse(String(row.relances ?? '[]')) as OutboxItem['relances'],
    queuedAt: str(row.queued_at),
  });
}

export function toOutboxDepth(row: Row): OutboxDepth {
  return compact<OutboxDepth>({ statut: row.statut as OutboxStatut, replies: Number(row.replies), oldestQueuedAt: str(row.oldest) });
}

export function toGestionnaire(row: Row): Gestionnaire {
  return {
    nom: String(row.nom),
    territoires: JSON.parse(String(row.territoires)) as string[],
    motDePasse: String(row.mot_de_passe),
    actif: Number(row.actif) === 1,
    creeAt: String(row.cree_at),
    modifieAt: String(row.modifie_at),
  };
}

export function toTerritory(row: Row): TerritorySettings {
  return {
    departement: String(row.departement),
    delaiAnormalementLongMois: Number(row.delai_anormalement_long_mois),
    commissionAdresse: String(row.commission_adresse),
    preavisDemandeur: Number(row.preavis_demandeur) === 1,
    modifieAt: String(row.modifie_at),
  };
}

export function toPreavis(row: Row): PreavisRecord {
  return compact<PreavisRecord>({
    numeroUnique: String(row.numero_unique),
    anniversaire: String(row.anniversaire),
    guichet: String(row.guichet),
    emisAt: String(row.emis_at),
    outboxGuichet: Number(row.outbox_guichet),
    outboxDemandeur: row.outbox_demandeur === null || row.outbox_demandeur === undefined ? undefined : Number(row.outbox_demandeur),
    accepteAt: str(row.accepte_at),
  });
}

/** An audit event to dispatch, from its row joined with its demande's `donnees` (for the communes souhaitées). */
export function toDispatchEvent(row: Row): DispatchEvent {
  const donnees = JSON.parse(String(row.donnees)) as DemandeRecord['donnees'];
  return {
    id: Number(row.id),
    numeroUnique: String(row.numero_unique),
    action: row.action as DispatchEvent['action'],
    acteur: String(row.acteur),
    communes: donnees.logementRecherche.communesSouhaitees.flatMap((c) => (c.code === undefined ? [] : [c.code])),
  };
}

export function toDispatchPass(row: Row): DispatchPass {
  return { jour: String(row.jour), apres: Number(row.apres), jusqua: Number(row.jusqua), at: String(row.at) };
}

export function toDispatch(row: Row): DispatchRecord {
  return {
    guichet: String(row.guichet),
    sequence: Number(row.sequence),
    jour: String(row.jour),
    apres: Number(row.apres),
    jusqua: Number(row.jusqua),
    evenements: Number(row.evenements),
    outboxId: Number(row.outbox_id),
    messageId: String(row.message_id),
    at: String(row.at),
  };
}

/** A digest's column values: guichet, sequence, jour, apres, jusqua, evenements, outbox_id, message_id, at. */
export function dispatchColumns(d: DispatchRecord): unknown[] {
  return [d.guichet, d.sequence, d.jour, d.apres, d.jusqua, d.evenements, d.outboxId, d.messageId, d.at];
}
