/**
 * The registry's entities: what the gateway stores and reads back, as typed values. The parts
 * that store them (guichets.ts, lots.ts, demandes.ts, outbox.ts, territoires.ts) say how; the
 * backends (sqlite/) say where. Nothing here knows SQL.
 */
import type { StatutResultat } from '../domain.js';
import type { DemandeError, LotError } from '../errors.js';
import type { DemandeLogement, TypeFichier } from '../lot/types.js';

/** How a lot reached the gateway, and how a guichet takes what the gateway initiates (spec 7). */
export type Canal = 'mail' | 'https';

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
  /** Where what the gateway initiates itself goes (préavis, dispatching): mailed, or fetched over HTTPS (spec 7). */
  readonly canal: Canal;
  /** SHA-256 fingerprints of its client certificates (upper-case hex, no separators): who it is over HTTPS. */
  readonly certificats: readonly string[];
}

export type NewGuichet = Omit<Guichet, 'actif' | 'canal' | 'certificats'> & {
  readonly actif?: boolean;
  readonly canal?: Canal;
  readonly certificats?: readonly string[];
};

export type GuichetChanges = Partial<Pick<Guichet, 'nom' | 'adresse' | 'actif' | 'expediteurs' | 'destinataires' | 'departements' | 'canal'>>;

export type LotStatut = 'ACCEPTE' | 'PARTIEL' | 'REJETE' | 'QUARANTAINE';

export type ResultatStatut = StatutResultat;

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
  /** How it came: a mail message (the original is that message) or an HTTPS request (the original is its body). */
  readonly canal: Canal;
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

