/**
 * Opens an incoming lot: decrypts with any national key and demands a valid signature by one of
 * the sending guichet's keys (spec section 2). Every failure is a `LotResult` value:
 * LOT_DECHIFFREMENT, LOT_SIGNATURE or LOT_TAILLE; nothing is thrown for a hostile input.
 */
import * as openpgp from 'openpgp';
import { fail, lotError, ok, type LotResult } from '../errors.js';
import { inflationCap, LIMITS, tooInflated, tooLarge } from '../limits.js';
import { cachedPublicKeyList, fingerprint } from './keys.js';
import { keyringInternals, type PrivateKeyring } from './keyring.js';

export interface DecryptedPayload {
  readonly payload: Uint8Array;
  /** Primary-key fingerprint of the guichet key whose signature verified. */
  readonly signerFingerprint: string;
  /** Fingerprint of the national key the lot was encrypted to (shows who still uses an old key). */
  readonly nationalFingerprint?: string;
  /** The file name carried in the OpenPGP literal packet, if any. */
  readonly filename?: string;
}

/**
 * The compressed packet may inflate to the XML limit and, past a small floor, to
 * LIMITS.compressionRatio times the message as received (armored or not): openpgp counts the
 * output as it streams and stops there, so that a small ciphertext cannot make 64 MiB of XML.
 */
const readConfig = (messageBytes: number): openpgp.PartialConfig => ({ maxDecompressedMessageSize: inflationCap(messageBytes) });

/**
 * A guichet whose clock runs a little ahead must not see its lot refused as "signed in the
 * future": signatures are checked as of now plus this margin.
 */
const CLOCK_SKEW_MS = 15 * 60 * 1000;

const ARMOR_HEADER = '-----BEGIN PGP MESSAGE-----';

export async function decryptAndVerify(
  message: Uint8Array,
  keyring: PrivateKeyring,
  signerPublicKeys: readonly string[],
): Promise<LotResult<DecryptedPayload>> {
  const { decryptionKeys } = keyringInternals(keyring);

  const config = readConfig(message.length);
  let parsed: openpgp.Message<Uint8Array | string>;
  try {
    const armorAt = armorStart(message);
    parsed =
      armorAt >= 0
        ? await openpgp.readMessage({ armoredMessage: new TextDecoder().decode(message.subarray(armorAt)), config })
        : await openpgp.readMessage({ binaryMessage: message, config });
  } catch {
    return fail(lotError('LOT_DECHIFFREMENT', "Le fichier n'est pas un message OpenPGP lisible."));
  }
  const recipients = parsed.getEncryptionKeyIDs();
  if (recipients.length === 0) {
    return fail(lotError('LOT_DECHIFFREMENT', "Le message OpenPGP n'est pas chiffré."));
  }
  // openpgp tries every session-key packet against every national key, all at once: bound them
  // before any private-key operation, since nothing is authenticated yet.
  const sessionKeyPackets = parsed.packets.filter(
    (packet) => packet instanceof openpgp.PublicKeyEncryptedSessionKeyPacket || packet instanceof openpgp.SymEncryptedSessionKeyPacket,
  ).length;
  if (sessionKeyPackets > LIMITS.sessionKeyPackets) {
    return fail(
      lotError(
        'LOT_DECHIFFREMENT',
        `Le message OpenPGP porte ${sessionKeyPackets} paquets de clé de session (au plus ${LIMITS.sessionKeyPackets} admis : un par destinataire).`,
        { limit: 'sessionKeyPackets', max: LIMITS.sessionKeyPackets, actual: sessionKeyPackets },
      ),
    );
  }

  // A guichet key that cannot be parsed must not hide the others: verify with what reads.
  const verificationKeys = (
    await Promise.all(signerPublicKeys.map((armored) => cachedPublicKeyList([armored]).catch(() => [])))
  ).flat();

  // openpgp.decrypt's steps, with the signatures counted between decryption and verification:
  // each one hashes the whole payload before anything tells whose it is.
  const date = new Date(Date.now() + CLOCK_SKEW_MS);
  let decrypted: { data: Uint8Array; filename: string | null; signatures: openpgp.DecryptMessageResult['signatures'] };
  try {
    const fullConfig: openpgp.Config = { ...openpgp.config, ...config };
    const opened = await parsed.decrypt([...decryptionKeys], undefined, undefined, date, fullConfig);
    const { packets } = opened.unwrapCompressed();
    const count = (kind: typeof openpgp.SignaturePacket | typeof openpgp.OnePassSignaturePacket) => packets.filter((packet) => packet instanceof kind).length;
    const signatureCount = Math.max(count(openpgp.SignaturePacket), count(openpgp.OnePassSignaturePacket));
    if (signatureCount > LIMITS.signaturePackets) {
      return fail(
        lotError('LOT_SIGNATURE', `Le lot porte ${signatureCount} signatures (au plus ${LIMITS.signaturePackets} admises : une par clé du guichet).`, {
          limit: 'signaturePackets',
          max: LIMITS.signaturePackets,
          actual: signatureCount,
        }),
      );
    }
    const signatures = await opened.verify(verificationKeys, date, fullConfig);
    decrypted = { data: opened.getLiteralData() as Uint8Array, filename: opened.getFilename(), signatures };
  } catch (error) {
    if (/maximum decompressed (message )?size exceeded/i.test(String(error))) {
      // openpgp stops at the cap without telling how far the data goes: report "cap + 1".
      return fail(tooInflated(message.length, inflationCap(message.length) + 1));
    }
    const keyIds = recipients.map((id) => id.toHex().toUpperCase()).join(', ');
    return fail(
      lotError(
        'LOT_DECHIFFREMENT',
        `Le lot n'est chiffré pour aucune clé nationale valide (destinataires : ${keyIds}), ou il est altéré.`,
        { recipients: keyIds },
      ),
    );
  }
  if (decrypted.data.byteLength > LIMITS.xmlBytes) return fail(tooLarge('xmlBytes', decrypted.data.byteLength));

  const signer = await verifiedSigner(decrypted.signatures, verificationKeys);
  if (!signer.ok) return signer;

  const national = decryptionKeys.find((key) => recipients.some((id) => key.getKeys(id).length > 0));
  const value: DecryptedPayload = {
    payload: decrypted.data,
    signerFingerprint: signer.value,
    ...(national ? { nationalFingerprint: fingerprint(national) } : {}),
    ...(decrypted.filename ? { filename: decrypted.filename } : {}),
  };
  return ok(value);
}

