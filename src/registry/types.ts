/**
 * The registry as the rest of the gateway sees it: repository functions over typed values.
 * SQLite implements it today (src/registry/sqlite/); nothing outside that folder knows SQL.
 * Calls are synchronous and a lot is committed by `transaction`, in one go or not at all.
 */
import type { DemandeError, LotError } from '../errors.js';
import type { DemandeLogement, TypeFichier } from '../lot/types.js';

export interface Guichet {
  readonly code: string;
  readonly nom: string;
  readonly adresse: string;
  readonly actif: boolean;
  /** Addresses allowed to send lots (lower case). */
  readonly expediteurs: readonly string[];
  /** Addresses replies go to. */
  readonly destinataires: readonly string[];
  /** Armored OpenPGP public keys, by fingerprint. */
  readonly cles: readonly { readonly fingerprint: string; readonly armored: string }[];
  /** Départements it may register for (`93`, `2A`, `971`). */
  readonly departements: readonly string[];
}

export type NewGuichet = Omit<Guichet, 'actif'> & { readonly actif?: boolean };

export type GuichetChanges = Partial<Pick<Guichet, 'nom' | 'adresse' | 'actif' | 'expediteurs' | 'destinataires' | 'departements'>>;

export type LotStatut = 'ACCEPTE' | 'PARTIEL' | 'REJETE' | 'QUARANTAINE';

export type ResultatStatut = 'ENREGISTREE' | 'RENOUVELEE' | 'MODIFIEE' | 'RADIEE' | 'REJETEE';

export interface ResultatRecord {
  readonly position: number;
  /** Absent only when the demande was too malformed to read it. */
  readonly reference?: string;
  readonly typeFichier?: TypeFichier;
  readonly statut: ResultatStatut;
  readonly numeroUnique?: string;
  readonly dateDepot?: string;
  readonly dateEcheance?: string;
  readonly erreurs: readonly DemandeError[];
}

export interface LotRecord {
  readonly id: number;
  readonly messageSha256: string;
  readonly messageId?: string;
  readonly expediteur?: string;
  readonly guichet?: string;
  readonly identifiantLot?: string;
  /** `sha256:<hex>` of the lot XML, once decrypted (and unzipped). */
  readonly empreinte?: string;
  readonly statut: LotStatut;
  readonly version: number;
  readonly recuAt: string;
  readonly traiteAt: string;
  readonly erreurs: readonly LotError[];
  /** Set when this message re-delivered an already processed lot. */
  readonly doublonDe?: number;
  /** A quarantined message a gestionnaire deleted: when and by whom (its original is gone). */
  readonly supprimeAt?: string;
  readonly supprimePar?: string;
}

export interface NewLot extends Omit<LotRecord, 'id' | 'version'> {
  /** The original message, as received (still encrypted), kept for replay. */
  readonly original: Buffer;
  /** The message's identity in its mailbox (`InboundMessage.sourceId`), recorded as its first reception. */
  readonly source?: string;
}

export interface DemandeRecord {
  readonly numeroUnique: string;
  readonly territoire: string;
  readonly guichet: string;
  readonly statut: 'ACTIVE' | 'RADIEE';
  readonly dateDepot: string;
  readonly dateRenouvellement?: string;
  readonly dateEcheance: string;
  readonly donnees: DemandeLogement;
  /** RADATT, RADABA, RADIRR, RADCON, or RADREN (expiry, by the gateway). */
  readonly motifRadiation?: string;
  /** IRRSEJ or IRRRES, with RADIRR only. */
  readonly sousMotifRadiation?: string;
  /** The radiation's effective day (`dateEffet`, else the processing day). */
  readonly dateRadiation?: string;
}

/** An active demande whose anniversary is past: a candidate for expiry (RADREN). */
export interface DemandeEchue {
  readonly numeroUnique: string;
  readonly dateEcheance: string;
}

export type OutboxKind = 'compte-rendu' | 'attestation';
export type OutboxStatut = 'A_PREPARER' | 'PRET' | 'ENVOYE' | 'ECHEC';

