/**
 * The configuration: its shape, its defaults and its checks, side by side. Paths are relative to
 * the home directory unless absolute. Secrets never live here: the national key's passphrase
 * comes from SNE_GATEWAY_KEY_PASSPHRASE or from the file named by `keys.passphraseFile`.
 */

export interface Config {
  /** The home directory holding every piece of state. */
  readonly home: string;
  readonly gateway: {
    /** The deposit address: where guichets send lots, and the `From` of every reply. */
    readonly address: string;
    /** Right-hand side of the Message-IDs the gateway gives its replies. */
    readonly messageIdDomain: string;
  };
  readonly mailbox: { readonly kind: 'maildir'; readonly path: string };
  readonly sender: { readonly kind: 'maildir'; readonly path: string };
  readonly registry: { readonly path: string };
  readonly keys: { readonly dir: string; readonly passphraseFile: string };
  readonly daemon: { readonly pollIntervalMs: number };
  readonly replies: { readonly copyAttestationToDemandeur: boolean };
  readonly log: { readonly level: string };
}

export type ConfigFile = { [K in Exclude<keyof Config, 'home'>]?: Partial<Config[K]> };

export const DEFAULTS: Omit<Config, 'home'> = {
  gateway: { address: 'depot@sne-gateway.localhost', messageIdDomain: 'sne-gateway.localhost' },
  mailbox: { kind: 'maildir', path: 'mailbox' },
  sender: { kind: 'maildir', path: 'outgoing' },
  registry: { path: 'registry.sqlite' },
  keys: { dir: 'keys', passphraseFile: 'keys/national.passphrase' },
  daemon: { pollIntervalMs: 5_000 },
  replies: { copyAttestationToDemandeur: false },
  log: { level: 'info' },
};

const EMAIL = /^[^\s@<>]+@[^\s@<>]+$/;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

type Check = (value: unknown) => string | undefined;

const isString: Check = (v) => (typeof v === 'string' && v.length > 0 ? undefined : 'une chaîne non vide est attendue');

/** One check per leaf setting; `validate` reports every failure at once. */
export const CHECKS: { readonly [S in keyof typeof DEFAULTS]: { readonly [K in keyof (typeof DEFAULTS)[S]]: Check } } = {
  gateway: {
    address: (v) => (typeof v === 'string' && EMAIL.test(v) ? undefined : 'une adresse électronique est attendue'),
    messageIdDomain: isString,
  },
  mailbox: { kind: (v) => (v === 'maildir' ? undefined : 'seul « maildir » est disponible'), path: isString },
  sender: { kind: (v) => (v === 'maildir' ? undefined : 'seul « maildir » est disponible'), path: isString },
  registry: { path: isString },
  keys: { dir: isString, passphraseFile: isString },
  daemon: {
    pollIntervalMs: (v) =>
      typeof v === 'number' && Number.isInteger(v) && v >= 100 ? undefined : 'un entier ≥ 100 (millisecondes) est attendu',
  },
  replies: { copyAttestationToDemandeur: (v) => (typeof v === 'boolean' ? undefined : 'true ou false est attendu') },
  log: { level: (v) => (typeof v === 'string' && LOG_LEVELS.includes(v) ? undefined : `une valeur parmi ${LOG_LEVELS.join(', ')}`) },
};
