/**
 * Hostile inputs of issue item 5, each built in the child process that judges it (so that its
 * memory is measured alone): XML for the lot stage, whole messages for the envelope stages.
 * Run: node --import tsx cases.ts <case> → one JSON line {code, baselineKb, peakKb, ms}.
 */
import { readFileSync } from 'node:fs';
import { deflateRawSync, crc32 } from 'node:zlib';
import * as openpgp from 'openpgp';
import { generateKeyPair, loadPrivateKeyring, signAndEncrypt } from '../../src/crypto/index.js';
import { readLotMessage } from '../../src/mail/mime-in.js';
import { decodeLot } from '../../src/pipeline/decode.js';
import { parseLot } from '../../src/lot/parse.js';
import type { Guichet } from '../../src/registry/model.js';
import { judgeDemandes } from '../../src/rules/index.js';
import { loadBundledReference } from '../../src/rules/reference/index.js';

const NS = 'urn:sne-gateway:lot:1';
const ENTETE = '<entete><guichet>G1104</guichet><identifiantLot>HOSTILE-1</identifiantLot><dateFichier>2026-11-26T09:30:00+01:00</dateFichier><nombreDemandes>1</nombreDemandes></entete>';
const lot = (body: string, prolog = '<?xml version="1.0" encoding="UTF-8"?>\n') => Buffer.from(`${prolog}<lot xmlns="${NS}" version="1.0">${ENTETE}${body}</lot>`);
const demande = (inner: string) => `<demande typeFichier="CRE" reference="H-1">${inner}</demande>`;

const LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lot [<!ENTITY a "lollollollollollollollollollol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY ${'b'.repeat(i + 1)} "${`&${i === 0 ? 'a' : 'b'.repeat(i)};`.repeat(10)}">`).join('')}]>
`;

/** A ZIP archive written by hand (stored names, deflated data), so that its entries can lie. */
function zip(entries: readonly { name: string; data: Uint8Array }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const packed = deflateRawSync(e.data, { level: 9 });
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0);
    head.writeUInt16LE(20, 4);
    head.writeUInt16LE(8, 8);
    head.writeUInt32LE(crc32(e.data), 14);
    head.writeUInt32LE(packed.length, 18);
    head.writeUInt32LE(e.data.length, 22);
    head.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc32(e.data), 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(head, name, packed);
    centrals.push(central, name);
    offset += head.length + name.length + packed.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

function mime(attachments: readonly { name: string; content: Uint8Array }[], from = 'g1104@exemple.fr'): Buffer {
  const parts = attachments.map(
    (a) =>
      `--B\r\nContent-Type: application/octet-stream; name="${a.name}"\r\nContent-Disposition: attachment; filename="${a.name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from(a.content).toString('base64').replace(/.{76}/g, '$&\r\n')}\r\n`,
  );
  return Buffer.from(`From: ${from}\r\nTo: depot@sne-gateway.localhost\r\nSubject: lot\r\nMessage-ID: <h@exemple.fr>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nLot.\r\n${parts.join('')}--B--\r\n`);
}

interface Parties {
  national: Awaited<ReturnType<typeof generateKeyPair>>;
  guichetKeys: Awaited<ReturnType<typeof generateKeyPair>>;
}

async function parties(): Promise<Parties> {
  const [national, guichetKeys] = await Promise.all([
    generateKeyPair({ name: 'SNE', email: 'depot@sne-gateway.localhost' }),
    generateKeyPair({ name: 'G1104', email: 'g1104@exemple.fr' }),
  ]);
  return { national, guichetKeys };
}

/** A lot as the guichet's software sends it: signed by the guichet, encrypted to the national key. */
async function sealed(p: Parties, payload: Uint8Array, to = p.national.publicKey): Promise<Uint8Array> {
  return signAndEncrypt(payload, await loadPrivateKeyring([{ privateKey: p.guichetKeys.privateKey }]), [to]);
}

/** As `sealed`, the payload compressed (zlib) in the OpenPGP message, as gpg does by default. */
async function sealedCompressed(p: Parties, payload: Uint8Array): Promise<Uint8Array> {
  return openpgp.encrypt({
    message: await openpgp.createMessage({ binary: payload }),
    encryptionKeys: await openpgp.readKey({ armoredKey: p.national.publicKey }),
    signingKeys: await openpgp.readPrivateKey({ armoredKey: p.guichetKeys.privateKey }),
    format: 'binary',
    config: { preferredCompressionAlgorithm: openpgp.enums.compression.zlib },
  });
}