/** What a reply must say, stored with the lot's outcome; turned into a message by `replies/`. */
export interface OutboxItem {
  readonly id: number;
  readonly lotId: number;
  readonly kind: OutboxKind;
  readonly messageId: string;
  readonly destinataires: readonly string[];
  readonly statut: OutboxStatut;
  /**
   * The document's input, as JSON (compte rendu data or attestation data, demandeurs' data in
   * clear): kept only until the reply is sealed (`markPrepared`); absent from then on, the sealed
   * bytes being all a send or a re-send needs.
   */
  readonly document?: string;
  readonly raw?: Buffer;
  readonly tentatives: number;
  readonly prochaineTentative?: string;
  readonly derniereErreur?: string;
  /** When the first delivery attempt was made: the reply's lifetime counts from it. */
  readonly premiereTentative?: string;
  /** Recipients still to deliver to, once some accepted it; absent: every `destinataires`. */
  readonly restants?: readonly string[];
  /** The last refusal of each recipient the server refused. */
  readonly refus: readonly OutboxRefus[];
  readonly envoyeAt?: string;
  /** When it was given up (statut ECHEC), after its lifetime. */
  readonly echecAt?: string;
  /** Every `outbox retry` of this reply, oldest first. */
  readonly relances: readonly OutboxRelance[];
}

/** A gestionnaire made a reply due again (`outbox retry`); from ECHEC, it starts a new lifetime. */
export interface OutboxRelance {
  readonly at: string;
  readonly par: string;
  readonly statutAvant: OutboxStatut;
}

export interface OutboxRefus {
  readonly adresse: string;
  readonly reponse: string;
  readonly at: string;
}

/** One failed or partial delivery attempt of an outbox item. */
export interface OutboxAttempt {
  readonly at: Date;
  readonly error: string;
  readonly nextAttempt: Date;
  readonly restants?: readonly string[];
  readonly refus?: readonly OutboxRefus[];
}

export type NewOutboxItem = Pick<OutboxItem, 'lotId' | 'kind' | 'messageId' | 'destinataires'> & { readonly document: string };

export interface AuditEvent {
  readonly numeroUnique: string;
  readonly action: string;
  readonly acteur: string;
  readonly lotId?: number;
  readonly at: string;
  readonly details?: Readonly<Record<string, string | number>>;
}

/** One line of a demande's history: the event and, when a lot made it, that lot's identity. */
export interface AuditEntry extends AuditEvent {
  readonly identifiantLot?: string;
}

/** Who changed a demande, as the audit trail records it. */
export const ACTEUR_PASSERELLE = 'passerelle';
export const acteurGuichet = (code: string): string => `guichet:${code}`;
export const acteurGestionnaire = (nom: string): string => `gestionnaire:${nom}`;

/** A territory's settings (spec 5.2), set by its gestionnaire; absent means the defaults. */
export interface TerritorySettings {
  readonly territoire: string;
  readonly delaiAnormalementLongMois: number;
  readonly commissionAdresse: string;
  readonly modifieAt: string;
}

export interface LotReplayOutcome {
  readonly statut: LotStatut;
  readonly version: number;
  readonly erreurs: readonly LotError[];
  readonly traiteAt: string;
  readonly guichet?: string;
  readonly identifiantLot?: string;
  readonly empreinte?: string;
}

/** What may be read both inside and outside a transaction. */
export interface RegistryReads {
  getGuichet(code: string): Guichet | undefined;
  /** The active guichet that may send from this address, if any. */
  guichetBySender(address: string): Guichet | undefined;
  listGuichets(): readonly Guichet[];

  lotByMessageSha256(sha256: string): LotRecord | undefined;
  /**
   * The mailbox identities (`InboundMessage.sourceId`) of every delivery of a lot's message, first
   * one included; empty for a lot committed before they were recorded (schema 7).
   */
  lotSources(lotId: number): readonly string[];
  /** The lot that first used this identifiant (not a re-delivery, not a lot-level rejection). */
  lotByIdentifiant(guichet: string, identifiantLot: string): LotRecord | undefined;
  getLot(id: number): LotRecord | undefined;
  listLots(): readonly LotRecord[];
  lotResultats(lotId: number): readonly ResultatRecord[];
  lotOriginal(lotId: number): Buffer | undefined;
  getDemande(numeroUnique: string): DemandeRecord | undefined;
  /** Another ACTIVE demande of the territory with this doublon key (`sauf`: the demande itself). */
  findDoublon(territoire: string, cleDoublon: string, sauf?: string): { numeroUnique: string; guichet: string } | undefined;
  /** ACTIVE demandes whose anniversary is on or before this day (`YYYY-MM-DD`), oldest first. */
  demandesEchues(auPlusTard: string): readonly DemandeEchue[];
  /** Every recorded change of a demande, oldest first. */
  demandeHistory(numeroUnique: string): readonly AuditEntry[];
  /** A lot's replies, without their message bytes (`getOutbox` has them). */
  outboxForLot(lotId: number): readonly OutboxItem[];

