/**
 * Sealing one reply (issue 21 point 2): sign + encrypt + MIME of a real attestation PDF to a
 * Curve25519 guichet key, today's path (`signAndEncrypt` + `buildReplyMessage`) beside the
 * previous one (openpgp.js `encrypt` + nodemailer composing), and the limit floor (point 4): the
 * bytes the reply must contain, deflated, hashed (SHA-512 signature, SHA-1 MDC), encrypted
 * (AES-256-CFB), base64'd and written to a file, with node:zlib/node:crypto alone. Rounds
 * alternate and medians are kept: the machine is shared.
 */
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import * as openpgp from 'openpgp';
import { generateKeyPair, loadPrivateKeyring, signAndEncrypt } from '../src/crypto/index.js';
import { keyringInternals } from '../src/crypto/keyring.js';
import { cachedPublicKeys, GPG22_CONFIG } from '../src/crypto/keys.js';
import { buildReplyMessage, composeReply, type ReplyInput } from '../src/mail/mime-out.js';
import { renderAttestation } from '../src/replies/attestation/index.js';
import { attestationCre } from '../test/replies/fixtures.js';
import { median } from './lib/measure.js';
import type { Benchmark } from './types.js';

const PER_ROUND = 200;
const ROUNDS = 7;

const bench: Benchmark = async () => {
  const national = await generateKeyPair({ name: 'SNE', email: 'sne@bench.localhost', passphrase: 'bench' });
  const guichet = await generateKeyPair({ name: 'Guichet', email: 'g@bench.localhost' });
  const keyring = await loadPrivateKeyring([{ privateKey: national.privateKey, passphrase: 'bench' }]);
  const pdf = await renderAttestation(attestationCre);
  const envelope = (i: number, content: Uint8Array): ReplyInput => ({
    from: 'SNE <sne@bench.localhost>', to: ['g@bench.localhost'], subject: 'Attestation d’enregistrement d’une demande de logement social',
    text: 'Bonjour,\n\nVous trouverez ci-joint l’attestation.\n', messageId: `<attestation.${i}@bench.localhost>`, inReplyTo: '<lot@bench.localhost>',
    references: ['<lot@bench.localhost>'], date: new Date(), attachment: { filename: `attestation-DOS-${i}.pdf.gpg`, content, contentType: 'application/octet-stream' },
  });
  const { signingKey } = keyringInternals(keyring);
  const before = async (i: number) => {
    const message = await openpgp.createMessage({ binary: pdf, filename: `attestation-DOS-${i}.pdf` });
    const content = await openpgp.encrypt({ message, encryptionKeys: await cachedPublicKeys(guichet.publicKey), signingKeys: signingKey, format: 'binary', config: GPG22_CONFIG });
    return (await composeReply(envelope(i, content))).length;
  };
  const now = async (i: number) => (await buildReplyMessage(envelope(i, await signAndEncrypt(pdf, keyring, [guichet.publicKey], { filename: `attestation-DOS-${i}.pdf` })))).raw.length;
  const file = openSync(join(mkdtempSync(join(tmpdir(), 'seal-floor-')), 'out'), 'w');
  const floor = (_i: number) => {
    const deflated = deflateRawSync(pdf);
    createHash('sha512').update(pdf).digest();
    createHash('sha1').update(pdf).digest();
    const cipher = createCipheriv('aes-256-cfb', randomBytes(32), Buffer.alloc(16));
    const sealed = Buffer.concat([cipher.update(pdf), cipher.final()]);
    writeSync(file, sealed.toString('base64'), 0);
    return deflated.length;
  };
  const run = async (fn: (i: number) => unknown) => {
    const start = performance.now();
    for (let i = 0; i < PER_ROUND; i++) await fn(i);
    return (performance.now() - start) / PER_ROUND;
  };
  for (const fn of [before, now, floor]) await run(fn); // warm
  const times = { before: [] as number[], now: [] as number[], floor: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    times.before.push(await run(before));
    times.now.push(await run(now));
    times.floor.push(await run(floor));
  }
  closeSync(file);
  const m = { before: median(times.before), now: median(times.now), floor: median(times.floor) };
  return [
    { name: `sealing: ms per reply (sign + encrypt + MIME, ${pdf.length}-byte attestation, median of ${ROUNDS}×${PER_ROUND})`, value: m.now, unit: 'ms', floor: m.floor, ratio: m.now / m.floor, target: '≤ 1.5 ms', met: m.now <= 1.5 },
    { name: 'sealing, previous path (openpgp.js encrypt + nodemailer), same run', value: m.before, unit: 'ms', floor: m.floor, ratio: m.before / m.floor, target: '≤ 1.5 ms', met: m.before <= 1.5 },
    { name: 'sealing floor: deflate + SHA-512 + SHA-1 + AES-256-CFB + base64 + write, node:zlib/node:crypto', value: m.floor, unit: 'ms' },
  ];
};

export default bench;
