import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/limits.js';
import { readLotMessage, readPgpMimeEntity, type LotMessageResult } from '../../src/mail/mime-in.js';
import { buildLotMessage, buildPgpMimeEntity, buildPgpMimeLotMessage } from '../../src/mail/mime-out.js';
import { createGpgHome, gpgDecrypt, gpgGenerateKey, gpgSignEncrypt, type GpgHome, type GpgKey } from '../helpers/gpg.js';

const LOT_XML = Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<lot xmlns="urn:sne-gateway:lot:1" version="1.0"/>\n');
let home: GpgHome;
let key: GpgKey;
let binary: Buffer;
let armored: Buffer;

beforeAll(async () => {
  home = await createGpgHome();
  key = await gpgGenerateKey(home, 'Guichet G1104', 'depot@guichet.example');
  binary = await gpgSignEncrypt(home, LOT_XML, key.fingerprint, key.fingerprint);
  armored = await gpgSignEncrypt(home, LOT_XML, key.fingerprint, key.fingerprint, { armor: true });
});

afterAll(async () => {
  await home.cleanup();
});

function expectError(result: LotMessageResult, code: string): void {
  if (result.ok) throw new Error(`expected ${code}, got a lot message`);
  expect(result.error.code).toBe(code);
}

/** A hand-written message, as mail clients other than nodemailer lay them out. */
const handMade = (headers: string, body: string): Buffer => Buffer.from(`${headers}\r\n\r\n${body}`.replace(/\r?\n/g, '\r\n'));

