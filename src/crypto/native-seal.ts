/**
 * The common case of `signAndEncrypt` written with node:crypto's native, synchronous primitives:
 * a v4 Ed25519 (eddsaLegacy) national key signing, v4 Curve25519 (ECDH, curve25519Legacy)
 * guichet keys, SEIPDv1 with AES-256, no compression — the very packets openpgp.js writes with
 * GPG22_CONFIG, readable by GnuPG 2.2 (RFC 4880 + RFC 6637). openpgp.js does the same work
 * through WebCrypto: each sign, key agreement and key wrap is an asynchronous job on the thread
 * pool with a key import before it, and its streams machinery wraps the packets: ~3.5 ms per
 * 36 kB reply here, against ~0.4 ms this way (docs/PERFORMANCE.md, "Sealing").
 *
 * Keys are still chosen and checked by openpgp.js (validity, expiry, revocation, preferences);
 * `nativePlan` returns undefined for anything else (RSA, NIST curves, v6 keys, SEIPDv2 asked by
 * every recipient, no AES-256 preference), which then goes through openpgp.js unchanged.
 */
import { createCipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, randomBytes, sign, type KeyObject } from 'node:crypto';
import * as openpgp from 'openpgp';

const ALGO_ECDH = 18;
const ALGO_EDDSA_LEGACY = 22;
const SYM_AES256 = 9;
const HASH_SHA512 = 10;
const SEIPDV2_FEATURE = 0x08;
// DER prefixes around a raw 32-byte key (RFC 8410): PKCS#8 Ed25519 private, SPKI X25519 public.
const ED25519_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');
const X25519_SPKI = Buffer.from('302a300506032b656e032100', 'hex');
const AES_KW_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');
const ANONYMOUS_SENDER = Buffer.from('Anonymous Sender    ', 'latin1');
// The notation openpgp.js adds to v4 signatures (config.nonDeterministicSignaturesViaNotation).
const SALT_NOTATION = Buffer.from('salt@notations.openpgpjs.org', 'utf8');
const HASH_NAMES: Readonly<Record<number, string>> = { 8: 'sha256', 9: 'sha384', 10: 'sha512' };
const KW_CIPHERS: Readonly<Record<number, { name: string; bytes: number }>> = {
  7: { name: 'id-aes128-wrap', bytes: 16 },
  8: { name: 'id-aes192-wrap', bytes: 24 },
  9: { name: 'id-aes256-wrap', bytes: 32 },
};

interface Signer {
  readonly keyId: Buffer;
  readonly fingerprint: Buffer;
  readonly privateKey: KeyObject;
}

interface Recipient {
  readonly keyId: Buffer;
  /** RFC 6637 KDF parameter: curve OID, algorithm, KDF params, "Anonymous Sender", fingerprint. */
  readonly param: Buffer;
  readonly hash: string;
  readonly wrap: { name: string; bytes: number };
  readonly publicKey: KeyObject;
}

export interface NativePlan {
  readonly signer: Signer;
  readonly recipients: readonly Recipient[];
}

// Native key objects made once per openpgp key packet (the keyring and the public-key cache
// keep those packets for the process's life).
const signers = new WeakMap<object, Signer | null>();
const recipients = new WeakMap<object, Recipient | null>();

/** The native plan when every key is of the common kind, else undefined (openpgp.js then seals). */
export async function nativePlan(signingKey: openpgp.PrivateKey, encryptionKeys: readonly openpgp.Key[], date: Date): Promise<NativePlan | undefined> {
  const signer = signerOf((await signingKey.getSigningKey(undefined, date)).keyPacket);
  if (signer === null) return undefined;
  const selfSigs = await Promise.all(encryptionKeys.map(async (key) => (await key.getPrimaryUser(date)).selfCertification));
  // openpgp.js would choose SEIPDv2 when every recipient asks for it, and AES-128 unless every
  // recipient lists AES-256 (getPreferredCipherSuite): those cases stay with it.
  if (selfSigs.every((sig) => sig.features !== null && ((sig.features[0] ?? 0) & SEIPDV2_FEATURE) !== 0)) return undefined;
  if (!selfSigs.every((sig) => sig.preferredSymmetricAlgorithms?.includes(SYM_AES256))) return undefined;
  const planned: Recipient[] = [];
  for (const key of encryptionKeys) {
    const recipient = recipientOf((await key.getEncryptionKey(undefined, date)).keyPacket);
    if (recipient === null) return undefined;
    planned.push(recipient);
  }
  return { signer, recipients: planned };
}

