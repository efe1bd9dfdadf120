/**
 * The typed input of the two documents sent back to a guichet (spec section 5): the compte rendu
 * of a lot (XML) and the attestation of a registered or renewed demande (PDF). Builders are pure
 * functions of these values; the pipeline fills them from the registry.
 */
import type { StatutResultat } from '../domain.js';
import type { DemandeError, LotError } from '../errors.js';
import type { DemandeLogement, TypeFichier } from '../lot/types.js';
import type { NomsCommunes } from '../rules/index.js';

export type StatutLot = 'ACCEPTE' | 'PARTIEL' | 'REJETE';
export type StatutDemande = StatutResultat;

export interface CompteRenduLot {
  readonly guichet: string;
  /** Absent when the lot was refused before its XML could be read; omitted if malformed. */
  readonly identifiantLot?: string;
  /** The `Message-ID` of the guichet's mail, angle brackets included. */
  readonly messageId: string;
  readonly recu: Date;
  readonly traite: Date;
  /** `sha256:<64 hex>` of the decrypted payload; absent when it could not be decrypted. */
  readonly empreinte?: string;
  readonly statut: StatutLot;
  /** 1 for the first processing, + 1 for each replay. */
  readonly version: number;
}

/** The outcome of one demande of the lot, in lot order. */
export interface ResultatDemande {
  /** 1-based rank in the lot (`/lot/demande[position]`): identifies a demande without reference. */
  readonly position: number;
  /** The guichet's reference; absent only when the demande was too malformed to read it. */
  readonly reference?: string;
  /** Absent only when the demande's typeFichier is missing or not one of the four. */
  readonly typeFichier?: TypeFichier;
  readonly statut: StatutDemande;
  readonly numUnique?: string;
  /** ISO date (YYYY-MM-DD) of first registration. */
  readonly dateDepot?: string;
  /** ISO date (YYYY-MM-DD) of the end of validity. */
  readonly dateEcheance?: string;
  readonly erreurs: readonly DemandeError[];
}

export interface CompteRenduData {
  readonly lot: CompteRenduLot;
  readonly erreurs: readonly LotError[];
  readonly resultats: readonly ResultatDemande[];
}

export interface GuichetIdentite {
  readonly code: string;
  readonly nom: string;
  /** Postal address; lines separated by `\n`. */
  readonly adresse: string;
}

export interface AttestationData {
  /** CRE: attestation d'enregistrement; REN: attestation de renouvellement. */
  readonly kind: 'CRE' | 'REN';
  readonly numeroUnique: string;
  /** ISO date of first registration (ancienneté), kept across renewals. */
  readonly dateDepot: string;
  /** ISO date of this renewal (REN only). */
  readonly dateRenouvellement?: string;
  /** ISO date of the end of validity (one year after registration or the last renewal). */
  readonly dateEcheance: string;
  /** The guichet that registered or renewed the demande. */
  readonly guichet: GuichetIdentite;
  readonly demande: DemandeLogement;
  /** The guichet's reference of the demande. */
  readonly reference: string;
  /** When the attestation is issued: the PDF's dates, so the same input yields the same bytes. */
  readonly issuedAt: Date;
  /** The INSEE names resolved when the demande was judged (replies queued before 2026-11 lack them). */
  readonly nomsCommunes?: NomsCommunes;
  /**
   * The territory's settings (filled when the reply is prepared); without them the attestation
   * says the délai is fixed by the préfet and where to learn it and the commission's address.
   */
  readonly commissionMediation?: { readonly delaiAnormalementLongMois: number; readonly adresse: string };
  /** Bailleurs with housing stock in the communes souhaitées (CCH R.441-2-4), filled when prepared. */
  readonly bailleurs?: readonly string[];
  /** Display labels of the communes souhaitées, same order (e.g. `Saint-Denis (93066)`); default: codes. */
  readonly communesSouhaitees?: readonly string[];
  /** Where the demandeur follows the demande; default https://www.demande-logement-social.gouv.fr. */
  readonly portailUrl?: string;
}

/** The préavis de renouvellement of one anniversary of a demande (spec 5.3), as queued. */
export interface PreavisData {
  readonly numeroUnique: string;
  /** The guichet's reference of the demande (its last CRE or REN): the attachment's name. */
  readonly reference: string;
  /** ISO date of first registration (the ancienneté the demandeur would lose). */
  readonly dateDepot: string;
  /** The anniversary announced (the demande's `dateEcheance` when issued). */
  readonly anniversaire: string;
  /** The guichet that last registered or renewed the demande, to which it is mailed. */
  readonly guichet: GuichetIdentite;
  /** The demandeur, as the letter is addressed. */
  readonly demandeur: DemandeLogement['demandeur'];
  /** When it is issued: the PDF's dates, so the same input yields the same bytes. */
  readonly issuedAt: Date;
  /** Where to renew online; default https://www.demande-logement-social.gouv.fr. */
  readonly portailUrl?: string;
}

/** One demande event of a dispatching digest or a copie numérique (spec 8). */
export interface EntreeDispatching {
  readonly numUnique: string;
  /** CRE, REN, MOD or RAD; a copie numérique's is its demande's last event. */
  readonly evenement: 'CRE' | 'REN' | 'MOD' | 'RAD';
  /** When it was recorded (ISO instant). */
  readonly date: string;
  /** Who made it: a guichet (then `guichet`), the gateway (expiry) or a gestionnaire. */
  readonly origine: 'GUICHET' | 'PASSERELLE' | 'GESTIONNAIRE';
  readonly guichet?: string;
  readonly statut: 'ACTIVE' | 'RADIEE';
  readonly dateDepot: string;
  readonly dateRenouvellement?: string;
  readonly dateEcheance: string;
  readonly dateRadiation?: string;
  /** RAD: its motif. */
  readonly radiation?: { readonly motif: string; readonly sousMotif?: string; readonly dateEffet?: string };
  /** CRE, REN, MOD: the demande as it now stands. */
  readonly demandeLogement?: DemandeLogement;
}

/**
 * A bailleur's daily digest. Stored in the outbox as the ids of its audit events (no personal
 * data); `entrees` are read from the registry when it is prepared, once: its sealed bytes are
 * what every send and re-send uses.
 */
export interface DispatchingData {
  readonly guichet: string;
  readonly sequence: number;
  /** The day it is dated (Paris), `YYYY-MM-DD`: the attachment's name. */
  readonly jour: string;
  /** When the pass ran (ISO instant). */
  readonly genere: string;
  readonly evenements: readonly number[];
  readonly entrees?: readonly EntreeDispatching[];
}

/** A copie numérique (spec 8): one demande's current data for the guichet that asked. */
export interface CopieData {
  readonly guichet: string;
  readonly reference: string;
  readonly genere: string;
  readonly entree: EntreeDispatching;
}