type Input = { kind: 'xml'; xml: Buffer; rules?: true } | { kind: 'message'; raw: Buffer; parties: Parties };

/**
 * `count` forged copies of the message's real PKESK packet (same national key ID, session key
 * garbled) put before it: each one costs the gateway a private-key operation that fails.
 */
async function withForgedSessionKeys(sealedLot: Uint8Array, count: number): Promise<Uint8Array> {
  const message = await openpgp.readMessage({ binaryMessage: sealedLot });
  const real = message.packets.filterByTag(openpgp.enums.packet.publicKeyEncryptedSessionKey)[0] as openpgp.PublicKeyEncryptedSessionKeyPacket;
  const bytes = real.write();
  const forged = Array.from({ length: count }, (_, i) => {
    const copy = bytes.slice();
    copy[copy.length - 1 - (i % 16)]! ^= 1 + (i % 255);
    const packet = new openpgp.PublicKeyEncryptedSessionKeyPacket();
    packet.read(copy);
    return packet;
  });
  const packets = new openpgp.PacketList<openpgp.AnyPacket>();
  packets.push(...forged);
  return Buffer.concat([packets.write() as Uint8Array, sealedLot]);
}

/** The demo lot's first demande alone, its resources replaced by `count` of an unknown code. */
function poisonLot(count: number): Buffer {
  return firstDemande((demande) =>
    demande.replace(
      /<detailRessource>[\s\S]*?<\/detailRessource>\s*<detailRessource>[\s\S]*?<\/detailRessource>/,
      '<detailRessource><ressource code="XXX"/><montant>1</montant></detailRessource>'.repeat(count),
    ),
  );
}

/** The demo lot's text before its first demande, and that demande. */
function demoLot(): { head: string; first: string } {
  const text = readFileSync(new URL('../../fixtures/lots/lot-g1104-valide.xml', import.meta.url), 'utf8');
  return { head: text.slice(0, text.indexOf('<demande ')), first: /<demande [\s\S]*?<\/demande>/.exec(text)![0] };
}

/** The demo lot's first demande alone, changed by `change`. */
function firstDemande(change: (demande: string) => string): Buffer {
  const { head, first } = demoLot();
  return Buffer.from(`${head.replace(/<nombreDemandes>\d+<\/nombreDemandes>/, '<nombreDemandes>1</nombreDemandes>')}${change(first)}\n</lot>\n`);
}

/** The demandeur's nom with `hidden` in it, judged by the rules too (issue 15, point 6: doublons evaded). */
const evadingNom = (nom: string): Input => ({ kind: 'xml', rules: true, xml: firstDemande((demande) => demande.replace('<nom>Lefèvre</nom>', `<nom>${nom}</nom>`)) });

/** The demo lot's first demande repeated up to `size` bytes of XML. */
function denseLot(size: number): Buffer {
  const { head, first } = demoLot();
  return Buffer.from(`${head}${`${first}\n`.repeat(Math.floor(size / (first.length + 1)) - 1)}</lot>\n`);
}

const VALID_XML = lot(demande('<demandeLogement/>'));
const SENDER = 'g1104@exemple.fr';

