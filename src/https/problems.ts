/**
 * The HTTPS channel's errors (spec 7): `application/problem+json` (RFC 9457) with a `code`. The
 * spec's own codes (`AUTH_CERTIFICAT`, `LOT_TAILLE`) and the channel's, for what the spec leaves
 * to the gateway (docs/decisions.md): a 4xx means that no lot was read.
 */
export const HTTP_PROBLEMS = {
  AUTH_CERTIFICAT: { status: 401, title: "Certificat client absent, inconnu ou d'un guichet désactivé." },
  LOT_TAILLE: { status: 413, title: 'Le lot dépasse 4 Mio (4 194 304 octets).' },
  REQUETE_TYPE: { status: 415, title: 'Type de contenu non admis : application/octet-stream (binaire) ou application/pgp-encrypted (armure ASCII).' },
  REQUETE_INVALIDE: { status: 400, title: 'Requête invalide.' },
  INTROUVABLE: { status: 404, title: 'Ressource introuvable pour ce guichet.' },
  TROP_DE_REQUETES: { status: 429, title: 'Trop de requêtes pour ce guichet : réessayez après le délai indiqué (Retry-After).' },
  INDISPONIBLE: { status: 503, title: 'La passerelle ne peut pas traiter la requête maintenant : réessayez plus tard.' },
  ERREUR_INTERNE: { status: 500, title: 'Erreur interne de la passerelle.' },
} as const;

export type HttpProblemCode = keyof typeof HTTP_PROBLEMS;

/**
 * `Retry-After` of a `503` (spec 7): the instance is stopping (a restart or another instance
 * behind the same name takes seconds), or the lot could not be committed now (the registry did
 * not answer). Long enough not to hammer it, short enough for a guichet's software waiting on it.
 */
export const RETRY_AFTER_SECONDS = 30;

export interface Problem {
  readonly type: 'about:blank';
  readonly title: string;
  readonly status: number;
  readonly code: HttpProblemCode;
  readonly detail?: string;
}

export function problem(code: HttpProblemCode, detail?: string): Problem {
  const { status, title } = HTTP_PROBLEMS[code];
  return { type: 'about:blank', title, status, code, ...(detail === undefined ? {} : { detail }) };
}

/** The JSON schema of a problem, for the OpenAPI document. */
export const PROBLEM_SCHEMA = {
  type: 'object',
  required: ['type', 'title', 'status', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string', enum: Object.keys(HTTP_PROBLEMS) },
    detail: { type: 'string' },
  },
} as const;
