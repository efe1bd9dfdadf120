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
    /**
     * A base école (spec 9): guichets' developers test against it; every reply is marked as a
     * test and nothing is mailed to a demandeur. Its registry is its own (`init --ecole`).
     */
    readonly ecole: boolean;
  };
  readonly mailbox: {
    readonly kind: 'maildir' | 'imap';
    /** The Maildir (kind `maildir`). */
    readonly path: string;
    /** `imap://user@host:port/INBOX` or `imaps://…` (kind `imap`); never a password. */
    readonly url: string;
    /** File holding the IMAP password when SNE_GATEWAY_MAILBOX_PASSWORD is not set. */
    readonly passwordFile: string;
    /** PEM file of the certificate authority to trust for `imaps` (empty: the system's). */
    readonly caFile: string;
    /** How often the inbox is searched besides IDLE, in case IDLE died silently. */
    readonly sweepIntervalMs: number;
  };
  readonly sender: {
    readonly kind: 'maildir' | 'smtp';
    /** The outgoing Maildir (kind `maildir`). */
    readonly path: string;
    /** `smtp://[user@]host:port` (STARTTLS when offered) or `smtps://…` (kind `smtp`); never a password. */
    readonly url: string;
    /** File holding the SMTP password when SNE_GATEWAY_SENDER_PASSWORD is not set. */
    readonly passwordFile: string;
    readonly caFile: string;
    /** Postfix-like retry: the first delay, doubled after each failure up to `retryMaxMs`. */
    readonly retryMinMs: number;
    readonly retryMaxMs: number;
    /** After this long without being accepted, a reply is marked ECHEC and reported. */
    readonly lifetimeHours: number;
  };
  readonly registry: {
    /**
     * Where the registry is: a file path (SQLite, the default, one instance) or
     * `postgres://user@host:port/database` (PostgreSQL, one or several instances); never a password.
     */
    readonly url: string;
    /** File holding the PostgreSQL password when SNE_GATEWAY_REGISTRY_PASSWORD is not set. */
    readonly passwordFile: string;
    /** PEM file of the certificate authority of the PostgreSQL server (TLS); empty: no TLS. */
    readonly caFile: string;
  };
  readonly keys: { readonly dir: string; readonly passphraseFile: string };
  readonly daemon: {
    readonly pollIntervalMs: number;
    /** Messages processed at once (decryption and validation overlap with mailbox I/O). */
    readonly concurrency: number;
    /**
     * How long an instance's hold on a message, a reply or a periodic pass lasts without renewal:
     * the delay before another instance takes over the work of one that was killed (spec 10).
     */
    readonly leaseMs: number;
  };
  readonly replies: {
    readonly copyAttestationToDemandeur: boolean;
    /** How many months before a demande's anniversary its préavis de renouvellement is issued (spec 5.3: never less than one). */
    readonly preavisMois: number;
    /**
     * Reply worker threads (replies/workers/): attestations rendered and replies sealed on every
     * core. 0: all on the main thread (less memory; pays when rendering is cheap against the main
     * thread's own work per reply, docs/PERFORMANCE.md). `auto` (the default): one per core but the
     * main thread's, at least one.
     */
    readonly workers: number | 'auto';
  };
  /** The daily dispatching digests (spec 8): sent by the daemon's first pass at or after this hour, Europe/Paris (0–23). */
  readonly dispatching: { readonly hour: number };
  /** The operations listener of `run` (plain HTTP: /livez, /readyz, /metrics; spec 7). */
  readonly ops: {
    /** TCP port; 0 (the default): no listener. */
    readonly port: number;
    /** Address to bind: the loopback unless an operator opens it (no authentication, no TLS). */
    readonly host: string;
  };
  /** The web console of `run` for gestionnaires territoriaux (src/console/): off while `port` is 0. */
  readonly console: {
    readonly port: number;
    /** The loopback unless opened (behind a reverse proxy, or with `certFile`/`keyFile`). */
    readonly host: string;
    /** PEM certificate and key: served over TLS (cookies then `Secure`); empty: plain HTTP. */
    readonly certFile: string;
    readonly keyFile: string;
  };
  /** The HTTPS channel (spec 7): off while `port` is 0. */
  readonly http: {
    readonly port: number;
    readonly host: string;
    /** PEM files of the server's certificate (its chain after it) and private key. */
    readonly certFile: string;
    readonly keyFile: string;
    /** Requests a guichet may make per minute; past it `429` with `Retry-After`. */
    readonly rateLimitPerMinute: number;
    /** On stop, how long requests in flight may take to finish before the listener is closed under them. */
    readonly drainMs: number;
  };
  readonly log: { readonly level: string };
}

