/**
 * The exchange's vocabulary (spec 3 and 5.1), defined once: the typeFichier codes a lot's demande
 * may carry and the statuts a compte rendu gives each demande. The lot parser, the rules, the
 * registry and the renderers import them from here; the XSDs in schemas/ list the same values.
 */

/** CRE création, REN renouvellement, MOD modification, RAD radiation, COP copie numérique (spec 8). */
export const TYPES_FICHIER = ['CRE', 'REN', 'MOD', 'RAD', 'COP'] as const;
export type TypeFichier = (typeof TYPES_FICHIER)[number];

export const isTypeFichier = (value: string): value is TypeFichier => (TYPES_FICHIER as readonly string[]).includes(value);

/** A demande's result in the compte rendu (spec 5.1): one per typeFichier done, or REJETEE. */
export const STATUTS_RESULTAT = ['ENREGISTREE', 'RENOUVELEE', 'MODIFIEE', 'RADIEE', 'COPIEE', 'REJETEE'] as const;
export type StatutResultat = (typeof STATUTS_RESULTAT)[number];
