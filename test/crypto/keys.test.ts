/**
 * Keys: what we generate GnuPG 2.2 imports and uses; what guichets hand us is inspected and
 * refused with a typed error when unusable; the national keyring refuses bad configuration.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CryptoKeyError,
  fingerprintOf,
  generateKeyPair,
  inspectPublicKey,
  loadPrivateKeyring,
  publicKeyOf,
  signAndEncrypt,
  unlockedKeyMaterial,
  type GeneratedKeyPair,
} from '../../src/crypto/index.js';
import {
  createGpgHome,
  gpg,
  gpgDecrypt,
  gpgExportPublic,
  gpgGenerateKey,
  gpgImport,
  gpgRevocationCertificate,
  gpgSignEncrypt,
  type GpgHome,
  type GpgKey,
} from '../helpers/gpg.js';

let home: GpgHome;
let ours: GeneratedKeyPair;
let gpgKey: GpgKey;

beforeAll(async () => {
  home = await createGpgHome();
  ours = await generateKeyPair({ name: 'SNE national', email: 'national@sne.test', passphrase: 'phrase secrète', expiresInDays: 730 });
  gpgKey = await gpgGenerateKey(home, 'Guichet G1104', 'g1104@guichet.test');
}, 20_000);

afterAll(async () => {
  await home?.cleanup();
});

async function expectKeyError(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CryptoKeyError);
  expect((error as CryptoKeyError).code).toBe(code);
}

describe('generateKeyPair', () => {
  it('makes a passphrase-protected key pair that GnuPG 2.2 imports and uses', async () => {
    expect(ours.fingerprint).toMatch(/^[0-9A-F]{40}$/);
    expect(await gpgImport(home, ours.publicKey)).toContain(ours.fingerprint);
    expect(await gpgImport(home, ours.privateKey, 'phrase secrète')).toContain(ours.fingerprint);

    const listing = (await gpg(home, ['--with-colons', '--list-secret-keys', ours.fingerprint])).stdout.toString();
    expect(listing).toMatch(/^sec:.*:ed25519:/m);
    expect(listing).toMatch(/^ssb:.*:cv25519:/m);

    // gpg encrypts to it, and decrypts with it (passphrase required).
    const lot = await gpgSignEncrypt(home, 'bonjour', gpgKey.fingerprint, ours.fingerprint);
    expect((await gpg(home, ['--decrypt'], lot, 'mauvaise')).code).not.toBe(0);
    expect((await gpgDecrypt(home, lot, 'phrase secrète')).plaintext.toString()).toBe('bonjour');
  });

  it('private keys are encrypted with the passphrase', async () => {
    await expectKeyError(loadPrivateKeyring([{ privateKey: ours.privateKey }]), 'PASSPHRASE_REQUIRED');
    await expectKeyError(loadPrivateKeyring([{ privateKey: ours.privateKey, passphrase: 'faux' }]), 'BAD_PASSPHRASE');
    const keyring = await loadPrivateKeyring([{ privateKey: ours.privateKey, passphrase: 'phrase secrète' }]);
    expect(keyring.signingFingerprint).toBe(ours.fingerprint);
  });

  it('the exported public half has the same fingerprint', async () => {
    const exported = await publicKeyOf(ours.privateKey);
    expect(exported).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    expect(await fingerprintOf(exported)).toBe(ours.fingerprint);
  });
});

describe('inspectPublicKey', () => {
  it('describes our key', async () => {
    const info = await inspectPublicKey(ours.publicKey);
    expect(info).toMatchObject({
      fingerprint: ours.fingerprint,
      userIds: ['SNE national <national@sne.test>'],
      revoked: false,
      canEncrypt: true,
      version: 4,
    });
    const days = ((info.expiresAt?.getTime() ?? 0) - info.createdAt.getTime()) / 86_400_000;
    expect(days).toBeCloseTo(730, 3);
  });

  it('describes a gpg key, never-expiring', async () => {
    const info = await inspectPublicKey(gpgKey.publicKey);
    expect(info).toMatchObject({ fingerprint: gpgKey.fingerprint, expiresAt: null, revoked: false, canEncrypt: true });
    expect(info.algorithm).toMatch(/ed25519/);
  });

  it('sees a revoked key, which can no longer receive replies', async () => {
    const victim = await gpgGenerateKey(home, 'Guichet révoqué', 'revoque@guichet.test');
    await gpgImport(home, await gpgRevocationCertificate(home, victim.fingerprint));
    const revoked = await gpgExportPublic(home, victim.fingerprint);
    expect(await inspectPublicKey(revoked)).toMatchObject({ fingerprint: victim.fingerprint, revoked: true, canEncrypt: false });

    const keyring = await loadPrivateKeyring([{ privateKey: ours.privateKey, passphrase: 'phrase secrète' }]);
    await expectKeyError(signAndEncrypt(new Uint8Array([1]), keyring, [revoked]), 'NO_VALID_RECIPIENT');
    // Next to a valid key, the revoked one is skipped rather than failing the reply.
    const reply = await signAndEncrypt(new Uint8Array([1]), keyring, [revoked, gpgKey.publicKey]);
    expect((await gpgDecrypt(home, reply)).plaintext).toEqual(Buffer.from([1]));
  });

  it.each([
    { label: 'garbage', text: 'pas une clé', code: 'UNREADABLE' },
    { label: 'an armored message', text: '-----BEGIN PGP MESSAGE-----\n\nwcBMA\n-----END PGP MESSAGE-----\n', code: 'UNREADABLE' },
  ])('refuses $label', async ({ text, code }) => {
    await expectKeyError(inspectPublicKey(text), code);
    await expectKeyError(fingerprintOf(text), code);
  });

  it('refuses a private key and a block of several keys', async () => {
    await expectKeyError(inspectPublicKey(ours.privateKey), 'NOT_PUBLIC');
    const both = (await gpg(home, ['--armor', '--export', ours.fingerprint, gpgKey.fingerprint])).stdout.toString();
    await expectKeyError(inspectPublicKey(both), 'SEVERAL_KEYS');
  });
});

describe('loadPrivateKeyring', () => {
  it('refuses an empty keyring, a public key, garbage', async () => {
    await expectKeyError(loadPrivateKeyring([]), 'EMPTY_KEYRING');
    await expectKeyError(loadPrivateKeyring([{ privateKey: ours.publicKey }]), 'NOT_PRIVATE');
    await expectKeyError(loadPrivateKeyring([{ privateKey: 'rien' }]), 'UNREADABLE');
  });

  it('the newest key signs, whatever the configuration order', async () => {
    const older = await generateKeyPair({ name: 'A', email: 'a@sne.test', createdAt: new Date(Date.now() - 86_400_000) });
    const newer = await generateKeyPair({ name: 'B', email: 'b@sne.test' });
    for (const order of [
      [older, newer],
      [newer, older],
    ]) {
      const keyring = await loadPrivateKeyring(order.map((k) => ({ privateKey: k.privateKey })));
      expect(keyring.signingFingerprint).toBe(newer.fingerprint);
      expect(keyring.fingerprints).toEqual([newer.fingerprint, older.fingerprint]);
    }
  });

  it('an expired newest key does not sign; if none can sign, loading fails', async () => {
    const valid = await generateKeyPair({ name: 'A', email: 'a@sne.test', createdAt: new Date(Date.now() - 5 * 86_400_000) });
    const expired = await generateKeyPair({
      name: 'B',
      email: 'b@sne.test',
      createdAt: new Date(Date.now() - 3 * 86_400_000),
      expiresInDays: 1,
    });
    const keyring = await loadPrivateKeyring([{ privateKey: valid.privateKey }, { privateKey: expired.privateKey }]);
    expect(keyring.signingFingerprint).toBe(valid.fingerprint);
    await expectKeyError(loadPrivateKeyring([{ privateKey: expired.privateKey }]), 'NO_SIGNING_KEY');
  });

  it('hands its keys unlocked to the reply workers: same keys, same signer, no passphrase needed', async () => {
    const older = await generateKeyPair({ name: 'A', email: 'a@sne.test', passphrase: 'une', createdAt: new Date(Date.now() - 86_400_000) });
    const newer = await generateKeyPair({ name: 'B', email: 'b@sne.test', passphrase: 'deux' });
    const keyring = await loadPrivateKeyring([
      { privateKey: older.privateKey, passphrase: 'une' },
      { privateKey: newer.privateKey, passphrase: 'deux' },
    ]);
    const material = unlockedKeyMaterial(keyring);
    expect(material.every((m) => !('passphrase' in m))).toBe(true);
    const again = await loadPrivateKeyring(material);
    expect(again.fingerprints).toEqual(keyring.fingerprints);
    expect(again.signingFingerprint).toBe(newer.fingerprint);
  });
});
