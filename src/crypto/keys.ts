/**
 * Public-key handling: key generation for the national key, inspection of a guichet's key for
 * the CLI, and the parsed-key cache the per-lot operations read through. openpgp types stay in
 * this folder: callers exchange armored strings and uppercase hex fingerprints.
 */
import * as openpgp from 'openpgp';

/**
 * Settings GnuPG 2.2 can read (FACTS.md): v4 keys, no AEAD (SEIPDv2/OCB) unless every recipient
 * asks for it. Passed per call rather than mutated globally, so nothing else can change them.
 */
export const GPG22_CONFIG: openpgp.PartialConfig = { v6Keys: false, aeadProtect: false };

export type CryptoKeyErrorCode =
  | 'UNREADABLE'
  | 'NOT_PUBLIC'
  | 'NOT_PRIVATE'
  | 'SEVERAL_KEYS'
  | 'PASSPHRASE_REQUIRED'
  | 'BAD_PASSPHRASE'
  | 'EMPTY_KEYRING'
  | 'NO_SIGNING_KEY'
  | 'NO_VALID_RECIPIENT';

/** A key that cannot be used: an operator's input or a configuration fault, never a lot fault. */
export class CryptoKeyError extends Error {
  override readonly name = 'CryptoKeyError';
  constructor(
    readonly code: CryptoKeyErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface GeneratedKeyPair {
  readonly publicKey: string;
  readonly privateKey: string;
  readonly fingerprint: string;
}

/** Generates an ed25519/cv25519 (legacy curve) v4 key pair, readable by GnuPG 2.2. */
export async function generateKeyPair(opts: {
  name: string;
  email: string;
  passphrase?: string;
  expiresInDays?: number;
  /** Creation time (default now): which key is newest decides which one signs. */
  createdAt?: Date;
}): Promise<GeneratedKeyPair> {
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name: opts.name, email: opts.email }],
    ...(opts.passphrase ? { passphrase: opts.passphrase } : {}),
    ...(opts.expiresInDays ? { keyExpirationTime: Math.round(opts.expiresInDays * 86_400) } : {}),
    ...(opts.createdAt ? { date: opts.createdAt } : {}),
    format: 'object',
    config: GPG22_CONFIG,
  });
  return { publicKey: publicKey.armor(), privateKey: privateKey.armor(), fingerprint: fingerprint(publicKey) };
}

export interface PublicKeyInfo {
  readonly fingerprint: string;
  readonly userIds: readonly string[];
  readonly createdAt: Date;
  /** null: never expires. */
  readonly expiresAt: Date | null;
  readonly revoked: boolean;
  /** Has a usable (unexpired, unrevoked) encryption key now: replies can be sent to it. */
  readonly canEncrypt: boolean;
  /** OpenPGP key version: 4 (RFC 4880, GnuPG 2.2) or 6 (RFC 9580). */
  readonly version: number;
  /** e.g. `eddsaLegacy ed25519Legacy`, `rsaEncryptSign 3072`. */
  readonly algorithm: string;
}

/**
 * Reads one public key for `guichets keys add`. Throws `CryptoKeyError`: UNREADABLE (not an
 * OpenPGP key), NOT_PUBLIC (a private key was given: we must never store a guichet's secret),
 * SEVERAL_KEYS (one key per call, so each gets its own registry entry).
 */
export async function inspectPublicKey(armored: string): Promise<PublicKeyInfo> {
  const key = await readSinglePublicKey(armored);
  const expiration = await key.getExpirationTime().catch(() => null);
  const algo = key.getAlgorithmInfo();
  return {
    fingerprint: fingerprint(key),
    userIds: key.getUserIDs(),
    createdAt: key.getCreationTime(),
    expiresAt: expiration instanceof Date ? expiration : null,
    revoked: await key.isRevoked(),
    canEncrypt: await key.getEncryptionKey().then(
      () => true,
      () => false,
    ),
    version: key.keyPacket.version,
    algorithm: [algo.algorithm, algo.curve ?? algo.bits].filter((part) => part !== undefined).join(' '),
  };
}

/** The uppercase hex fingerprint of one armored public key. */
export async function fingerprintOf(armoredPublicKey: string): Promise<string> {
  return fingerprint(await readSinglePublicKey(armoredPublicKey));
}

/** The armored public half of an armored private key (no passphrase needed): to export the national key. */
export async function publicKeyOf(privateArmored: string): Promise<string> {
  const key = await readOrThrow(() => openpgp.readPrivateKey({ armoredKey: privateArmored }));
  return key.toPublic().armor();
}

export const fingerprint = (key: openpgp.Key): string => key.getFingerprint().toUpperCase();

async function readOrThrow<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (cause) {
    throw new CryptoKeyError('UNREADABLE', "Ce texte n'est pas une clé OpenPGP lisible.", { cause });
  }
}

async function readSinglePublicKey(armored: string): Promise<openpgp.Key> {
  const keys = await readOrThrow(() => openpgp.readKeys({ armoredKeys: armored }));
  if (keys.some((key) => key.isPrivate())) {
    throw new CryptoKeyError('NOT_PUBLIC', 'Cette clé est une clé privée : ne transmettez que la clé publique.');
  }
  const [key, ...others] = keys;
  if (key === undefined) throw new CryptoKeyError('UNREADABLE', "Ce texte n'est pas une clé OpenPGP lisible.");
  if (others.length > 0) {
    throw new CryptoKeyError('SEVERAL_KEYS', `Ce texte contient ${keys.length} clés : ajoutez-les une par une.`);
  }
  return key;
}

/**
 * Parsed public keys of guichets, keyed by their armored text: a lot of 1,000 demandes gets up
 * to 1,001 replies encrypted to the same key. Bounded; the oldest entry goes first. Promises
 * are cached so concurrent callers share one parse; a failed parse is not kept.
 */
const PUBLIC_KEY_CACHE_SIZE = 256;
const publicKeyCache = new Map<string, Promise<openpgp.Key[]>>();

/** Every public key in one armored block (a guichet may export several in one file). */
export function cachedPublicKeys(armored: string): Promise<openpgp.Key[]> {
  const hit = publicKeyCache.get(armored);
  if (hit !== undefined) return hit;
  const parsed = readOrThrow(() => openpgp.readKeys({ armoredKeys: armored })).then((keys) =>
    keys.map((key) => (key.isPrivate() ? key.toPublic() : key)),
  );
  parsed.catch(() => publicKeyCache.delete(armored));
  if (publicKeyCache.size >= PUBLIC_KEY_CACHE_SIZE) {
    const oldest = publicKeyCache.keys().next();
    if (!oldest.done) publicKeyCache.delete(oldest.value);
  }
  publicKeyCache.set(armored, parsed);
  return parsed;
}

/** Parses many armored blocks, each through the cache. */
export async function cachedPublicKeyList(armoredKeys: readonly string[]): Promise<openpgp.Key[]> {
  return (await Promise.all(armoredKeys.map(cachedPublicKeys))).flat();
}