type KeyPacket = openpgp.PublicKeyPacket | openpgp.SecretKeyPacket | openpgp.PublicSubkeyPacket | openpgp.SecretSubkeyPacket;

function signerOf(packet: KeyPacket): Signer | null {
  const cached = signers.get(packet);
  if (cached !== undefined) return cached;
  const params = (packet as unknown as { privateParams?: { seed?: Uint8Array } }).privateParams;
  const signer =
    packet.version === 4 && packet.algorithm === ALGO_EDDSA_LEGACY && params?.seed?.length === 32
      ? {
          keyId: keyIdBytes(packet),
          fingerprint: Buffer.from(packet.getFingerprintBytes()!),
          privateKey: createPrivateKey({ key: Buffer.concat([ED25519_PKCS8, params.seed]), format: 'der', type: 'pkcs8' }),
        }
      : null;
  signers.set(packet, signer);
  return signer;
}

interface EcdhParams {
  readonly oid: { write(): Uint8Array; getName(): string };
  readonly Q: Uint8Array;
  readonly kdfParams: { write(): Uint8Array; hash: number; cipher: number };
}

function recipientOf(packet: KeyPacket): Recipient | null {
  const cached = recipients.get(packet);
  if (cached !== undefined) return cached;
  const params = packet.publicParams as unknown as EcdhParams;
  const hash = HASH_NAMES[params.kdfParams?.hash];
  const wrap = KW_CIPHERS[params.kdfParams?.cipher];
  const recipient =
    packet.version === 4 &&
    packet.algorithm === ALGO_ECDH &&
    params.oid.getName() === 'curve25519Legacy' &&
    params.Q.length === 33 &&
    params.Q[0] === 0x40 &&
    hash !== undefined &&
    wrap !== undefined
      ? {
          keyId: keyIdBytes(packet),
          param: Buffer.concat([params.oid.write(), Buffer.from([ALGO_ECDH]), params.kdfParams.write(), ANONYMOUS_SENDER, packet.getFingerprintBytes()!]),
          hash,
          wrap,
          publicKey: createPublicKey({ key: Buffer.concat([X25519_SPKI, params.Q.subarray(1)]), format: 'der', type: 'spki' }),
        }
      : null;
  recipients.set(packet, recipient);
  return recipient;
}

/** The binary OpenPGP message: PKESKs, then SEIPDv1 of one-pass signature, literal data, signature. */
export function nativeSeal(plan: NativePlan, payload: Uint8Array, filename: string, date: Date): Buffer {
  const seconds = Math.floor(date.getTime() / 1000);
  const name = Buffer.from(filename, 'utf8').subarray(0, 255);
  const literal = packet(11, [Buffer.from([0x62, name.length]), name, uint32(seconds), payload]);
  const { signer } = plan;
  const onePass = packet(4, [Buffer.from([3, 0x00, HASH_SHA512, ALGO_EDDSA_LEGACY]), signer.keyId, Buffer.from([1])]);
  // One draw for the message's three secrets: each `randomBytes` call costs ~6 µs of its own.
  const random = randomBytes(80);
  const salt = random.subarray(0, 32);
  const hashed = Buffer.concat([
    subpacket(0x82, uint32(seconds)), // creation time, critical (as openpgp.js writes it)
    subpacket(33, Buffer.concat([Buffer.from([4]), signer.fingerprint])),
    subpacket(20, Buffer.concat([Buffer.from([0, 0, 0, 0]), uint16(SALT_NOTATION.length), uint16(salt.length), SALT_NOTATION, salt])),
  ]);
  const signatureData = Buffer.concat([Buffer.from([4, 0x00, ALGO_EDDSA_LEGACY, HASH_SHA512]), uint16(hashed.length), hashed]);
  const digest = createHash('sha512').update(payload).update(signatureData).update(Buffer.from([4, 0xff])).update(uint32(signatureData.length)).digest();
  const rs = sign(null, digest, signer.privateKey);
  const signature = packet(2, [signatureData, uint16(10), subpacket(16, signer.keyId), digest.subarray(0, 2), mpi(rs.subarray(0, 32)), mpi(rs.subarray(32))]);

  const sessionKey = random.subarray(32, 64);
  const prefix = random.subarray(64, 80);
  const plain = Buffer.concat([prefix, prefix.subarray(14), onePass, literal, signature, Buffer.from([0xd3, 0x14])]);
  const mdc = createHash('sha1').update(plain).digest();
  const cipher = createCipheriv('aes-256-cfb', sessionKey, Buffer.alloc(16));
  const seipd = packet(18, [Buffer.from([1]), cipher.update(plain), cipher.update(mdc), cipher.final()]);
  return Buffer.concat([...plan.recipients.map((r) => pkesk(r, sessionKey)), seipd]);
}