/**
 * Where the armor header starts, or -1 for binary (which starts with a packet tag byte, bit 7
 * set, never with ASCII text). A BOM and blank lines before it are skipped: openpgp refuses them.
 */
function armorStart(message: Uint8Array): number {
  let start = 0;
  if (message[0] === 0xef && message[1] === 0xbb && message[2] === 0xbf) start = 3;
  while (start < message.length && start < 1024 && isSpace(message[start] ?? 0)) start++;
  const head = new TextDecoder('latin1').decode(message.subarray(start, start + ARMOR_HEADER.length));
  return head === ARMOR_HEADER ? start : -1;
}

const isSpace = (byte: number): boolean => byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;

/**
 * The signer is the first signature that verifies with a key of the guichet. Signatures by
 * other keys are ignored when one of the guichet's verifies (gpg would report them alike);
 * otherwise the most telling failure is reported.
 */
async function verifiedSigner(
  signatures: openpgp.DecryptMessageResult['signatures'],
  guichetKeys: readonly openpgp.Key[],
): Promise<LotResult<string>> {
  if (signatures.length === 0) return fail(lotError('LOT_SIGNATURE', "Le lot n'est pas signé."));
  let badSignature: string | undefined;
  for (const signature of signatures) {
    const keyId = signature.keyID.toHex().toUpperCase();
    const owner = guichetKeys.find((key) => key.getKeys(signature.keyID).length > 0);
    if (owner === undefined) continue;
    try {
      await signature.verified;
      return ok(fingerprint(owner));
    } catch {
      badSignature = keyId;
    }
  }
  if (badSignature !== undefined) {
    return fail(
      lotError(
        'LOT_SIGNATURE',
        `La signature du lot par la clé ${badSignature} du guichet est invalide (altérée, ou clé expirée ou révoquée à la date de signature).`,
        { keyId: badSignature },
      ),
    );
  }
  const signers = signatures.map((signature) => signature.keyID.toHex().toUpperCase()).join(', ');
  return fail(
    lotError('LOT_SIGNATURE', `Le lot est signé par une clé (${signers}) qui n'est pas enregistrée pour le guichet expéditeur.`, {
      keyId: signers,
    }),
  );
}