  /** Settings of a territory (`093`, `111`), if its gestionnaire set them. */
  getTerritory(territoire: string): TerritorySettings | undefined;
  listTerritories(): readonly TerritorySettings[];
  /** Communes (INSEE codes) where a bailleur holds housing stock. */
  guichetCommunes(guichet: string): readonly string[];
  /** Names of the active guichets holding housing stock in any of these communes, sorted. */
  bailleursIn(communes: readonly string[]): readonly string[];
}

/** What a lot's operations may do inside its transaction. */
export interface RegistryTx extends RegistryReads {
  insertLot(lot: NewLot): number;
  setLotStatut(lotId: number, statut: LotStatut): void;
  insertResultats(lotId: number, resultats: readonly ResultatRecord[]): void;
  /** A replay's new outcome of a stored lot (spec 6): its fields, version and resultats replaced. */
  replaceLotOutcome(lotId: number, outcome: LotReplayOutcome, resultats: readonly ResultatRecord[]): void;
  /** Next number of the gap-free sequence of a territory and month (`MMYY`). */
  nextSequence(territoire: string, mmyy: string): number;
  /** The numéro unique already given to this demande of this lot, if any (replay). */
  numeroForSource(guichet: string, identifiantLot: string, reference: string): string | undefined;
  insertDemande(demande: DemandeRecord, source: { guichet: string; identifiantLot: string; reference: string }): void;
  updateDemande(demande: DemandeRecord): void;
  insertEvent(event: AuditEvent): void;
  queueReply(item: NewOutboxItem): number;
  /**
   * Queues a reply again, the same message for `lotId`: its sealed bytes when it was prepared
   * (ready to send), else its document (to prepare). Returns the new outbox id.
   */
  requeueReply(outboxId: number, lotId: number): number;
  /** One more delivery of a lot's message, from this mailbox identity (a byte-identical re-send). */
  recordReception(lotId: number, source: string, at: string): void;
}

export interface Registry extends RegistryReads {
  transaction<T>(work: (tx: RegistryTx) => T): T;
  readonly schemaVersion: number;

  addGuichet(guichet: NewGuichet): void;
  /** Replaces the given fields of a guichet (lists replaced whole); false when it does not exist. */
  updateGuichet(code: string, changes: GuichetChanges): boolean;
  addGuichetKey(code: string, key: { readonly fingerprint: string; readonly armored: string }): void;
  removeGuichetKey(code: string, fingerprint: string): boolean;
  setTerritory(settings: TerritorySettings): void;
  setGuichetCommunes(guichet: string, communes: readonly string[]): void;

  outboxToPrepare(): readonly OutboxItem[];
  /**
   * Stores the sealed message and forgets the document it was rendered from (personal data in
   * clear, never read again). False when the reply was no longer waiting to be prepared.
   */
  markPrepared(id: number, raw: Buffer): boolean;
  /** The next batch of replies due for sending (bounded: their bytes are loaded with them). */
  outboxDue(now: Date): readonly OutboxItem[];
  markSent(id: number, at: Date, refus?: readonly OutboxRefus[]): void;
  markAttemptFailed(id: number, attempt: OutboxAttempt): void;
  /** Gives a reply up after its lifetime: statut ECHEC, kept for the gestionnaire to see. */
  markOutboxFailed(id: number, at: Date, error: string): void;
  /** The earliest next attempt of a reply waiting for one. */
  outboxNextAttempt(): Date | undefined;
  outboxByStatut(statut: OutboxStatut): readonly OutboxItem[];
  getOutbox(id: number): OutboxItem | undefined;
  /**
   * Makes a waiting (PRET) or given-up (ECHEC) reply due now, recorded in its `relances`; an ECHEC
   * one becomes PRET with a new lifetime. The new statut, or undefined when it cannot be retried.
   */
  retryOutbox(id: number, at: Date, par: string): OutboxStatut | undefined;

  /** Size in bytes of a lot's stored original message (0 once deleted). */
  lotOriginalSize(lotId: number): number | undefined;
  /** Forgets a QUARANTAINE lot's original message, keeping its row as the trace; false if not such a lot. */
  deleteQuarantined(lotId: number, at: Date, par: string): boolean;

  close(): void;
}