export type ConfigFile = { [K in Exclude<keyof Config, 'home'>]?: Partial<Config[K]> };

export const DEFAULTS: Omit<Config, 'home'> = {
  gateway: { address: 'depot@sne-gateway.localhost', messageIdDomain: 'sne-gateway.localhost', ecole: false },
  mailbox: { kind: 'maildir', path: 'mailbox', url: '', passwordFile: '', caFile: '', sweepIntervalMs: 500 },
  sender: {
    kind: 'maildir',
    path: 'outgoing',
    url: '',
    passwordFile: '',
    caFile: '',
    retryMinMs: 60_000,
    retryMaxMs: 3_600_000,
    lifetimeHours: 120,
  },
  registry: { url: 'registry.sqlite', passwordFile: '', caFile: '' },
  keys: { dir: 'keys', passphraseFile: 'keys/national.passphrase' },
  daemon: { pollIntervalMs: 5_000, concurrency: 2, leaseMs: 30_000 },
  replies: { copyAttestationToDemandeur: false, preavisMois: 1, workers: 'auto' },
  dispatching: { hour: 6 },
  ops: { port: 0, host: '127.0.0.1' },
  console: { port: 0, host: '127.0.0.1', certFile: '', keyFile: '' },
  http: { port: 0, host: '0.0.0.0', certFile: '', keyFile: '', rateLimitPerMinute: 60, drainMs: 30_000 },
  log: { level: 'info' },
};

const EMAIL = /^[^\s@<>]+@[^\s@<>]+$/;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

type Check = (value: unknown) => string | undefined;

const isString: Check = (v) => (typeof v === 'string' && v.length > 0 ? undefined : 'une chaîne non vide est attendue');
const isBoolean: Check = (v) => (typeof v === 'boolean' ? undefined : 'true ou false est attendu');
const isStringOrEmpty: Check = (v) => (typeof v === 'string' ? undefined : 'une chaîne est attendue');
const integerAtLeast =
  (min: number, unit: string): Check =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min ? undefined : `un entier ≥ ${min}${unit} est attendu`;
const oneOf =
  (...values: string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? undefined : `une valeur parmi ${values.map((x) => `« ${x} »`).join(', ')}`;

/** A server URL of one of `schemes`, or empty; a password in it is refused (secrets live elsewhere). */
const serverUrl =
  (schemes: readonly string[], secretVariable: string, fileSetting: string): Check =>
  (v) => {
    if (typeof v !== 'string') return 'une chaîne est attendue';
    if (v === '') return undefined;
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      return `une URL ${schemes.map((s) => `${s}://`).join(' ou ')} est attendue`;
    }
    if (!schemes.includes(url.protocol.slice(0, -1)) || url.hostname === '') {
      return `une URL ${schemes.map((s) => `${s}://hôte[:port]`).join(' ou ')} est attendue`;
    }
    if (url.password !== '') return `pas de mot de passe dans l'URL : utilisez la variable ${secretVariable} ou ${fileSetting}`;
    return undefined;
  };

