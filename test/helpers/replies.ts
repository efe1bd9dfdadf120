/** Reads a reply's encrypted attachment back out of its message, as a guichet's mail client would. */
import { readLotMessage } from '../../src/mail/mime-in.js';

export async function openReplyAttachment(raw: Buffer): Promise<{ filename: string; content: Uint8Array }> {
  const message = await readLotMessage(raw);
  if (!message.ok) throw new Error(`reply without one OpenPGP attachment: ${message.error.code}`);
  return { filename: message.value.openpgp.filename.replace(/\.gpg$/, ''), content: message.value.openpgp.content };
}