function pkesk(recipient: Recipient, sessionKey: Buffer): Buffer {
  const ephemeral = ephemeralX25519();
  const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient.publicKey });
  const kek = createHash(recipient.hash).update(Buffer.from([0, 0, 0, 1])).update(shared).update(recipient.param).digest().subarray(0, recipient.wrap.bytes);
  let checksum = 0;
  for (const byte of sessionKey) checksum = (checksum + byte) & 0xffff;
  const m = Buffer.concat([Buffer.from([SYM_AES256]), sessionKey, uint16(checksum)]);
  const pad = 8 - (m.length % 8); // PKCS#5 (RFC 6637 section 8)
  const wrapper = createCipheriv(recipient.wrap.name, kek, AES_KW_IV);
  const wrapped = Buffer.concat([wrapper.update(Buffer.concat([m, Buffer.alloc(pad, pad)])), wrapper.final()]);
  const v = Buffer.concat([Buffer.from([0x40]), ephemeral.publicKey]);
  return packet(1, [Buffer.from([3]), recipient.keyId, Buffer.from([ALGO_ECDH]), mpi(v), Buffer.from([wrapped.length]), wrapped]);
}

/** The X25519 base point (u = 9): agreeing a key with it gives the private key's public key. */
const X25519_BASE_POINT = createPublicKey({ key: Buffer.concat([X25519_SPKI, Buffer.from([9]), Buffer.alloc(31)]), format: 'der', type: 'spki' });
const UNUSED_JWK_X = Buffer.alloc(32).toString('base64url');

/**
 * A fresh ephemeral key pair, its public key raw. Not `generateKeyPairSync` and a DER export of
 * the public key (~130 µs a reply, most of it OpenSSL's encoder lookup), nor the JWK export (on
 * Node 20 it holds the key's mutex while allocating, and a GC finalizing generateKeyPairSync's job
 * then takes the same mutex: a reply worker deadlocked so). The private key is imported from 32
 * random bytes as a JWK, whose `x` Node requires but does not read for a private key (the key is
 * made from `d` alone), and the public key is computed: X25519 with the base point. ~80 µs.
 * test/crypto/native-seal.test.ts checks the pair against OpenSSL's own derivation.
 */
export function ephemeralX25519(): { readonly privateKey: KeyObject; readonly publicKey: Buffer } {
  const privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: randomBytes(32).toString('base64url'), x: UNUSED_JWK_X }, format: 'jwk' });
  return { privateKey, publicKey: diffieHellman({ privateKey, publicKey: X25519_BASE_POINT }) };
}

/** New-format packet header with a definite length (RFC 4880 section 4.2.2). */
function packet(tag: number, parts: readonly Uint8Array[]): Buffer {
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  let header: Buffer;
  if (length < 192) header = Buffer.from([0xc0 | tag, length]);
  else if (length < 8384) header = Buffer.from([0xc0 | tag, ((length - 192) >> 8) + 192, (length - 192) & 0xff]);
  else header = Buffer.concat([Buffer.from([0xc0 | tag, 0xff]), uint32(length)]);
  return Buffer.concat([header, ...parts]);
}

function keyIdBytes(packet: KeyPacket): Buffer {
  return Buffer.from((packet.getKeyID() as unknown as { write(): Uint8Array }).write());
}

function subpacket(type: number, body: Buffer): Buffer {
  if (body.length + 1 >= 192) throw new RangeError('subpacket too long');
  return Buffer.concat([Buffer.from([body.length + 1, type]), body]);
}

/** Multiprecision integer: bit length, then the bytes without leading zeros. */
function mpi(bytes: Uint8Array): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const value = bytes.subarray(start);
  const bits = (value.length - 1) * 8 + (32 - Math.clz32(value[0] ?? 0));
  return Buffer.concat([uint16(bits), value]);
}

function uint16(n: number): Buffer {
  return Buffer.from([(n >> 8) & 0xff, n & 0xff]);
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}