/** One check per leaf setting; `validate` reports every failure at once. */
export const CHECKS: { readonly [S in keyof typeof DEFAULTS]: { readonly [K in keyof (typeof DEFAULTS)[S]]: Check } } = {
  gateway: {
    address: (v) => (typeof v === 'string' && EMAIL.test(v) ? undefined : 'une adresse électronique est attendue'),
    messageIdDomain: isString,
    ecole: isBoolean,
  },
  mailbox: {
    kind: oneOf('maildir', 'imap'),
    path: isString,
    url: serverUrl(['imap', 'imaps'], 'SNE_GATEWAY_MAILBOX_PASSWORD', 'mailbox.passwordFile'),
    passwordFile: isStringOrEmpty,
    caFile: isStringOrEmpty,
    sweepIntervalMs: integerAtLeast(100, ' (millisecondes)'),
  },
  sender: {
    kind: oneOf('maildir', 'smtp'),
    path: isString,
    url: serverUrl(['smtp', 'smtps'], 'SNE_GATEWAY_SENDER_PASSWORD', 'sender.passwordFile'),
    passwordFile: isStringOrEmpty,
    caFile: isStringOrEmpty,
    retryMinMs: integerAtLeast(100, ' (millisecondes)'),
    retryMaxMs: integerAtLeast(100, ' (millisecondes)'),
    lifetimeHours: (v) => (typeof v === 'number' && v > 0 ? undefined : 'un nombre d’heures > 0 est attendu'),
  },
  registry: {
    url: (v) =>
      typeof v === 'string' && /^postgres(ql)?:/i.test(v)
        ? serverUrl(['postgres', 'postgresql'], 'SNE_GATEWAY_REGISTRY_PASSWORD', 'registry.passwordFile')(v)
        : isString(v),
    passwordFile: isStringOrEmpty,
    caFile: isStringOrEmpty,
  },
  keys: { dir: isString, passphraseFile: isString },
  daemon: {
    pollIntervalMs: integerAtLeast(100, ' (millisecondes)'),
    concurrency: (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 16 ? undefined : 'un entier de 1 à 16 est attendu'),
    leaseMs: integerAtLeast(1_000, ' (millisecondes)'),
  },
  replies: {
    copyAttestationToDemandeur: isBoolean,
    // Spec 5.3: one month at least; past the renewal window's opening (one month before) it
    // would announce a window far ahead, so 1 to 3.
    preavisMois: (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 3 ? undefined : 'un nombre entier de mois de 1 à 3 est attendu (jamais moins d’un mois)'),
    workers: (v) => (v === 'auto' || (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 16) ? undefined : '« auto » (un par cœur, moins celui du fil principal) ou un entier de 0 (tout sur le fil principal) à 16 est attendu'),
  },
  dispatching: { hour: (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 23 ? undefined : 'une heure de 0 à 23 (heure de Paris) est attendue') },
  ops: {
    port: (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65_535 ? undefined : 'un port de 1 à 65535 est attendu (0 : pas de point d’accès)'),
    host: isString,
  },
  console: {
    port: (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65_535 ? undefined : 'un port de 0 (console désactivée) à 65535 est attendu'),
    host: isString,
    certFile: isStringOrEmpty,
    keyFile: isStringOrEmpty,
  },
  http: {
    port: (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65_535 ? undefined : 'un port de 0 (canal désactivé) à 65535 est attendu'),
    host: isString,
    certFile: isStringOrEmpty,
    keyFile: isStringOrEmpty,
    rateLimitPerMinute: integerAtLeast(1, ' (requêtes par minute)'),
    drainMs: integerAtLeast(0, ' (millisecondes)'),
  },
  log: { level: (v) => (typeof v === 'string' && LOG_LEVELS.includes(v) ? undefined : `une valeur parmi ${LOG_LEVELS.join(', ')}`) },
};

/** Settings renamed since a release: a file that still uses the old name keeps working. */
export const RENAMED: Readonly<Record<string, string>> = { 'registry.path': 'url' };

/** Checks that span several settings, run once every setting passed its own check. */
export const CROSS_CHECKS: readonly ((config: Omit<Config, 'home'>) => string | undefined)[] = [
  (c) => (c.mailbox.kind === 'imap' && c.mailbox.url === '' ? 'mailbox.url : requis quand mailbox.kind vaut « imap » (imap://utilisateur@hôte/INBOX)' : undefined),
  (c) => (c.mailbox.kind === 'imap' && c.mailbox.url !== '' && new URL(c.mailbox.url).username === '' ? "mailbox.url : l'utilisateur IMAP est attendu (imap://utilisateur@hôte/INBOX)" : undefined),
  (c) => (c.sender.kind === 'smtp' && c.sender.url === '' ? 'sender.url : requis quand sender.kind vaut « smtp » (smtp://hôte:port)' : undefined),
  (c) => (c.sender.retryMaxMs < c.sender.retryMinMs ? 'sender.retryMaxMs : doit être ≥ sender.retryMinMs' : undefined),
  (c) => (c.http.port > 0 && (c.http.certFile === '' || c.http.keyFile === '') ? 'http.certFile et http.keyFile : requis quand http.port est donné (certificat TLS du serveur et sa clé, PEM)' : undefined),
];
