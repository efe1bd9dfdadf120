/**
 * The limit floor of a lot's replies (issue 21 point 4): not what today's libraries cost, but the
 * work the replies' bytes cannot avoid, with node:zlib and node:crypto alone. For each reply:
 * - its content deflated: an attestation's own streams (its pages' drawing, as today's page
 *   lays it out, and its metadata); the static ones (DejaVu subsets and their CMaps, the ICC
 *   profile) once per lot, as a renderer preparing them once per process would. A compte rendu
 *   is XML sent uncompressed: nothing to deflate;
 * - the bytes it must contain (today's PDF or XML, the same size a faster renderer must produce)
 *   hashed for the signature (SHA-512, Ed25519) and the MDC (SHA-1), a session key agreed with the
 *   guichet's key (X25519 with a fresh ephemeral key, SHA-256 KDF, AES key wrap), the bytes
 *   encrypted (AES-256-CFB), base64'd;
 * - written the Maildir way as the daemon's sender does: under tmp/, fsynced, renamed into new/.
 * The time of building each document's text is left out (it would only add to the floor).
 */
import { createCipheriv, createHash, diffieHellman, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';

/** One reply as the limit floor sees it: the bytes to deflate, the bytes it must contain. */
export interface LimitReply {
  readonly toDeflate: readonly Uint8Array[];
  readonly bytes: Uint8Array;
}

/** The streams of a PDF, inflated where they are deflated (pdfkit deflates every one it writes). */
export function pdfStreams(pdf: Uint8Array): Buffer[] {
  const text = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength).toString('latin1');
  const streams: Buffer[] = [];
  for (let at = text.indexOf('stream\n'); at !== -1; at = text.indexOf('stream\n', at)) {
    if (text.slice(at - 3, at) === 'end') {
      at += 7;
      continue;
    }
    const start = at + 7;
    const end = text.indexOf('\nendstream', start);
    if (end === -1) break;
    const raw = Buffer.from(pdf.subarray(start, end));
    try {
      streams.push(inflateSync(raw));
    } catch {
      streams.push(raw); // stored uncompressed
    }
    at = end + 10;
  }
  return streams;
}

/**
 * Streams a renderer prepares once per process, not per reply: a font program (TrueType), its
 * ToUnicode CMap, the ICC profile. Today's subsets differ with each reply's glyphs; a subset
 * prepared for the Latin scripts (issue 21 point 1) would not, so they are deflated once per lot.
 */
const isStatic = (stream: Buffer): boolean => {
  const head = stream.subarray(0, 4).toString('latin1');
  return head === 'true' || head === '\u0000\u0001\u0000\u0000' || head === '/CID' || stream.subarray(36, 40).toString('latin1') === 'acsp';
};

/**
 * The lot's replies for the limit floor: each attestation's streams to deflate (its own: page
 * text, metadata), the static ones only in the first (classified here, outside the timing: a
 * renderer knows which parts are static). `others`: replies sent as they are (compte rendu XML).
 */
export function limitReplies(attestations: readonly Uint8Array[], others: readonly Uint8Array[]): LimitReply[] {
  const replies: LimitReply[] = others.map((bytes) => ({ toDeflate: [], bytes }));
  for (const [i, pdf] of attestations.entries()) replies.push({ toDeflate: pdfStreams(pdf).filter((stream) => i === 0 || !isStatic(stream)), bytes: pdf });
  return replies;
}

/** Wall time of the limit floor of `replies`, written under `scratchDir`, in ms; the figures of the work done. */
export function limitFloorMs(replies: readonly LimitReply[], scratchDir: string): { ms: number; deflatedBytes: number; sealedBytes: number } {
  const signer = generateKeyPairSync('ed25519').privateKey;
  const guichet = generateKeyPairSync('x25519').publicKey;
  const dir = mkdtempSync(join(scratchDir, 'limit-'));
  for (const sub of ['tmp', 'new']) mkdirSync(join(dir, sub));
  let deflatedBytes = 0;
  let sealedBytes = 0;
  const started = performance.now();
  for (const [i, reply] of replies.entries()) {
    for (const part of reply.toDeflate) deflatedBytes += deflateSync(part).length;
    const digest = createHash('sha512').update(reply.bytes).digest();
    const signature = sign(null, digest, signer);
    const mdc = createHash('sha1').update(reply.bytes).digest();
    const ephemeral = generateKeyPairSync('x25519');
    const kek = createHash('sha256').update(diffieHellman({ privateKey: ephemeral.privateKey, publicKey: guichet })).digest();
    const sessionKey = randomBytes(32);
    const wrap = createCipheriv('id-aes256-wrap', kek, Buffer.from('a6a6a6a6a6a6a6a6', 'hex'));
    const wrapped = Buffer.concat([wrap.update(sessionKey), wrap.final()]);
    const cipher = createCipheriv('aes-256-cfb', sessionKey, Buffer.alloc(16));
    const sealed = Buffer.concat([signature, wrapped, cipher.update(reply.bytes), cipher.update(mdc), cipher.final()]);
    const mail = Buffer.from(sealed.toString('base64'));
    sealedBytes += mail.length;
    const tmp = join(dir, 'tmp', `${i}`);
    const fd = openSync(tmp, 'w', 0o600);
    writeSync(fd, mail);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, join(dir, 'new', `${i}`));
  }
  const ms = performance.now() - started;
  rmSync(dir, { recursive: true, force: true });
  return { ms, deflatedBytes, sealedBytes };
}
