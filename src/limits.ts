/**
 * Every limit on untrusted input, in one place so they cannot drift apart (spec section 2).
 * A breach is a `LOT_TAILLE` built by `tooLarge`, naming the limit and what was seen — except
 * `xmlDepth` and `xmlChildBytes`, signs of hostile XML rather than of size, which the lot stage
 * reports as `LOT_XML`, `sessionKeyPackets`, met before the sender is authenticated, which
 * crypto/ reports as `LOT_DECHIFFREMENT`, and `signaturePackets`, met before the signature is
 * checked, reported as `LOT_SIGNATURE`. `judgeMs` and `judgeAttempts` bound the work, not the input: their
 * `LOT_TAILLE` says the lot is too costly to process (pipeline/unjudged.ts).
 */
import { lotError, type LotError } from './errors.js';

export const LIMITS = {
  /** The encrypted attachment (spec 2: 4 MiB, the national system's historical limit). */
  attachmentBytes: 4 * 1024 * 1024,
  /** A whole incoming message: the attachment grows by ~4/3 in base64, plus headers and body. */
  messageBytes: 8 * 1024 * 1024,
  /** The decrypted, decompressed lot XML (spec 2). */
  xmlBytes: 64 * 1024 * 1024,
  /** Demandes in one lot (spec 2). */
  demandesPerLot: 10_000,
  /** Element nesting in the lot XML: the schema needs ~8; anything deep is hostile. */
  xmlDepth: 64,
  /**
   * One child of `lot` in the XML (the entete, or a demande with the spaces and comments before
   * it; likewise the prolog and the tail): libxml2 parses the lot a few hundred demandes at a
   * time (lot/layout.ts), so this bounds the biggest tree it builds. Honest demandes weigh
   * 3–20 kB; a demande with 20,000 faulty resources (1.6 MB) is still judged. Like `xmlDepth`,
   * a sign of hostile XML: reported as `LOT_XML`.
   */
  xmlChildBytes: 4 * 1024 * 1024,
  /**
   * Expansion ratio of compressed data — the OpenPGP message's compressed packet, then a ZIP
   * entry — over the bytes that carry it, checked past `inflationFloorBytes` (inflationCap).
   * Honest lots measured (bench/lib/generate-lot.ts, 1,000–10,000 demandes): ZIP 18×, gpg's
   * default ZIP 15×, zlib -9 20×, bzip2 -9 45×; a bomb reaches 1,000× (deflate) and far more
   * (bzip2). Without it an 85 kB ciphertext inflated to 63 MiB of XML (489 MB peak).
   */
  compressionRatio: 200,
  /**
   * Session-key packets (PKESK, SKESK) of the OpenPGP message. A lot has one per recipient: the
   * national key (two during a rotation) and the guichet's own key if its software encrypts to
   * itself — 2 or 3. Each one for a national key is a private-key operation made before anything
   * is authenticated (40,000 forged ones cost 69 s and 835 MB), so a few more than needed are taken.
   */
  sessionKeyPackets: 16,
  /**
   * Signature packets (one-pass and signatures) inside the decrypted message. A lot carries one
   * signature, two while a guichet rotates its key. Each one hashes the whole literal data (up
   * to 64 MiB) and costs a public-key operation before the signer is known: anyone can encrypt
   * to the national public key and claim a guichet's key id.
   */
  signaturePackets: 16,
  /**
   * Time to judge one message on the judge thread (decrypt, unzip, schema, rules). A 10,000-demande
   * lot takes a few seconds; past this the thread is terminated and the lot refused (LOT_TAILLE),
   * so that one costly message cannot hold the mailbox.
   */
  judgeMs: 60_000,
  /**
   * Judge threads a message may kill (out of memory, crash) before it is refused (LOT_TAILLE)
   * rather than tried again forever: a thread killed by a neighbour's load gets another chance.
   */
  judgeAttempts: 3,
} as const;

export type LimitName = keyof typeof LIMITS;

/** Output below which no ratio is checked: a small lot may be very repetitive. */
const INFLATION_FLOOR_BYTES = 1024 * 1024;

/**
 * What `compressedBytes` may inflate to: the XML limit, and beyond a 1 MiB floor
 * `compressionRatio` times their length. A breach past the ratio is reported by `tooInflated`.
 */
export function inflationCap(compressedBytes: number): number {
  return Math.min(LIMITS.xmlBytes, Math.max(LIMITS.compressionRatio * compressedBytes, INFLATION_FLOOR_BYTES));
}

/** The `LOT_TAILLE` of data that inflated past `inflationCap(compressedBytes)` to at least `inflatedBytes`. */
export function tooInflated(compressedBytes: number, inflatedBytes: number): LotError {
  return inflatedBytes > LIMITS.xmlBytes ? tooLarge('xmlBytes', inflatedBytes) : tooLarge('compressionRatio', Math.ceil(inflatedBytes / compressedBytes));
}

export function tooLarge(limit: LimitName, actual: number): LotError {
  const max = LIMITS[limit];
  return lotError('LOT_TAILLE', `Le lot dépasse la limite « ${LIMIT_LABELS[limit]} » (${max}).`, {
    limit,
    max,
    actual,
  });
}

const LIMIT_LABELS: Record<LimitName, string> = {
  attachmentBytes: 'taille de la pièce jointe chiffrée, en octets',
  messageBytes: 'taille du message, en octets',
  xmlBytes: 'taille du fichier XML décompressé, en octets',
  demandesPerLot: 'nombre de demandes par lot',
  xmlDepth: "profondeur d'imbrication XML",
  xmlChildBytes: "taille d'un élément de <lot> (en-tête ou demande), en octets",
  compressionRatio: 'taux de décompression (taille décompressée / taille compressée)',
  sessionKeyPackets: 'nombre de paquets de clé de session du message OpenPGP',
  signaturePackets: 'nombre de signatures du message OpenPGP',
  judgeMs: "durée d'examen du lot, en millisecondes",
  judgeAttempts: "tentatives d'examen du lot",
};
