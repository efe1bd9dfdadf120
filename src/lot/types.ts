/**
 * The lot as the rest of the pipeline sees it (spec section 3), once parsed and schema-checked.
 * Field names are the XML element names; codes stay as strings constrained by the schema.
 */
import type { DemandeError, LotError } from '../errors.js';

export type { TypeFichier } from '../domain.js';

export interface Entete {
  readonly guichet: string;
  readonly identifiantLot: string;
  readonly dateFichier: string;
  readonly nombreDemandes: number;
}

/** A commune as given: by INSEE code, by name (with the sibling postal code), or neither. */
export interface CommuneRef {
  readonly code?: string;
  readonly nom?: string;
}

export interface AdressePostale {
  readonly etranger: boolean;
  readonly numero?: string;
  readonly voie: string;
  readonly complement?: string;
  readonly codePostal: string;
  readonly commune: CommuneRef;
}

export interface SituationProfessionnelle {
  readonly profession?: string;
  readonly typeContratTravail: string;
  readonly nomEmployeurPrincipal?: string;
  readonly etranger?: boolean;
  readonly voie?: string;
  readonly codePostal?: string;
  readonly commune?: CommuneRef;
}

export interface RevenuFiscal {
  readonly anneeMoins1: number;
  readonly montantMoins1: number;
  readonly anneeMoins2?: number;
  readonly montantMoins2?: number;
}

export interface Personne {
  readonly civilite: string;
  readonly nom: string;
  readonly nomPatronymique?: string;
  readonly prenom: string;
  /** ISO date; optional in the schema so that its absence is the specific DEM_DATE_NAISSANCE. */
  readonly dateNaissance?: string;
  readonly nationalite: string;
  /** Optional in the schema so that its absence is the specific DEM_PIECE_IDENTITE. */
  readonly pieceIdentite?: { readonly code: string; readonly numero: string };
  readonly situationFamiliale: string;
  readonly telPortable?: string;
  readonly mel?: string;
  /** Required for the demandeur, optional for a cotitulaire. */
  readonly adressePostale?: AdressePostale;
  readonly situationProfessionnelle?: SituationProfessionnelle;
  readonly revenuFiscal?: RevenuFiscal;
  readonly ressources: readonly { readonly code: string; readonly montant: number }[];
}

export interface Cotitulaire extends Personne {
  readonly lienDemandeur: string;
}

export interface PersonneACharge {
  readonly nom: string;
  readonly prenom: string;
  readonly dateNaissance: string;
  readonly sexe: string;
  readonly lienParente: string;
}

export interface DemandeLogement {
  /** REN and MOD only. */
  readonly numUnique?: string;
  readonly demandeur: Personne;
  readonly cotitulaires: readonly Cotitulaire[];
  readonly personnesACharge: readonly PersonneACharge[];
  readonly logementActuel: {
    readonly modelesLogement: readonly string[];
    readonly montantMensuelLoyer?: number;
    readonly nombreHabitant?: number;
  };
  readonly motifs: readonly string[];
  readonly logementRecherche: {
    readonly categorieLogement?: string;
    readonly typesLogement: readonly string[];
    /** In the demandeur's order of preference, 1 to 10. */
    readonly communesSouhaitees: readonly CommuneRef[];
  };
}

export interface Radiation {
  readonly numUnique: string;
  readonly motif: string;
  readonly sousMotif?: string;
  /** ISO date; absent means the day the lot is processed. */
  readonly dateEffet?: string;
}

interface DemandeBase {
  /** 1-based position in the lot: `/lot/demande[position]`. */
  readonly position: number;
  readonly reference: string;
  /**
   * The day the guichet received the demande (spec 3.2), ISO date; absent means the day the
   * gateway received the lot. The rules check its range (DEM_DATE_RECEPTION).
   */
  readonly dateReception?: string;
}

/** COP (spec 8): the numéro unique of the demande whose copy the guichet asks for. */
export interface Copie {
  readonly numUnique: string;
}

export type DemandeAvecLogement = DemandeBase & { readonly typeFichier: 'CRE' | 'REN' | 'MOD'; readonly demandeLogement: DemandeLogement };

export type Demande =
  | DemandeAvecLogement
  | (DemandeBase & { readonly typeFichier: 'RAD'; readonly radiation: Radiation })
  | (DemandeBase & { readonly typeFichier: 'COP'; readonly copie: Copie });

/** CRE, REN and MOD carry the demande itself; RAD and COP only name one by its numéro. */
export const hasDemandeLogement = (demande: Demande): demande is DemandeAvecLogement => 'demandeLogement' in demande;

/**
 * A demande that broke the schema: it is still reported, by position and (when it could be
 * read) reference and typeFichier, with its DEM_SCHEMA errors; its neighbours go on.
 */
export interface DemandeIllisible {
  readonly position: number;
  readonly reference?: string;
  readonly typeFichier?: string;
  readonly errors: readonly DemandeError[];
}

export type DemandeLue = { readonly ok: true; readonly demande: Demande } | ({ readonly ok: false } & DemandeIllisible);

export interface ParsedLot {
  readonly entete: Entete;
  /** Every demande of the lot, in lot order. */
  readonly demandes: readonly DemandeLue[];
}

export type ParseLotResult = { readonly ok: true; readonly lot: ParsedLot } | { readonly ok: false; readonly error: LotError };

/** The XPath of a demande, the prefix of every `chemin` in its errors. */
export const demandePath = (position: number): string => `/lot/demande[${position}]`;