describe('readLotMessage', () => {
  it('reads a binary .gpg attachment built by buildLotMessage, with its envelope', async () => {
    const raw = await buildLotMessage({
      from: '=?UTF-8?Q?=C3=89lodie?= <Depot@Guichet.EXAMPLE>',
      to: 'depot@sne.example',
      subject: 'Lot BX75 — été',
      messageId: '<lot-1@guichet.example>',
      date: new Date('2026-11-26T08:30:00Z'),
      attachment: { filename: 'BX75-20261126-001.xml.gpg', content: binary },
    });
    const result = await readLotMessage(raw);
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.from).toBe('depot@guichet.example');
    expect(result.value.messageId).toBe('<lot-1@guichet.example>');
    expect(result.value.subject).toBe('Lot BX75 — été');
    expect(result.value.date?.toISOString()).toBe('2026-11-26T08:30:00.000Z');
    expect(result.value.openpgp).toMatchObject({ filename: 'BX75-20261126-001.xml.gpg', armored: false, pgpMime: false });
    expect(Buffer.from(result.value.openpgp.content).equals(binary)).toBe(true);
    expect(result.envelope?.from).toBe('depot@guichet.example');
    // What was read is what gpg can open.
    expect((await gpgDecrypt(home, result.value.openpgp.content)).plaintext.equals(LOT_XML)).toBe(true);
  });

  it('reads an armored .asc attachment among other parts, decoding a display name with encoded words', async () => {
    const raw = handMade(
      [
        'From: =?ISO-8859-1?Q?Guichet_de_Saint-=C9tienne?= <DEPOT@guichet.example>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b1"',
      ].join('\n'),
      [
        '--b1',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Bonjour, voici le lot.',
        '--b1',
        'Content-Type: application/pgp-signature; name="signature.sig"',
        'Content-Disposition: attachment; filename="signature.sig"',
        '',
        'not ours',
        '--b1',
        'Content-Type: text/plain; name="LOT.ASC"',
        'Content-Disposition: attachment; filename="LOT.ASC"',
        '',
        armored.toString('latin1'),
        '--b1--',
        '',
      ].join('\n'),
    );
    const result = await readLotMessage(raw);
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.from).toBe('depot@guichet.example');
    expect(result.value.openpgp).toMatchObject({ filename: 'LOT.ASC', armored: true, pgpMime: false });
    expect((await gpgDecrypt(home, result.value.openpgp.content)).plaintext.equals(LOT_XML)).toBe(true);
  });

  it('reads a PGP/MIME message end to end: part, decryption, then the lot file inside the entity', async () => {
    const entity = await buildPgpMimeEntity({ filename: 'BX75-20261126-001.xml', content: LOT_XML });
    const encrypted = await gpgSignEncrypt(home, entity, key.fingerprint, key.fingerprint, { armor: true });
    const raw = await buildPgpMimeLotMessage({
      from: 'depot@guichet.example',
      to: 'depot@sne.example',
      messageId: '<lot-2@guichet.example>',
      encrypted: encrypted.toString('utf8'),
    });
    expect(raw.toString()).toMatch(/^Content-Type: multipart\/encrypted;[\s\S]*protocol="application\/pgp-encrypted"/m);

    const result = await readLotMessage(raw);
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.openpgp).toMatchObject({ armored: true, pgpMime: true });
    const decrypted = await gpgDecrypt(home, result.value.openpgp.content);
    const lot = await readPgpMimeEntity(decrypted.plaintext);
    if (!lot.ok) throw new Error(lot.error.message);
    expect(Buffer.from(lot.value).equals(LOT_XML)).toBe(true);
  });

  it('refuses a message with no OpenPGP attachment, still giving the envelope for the reply', async () => {
    const raw = await buildLotMessage({
      from: 'depot@guichet.example',
      to: 'depot@sne.example',
      messageId: '<lot-3@guichet.example>',
      attachment: { filename: 'lot.xml', content: LOT_XML },
    });
    const result = await readLotMessage(raw);
    expectError(result, 'LOT_PIECE_JOINTE');
    expect(result.envelope).toMatchObject({ from: 'depot@guichet.example', messageId: '<lot-3@guichet.example>' });
  });

  it('keeps a Message-ID only when it is a valid msg-id: no escape sequence, bidi override or space is stored', async () => {
    for (const hostile of ['<\x1b]8;;http://evil.example\x07x@evil.example>', '<a\u202e@evil.example>', '<\u009b2J@evil.example>', '<a b@evil.example>', 'nu@evil.example']) {
      const raw = Buffer.from(`From: depot@guichet.example\r\nTo: depot@sne.example\r\nMessage-ID: ${hostile}\r\nSubject: x\r\n\r\nRien.\r\n`, 'utf8');
      const result = await readLotMessage(raw);
      expect(result.envelope?.from, hostile).toBe('depot@guichet.example');
      expect(result.envelope?.messageId, hostile).toBeUndefined();
    }
    const fine = await readLotMessage(Buffer.from('From: depot@guichet.example\r\nMessage-ID:  <lot.1+x@guichet.example> \r\n\r\nRien.\r\n'));
    expect(fine.envelope?.messageId).toBe('<lot.1+x@guichet.example>');
  });

  it('refuses two OpenPGP attachments', async () => {
    const raw = handMade(
      'From: depot@guichet.example\nContent-Type: multipart/mixed; boundary=b',
      [
        '--b',
        'Content-Type: application/octet-stream; name=a.gpg',
        'Content-Transfer-Encoding: base64',
        '',
        binary.toString('base64'),
        '--b',
        'Content-Type: application/octet-stream; name=b.pgp',
        'Content-Transfer-Encoding: base64',
        '',
        binary.toString('base64'),
        '--b--',
      ].join('\n'),
    );
    const result = await readLotMessage(raw);
    expectError(result, 'LOT_PIECE_JOINTE');
    if (!result.ok) expect(result.error.details).toEqual({ count: 2 });
  });

  it('refuses an attachment over the 4 MiB limit with LOT_TAILLE', async () => {
    const raw = await buildLotMessage({
      from: 'depot@guichet.example',
      to: 'depot@sne.example',
      attachment: { filename: 'lot.gpg', content: Buffer.alloc(LIMITS.attachmentBytes + 1, 0x85) },
    });
    const result = await readLotMessage(raw);
    expectError(result, 'LOT_TAILLE');
    if (!result.ok) expect(result.error.details).toMatchObject({ limit: 'attachmentBytes', actual: LIMITS.attachmentBytes + 1 });
    expect(result.envelope?.from).toBe('depot@guichet.example');
  });

  it('refuses a message its source reported as oversized, from its header section alone', async () => {
    const headers = Buffer.from('From: Depot <depot@guichet.example>\r\nMessage-ID: <big@g>\r\n\r\n');
    const result = await readLotMessage(headers, { sizeBytes: LIMITS.messageBytes + 1 });
    expectError(result, 'LOT_TAILLE');
    if (!result.ok) expect(result.error.details).toMatchObject({ limit: 'messageBytes' });
    expect(result.envelope).toMatchObject({ from: 'depot@guichet.example', messageId: '<big@g>' });
  });

  it('treats garbage bytes and a message without a From as an unknown sender, with no envelope', async () => {
    const garbage = await readLotMessage(Buffer.from([0, 1, 2, 0xff, 0xfe, 13, 10, 0x80, 0x81, 13, 10, 13, 10, 0x85]));
    expectError(garbage, 'LOT_EXPEDITEUR_INCONNU');
    expect(garbage.envelope).toBeUndefined();
    const noFrom = await readLotMessage(handMade('Subject: lot\nContent-Type: application/octet-stream; name=a.gpg', 'x'));
    expectError(noFrom, 'LOT_EXPEDITEUR_INCONNU');
    const group = await readLotMessage(handMade('From: undisclosed-recipients:;', 'x'));
    expectError(group, 'LOT_EXPEDITEUR_INCONNU');
  });

  describe('a message the MIME parser refuses', () => {
    /** `depth` multiparts, each the only part of the one around it (hostile corpus: 2,000). */
    const nested = (depth: number, headers: string): Buffer => {
      let entity = 'Content-Type: text/plain\r\n\r\nfin\r\n';
      for (let i = depth - 1; i >= 0; i--) entity = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${entity}--b${i}--\r\n`;
      return Buffer.from(`${headers}MIME-Version: 1.0\r\n${entity}`);
    };
    /** 7.6 MB of header lines (hostile corpus), `before` and `after` them. */
    const hugeHeaders = (before: string, after: string): Buffer =>
      Buffer.from(`${before}${`X-Remplissage: ${'a'.repeat(70)}\r\n`.repeat(87_500)}${after}\r\nbody\r\n`);

    it('answers a sender named in its first header lines: 2,000 nested multiparts → LOT_PIECE_JOINTE', async () => {
      const result = await readLotMessage(nested(2_000, 'From: Guichet <Depot@Guichet.example>\r\nMessage-ID: <n@g>\r\n'));
      expectError(result, 'LOT_PIECE_JOINTE');
      expect(result.envelope).toEqual({ from: 'depot@guichet.example', messageId: '<n@g>' });
    });

    it('answers a sender named in its first header lines: 7.6 MB of headers → LOT_PIECE_JOINTE', async () => {
      const result = await readLotMessage(hugeHeaders('From: depot@guichet.example\r\n', ''));
      expectError(result, 'LOT_PIECE_JOINTE');
      expect(result.envelope?.from).toBe('depot@guichet.example');
    });

    it('trusts no sender past the first 64 KiB of headers, nor two From, nor a From of two mailboxes', async () => {
      for (const raw of [
        hugeHeaders('', 'From: depot@guichet.example\r\n'),
        nested(2_000, 'From: depot@guichet.example\r\nFrom: autre@ailleurs.example\r\n'),
        nested(2_000, 'From: depot@guichet.example, autre@ailleurs.example\r\n'),
        nested(2_000, 'Subject: sans expéditeur\r\n'),
      ]) {
        const result = await readLotMessage(raw);
        expectError(result, 'LOT_PIECE_JOINTE');
        expect(result.envelope).toBeUndefined();
      }
    });
  });

  it('does not count the attachments of a forwarded message', async () => {
    const raw = handMade(
      'From: depot@guichet.example\nContent-Type: multipart/mixed; boundary=b',
      [
        '--b',
        'Content-Type: message/rfc822',
        '',
        'From: autre@ailleurs.example',
        'Content-Type: application/octet-stream; name=inner.gpg',
        'Content-Disposition: attachment',
        '',
        'zz',
        '--b--',
      ].join('\n'),
    );
    expectError(await readLotMessage(raw), 'LOT_PIECE_JOINTE');
  });
});

describe('readPgpMimeEntity', () => {
  it('ignores protected headers and picks the .zip among a signature', async () => {
    const entity = handMade(
      'Content-Type: multipart/mixed; boundary=e; protected-headers="v1"',
      [
        '--e',
        'Content-Type: text/rfc822-headers',
        '',
        'Subject: lot',
        '--e',
        'Content-Type: application/zip; name=lot.zip',
        'Content-Disposition: attachment; filename=lot.zip',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from('PK\x03\x04zip').toString('base64'),
        '--e',
        'Content-Type: application/pgp-keys; name=key.asc',
        'Content-Disposition: attachment; filename=key.asc',
        '',
        'key',
        '--e--',
      ].join('\n'),
    );
    const result = await readPgpMimeEntity(entity);
    if (!result.ok) throw new Error(result.error.message);
    expect(Buffer.from(result.value).toString('latin1')).toBe('PK\x03\x04zip');
  });

  it('refuses an entity with no attachment or with two lot files', async () => {
    const none = await readPgpMimeEntity(handMade('Content-Type: text/plain', 'Bonjour'));
    expect(none.ok ? undefined : none.error.code).toBe('LOT_PIECE_JOINTE');
    const two = await readPgpMimeEntity(
      handMade(
        'Content-Type: multipart/mixed; boundary=e',
        ['--e', 'Content-Type: application/xml; name=a.xml', '', '<a/>', '--e', 'Content-Type: application/zip; name=b.zip', '', 'PK', '--e--'].join(
          '\n',
        ),
      ),
    );
    expect(two.ok ? undefined : two.error.code).toBe('LOT_PIECE_JOINTE');
  });
});