/** `depth` multiparts, each the only part of the one around it. */
function nestedMultiparts(depth: number): Buffer {
  let entity = 'Content-Type: text/plain\r\n\r\nfin\r\n';
  for (let i = depth - 1; i >= 0; i--) entity = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${entity}--b${i}--\r\n`;
  return Buffer.from(`From: ${SENDER}\r\nMessage-ID: <n@exemple.fr>\r\nMIME-Version: 1.0\r\n${entity}`);
}

/** 7.6 MB of header lines, the sender's `From` before or after them. */
function hugeHeaders(fromFirst: boolean): Buffer {
  const filler = `X-Remplissage: ${'a'.repeat(70)}\r\n`.repeat(87_500);
  const from = `From: ${SENDER}\r\n`;
  return Buffer.from(`${fromFirst ? from : ''}${filler}${fromFirst ? '' : from}\r\nLot.\r\n`);
}

export const CASES: Readonly<Record<string, () => Promise<Input>>> = {
  doctype: async () => ({ kind: 'xml', xml: lot('', '<?xml version="1.0"?>\n<!DOCTYPE lot SYSTEM "lot.dtd">\n') }),
  'billion-laughs': async () => ({ kind: 'xml', xml: lot(demande('<x>&bbbbbbbbb;</x>'), LAUGHS) }),
  xxe: async () => ({ kind: 'xml', xml: lot(demande('<x>&xxe;</x>'), '<?xml version="1.0"?>\n<!DOCTYPE lot [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n') }),
  'nesting-10000': async () => ({ kind: 'xml', xml: lot(demande(`${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}`)) }),
  'text-50mb': async () => ({ kind: 'xml', xml: lot(demande(`<demandeLogement>${'A'.repeat(50 * 1024 * 1024)}</demandeLogement>`)) }),
  // Issue 15, point 12: dense XML, parsed whole, made ~3 million libxml2 nodes (686 MB in `run`).
  'dense-63mib': async () => ({ kind: 'xml', xml: denseLot(63 * 1024 * 1024) }),
  'dense-demande-8mib': async () => ({ kind: 'xml', xml: lot(demande(`<demandeLogement>${'<x/>'.repeat(2 * 1024 * 1024)}</demandeLogement>`)) }),
  'lying-encoding': async () => ({ kind: 'xml', xml: lot(demande('<demandeLogement/>'), '<?xml version="1.0" encoding="UTF-16"?>\n') }),
  'attachment-5mib': async () => {
    const p = await parties();
    return { kind: 'message', parties: p, raw: mime([{ name: 'lot.gpg', content: new Uint8Array(5 * 1024 * 1024).fill(0x41) }]) };
  },
  'zip-bomb': async () => {
    const p = await parties();
    const bomb = zip([{ name: 'lot.xml', data: Buffer.concat([Buffer.from('<?xml version="1.0"?><lot>'), Buffer.alloc(80 * 1024 * 1024, 0x20)]) }]);
    return { kind: 'message', parties: p, raw: mime([{ name: 'lot.gpg', content: await sealed(p, bomb) }]) };
  },
  'zip-two-files': async () => {
    const p = await parties();
    const two = zip([{ name: 'lot.xml', data: VALID_XML }, { name: 'autre.xml', data: VALID_XML }]);
    return { kind: 'message', parties: p, raw: mime([{ name: 'lot.gpg', content: await sealed(p, two) }]) };
  },
  'zip-parent-path': async () => {
    const p = await parties();
    return { kind: 'message', parties: p, raw: mime([{ name: 'lot.gpg', content: await sealed(p, zip([{ name: '../lot.xml', data: VALID_XML }])) }]) };
  },
  'two-openpgp-attachments': async () => {
    const p = await parties();
    const one = await sealed(p, VALID_XML);
    return { kind: 'message', parties: p, raw: mime([{ name: 'lot.gpg', content: one }, { name: 'lot2.pgp', content: one }]) };
  },
  'garbage-openpgp': async () => {
    const p = await parties();
    return { kind: 'message', parties: p, raw: mime([{ name: 'lot.gpg', content: Buffer.from('ceci n’est pas un message OpenPGP '.repeat(100)) }]) };
  },
  'other-recipient': async () => {
    const p = await parties();
    const stranger = await generateKeyPair({ name: 'Autre', email: 'autre@exemple.fr' });
    return { kind: 'message', parties: p, raw: mime([{ name: 'lot.gpg', content: await sealed(p, VALID_XML, stranger.publicKey) }]) };
  },
  unsigned: async () => {
    const p = await parties();
    const encrypted = await openpgp.encrypt({
      message: await openpgp.createMessage({ binary: VALID_XML }),
      encryptionKeys: await openpgp.readKey({ armoredKey: p.national.publicKey }),
      format: 'binary',
    });
    return { kind: 'message', parties: p, raw: mime([{ name: 'lot.gpg', content: encrypted }]) };
  },
  // Beyond the MIME parser's limits: the sender, read from the first header lines, is answered…
  'nested-multipart-2000': async () => ({ kind: 'message', parties: await parties(), raw: nestedMultiparts(2_000) }),
  'headers-7mb': async () => ({ kind: 'message', parties: await parties(), raw: hugeHeaders(true) }),
  // …unless its From lies past them: no sender to trust, quarantined.
  'headers-7mb-from-last': async () => ({ kind: 'message', parties: await parties(), raw: hugeHeaders(false) }),
  // Issue 15, point 4: locating each of 20,000 schema errors walked the tree (> 4 min).
  'poison-demande': async () => ({ kind: 'xml', xml: poisonLot(20_000) }),
  // Issue 15, point 5: every session-key packet for the national key was tried, all at once.
  'forged-pkesk': async () => {
    const p = await parties();
    return { kind: 'message', parties: p, raw: mime([{ name: 'lot.gpg', content: await withForgedSessionKeys(await sealed(p, VALID_XML), 2_000) }]) };
  },
  'forged-pkesk-few': async () => {
    const p = await parties();
    return { kind: 'message', parties: p, raw: mime([{ name: 'lot.gpg', content: await withForgedSessionKeys(await sealed(p, VALID_XML), 3) }]) };
  },
  // Issue 15, point 5: each signature hashed the whole payload before its signer was known.
  'many-signatures': async () => {
    const p = await parties();
    const guichet = await openpgp.readPrivateKey({ armoredKey: p.guichetKeys.privateKey });
    const signed = await openpgp.encrypt({
      message: await openpgp.createMessage({ binary: VALID_XML }),
      encryptionKeys: await openpgp.readKey({ armoredKey: p.national.publicKey }),
      signingKeys: Array.from({ length: 100 }, () => guichet),
      format: 'binary',
    });
    return { kind: 'message', parties: p, raw: mime([{ name: 'lot.gpg', content: signed }]) };
  },
  // Issue 15, point 12: ~65 kB of ciphertext inflated to 63 MiB of XML, all of it parsed (489 MB).
  'openpgp-inflate-63mib': async () => {
    const p = await parties();
    const padded = lot(`${demande('<demandeLogement/>')}${' '.repeat(63 * 1024 * 1024)}`);
    return { kind: 'message', parties: p, raw: mime([{ name: 'lot.gpg', content: await sealedCompressed(p, padded) }]) };
  },
  'nom-zero-width-space': async () => evadingNom('Lef\u200Bèvre'),
  'nom-soft-hyphen': async () => evadingNom('Lef\u00ADèvre'),
  'nom-right-to-left-override': async () => evadingNom('\u202ELefèvre'),
  'nom-cyrillic-o': async () => evadingNom('Lefèvr\u0435'),
  'malformed-mime': async () => ({
    kind: 'message',
    parties: await parties(),
    // A multipart without its boundary, a header line without colon, binary garbage as body.
    raw: Buffer.concat([
      Buffer.from('From: g1104@exemple.fr\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\nthis is no header\r\n\r\n--\r\n'),
      Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
    ]),
  }),
};

async function judge(input: Input): Promise<string> {
  if (input.kind === 'xml') {
    const parsed = parseLot(input.xml);
    if (!parsed.ok) return parsed.error.code;
    if (input.rules) {
      const demandes = parsed.lot.demandes.flatMap((d) => (d.ok ? [d.demande] : []));
      const judgements = judgeDemandes(demandes, { guichet: { code: 'G1104', departements: ['93', '75'] }, receptionDay: '2026-11-26', reference: loadBundledReference() });
      return [...judgements.values()].map((j) => j.errors[0]?.code ?? 'OK').join(',');
    }
    return parsed.lot.demandes.map((d) => (d.ok ? 'OK' : d.errors[0]!.code)).join(',');
  }
  const message = await readLotMessage(input.raw);
  // As judge.ts: without the registered sender's address, the message is quarantined, no reply.
  if ((message.ok ? message.value.from : message.envelope?.from) !== SENDER) return 'LOT_EXPEDITEUR_INCONNU';
  if (!message.ok) return message.error.code;
  const guichet: Guichet = {
    code: 'G1104', nom: 'G', adresse: 'A', actif: true, expediteurs: [SENDER], destinataires: [SENDER],
    cles: [{ fingerprint: input.parties.guichetKeys.fingerprint, armored: input.parties.guichetKeys.publicKey }], departements: ['93'], canal: 'mail', certificats: [],
  };
  const keyring = await loadPrivateKeyring([{ privateKey: input.parties.national.privateKey }]);
  const decoded = await decodeLot(message.value.openpgp, guichet, keyring);
  return decoded.ok ? 'OK' : decoded.error.code;
}

const name = process.argv[2];
if (name !== undefined) {
  const build = CASES[name];
  if (build === undefined) throw new Error(`unknown case ${name}`);
  const input = await build();
  global.gc?.();
  const baselineKb = process.resourceUsage().maxRSS;
  const started = performance.now();
  const code = await judge(input);
  const ms = Math.round(performance.now() - started);
  process.stdout.write(`${JSON.stringify({ code, baselineKb, peakKb: process.resourceUsage().maxRSS, ms })}\n`);
}
