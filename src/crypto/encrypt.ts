/**
 * Seals a reply (spec section 5): signed by the national key, encrypted to the guichet's keys,
 * in a form GnuPG 2.2 reads (v4 signature, SEIPDv1 unless every recipient key asks for v2).
 */
import * as openpgp from 'openpgp';
import { CryptoKeyError, GPG22_CONFIG, cachedPublicKeyList } from './keys.js';
import { keyringInternals, type PrivateKeyring } from './keyring.js';
import { nativePlan, nativeSeal, type NativePlan } from './native-seal.js';

export interface SealOptions {
  /** Name stored in the OpenPGP literal packet (what `gpg --use-embedded-filename` would write). */
  readonly filename?: string;
  /** ASCII armor (UTF-8 bytes of the armored text) instead of binary; binary by default. */
  readonly armor?: boolean;
}

/**
 * Encrypts to every recipient key usable now (a guichet rotating its keys may have two);
 * throws `CryptoKeyError` NO_VALID_RECIPIENT when none is, UNREADABLE when a key does not parse.
 */
export async function signAndEncrypt(
  payload: Uint8Array,
  keyring: PrivateKeyring,
  recipientPublicKeys: readonly string[],
  opts: SealOptions = {},
): Promise<Uint8Array> {
  const { signingKey } = keyringInternals(keyring);
  const date = new Date();
  const { encryptionKeys, plan } = await checkedKeys(signingKey, await cachedPublicKeyList(recipientPublicKeys), date);
  if (encryptionKeys.length === 0) {
    throw new CryptoKeyError('NO_VALID_RECIPIENT', "Aucune clé du guichet n'est utilisable pour chiffrer (expirée, révoquée ou absente).");
  }

  // The common kinds of keys are sealed natively (native-seal.ts): the same packets, ~8× faster.
  if (plan !== undefined) {
    const sealed = nativeSeal(plan, payload, opts.filename ?? '', date);
    return opts.armor ? new TextEncoder().encode(openpgp.armor(openpgp.enums.armor.message, sealed)) : sealed;
  }

  const message = await openpgp.createMessage({
    binary: payload,
    ...(opts.filename !== undefined ? { filename: opts.filename } : {}),
  });
  if (opts.armor) {
    const armored = await openpgp.encrypt({
      message,
      encryptionKeys: [...encryptionKeys],
      signingKeys: signingKey,
      format: 'armored',
      config: GPG22_CONFIG,
    });
    return new TextEncoder().encode(armored);
  }
  return openpgp.encrypt({ message, encryptionKeys: [...encryptionKeys], signingKeys: signingKey, format: 'binary', config: GPG22_CONFIG });
}

/** The recipients' keys usable now, and the native plan for them and the signing key. */
interface CheckedKeys {
  readonly encryptionKeys: readonly openpgp.Key[];
  readonly plan: NativePlan | undefined;
}

/**
 * How long the keys' check is reused: a lot's thousand replies go to one guichet's keys, and
 * checking them (self-signatures verified, revocations, expiry, preferences) cost ~70 µs and
 * ~50 kB of garbage per reply. What can change within it is only the passing of a key's expiry
 * time (a revocation or a new key is new key text, hence new key objects): a reply may then still
 * be encrypted to a key expired less than this long ago, which its holder can still decrypt.
 */
const KEY_CHECK_REUSE_MS = 60_000;
const KEY_CHECKS_KEPT = 64;
const keyChecks = new WeakMap<openpgp.PrivateKey, Map<string, { readonly at: number; readonly checked: Promise<CheckedKeys> }>>();

function checkedKeys(signingKey: openpgp.PrivateKey, keys: readonly openpgp.Key[], date: Date): Promise<CheckedKeys> {
  let bySigner = keyChecks.get(signingKey);
  if (bySigner === undefined) keyChecks.set(signingKey, (bySigner = new Map()));
  const id = keys.map((key) => key.getFingerprint()).join(' ');
  const known = bySigner.get(id);
  const age = date.getTime() - (known?.at ?? Number.NaN);
  if (known !== undefined && age >= 0 && age < KEY_CHECK_REUSE_MS) return known.checked;
  const checked = checkKeys(signingKey, keys, date);
  checked.catch(() => bySigner.delete(id));
  if (known === undefined && bySigner.size >= KEY_CHECKS_KEPT) bySigner.delete(bySigner.keys().next().value!);
  bySigner.set(id, { at: date.getTime(), checked });
  return checked;
}

async function checkKeys(signingKey: openpgp.PrivateKey, keys: readonly openpgp.Key[], date: Date): Promise<CheckedKeys> {
  const usable = await Promise.all(
    keys.map((key) =>
      key.getEncryptionKey(undefined, date).then(
        () => key,
        () => undefined,
      ),
    ),
  );
  const encryptionKeys = usable.filter((key): key is openpgp.Key => key !== undefined);
  return { encryptionKeys, plan: encryptionKeys.length === 0 ? undefined : await nativePlan(signingKey, encryptionKeys, date) };
}
