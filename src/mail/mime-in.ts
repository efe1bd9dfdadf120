/**
 * Reading an incoming lot message (spec section 2): who sent it, and where its OpenPGP message
 * is. The only module importing postal-mime. Pure: bytes in, a typed result out.
 */
import PostalMime, { addressParser, type Attachment, type Email } from 'postal-mime';
import { fail, lotError, ok, type LotError, type LotResult } from '../errors.js';
import { LIMITS, tooLarge } from '../limits.js';
import { validMessageId } from './message-id.js';

/** What identifies the message and its sender; known even when the lot itself is refused. */
export interface LotEnvelope {
  /** The address part of `From`, lower-cased. */
  readonly from: string;
  /** As in the header, angle brackets included; absent unless a valid msg-id (see message-id.ts). */
  readonly messageId?: string;
  readonly subject?: string;
  readonly date?: Date;
}

export interface OpenPgpPart {
  /** The attachment's file name (`encrypted.asc` or empty for a nameless PGP/MIME part). */
  readonly filename: string;
  readonly content: Uint8Array;
  /** ASCII armor, sniffed from the content rather than trusted from the file name. */
  readonly armored: boolean;
  /** RFC 3156: once decrypted, the payload is a MIME entity; see `readPgpMimeEntity`. */
  readonly pgpMime: boolean;
}

export interface LotMessage extends LotEnvelope {
  readonly openpgp: OpenPgpPart;
}

/**
 * The result, plus the envelope whenever `From` could be read: a lot refused here
 * (no attachment, too large) still gets its compte rendu, addressed from the envelope.
 */
export type LotMessageResult = LotResult<LotMessage> & { readonly envelope?: LotEnvelope };

const OPENPGP_FILENAME = /\.(gpg|pgp|asc)$/i;
/**
 * How much of a message the parser refuses (MIME nesting or header size past its limits) is read
 * for its sender: as much as a source reads of an oversized message's header section.
 */
const RAW_HEADER_BYTES = 64 * 1024;
const ARMOR_HEADER = '-----BEGIN PGP MESSAGE-----';

/**
 * `sizeBytes` is the message's size in its mailbox when `raw` holds only its header section
 * (a source does not read an oversized message into memory): the lot is then refused with
 * `LOT_TAILLE`, still addressed to its sender.
 */
export async function readLotMessage(raw: Buffer, options: { sizeBytes?: number } = {}): Promise<LotMessageResult> {
  const email = await parse(raw);
  const unreadable = lotError(
    'LOT_PIECE_JOINTE',
    "Le message n'est pas un message MIME lisible (imbrication de parties ou taille des en-têtes hors limites) : envoyez le lot en pièce jointe d'un message simple.",
  );
  // A message the parser refuses still names its sender in its first header lines: a registered
  // guichet is told why its lot was not read (spec 4.1 keeps the silence for unknown senders).
  const envelope = email === undefined ? readRawEnvelope(raw) : readEnvelope(email);
  // No readable sender: nobody to answer, so it is treated as an unknown sender (quarantined).
  if (envelope === undefined) {
    return fail(email === undefined ? unreadable : lotError('LOT_EXPEDITEUR_INCONNU', "Le message n'a pas d'expéditeur (From) lisible."));
  }
  const refuse = (error: LotError): LotMessageResult => ({ ...fail(error), envelope });

  const sizeBytes = Math.max(options.sizeBytes ?? 0, raw.length);
  if (sizeBytes > LIMITS.messageBytes) return refuse(tooLarge('messageBytes', sizeBytes));
  if (email === undefined) return refuse(unreadable);

  const found = isPgpMime(email) ? findPgpMimePart(email) : findOpenPgpAttachment(email);
  if (!found.ok) return refuse(found.error);
  const { attachment, pgpMime } = found.value;
  const content = bytes(attachment);
  if (content.length > LIMITS.attachmentBytes) return refuse(tooLarge('attachmentBytes', content.length));

  const openpgp: OpenPgpPart = { filename: attachment.filename ?? '', content, armored: isArmored(content), pgpMime };
  return { ...ok({ ...envelope, openpgp }), envelope };
}

