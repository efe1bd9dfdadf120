/**
 * Seals a reply (spec section 5): signed by the national key, encrypted to the guichet's keys,
 * in a form GnuPG 2.2 reads (v4 signature, SEIPDv1 unless every recipient key asks for v2).
 */
import * as openpgp from 'openpgp';
import { CryptoKeyError, GPG22_CONFIG, cachedPublicKeyList } from './keys.js';
import { keyringInternals, type PrivateKeyring } from './keyring.js';
import { nativePlan, nativeSeal } from './native-seal.js';

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
  const keys = await cachedPublicKeyList(recipientPublicKeys);
  const usable = await Promise.all(
    keys.map((key) =>
      key.getEncryptionKey().then(
        () => key,
        () => undefined,
      ),
    ),
  );
  const encryptionKeys = usable.filter((key): key is openpgp.Key => key !== undefined);
  if (encryptionKeys.length === 0) {
    throw new CryptoKeyError('NO_VALID_RECIPIENT', "Aucune clé du guichet n'est utilisable pour chiffrer (expirée, révoquée ou absente).");
  }

  // The common kinds of keys are sealed natively (native-seal.ts): the same packets, ~8× faster.
  const date = new Date();
  const plan = await nativePlan(signingKey, encryptionKeys, date);
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
      encryptionKeys,
      signingKeys: signingKey,
      format: 'armored',
      config: GPG22_CONFIG,
    });
    return new TextEncoder().encode(armored);
  }
  return openpgp.encrypt({ message, encryptionKeys, signingKeys: signingKey, format: 'binary', config: GPG22_CONFIG });
}