export interface NewLot extends Omit<LotRecord, 'id' | 'version' | 'canal'> {
  /** Default `mail`. */
  readonly canal?: Canal;
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

/**
 * A demande found by a gestionnaire's search for a demandeur (`demandes search`): where it is
 * and how it stands, without the demandeur's data.
 */
export interface DemandeTrouvee {
  readonly numeroUnique: string;
  readonly statut: DemandeRecord['statut'];
  readonly territoire: string;
  readonly guichet: string;
  readonly dateDepot: string;
  readonly dateRenouvellement?: string;
  readonly dateEcheance: string;
  readonly dateRadiation?: string;
  readonly motifRadiation?: string;
}

/** An active demande whose anniversary is past: a candidate for expiry (RADREN). */
export interface DemandeEchue {
  readonly numeroUnique: string;
  readonly dateEcheance: string;
}

export type OutboxKind = 'compte-rendu' | 'attestation' | 'preavis' | 'dispatching' | 'copie';
export type OutboxStatut = 'A_PREPARER' | 'PRET' | 'ENVOYE' | 'ECHEC';

/** What a reply must say, stored with the lot's outcome; turned into a message by `replies/`. */
export interface OutboxItem {
  readonly id: number;
  /** The lot it answers; absent for what the gateway initiates itself (a dispatching digest). */
  readonly lotId?: number;
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
  /** When it was queued (with its lot's outcome, or queued again for a re-delivery). */
  readonly queuedAt?: string;
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

/**
 * An instance's hold on replies it prepares or sends (spec 10): until `until`, no other instance
 * takes them; a killed instance's replies are taken over once it passed.
 */
export interface OutboxClaim {
  /** The instance (see src/instance.ts). */
  readonly holder: string;
  readonly now: Date;
  readonly until: Date;
}

export type NewOutboxItem = Pick<OutboxItem, 'lotId' | 'kind' | 'messageId' | 'destinataires'> & { readonly document: string; readonly queuedAt: string };

/** The demande events a bailleur is sent (spec 8): what the audit trail records as CRE, REN, MOD and RAD. */
export const DISPATCHED_ACTIONS = ['CRE', 'REN', 'MOD', 'RAD'] as const;
export type DispatchedAction = (typeof DISPATCHED_ACTIONS)[number];

/** One audit event to dispatch, with the communes souhaitées of its demande as it now stands. */
export interface DispatchEvent {
  readonly id: number;
  readonly numeroUnique: string;
  readonly action: DispatchedAction;
  readonly acteur: string;
  readonly communes: readonly string[];
}

/**
 * One daily dispatching pass (spec 8): the audit events it covered, ids in (`apres`, `jusqua`].
 * Passes follow each other without gap: the next starts where this one ended.
 */
export interface DispatchPass {
  readonly jour: string;
  readonly apres: number;
  readonly jusqua: number;
  readonly at: string;
}

/** One digest sent to a bailleur: its sequence number, its pass's window and its reply. */
export interface DispatchRecord {
  readonly guichet: string;
  readonly sequence: number;
  readonly jour: string;
  readonly apres: number;
  readonly jusqua: number;
  readonly evenements: number;
  readonly outboxId: number;
  readonly messageId: string;
  readonly at: string;
}

/** The replies of one statut, for the operations endpoints (`/metrics`). */
export interface OutboxDepth {
  readonly statut: OutboxStatut;
  readonly replies: number;
  /** When the oldest of them was queued. */
  readonly oldestQueuedAt?: string;
}

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

/**
 * A département's settings (spec 5.2, 5.3), set by its gestionnaire; absent means the defaults.
 * Per département, not per numbering territory: each Île-de-France département has its own
 * délai anormalement long (prefectoral order) and its own commission de médiation.
 */
export interface TerritorySettings {
  /** `75`, `93`, `2A`, `971`. */
  readonly departement: string;
  readonly delaiAnormalementLongMois: number;
  readonly commissionAdresse: string;
  /** Whether préavis de renouvellement are also mailed to the demandeur's `mel` (default no). */
  readonly preavisDemandeur: boolean;
  readonly modifieAt: string;
}

/** A gestionnaire territorial's account on the web console (src/console/). */
export interface Gestionnaire {
  readonly nom: string;
  /** The départements (`93`, `2A`, `971`) whose guichets, lots and demandes they see and act on. */
  readonly territoires: readonly string[];
  /** The password's scrypt hash with its salt and parameters (src/console/password.ts). */
  readonly motDePasse: string;
  readonly actif: boolean;
  readonly creeAt: string;
  readonly modifieAt: string;
}

export type GestionnaireChanges = Partial<Pick<Gestionnaire, 'territoires' | 'motDePasse' | 'actif'>> & { readonly modifieAt: string };

/** A préavis de renouvellement issued for one anniversary of a demande (spec 5.3). */
export interface PreavisRecord {
  readonly numeroUnique: string;
  /** The anniversary (`dateEcheance` when issued) it announces. */
  readonly anniversaire: string;
  /** The guichet it was mailed to: the one that last registered or renewed the demande. */
  readonly guichet: string;
  readonly emisAt: string;
  /** The outbox items carrying it: the guichet's, and the demandeur's copy when sent. */
  readonly outboxGuichet: number;
  readonly outboxDemandeur?: number;
  /** When a server first accepted one of its mails: the proof of delivery. */
  readonly accepteAt?: string;
}

export type NewPreavis = Omit<PreavisRecord, 'accepteAt'>;

export interface LotReplayOutcome {
  readonly statut: LotStatut;
  readonly version: number;
  readonly erreurs: readonly LotError[];
  readonly traiteAt: string;
  readonly guichet?: string;
  readonly identifiantLot?: string;
  readonly empreinte?: string;
  /** Who replayed the lot (`gestionnaire:NOM`), recorded in its replays (`LotRejeu`). */
  readonly rejouePar: string;
}

/** One replay of a lot that changed its outcome: when, by whom, and the outcome it gave. */
export interface LotRejeu {
  /** The replay's processing instant (the lot's `traiteAt` it set). */
  readonly at: string;
  readonly par: string;
  /** The compte rendu version it gave. */
  readonly version: number;
  readonly statut: LotStatut;
}