/**
 * The decrypted entity of a PGP/MIME message is itself a MIME entity whose only attachment is
 * the lot file (.xml or .zip). Text parts (a body, protected headers) are ignored.
 */
export async function readPgpMimeEntity(decrypted: Uint8Array): Promise<LotResult<Uint8Array>> {
  const entity = await parse(decrypted);
  if (entity === undefined) return fail(lotError('LOT_FORMAT', "L'entité PGP/MIME déchiffrée n'est pas une entité MIME lisible."));
  let files = entity.attachments.filter((a) => !isProtectedHeaders(a));
  // Some clients add a second attachment (a signature, a vCard): the lot file is the one named like one.
  if (files.length > 1) files = files.filter((a) => /\.(xml|zip)$/i.test(a.filename ?? ''));
  const [file] = files;
  if (file === undefined || files.length !== 1) {
    return fail(
      lotError(
        'LOT_PIECE_JOINTE',
        "L'entité PGP/MIME déchiffrée doit contenir exactement une pièce jointe : le fichier du lot (.xml ou .zip).",
        { count: files.length },
      ),
    );
  }
  const content = bytes(file);
  if (content.length > LIMITS.xmlBytes) return fail(tooLarge('xmlBytes', content.length));
  return ok(content);
}

/**
 * The one attachment of a reply the gateway built (mime-out.ts): its encrypted document, byte for
 * byte what a guichet's mail client saves (the HTTPS channel serves it, spec 7).
 */
export async function readReplyAttachment(raw: Uint8Array): Promise<Uint8Array | undefined> {
  return (await readReplyFile(raw))?.content;
}

/** The same, with the attachment's file name (`GET /v1/documents` lists it). */
export async function readReplyFile(raw: Uint8Array): Promise<{ readonly filename: string; readonly content: Uint8Array } | undefined> {
  const email = await parse(raw);
  const [attachment, ...more] = email?.attachments ?? [];
  return attachment === undefined || more.length > 0 ? undefined : { filename: attachment.filename ?? '', content: bytes(attachment) };
}

/** The headers that identify a message, decoded (`outbox show`); empty when it cannot be read. */
export async function readIdentifyingHeaders(raw: Uint8Array): Promise<{ readonly name: string; readonly value: string }[]> {
  const email = await parse(raw);
  if (email === undefined) return [];
  const addresses = (list: Email['to']) =>
    (list ?? []).flatMap((a) => ('group' in a && a.group ? a.group : [a])).map((a) => (a.name ? `${a.name} <${a.address}>` : (a.address ?? ''))).join(', ');
  const headers = [
    { name: 'From', value: email.from ? addresses([email.from]) : '' },
    { name: 'To', value: addresses(email.to) },
    { name: 'Subject', value: email.subject ?? '' },
    { name: 'Message-ID', value: email.messageId ?? '' },
    { name: 'In-Reply-To', value: email.inReplyTo ?? '' },
    { name: 'Date', value: email.date ?? '' },
  ];
  return headers.filter((h) => h.value !== '');
}

async function parse(raw: Uint8Array): Promise<Email | undefined> {
  try {
    // A forwarded message's attachments are not ours: keep message/rfc822 parts opaque.
    return await PostalMime.parse(raw, { forceRfc822Attachments: true, attachmentEncoding: 'arraybuffer' });
  } catch {
    // postal-mime rejects only structural abuse (nesting depth, header size).
    return undefined;
  }
}

function readEnvelope(email: Email): LotEnvelope | undefined {
  return toEnvelope({ from: email.from?.address, messageId: email.messageId, subject: email.subject, date: email.date });
}

/**
 * The envelope from the header lines within the first `RAW_HEADER_BYTES` alone, for a message the
 * parser refused. Bounded whatever the message: a `From` past that limit, several `From`, or one
 * naming several mailboxes, and there is no sender to trust (undefined). Subject and date are
 * left out: nothing needs them to answer.
 */
