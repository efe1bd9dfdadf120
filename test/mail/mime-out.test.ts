import { hostname } from 'node:os';
import PostalMime from 'postal-mime';
import { describe, expect, it } from 'vitest';
import { buildReplyMessage, composeReply, type ReplyInput } from '../../src/mail/mime-out.js';

const attachment = Uint8Array.from({ length: 3000 }, (_, i) => (i * 37) % 256);

const input: ReplyInput = {
  from: 'Passerelle SNE <sne@passerelle.example>',
  to: ['retour@guichet.example', 'copie@guichet.example'],
  subject: 'Compte rendu du lot BX75-20261126-001 : traité — « partiel »',
  text: 'Bonjour,\n\nVeuillez trouver ci-joint le compte rendu chiffré du lot reçu le 26/11/2026 à 09:31.\n\nCordialement,\nLa passerelle SNE\n',
  messageId: '<compte-rendu.G1104.BX75-20261126-001.v1@passerelle.example>',
  inReplyTo: '<lot-1@guichet.example>',
  references: ['<lot-1@guichet.example>'],
  date: new Date('2026-11-26T08:31:04Z'),
  attachment: { filename: 'compte-rendu-BX75-20261126-001.xml.gpg', content: attachment },
};

describe('buildReplyMessage', () => {
  it('builds a message that parses back with the given headers, body and attachment bytes', async () => {
    const message = await buildReplyMessage(input);
    expect(message.messageId).toBe(input.messageId);
    expect(message.from).toBe(input.from);
    expect(message.to).toEqual(input.to);

    const email = await PostalMime.parse(message.raw);
    expect(email.from).toEqual({ name: 'Passerelle SNE', address: 'sne@passerelle.example' });
    expect(email.to?.map((a) => a.address)).toEqual(input.to);
    expect(email.subject).toBe(input.subject);
    expect(email.messageId).toBe(input.messageId);
    expect(email.inReplyTo).toBe('<lot-1@guichet.example>');
    expect(email.references).toBe('<lot-1@guichet.example>');
    expect(email.date).toBe('2026-11-26T08:31:04.000Z');
    expect(email.text?.trim()).toBe(input.text.trim());
    expect(email.attachments).toHaveLength(1);
    const [part] = email.attachments;
    expect(part?.filename).toBe(input.attachment.filename);
    expect(part?.mimeType).toBe('application/pgp-encrypted');
    expect(part?.disposition).toBe('attachment');
    expect(Buffer.from(part!.content as ArrayBuffer).equals(Buffer.from(attachment))).toBe(true);
  });

  it('writes no control character in a header: an invalid In-Reply-To and References are left out, a subject escaped', async () => {
    for (const hostile of ['<\x1b[2J@evil.example>', '<a\u202e@evil.example>', '<\u009b31m@evil.example>', '<a b@evil.example>', 'pas-un-msg-id', '<a@b@c>']) {
      const message = await buildReplyMessage({ ...input, subject: 'Lot \x1b]8;;x\x07\u009b2J\u202eX', inReplyTo: hostile, references: [hostile] });
      const head = message.raw.subarray(0, message.raw.indexOf('\r\n\r\n')).toString('latin1');
      expect(head, hostile).not.toMatch(/^(In-Reply-To|References):/im);
      const email = await PostalMime.parse(message.raw);
      expect(email.subject).toBe('Lot \\u001b]8;;x\\u0007\\u009b2J\\u202eX');
    }
  });

  it('is plain RFC 5322: CRLF lines under 998 characters, 7-bit, the attachment in base64', async () => {
    const { raw } = await buildReplyMessage(input);
    const text = raw.toString('latin1');
    expect(raw.every((byte) => byte < 0x80)).toBe(true);
    expect(text.split('\r\n').every((line) => line.length <= 998 && !line.includes('\n'))).toBe(true);
    expect(text).toMatch(/Content-Type: application\/pgp-encrypted[^]*?Content-Transfer-Encoding: base64/);
    expect(text).toContain('\r\nMessage-ID: <compte-rendu.G1104.BX75-20261126-001.v1@passerelle.example>\r\n');
  });

  it('carries nothing beyond what it was given: no host name, no mailer or extra headers', async () => {
    const { raw } = await buildReplyMessage({ ...input, references: [] });
    const email = await PostalMime.parse(raw);
    expect(email.headers.map((h) => h.key).sort()).toEqual(
      ['content-type', 'date', 'from', 'in-reply-to', 'message-id', 'mime-version', 'subject', 'to'].sort(),
    );
    const headerText = raw.toString('latin1').split(/\r\n\r\n/)[0] ?? '';
    expect(headerText).not.toContain(hostname());
    expect(email.text).not.toMatch(/@/);
  });

  it('uses the content type it is given', async () => {
    const { raw } = await buildReplyMessage({
      ...input,
      attachment: { filename: 'attestation-DOS-1.pdf.gpg', content: attachment, contentType: 'application/octet-stream' },
    });
    const email = await PostalMime.parse(raw);
    expect(email.attachments[0]?.mimeType).toBe('application/octet-stream');
  });
});

describe('buildReplyMessage from its template', () => {
  const boundaryless = (raw: Buffer) => raw.toString('latin1').replace(/--_NmP-[0-9a-f]{16}-Part_1/g, '<boundary>');

  it('writes nodemailer’s very bytes (boundary aside), for each reply of a kind and a 45 kB attachment', async () => {
    const big = Uint8Array.from({ length: 45_001 }, (_, i) => (i * 131) % 256);
    for (const [i, content] of [attachment, big, new Uint8Array(0)].entries()) {
      const reply = { ...input, messageId: `<attestation.${i}.v1@passerelle.example>`, date: new Date(Date.UTC(2026, 11, 31, 23, 59, i)), attachment: { filename: `attestation-DOS-${i}.pdf.gpg`, content } };
      const ours = (await buildReplyMessage(reply)).raw;
      expect(boundaryless(ours)).toBe(boundaryless(await composeReply(reply)));
      expect(boundaryless(ours)).not.toContain('sne-template');
    }
  });

  it('wraps the base64 exactly as nodemailer does, whatever the attachment’s length (padding, a last line full or not)', async () => {
    for (const length of [1, 2, 3, 56, 57, 58, 113, 114, 115, 171, 1_000]) {
      const content = Uint8Array.from({ length }, (_, i) => (i * 197 + 11) % 256);
      const reply = { ...input, messageId: `<attestation.len${length}@passerelle.example>`, attachment: { filename: `attestation-${length}.pdf.gpg`, content } };
      expect(boundaryless((await buildReplyMessage(reply)).raw), `${length} bytes`).toBe(boundaryless(await composeReply(reply)));
    }
  });

  it('leaves filenames nodemailer would quote or encode to nodemailer', async () => {
    const reply = { ...input, attachment: { filename: 'attestation Łukasz.pdf.gpg', content: attachment } };
    expect(boundaryless((await buildReplyMessage(reply)).raw)).toBe(boundaryless(await composeReply(reply)));
  });
});
