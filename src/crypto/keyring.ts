/**
 * The national private keys, parsed and decrypted once at start. Several may be valid at once
 * (key rotation, spec section 1): all of them decrypt, the newest one that can sign signs.
 */
import * as openpgp from 'openpgp';
import { CryptoKeyError, fingerprint } from './keys.js';

export interface PrivateKeyring {
  /** Fingerprints of every key of the keyring, newest first. */
  readonly fingerprints: readonly string[];
  /** The key that signs replies: the newest key able to sign when the keyring was loaded. */
  readonly signingFingerprint: string;
}

interface KeyringInternals {
  readonly decryptionKeys: readonly openpgp.PrivateKey[];
  readonly signingKey: openpgp.PrivateKey;
}

// The openpgp objects stay reachable only from this folder: callers hold an opaque keyring.
const internals = new WeakMap<PrivateKeyring, KeyringInternals>();

export function keyringInternals(keyring: PrivateKeyring): KeyringInternals {
  const found = internals.get(keyring);
  if (found === undefined) throw new TypeError('Not a keyring built by loadPrivateKeyring');
  return found;
}

/** An armored private key, and its passphrase when it is locked. */
export interface KeyMaterial {
  readonly privateKey: string;
  readonly passphrase?: string | undefined;
}

/**
 * Throws `CryptoKeyError` (EMPTY_KEYRING, UNREADABLE, NOT_PRIVATE, PASSPHRASE_REQUIRED,
 * BAD_PASSPHRASE, NO_SIGNING_KEY): a broken national key is a start-up fault, reported at once.
 */
export async function loadPrivateKeyring(keys: readonly KeyMaterial[]): Promise<PrivateKeyring> {
  if (keys.length === 0) throw new CryptoKeyError('EMPTY_KEYRING', 'Aucune clé nationale privée n’est configurée.');
  const decrypted = await Promise.all(keys.map((entry, index) => unlock(entry, index)));
  decrypted.sort((a, b) => b.getCreationTime().getTime() - a.getCreationTime().getTime());

  let signingKey: openpgp.PrivateKey | undefined;
  for (const key of decrypted) {
    const canSign = await key.getSigningKey().then(
      () => true,
      () => false,
    );
    if (canSign) {
      signingKey = key;
      break;
    }
  }
  if (signingKey === undefined) {
    throw new CryptoKeyError('NO_SIGNING_KEY', 'Aucune clé nationale ne peut signer (clés expirées ou révoquées).');
  }

  const keyring: PrivateKeyring = Object.freeze({
    fingerprints: Object.freeze(decrypted.map(fingerprint)),
    signingFingerprint: fingerprint(signingKey),
  });
  internals.set(keyring, { decryptionKeys: decrypted, signingKey });
  return keyring;
}

/**
 * The keyring's keys, armored unlocked, for the worker threads of this same process:
 * unlocking them again would cost each worker ~0.3 s and a 16 MB buffer per key (openpgp.js
 * materialises the iterated S2K input). Never written anywhere; it crosses to the workers by
 * structured clone only.
 */
export function unlockedKeyMaterial(keyring: PrivateKeyring): KeyMaterial[] {
  return keyringInternals(keyring).decryptionKeys.map((key) => ({ privateKey: key.armor() }));
}

async function unlock(entry: KeyMaterial, index: number) {
  const where = `clé nationale n° ${index + 1}`;
  let key: openpgp.PrivateKey;
  try {
    key = await openpgp.readPrivateKey({ armoredKey: entry.privateKey });
  } catch (cause) {
    const code = /private key/i.test(String(cause)) ? 'NOT_PRIVATE' : 'UNREADABLE';
    throw new CryptoKeyError(code, `La ${where} n'est pas une clé privée OpenPGP lisible.`, { cause });
  }
  if (key.isDecrypted()) return key;
  if (!entry.passphrase) {
    throw new CryptoKeyError('PASSPHRASE_REQUIRED', `La ${where} est protégée par une phrase de passe, non fournie.`);
  }
  try {
    return await openpgp.decryptKey({ privateKey: key, passphrase: entry.passphrase });
  } catch (cause) {
    throw new CryptoKeyError('BAD_PASSPHRASE', `La phrase de passe de la ${where} est incorrecte.`, { cause });
  }
}
