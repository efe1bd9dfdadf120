/**
 * Reading an incoming lot message (spec section 2): who sent it, and where its OpenPGP message
 * is. The only module importing postal-mime. Pure: bytes in, a typed result out.
 */
import PostalMime, { type Attachment, type Email } from 'postal-mime';
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
const ARMOR_HEADER = '-----BEGIN PGP MESSAGE-----';

/**
 * `sizeBytes` is the message's size in its mailbox when `raw` holds only its header section
 * (a source does not read an oversized message into memory): the lot is then refused with
 * `LOT_TAILLE`, still addressed to its sender.
 */
export async function readLotMessage(raw: Buffer, options: { sizeBytes?: number } = {}): Promise<LotMessageResult> {
  const email = await parse(raw);
  if (email === undefined) return fail(lotError('LOT_PIECE_JOINTE', "Le message n'est pas un message MIME lisible."));

  const envelope = readEnvelope(email);
  // No readable sender: nobody to answer, so it is treated as an unknown sender (quarantined).
  if (envelope === undefined) return fail(lotError('LOT_EXPEDITEUR_INCONNU', "Le message n'a pas d'expéditeur (From) lisible."));
  const refuse = (error: LotError): LotMessageResult => ({ ...fail(error), envelope });

  const sizeBytes = Math.max(options.sizeBytes ?? 0, raw.length);
  if (sizeBytes > LIMITS.messageBytes) return refuse(tooLarge('messageBytes', sizeBytes));

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
  const address = email.from?.address?.trim().toLowerCase();
  if (address === undefined || !/^[^\s@]+@[^\s@]+$/.test(address)) return undefined;
  const envelope: { -readonly [K in keyof LotEnvelope]: LotEnvelope[K] } = { from: address };
  // Stored with the lot, shown by the CLI and echoed in the replies: only a well-formed one is kept.
  const messageId = validMessageId(email.messageId);
  if (messageId !== undefined) envelope.messageId = messageId;
  if (email.subject !== undefined) envelope.subject = email.subject;
  if (email.date !== undefined) {
    const date = new Date(email.date);
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
