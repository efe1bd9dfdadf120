/**
 * What gpg 2.2 cannot make: RFC 9580 (v6) keys and SEIPDv2 messages, and a signature that is
 * present but wrong. This test builds them with openpgp itself (the only test that imports it).
 */
import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  decryptAndVerify,
  generateKeyPair,
  loadPrivateKeyring,
  signAndEncrypt,
  type GeneratedKeyPair,
  type PrivateKeyring,
} from '../../src/crypto/index.js';

const LOT = new TextEncoder().encode('<lot xmlns="urn:sne-gateway:lot:1" version="1.0"/>\n'.repeat(20));

let national: GeneratedKeyPair;
let keyring: PrivateKeyring;
let v6Guichet: { privateKey: openpgp.PrivateKey; publicArmored: string; fingerprint: string };
let v4Guichet: GeneratedKeyPair;

beforeAll(async () => {
  national = await generateKeyPair({ name: 'SNE national', email: 'national@sne.test' });
  keyring = await loadPrivateKeyring([{ privateKey: national.privateKey }]);
  v4Guichet = await generateKeyPair({ name: 'Guichet v4', email: 'v4@guichet.test' });
  const v6 = await openpgp.generateKey({
    type: 'curve25519',
    userIDs: [{ name: 'Guichet v6', email: 'v6@guichet.test' }],
    format: 'object',
    config: { v6Keys: true, aeadProtect: true },
  });
  v6Guichet = {
    privateKey: v6.privateKey,
    publicArmored: v6.publicKey.armor(),
    fingerprint: v6.publicKey.getFingerprint().toUpperCase(),
  };
});

describe('OpenPGP v6 (RFC 9580)', () => {
  it('a SEIPDv2 lot signed by a v6 key decrypts and verifies', async () => {
    const encryptionKey = await openpgp.readKey({ armoredKey: national.publicKey });
    const message = await openpgp.encrypt({
      message: await openpgp.createMessage({ binary: LOT, filename: 'lot.xml' }),
      encryptionKeys: encryptionKey,
      signingKeys: v6Guichet.privateKey,
      // Our v4 national key does not ask for SEIPDv2; an AEAD session key forces it.
      sessionKey: { data: crypto.getRandomValues(new Uint8Array(32)), algorithm: 'aes256', aeadAlgorithm: 'ocb' },
      format: 'binary',
    });
    const packets = (await openpgp.readMessage({ binaryMessage: message })).packets;
    const seipd = packets.findPacket(openpgp.enums.packet.symEncryptedIntegrityProtectedData) as unknown as { version: number };
    expect(seipd.version).toBe(2);

    const result = await decryptAndVerify(message, keyring, [v6Guichet.publicArmored]);
    expect(result).toMatchObject({ ok: true, value: { signerFingerprint: v6Guichet.fingerprint, filename: 'lot.xml' } });
    expect(result.ok && Buffer.from(result.value.payload).equals(Buffer.from(LOT))).toBe(true);
  });

  it('a reply to a v6 guichet is readable and verifiable by it', async () => {
    const reply = await signAndEncrypt(LOT, keyring, [v6Guichet.publicArmored]);
    const opened = await openpgp.decrypt({
      message: await openpgp.readMessage({ binaryMessage: reply }),
      decryptionKeys: v6Guichet.privateKey,
      verificationKeys: await openpgp.readKey({ armoredKey: national.publicKey }),
      expectSigned: true,
      format: 'binary',
    });
    expect(Buffer.from(opened.data).equals(Buffer.from(LOT))).toBe(true);
  });
});

describe('signatures that are present but wrong', () => {
  it.each([{ tamper: false }, { tamper: true }])('signed packets, tampered: $tamper', async ({ tamper }) => {
    const signed = await openpgp.sign({
      message: await openpgp.createMessage({ binary: LOT }),
      signingKeys: await openpgp.readPrivateKey({ armoredKey: v4Guichet.privateKey }),
      format: 'object',
    });
    // [one-pass signature, literal data, signature]: swap in other literal data, keep the signature.
    if (tamper) {
      const other = await openpgp.createMessage({ binary: new TextEncoder().encode('<lot xmlns="urn:autre"/>') });
      (signed.packets as unknown as unknown[])[1] = other.packets[0];
    }
    const encrypted = await signed.encrypt([await openpgp.readKey({ armoredKey: national.publicKey })]);
    const result = await decryptAndVerify(encrypted.write() as Uint8Array, keyring, [v4Guichet.publicKey]);
    if (tamper) {
      expect(result.ok ? null : result.error).toMatchObject({ code: 'LOT_SIGNATURE', message: expect.stringMatching(/invalide/) });
    } else {
      expect(result).toMatchObject({ ok: true, value: { signerFingerprint: v4Guichet.fingerprint } });
    }
  });
});

// Issue 15, point 5: each signature hashes the whole payload before its signer is known.
describe('signatures counted before they are checked', () => {
  async function signedBy(count: number): Promise<Uint8Array> {
    const guichet = await openpgp.readPrivateKey({ armoredKey: v4Guichet.privateKey });
    // Signatures claiming keys the gateway does not know, then the guichet's own.
    const others = await Promise.all(
      Array.from({ length: count - 1 }, async (_, i) => (await openpgp.generateKey({ type: 'ecc', userIDs: [{ email: `autre${i}@x.test` }], format: 'object' })).privateKey),
    );
    const encrypted = await openpgp.encrypt({
      message: await openpgp.createMessage({ binary: LOT }),
      encryptionKeys: await openpgp.readKey({ armoredKey: national.publicKey }),
      signingKeys: [...others, guichet],
      format: 'binary',
    });
    return encrypted as Uint8Array;
  }

  it('refuses more than 16 signatures with LOT_SIGNATURE, naming the limit', async () => {
    const result = await decryptAndVerify(await signedBy(17), keyring, [v4Guichet.publicKey]);
    expect(result.ok ? null : result.error).toMatchObject({ code: 'LOT_SIGNATURE', details: { limit: 'signaturePackets', max: 16, actual: 17 } });
  });

  it('accepts a lot signed by the guichet beside another key (a rotation)', async () => {
    const result = await decryptAndVerify(await signedBy(2), keyring, [v4Guichet.publicKey]);
    expect(result).toMatchObject({ ok: true, value: { signerFingerprint: v4Guichet.fingerprint } });
  });
});
