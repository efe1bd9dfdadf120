/**
 * Native sealing (src/crypto/native-seal.ts) below the GnuPG interop tests: the ephemeral key it
 * makes without OpenSSL's key generation and encoder is a true X25519 pair.
 */
import { createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ephemeralX25519 } from '../../src/crypto/native-seal.js';

describe('native sealing: the ephemeral X25519 key', () => {
  it('has the public key OpenSSL derives from its private key, and agrees with a peer as OpenSSL does', () => {
    const peer = generateKeyPairSync('x25519');
    for (let i = 0; i < 50; i++) {
      const { privateKey, publicKey } = ephemeralX25519();
      const derived = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
      expect(publicKey.length).toBe(32);
      expect(publicKey.equals(derived.subarray(derived.length - 32))).toBe(true);
      // What the recipient computes from the raw public key equals what the sender computed.
      const fromRaw = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: publicKey.toString('base64url') }, format: 'jwk' });
      expect(diffieHellman({ privateKey: peer.privateKey, publicKey: fromRaw })).toEqual(diffieHellman({ privateKey, publicKey: peer.publicKey }));
    }
  });

  it('is fresh at every call', () => {
    const keys = new Set(Array.from({ length: 100 }, () => ephemeralX25519().publicKey.toString('hex')));
    expect(keys.size).toBe(100);
  });
});
