/**
 * Types of the commune reference (spec 4.3). Plain data, so that the bundled package data and a
 * future `reference import` of INSEE COG / La Poste CSV files build the same index.
 */

/** A current commune (COG "COM") or a municipal arrondissement of Paris, Lyon or Marseille ("ARM"). */
export interface Commune {
  /** INSEE code, 5 characters (`2A004`, `97411`, `75111`). */
  readonly code: string;
  /** INSEE name with its accents and hyphens (`Saint-Denis`, `Paris 11e Arrondissement`). */
  readonly nom: string;
  readonly type: 'commune' | 'arrondissement-municipal';
  /** `01`…`95`, `2A`, `2B`, `971`…`976`. */
  readonly departement: string;
  readonly region: string;
  /** For an arrondissement: the code of its commune (75056, 69123, 13055). */
  readonly commune?: string;
  /** Distribution postal codes (La Poste), sorted. */
  readonly codesPostaux: readonly string[];
  /** Used only to rank suggestions between homonyms; 0 when unknown. */
  readonly population: number;
}

/** A code that is no longer a current commune, and the commune it now belongs to. */
export interface RetiredCode {
  readonly code: string;
  /** Known for communes déléguées and associées; older retired codes come without a name. */
  readonly nom?: string;
  /** `commune-deleguee` / `commune-associee`: still exists inside a commune nouvelle; `ancien-code`: merged or renumbered. */
  readonly kind: 'commune-deleguee' | 'commune-associee' | 'ancien-code';
  readonly currentCode: string;
  readonly currentNom: string;
}

export interface CommuneSuggestion {
  readonly code: string;
  readonly nom: string;
  readonly departement: string;
  readonly codesPostaux: readonly string[];
}

export interface SuggestOptions {
  readonly codePostal?: string;
  readonly departement?: string;
}

export interface Edition {
  /** Where the data came from (`@etalab/decoupage-administratif`, `insee-cog+laposte`…). */
  readonly source: string;
  readonly version: string;
  /** Date the data describes, `YYYY-MM-DD` (the COG describes communes at 1 January of its year). */
  readonly date?: string;
  /** Current communes, arrondissements excluded. */
  readonly communes: number;
  readonly arrondissements: number;
  /** Distinct distribution postal codes. */
  readonly codesPostaux: number;
  readonly codesRetires: number;
}

/** What a loader hands to `new ReferenceIndex(…)`. */
export interface ReferenceData {
  readonly edition: { readonly source: string; readonly version: string; readonly date?: string };
  readonly communes: readonly Commune[];
  /** Codes that are not current: communes déléguées/associées and former codes. */
  readonly retired: readonly { code: string; nom?: string; kind: RetiredCode['kind']; currentCode: string }[];
}
