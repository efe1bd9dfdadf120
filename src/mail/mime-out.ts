/**
 * Building RFC 5322 messages: the gateway's replies, and (for the demo and tests) lot messages
 * as a guichet would send them, attached or PGP/MIME. The only module importing nodemailer's
 * MIME builders; transports only carry the bytes made here.
 */
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
  const raw = await new MailComposer(options).compile().build();
  return { messageId: input.messageId, from: input.from, to: [...input.to], raw };
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
    .createChild(file.contentType ?? contentTypeOf(file.filename), { filename: file.filename })
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
    contentType: file.contentType ?? contentTypeOf(file.filename),
    // base64 whatever the type: OpenPGP and ZIP bytes must survive every relay unchanged.
    contentTransferEncoding: 'base64',
  };
}

function contentTypeOf(filename: string): string {
  if (/\.(gpg|pgp|asc)$/i.test(filename)) return 'application/pgp-encrypted';
  if (/\.xml$/i.test(filename)) return 'application/xml';
  if (/\.zip$/i.test(filename)) return 'application/zip';
  return 'application/octet-stream';
}

function isAscii(bytes: Uint8Array): boolean {
  return bytes.every((byte) => byte < 0x80);
}
