/**
 * Building RFC 5322 messages: the gateway's replies, and (for the demo and tests) lot messages
 * as a guichet would send them, attached or PGP/MIME. The only module importing nodemailer's
 * MIME builders; transports only carry the bytes made here.
 */
import { randomBytes } from 'node:crypto';
import MailComposer, { type MailComposerOptions } from 'nodemailer/lib/mail-composer';
import MimeNode from 'nodemailer/lib/mime-node';
import { escapeControls } from '../control-characters.js';
import { validMessageId } from './message-id.js';
import type { OutgoingMessage } from './types.js';

export interface FileAttachment {
  readonly filename: string;
  readonly content: Uint8Array;
  readonly contentType?: string;
}

export interface ReplyInput {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  /** Used exactly as given (angle brackets included): it is what makes a reply recognisable. */
  readonly messageId: string;
  /** The lot's Message-ID: written only when it is a valid msg-id (see message-id.ts). */
  readonly inReplyTo?: string;
  readonly references?: readonly string[];
  readonly date: Date;
  readonly attachment: FileAttachment;
}

/** One reply: a French text body and one encrypted attachment, nothing else. */
export async function buildReplyMessage(input: ReplyInput): Promise<OutgoingMessage> {
  const raw = PLAIN_FILENAME.test(input.attachment.filename) && PLAIN_MESSAGE_ID.test(input.messageId) ? await fromTemplate(input) : await composeReply(input);
  return { messageId: input.messageId, from: input.from, to: [...input.to], raw };
}

/**
 * Replies of one kind to one guichet differ only in Message-ID, Date, boundary, filename and
 * attachment bytes: nodemailer composes each kind once (a bounded cache), with markers where
 * those go, and a reply is that template with its values spliced in — nodemailer's very bytes
 * (test/mail/mime-out.test.ts compares them) for ~0.1 ms instead of ~1 ms of stream passes.
 * Only filenames and Message-IDs nodemailer writes verbatim take this path.
 */
const PLAIN_FILENAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,60}$/;
const PLAIN_MESSAGE_ID = /^<[A-Za-z0-9._+=-]{1,64}@[A-Za-z0-9.-]{1,64}>$/;
const MARK = { id: '<sne-template-id@template.invalid>', file: 'sne-template-filename.bin', body: 'AQ==' } as const;
const TEMPLATE_CACHE_SIZE = 64;
const templates = new Map<string, Promise<{ parts: string[]; slots: ('id' | 'date' | 'boundary' | 'file')[] }>>();

async function fromTemplate(input: ReplyInput): Promise<Buffer> {
  const key = JSON.stringify([input.from, input.to, input.subject, input.text, input.inReplyTo ?? null, input.references ?? null, contentTypeOf(input.attachment.filename, input.attachment.contentType)]);
  let template = templates.get(key);
  if (template === undefined) {
    template = makeTemplate(input);
    template.catch(() => templates.delete(key));
    if (templates.size >= TEMPLATE_CACHE_SIZE) templates.delete(templates.keys().next().value!);
    templates.set(key, template);
  }
  const { parts, slots } = await template;
  const values = {
    id: input.messageId,
    date: `Date: ${input.date.toUTCString().replace(/GMT/, '+0000')}`, // as nodemailer writes it
    boundary: `--_NmP-${randomBytes(8).toString('hex')}-Part_1`,
    file: input.attachment.filename,
  };
  const head: string[] = [parts[0]!];
  slots.forEach((slot, i) => head.push(values[slot], parts[i + 1]!));
  const [before, after] = head.join('').split(MARK.body) as [string, string];
  return withBase64Lines(before, input.attachment.content, after);
}

const BASE64 = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', 'latin1');
/** The base64 digits of every 12-bit value, two bytes in one (first digit low): half the lookups. */
const BASE64_PAIRS = Uint16Array.from({ length: 4096 }, (_, v) => BASE64[v >> 6]! | (BASE64[v & 0x3f]! << 8));
const PAD = 0x3d; // =
/** nodemailer's base64 lines: 76 characters (19 groups of four), CRLF between them. */
const GROUPS_PER_LINE = 19;

/**
 * `before`, then `bytes` in base64 lines as nodemailer wraps them, then `after` (both latin1, as
 * nodemailer's output is), written straight into the message's buffer: the base64 string, its
 * lines and their join were a reply's largest garbage (~150 kB each, in a reply worker's small heap).
 */
