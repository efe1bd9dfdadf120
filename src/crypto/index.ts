/**
 * The OpenPGP edge. openpgp is imported only inside this folder; the rest of the project sees
 * armored key strings, uppercase hex fingerprints and byte payloads.
 */
export {
  CryptoKeyError,
  fingerprintOf,
  generateKeyPair,
  inspectPublicKey,
  publicKeyOf,
  type CryptoKeyErrorCode,
  type GeneratedKeyPair,
  type PublicKeyInfo,
} from './keys.js';
export { loadPrivateKeyring, unlockedKeyMaterial, type KeyMaterial, type PrivateKeyring } from './keyring.js';
export { decryptAndVerify, type DecryptedPayload } from './decrypt.js';
export { signAndEncrypt, type SealOptions } from './encrypt.js';