function readRawEnvelope(raw: Uint8Array): LotEnvelope | undefined {
  const head = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.length, RAW_HEADER_BYTES)).toString('utf8');
  const blank = /\r?\n\r?\n/.exec(head);
  const lines = (blank === null ? head : head.slice(0, blank.index)).replace(/\r?\n[ \t]/g, ' ').split(/\r?\n/);
  // Without the blank line, the last header may go on past the limit: it is not read.
  if (blank === null) lines.pop();
  const values = (name: string) => lines.filter((line) => line.slice(0, name.length + 1).toLowerCase() === `${name}:`).map((line) => line.slice(name.length + 1));
  const [from, ...more] = values('from');
  if (from === undefined || more.length > 0) return undefined;
  const mailboxes = addressParser(from).flatMap((a) => ('group' in a && a.group ? a.group : [a]));
  if (mailboxes.length !== 1) return undefined;
  const [messageId] = values('message-id');
  return toEnvelope({ from: mailboxes[0]!.address, messageId: messageId?.trim() });
}

function toEnvelope(fields: { from?: string | undefined; messageId?: string | undefined; subject?: string | undefined; date?: string | undefined }): LotEnvelope | undefined {
  const address = fields.from?.trim().toLowerCase();
  if (address === undefined || !/^[^\s@]+@[^\s@]+$/.test(address)) return undefined;
  const envelope: { -readonly [K in keyof LotEnvelope]: LotEnvelope[K] } = { from: address };
  // Stored with the lot, shown by the CLI and echoed in the replies: only a well-formed one is kept.
  const messageId = validMessageId(fields.messageId);
  if (messageId !== undefined) envelope.messageId = messageId;
  if (fields.subject !== undefined) envelope.subject = fields.subject;
  if (fields.date !== undefined) {
    const date = new Date(fields.date);
    if (!Number.isNaN(date.getTime())) envelope.date = date;
  }
  return envelope;
}

interface FoundPart {
  readonly attachment: Attachment;
  readonly pgpMime: boolean;
}

function findOpenPgpAttachment(email: Email): LotResult<FoundPart> {
  const candidates = email.attachments.filter((a) => OPENPGP_FILENAME.test(a.filename?.trim() ?? ''));
  const [attachment] = candidates;
  if (attachment === undefined || candidates.length !== 1) {
    return fail(lotError('LOT_PIECE_JOINTE', undefined, { count: candidates.length }));
  }
  return ok({ attachment, pgpMime: false });
}

/** RFC 3156 section 4: the root is `multipart/encrypted; protocol="application/pgp-encrypted"`. */
function isPgpMime(email: Email): boolean {
  const contentType = email.headers.find((h) => h.key === 'content-type')?.value ?? '';
  return (
    /^\s*multipart\/encrypted\s*(;|$)/i.test(contentType) &&
    /;\s*protocol\s*=\s*"?application\/pgp-encrypted"?\s*(;|$)/i.test(contentType)
  );
}

/** Its second part, `application/octet-stream`, holds the OpenPGP message; the version part is ignored. */
function findPgpMimePart(email: Email): LotResult<FoundPart> {
  const candidates = email.attachments.filter((a) => a.mimeType === 'application/octet-stream');
  const [attachment] = candidates;
  if (attachment === undefined || candidates.length !== 1) {
    return fail(
      lotError(
        'LOT_PIECE_JOINTE',
        'Le message PGP/MIME doit contenir exactement une partie application/octet-stream.',
        { count: candidates.length },
      ),
    );
  }
  return ok({ attachment, pgpMime: true });
}

/** Thunderbird's protected headers travel as a `text/rfc822-headers` part. */
function isProtectedHeaders(attachment: Attachment): boolean {
  return attachment.mimeType === 'text/rfc822-headers';
}

function bytes(attachment: Attachment): Uint8Array {
  const { content } = attachment;
  if (typeof content === 'string') return new TextEncoder().encode(content);
  return content instanceof Uint8Array ? content : new Uint8Array(content);
}

function isArmored(content: Uint8Array): boolean {
  // Armor may follow blank lines or a BOM; 1 KiB is plenty to find its first line.
  const head = new TextDecoder('latin1').decode(content.subarray(0, 1024)).replace(/^\uFEFF/, '');
  return head.trimStart().startsWith(ARMOR_HEADER);
}