function withBase64Lines(before: string, bytes: Uint8Array, after: string): Buffer {
  const n = bytes.length;
  const groups = Math.ceil(n / 3);
  const breaks = Math.max(0, Math.ceil(groups / GROUPS_PER_LINE) - 1);
  const out = Buffer.allocUnsafe(before.length + 4 * groups + 2 * breaks + after.length);
  let at = out.write(before, 0, 'latin1');
  const whole = n - (n % 3);
  let i = 0;
  for (let inLine = 0; i < whole; i += 3, inLine++) {
    if (inLine === GROUPS_PER_LINE) {
      out[at++] = 0x0d;
      out[at++] = 0x0a;
      inLine = 0;
    }
    const bits = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    const high = BASE64_PAIRS[bits >> 12]!;
    const low = BASE64_PAIRS[bits & 0xfff]!;
    out[at] = high;
    out[at + 1] = high >> 8;
    out[at + 2] = low;
    out[at + 3] = low >> 8;
    at += 4;
  }
  if (i < n) {
    // The last one or two bytes, padded; on a new line when the last line is full.
    if (i > 0 && (i / 3) % GROUPS_PER_LINE === 0) {
      out[at++] = 0x0d;
      out[at++] = 0x0a;
    }
    const b0 = bytes[i]!;
    const b1 = i + 1 < n ? bytes[i + 1]! : 0;
    out[at++] = BASE64[b0 >> 2]!;
    out[at++] = BASE64[((b0 & 0x03) << 4) | (b1 >> 4)]!;
    out[at++] = i + 1 < n ? BASE64[(b1 & 0x0f) << 2]! : PAD;
    out[at++] = PAD;
  }
  at += out.write(after, at, 'latin1');
  if (at !== out.length) throw new Error('reply template: message length miscounted');
  return out;
}

