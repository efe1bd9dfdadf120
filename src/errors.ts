/**
 * Every rejection code of the exchange interface (spec sections 4.1 and 4.2), with its French
 * default message. The README's "Error codes" table is what guichets read; `test/errors.test.ts`
 * keeps the two in step, both ways. Rejections are values, never exceptions thrown through the
 * pipeline.
 */

export const LOT_ERRORS = {
  LOT_EXPEDITEUR_INCONNU: "L'expéditeur n'est l'adresse d'envoi d'aucun guichet actif.",
  LOT_PIECE_JOINTE: 'Le message doit porter exactement une pièce jointe OpenPGP (.gpg, .pgp ou .asc) ou être au format PGP/MIME.',
  LOT_TAILLE: 'Le lot dépasse une limite de taille.',
  LOT_DECHIFFREMENT: 'Le lot ne peut pas être déchiffré avec une clé nationale valide.',
  LOT_SIGNATURE: "Le lot n'est pas signé par une clé enregistrée pour le guichet expéditeur.",
  LOT_FORMAT: "Le contenu déchiffré n'est ni un fichier XML ni une archive ZIP contenant exactement un fichier XML.",
  LOT_XML: "Le fichier du lot n'est pas un document XML admis.",
  LOT_SCHEMA: "L'en-tête du lot n'est pas conforme au schéma.",
  LOT_GUICHET: "Le guichet de l'en-tête n'est pas le guichet expéditeur.",
  LOT_NOMBRE: "Le nombre de demandes annoncé dans l'en-tête ne correspond pas au nombre de demandes du lot.",
  LOT_IDENTIFIANT_REUTILISE: 'Cet identifiant de lot a déjà été utilisé par ce guichet pour un contenu différent.',
} as const;

export const DEMANDE_ERRORS = {
  DEM_SCHEMA: "La demande n'est pas conforme au schéma.",
  DEM_REFERENCE_DUPLIQUEE: 'Cette référence est utilisée par plusieurs demandes du lot.',
  DEM_MEL: "L'adresse électronique ne respecte pas le format 19@17.3.",
  DEM_CEDEX: 'Code postal Cedex non admis.',
  DEM_COMMUNE_INCONNUE: "La commune n'existe pas dans le référentiel INSEE.",
  DEM_COMMUNE_CODE_POSTAL: 'La commune et le code postal ne correspondent pas.',
  DEM_LOCALISATION_TERRITOIRE: 'Les communes souhaitées ne sont pas toutes dans un même territoire.',
  DEM_GUICHET_NON_HABILITE: "Le guichet n'est pas habilité pour le territoire des communes souhaitées.",
  DEM_PIECE_IDENTITE: "La pièce d'identité est absente ou invalide.",
  DEM_DATE_NAISSANCE: 'La date de naissance est absente ou invraisemblable.',
  DEM_DOUBLON: 'Une demande active existe déjà pour ce demandeur sur ce territoire.',
  DEM_NUMERO_INCONNU: "Ce numéro unique n'existe pas.",
  DEM_RADIEE: 'Cette demande est radiée.',
  DEM_HORS_PERIODE: 'Le renouvellement est hors de la période admise.',
  DEM_TERRITOIRE_NUMERO: "Le guichet n'est pas habilité pour le territoire de cette demande.",
  DEM_DATE_RECEPTION: "La date de réception de la demande est postérieure au jour de réception du lot, ou antérieure de plus d'un mois.",
} as const;

export type LotErrorCode = keyof typeof LOT_ERRORS;
export type DemandeErrorCode = keyof typeof DEMANDE_ERRORS;
export type ErrorCode = LotErrorCode | DemandeErrorCode;

/** A lot-level fault: rejects the whole lot, registers nothing. */
export interface LotError {
  readonly code: LotErrorCode;
  readonly message: string;
  /** Machine-readable details (limit and actual size, fingerprint…), never personal data. */
  readonly details?: Readonly<Record<string, string | number>>;
}

/** A demande-level fault: rejects that demande only. */
export interface DemandeError {
  readonly code: DemandeErrorCode;
  /** XPath of the offending node, from the lot root: `/lot/demande[2]/…`. */
  readonly chemin: string;
  readonly valeur?: string;
  readonly suggestion?: string;
  readonly message: string;
}

export function lotError(code: LotErrorCode, message?: string, details?: LotError['details']): LotError {
  return details === undefined
    ? { code, message: message ?? LOT_ERRORS[code] }
    : { code, message: message ?? LOT_ERRORS[code], details };
}

export function demandeError(
  code: DemandeErrorCode,
  chemin: string,
  fields: { valeur?: string | undefined; suggestion?: string | undefined; message?: string | undefined } = {},
): DemandeError {
  const error: { -readonly [K in keyof DemandeError]: DemandeError[K] } = {
    code,
    chemin,
    message: fields.message ?? DEMANDE_ERRORS[code],
  };
  if (fields.valeur !== undefined) error.valeur = fields.valeur;
  if (fields.suggestion !== undefined) error.suggestion = fields.suggestion;
  return error;
}

export const ALL_ERROR_CODES: readonly ErrorCode[] = [
  ...(Object.keys(LOT_ERRORS) as LotErrorCode[]),
  ...(Object.keys(DEMANDE_ERRORS) as DemandeErrorCode[]),
];

/** A result that is either a value or a lot-level fault: the stages' common return shape. */
export type LotResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: LotError };

export const ok = <T>(value: T): LotResult<T> => ({ ok: true, value });
export const fail = (error: LotError): LotResult<never> => ({ ok: false, error });