async function makeTemplate(input: ReplyInput) {
  const raw = (
    await composeReply({ ...input, messageId: MARK.id, date: new Date(0), attachment: { filename: MARK.file, content: new Uint8Array([1]), contentType: contentTypeOf(input.attachment.filename, input.attachment.contentType) } })
  ).toString('latin1');
  const boundary = /boundary="([^"]+)"/.exec(raw)?.[1];
  const date = new Date(0).toUTCString().replace(/GMT/, '+0000');
  if (boundary === undefined || raw.split(MARK.body).length !== 2) throw new Error('reply template: unexpected nodemailer output');
  // Date is matched with its header name, so that the epoch cannot match anything else.
  const markers: [string, 'id' | 'date' | 'boundary' | 'file'][] = [[MARK.id, 'id'], [`Date: ${date}`, 'date'], [boundary, 'boundary'], [MARK.file, 'file']];
  const pattern = new RegExp(markers.map(([text]) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  const parts = raw.split(pattern);
  const slots = [...raw.matchAll(pattern)].map((m) => markers.find(([text]) => text === m[0])![1]);
  return { parts, slots };
}

/** nodemailer composing one reply (the reference the template path is compared with in tests). */
export async function composeReply(input: ReplyInput): Promise<Buffer> {
  const options: MailComposerOptions = {
    ...SAFE_OPTIONS,
    from: input.from,
    to: [...input.to],
    // A subject may quote a lot's identifiant, which a refused lot can hold anything in.
    subject: escapeControls(input.subject),
    text: input.text,
    messageId: input.messageId,
    date: input.date,
    attachments: [attachmentOptions(input.attachment)],
  };
  // Every header the gateway writes carries no control character: a Message-ID from a message
  // is echoed only when it is a valid msg-id, else left out (the reply is then not threaded).
  const inReplyTo = validMessageId(input.inReplyTo);
  const references = (input.references ?? []).map(validMessageId).filter((id) => id !== undefined);
  if (inReplyTo !== undefined) options.inReplyTo = inReplyTo;
  if (references.length > 0) options.references = references;
  return new MailComposer(options).compile().build();
}

export interface LotMessageInput {
  readonly from: string;
  readonly to: string | readonly string[];
  readonly subject?: string;
  readonly messageId?: string;
  readonly date?: Date;
}

/** A lot message with its OpenPGP message attached (spec 2, way 1), as a guichet's software sends it. */
export async function buildLotMessage(input: LotMessageInput & { readonly attachment: FileAttachment }): Promise<Buffer> {
  const options: MailComposerOptions = {
    ...SAFE_OPTIONS,
    ...headerOptions(input),
    text: 'Lot de demandes de logement social.\n',
    attachments: [attachmentOptions(input.attachment)],
  };
  return new MailComposer(options).compile().build();
}

/**
 * A PGP/MIME lot message (spec 2, way 2; RFC 3156 section 4): `encrypted` is the OpenPGP
 * message, usually armored, whose plaintext is an entity built by `buildPgpMimeEntity`.
 */
export async function buildPgpMimeLotMessage(input: LotMessageInput & { readonly encrypted: Uint8Array | string }): Promise<Buffer> {
  const root = new MimeNode('multipart/encrypted; protocol="application/pgp-encrypted"', { newline: 'win' });
  const headers = headerOptions(input);
  root.setHeader({
    From: input.from,
    To: Array.isArray(input.to) ? input.to.join(', ') : String(input.to),
    Subject: headers.subject ?? '',
  });
  if (headers.messageId !== undefined) root.setHeader('Message-ID', headers.messageId);
  if (input.date !== undefined) root.date = input.date;
  // RFC 3156 shows both parts as 7-bit text; armor is ASCII, so it goes as is when it can.
  root
    .createChild('application/pgp-encrypted')
    .setHeader({ 'Content-Description': 'PGP/MIME version identification', 'Content-Transfer-Encoding': '7bit' })
    .setContent('Version: 1\r\n');
  const armored = typeof input.encrypted === 'string' || isAscii(input.encrypted);
  const part = root
    .createChild('application/octet-stream', { filename: 'encrypted.asc' })
    .setHeader({ 'Content-Description': 'OpenPGP encrypted message', 'Content-Disposition': 'inline' })
    .setContent(typeof input.encrypted === 'string' ? input.encrypted : Buffer.from(input.encrypted));
  if (armored) part.setHeader('Content-Transfer-Encoding', '7bit');
  return root.build();
}

/** The plaintext of a PGP/MIME lot: a MIME entity whose only attachment is the lot file. */
export async function buildPgpMimeEntity(file: FileAttachment): Promise<Buffer> {
  // Built under a throwaway root: a root node would add Date, Message-ID and MIME-Version,
  // which an inner entity does not carry.
  const entity = new MimeNode('multipart/mixed', { newline: 'win' }).createChild('multipart/mixed');
  entity.createChild('text/plain').setContent('Lot de demandes de logement social.\r\n');
  entity
    .createChild(contentTypeOf(file.filename, file.contentType), { filename: file.filename })
    .setHeader('Content-Disposition', 'attachment')
    .setContent(Buffer.from(file.content));
  return entity.build();
}

/** Never read a path or URL given as content: every part here is bytes we hold. */
const SAFE_OPTIONS = { disableFileAccess: true, disableUrlAccess: true, newline: 'win' } as const;

function headerOptions(input: LotMessageInput): MailComposerOptions {
  const options: MailComposerOptions = {
    from: input.from,
    to: typeof input.to === 'string' ? input.to : [...input.to],
    subject: input.subject ?? 'Lot de demandes',
  };
  if (input.messageId !== undefined) options.messageId = input.messageId;
  if (input.date !== undefined) options.date = input.date;
  return options;
}

function attachmentOptions(file: FileAttachment): NonNullable<MailComposerOptions['attachments']>[number] {
  return {
    filename: file.filename,
    content: Buffer.from(file.content),
    contentType: contentTypeOf(file.filename, file.contentType),
    // base64 whatever the type: OpenPGP and ZIP bytes must survive every relay unchanged.
    contentTransferEncoding: 'base64',
  };
}

function contentTypeOf(filename: string, given?: string): string {
  if (given !== undefined) return given;
  if (/\.(gpg|pgp|asc)$/i.test(filename)) return 'application/pgp-encrypted';
  if (/\.xml$/i.test(filename)) return 'application/xml';
  if (/\.zip$/i.test(filename)) return 'application/zip';
  return 'application/octet-stream';
}

function isAscii(bytes: Uint8Array): boolean {
  return bytes.every((byte) => byte < 0x80);
}
