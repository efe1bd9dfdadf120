/**
 * Dispatching end to end (spec 8): three guichets with stock in overlapping communes send lots of
 * CRE, REN, MOD and RAD over two days (clock injected, lots signed and encrypted by gpg); each
 * day's pass queues one digest per concerned bailleur, sealed and mailed; gpg decrypts them and
 * xmllint validates them against schemas/dispatching-1.xsd; each event is in exactly one digest
 * of each concerned bailleur and in none of the guichet that made it. A crash between queueing
 * and sending: the digest sent after the restart is the one sealed before, byte for byte.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nationalKeyLocation, openGateway, type Gateway } from '../../src/app.js';
import { fixedClock } from '../../src/clock.js';
import { homePath } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { nationalKeyFiles, nationalPublicKeys } from '../../src/crypto/national-keys.js';
import { runOnce } from '../../src/daemon.js';
import { silentLogger } from '../../src/log.js';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { buildLotMessage } from '../../src/mail/mime-out.js';
import { runDispatch } from '../../src/replies/dispatch.js';
import { generate } from '../../bench/lib/generate-lot.js';
import { HOME_BACKENDS, initHomeOn } from '../harness/registry-home.js';
import { createGpgHome, gpgDecrypt, gpgGenerateKey, gpgImport, gpgSignEncrypt, type GpgHome } from '../helpers/gpg.js';
import { openReplyAttachment } from '../helpers/replies.js';

const SCHEMA = new URL('../../schemas/dispatching-1.xsd', import.meta.url).pathname;
const CODES = ['G1104', 'G2201', 'G3301'] as const;
const DAY1 = '2030-03-04T10:00:00+01:00';
const PASS1 = '2030-03-05T06:00:00+01:00';
const DAY2 = '2031-02-20T10:00:00+01:00';
const PASS2 = '2031-02-21T06:30:00+01:00';


describe.each(HOME_BACKENDS)('dispatching end to end ($name)', (backend) => {
  let home: string;
  let gpgHome: GpgHome;
  let national: string;
  let config: Readonly<Config>;
  let gateway: Gateway;
  const clock = fixedClock(DAY1);
  const lots = new Map<string, string>();
  /** Digest documents, decrypted: [guichet, xml]. */
  const digests: { guichet: string; filename: string; xml: string }[] = [];

  const outgoing = () => join(homePath(config, config.sender.path), 'new');
  const sender = (code: string) => `lots@${code.toLowerCase()}.example`;

  async function sendLot(code: string, xml: string): Promise<void> {
    const encrypted = await gpgSignEncrypt(gpgHome, Buffer.from(xml), sender(code), national, { filename: 'lot.xml' });
    const raw = await buildLotMessage({ from: sender(code), to: 'depot@sne-gateway.localhost', attachment: { filename: 'lot.xml.gpg', content: encrypted } });
    await deliverToMaildir(homePath(config, config.mailbox.path), raw);
  }

  /** The lot of `code` with its demandes at `positions` turned into `typeFichier` on their numéros. */
  function followUp(code: string, identifiant: string, typeFichier: 'REN' | 'MOD', numeros: readonly string[], positions: readonly number[]): string {
    const blocks = [...lots.get(code)!.matchAll(/<demande [\s\S]*?<\/demande>/g)].map((m) => m[0]);
    const demandes = positions.map((p, i) =>
      blocks[p]!.replace('typeFichier="CRE"', `typeFichier="${typeFichier}"`)
        .replace(/reference="([^"]+)"/, `reference="$1-${typeFichier}"`)
        .replace('<demandeLogement>', `<demandeLogement><numUnique>${numeros[i]}</numUnique>`)
        .replace(/<montantMensuelLoyer>\d+/, '<montantMensuelLoyer>999'),
    );
    return lotOf(code, identifiant, demandes);
  }
  const lotOf = (code: string, identifiant: string, demandes: readonly string[]) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<lot xmlns="urn:sne-gateway:lot:1" version="1.0">\n  <entete><guichet>${code}</guichet><identifiantLot>${identifiant}</identifiantLot><dateFichier>2030-03-04T09:30:00+01:00</dateFichier><nombreDemandes>${demandes.length}</nombreDemandes></entete>\n${demandes.join('\n')}\n</lot>\n`;
  const radiations = (code: string, identifiant: string, numeros: readonly string[]) =>
    lotOf(code, identifiant, numeros.map((n, i) => `<demande typeFichier="RAD" reference="RAD-${i}"><radiation><numUnique>${n}</numUnique><motif code="RADATT"/></radiation></demande>`));

  /** Decrypts and validates every digest mailed since `before` (file names). */
  async function collectDigests(before: ReadonlySet<string>): Promise<void> {
    for (const file of readdirSync(outgoing()).filter((f) => !before.has(f))) {
      const eml = readFileSync(join(outgoing(), file));
      const attachment = await openReplyAttachment(eml);
      if (!attachment.filename.startsWith('dispatching-')) continue;
      // The mail's attachment is named as the spec says (the helper gives the decrypted file's name).
      expect(eml.toString('latin1')).toContain(`${attachment.filename.replace(/\.gpg$/, '')}.gpg`);
      const decrypted = await gpgDecrypt(gpgHome, attachment.content);
      expect(decrypted.goodSignatureFrom).toBe(national);
      const xmlFile = join(home, attachment.filename.replace(/\.gpg$/, ''));
      writeFileSync(xmlFile, decrypted.plaintext);
      execFileSync('xmllint', ['--noout', '--schema', SCHEMA, xmlFile], { stdio: 'pipe' });
      const xml = decrypted.plaintext.toString('utf8');
      digests.push({ guichet: /<dispatching [^>]*guichet="(\w+)"/.exec(xml)![1]!, filename: attachment.filename, xml });
    }
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'sne-dispatch-'));
    ({ config } = await initHomeOn(backend, home));
    national = nationalKeyFiles(nationalKeyLocation(config))[0]!.fingerprint;
    gpgHome = await createGpgHome();
    await gpgImport(gpgHome, nationalPublicKeys(nationalKeyLocation(config))[0]!);
    gateway = await openGateway(config, silentLogger(), clock);
    for (const code of CODES) {
      const key = await gpgGenerateKey(gpgHome, `Guichet ${code}`, sender(code));
      await gateway.registry.addGuichet({
        code, nom: `Bailleur ${code}`, adresse: '1 rue de la Paix\n93200 Saint-Denis', expediteurs: [sender(code)],
        destinataires: [`retours@${code.toLowerCase()}.example`], cles: [{ fingerprint: key.fingerprint, armored: key.publicKey }], departements: ['93', '75'],
      });
    }
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    await gpgHome?.cleanup();
    rmSync(home, { recursive: true, force: true });
  });

  it('sends each event of two days to every concerned bailleur exactly once, never to its own guichet', async () => {
    // Day 1: each guichet registers 4 demandes.
    for (const [i, code] of CODES.entries()) {
      const { xml } = generate({ demandes: 4, guichet: code, identifiantLot: `${code}-J1`, departements: ['93'], seed: 100 + i });
      lots.set(code, xml);
      await sendLot(code, xml);
    }
    await runOnce(gateway);
    const numeros = new Map<string, string[]>();
    for (const lot of await gateway.registry.listLots()) {
      numeros.set(lot.guichet!, (await gateway.registry.lotResultats(lot.id)).map((r) => r.numeroUnique!).filter(Boolean));
    }
    expect(CODES.map((c) => numeros.get(c)?.length)).toEqual([4, 4, 4]);
    // Overlapping stock: the communes souhaitées of all demandes, shared out with overlaps.
    const communes = new Set<string>();
    for (const ns of numeros.values()) for (const n of ns) for (const c of (await gateway.registry.getDemande(n))!.donnees.logementRecherche.communesSouhaitees) communes.add(c.code!);
    const all = [...communes].sort();
    const third = Math.ceil(all.length / 3);
    await gateway.registry.setGuichetCommunes('G1104', all.slice(0, 2 * third));
    await gateway.registry.setGuichetCommunes('G2201', all.slice(third));
    await gateway.registry.setGuichetCommunes('G3301', [...all.slice(0, third), ...all.slice(2 * third)]);

    let before = new Set(readdirSync(outgoing()));
    clock.set(PASS1);
    const first = await runDispatch(gateway.registry, '2030-03-05', clock.now(), { messageIdDomain: config.gateway.messageIdDomain });
    expect(first.kind).toBe('done');
    await runOnce(gateway);
    await collectDigests(before);

    // Day 2, a year later: renewals, modifications of another guichet's demandes, radiations.
    clock.set(DAY2);
    await sendLot('G1104', followUp('G1104', 'G1104-J2-REN', 'REN', numeros.get('G1104')!.slice(0, 2), [0, 1]));
    await sendLot('G2201', followUp('G1104', 'G2201-J2-MOD', 'MOD', numeros.get('G1104')!.slice(2, 3), [2]).replaceAll('<guichet>G1104</guichet>', '<guichet>G2201</guichet>'));
    await sendLot('G3301', radiations('G3301', 'G3301-J2-RAD', numeros.get('G3301')!.slice(0, 2)));
    await runOnce(gateway);
    for (const lot of (await gateway.registry.listLots()).filter((l) => l.identifiantLot?.includes('-J2-'))) expect([lot.identifiantLot, lot.statut]).toEqual([lot.identifiantLot, 'ACCEPTE']);

    before = new Set(readdirSync(outgoing()));
    clock.set(PASS2);
    const second = await runDispatch(gateway.registry, '2031-02-21', clock.now(), { messageIdDomain: config.gateway.messageIdDomain });
    expect(second.kind).toBe('done');
    await runOnce(gateway);
    await collectDigests(before);
    // A pass of a day already done queues nothing more.
    expect((await runDispatch(gateway.registry, '2031-02-21', clock.now(), { messageIdDomain: config.gateway.messageIdDomain })).kind).toBe('already');

    // What each bailleur must have received, from the audit trail and the stock.
    const stock = new Map<string, Set<string>>();
    for (const code of CODES) stock.set(code, new Set(await gateway.registry.guichetCommunes(code)));
    const expected = new Map<string, string[]>(CODES.map((c) => [c, []]));
    let events = 0;
    for (const n of [...numeros.values()].flat()) {
      const demande = (await gateway.registry.getDemande(n))!;
      const wanted = demande.donnees.logementRecherche.communesSouhaitees.map((c) => c.code!);
      for (const e of await gateway.registry.demandeHistory(n)) {
        if (!['CRE', 'REN', 'MOD', 'RAD'].includes(e.action)) continue;
        events++;
        for (const code of CODES) {
          if (e.acteur === `guichet:${code}` || !wanted.some((c) => stock.get(code)!.has(c))) continue;
          expected.get(code)!.push(`${n} ${e.action}`);
        }
      }
    }
    expect(events).toBe(12 + 2 + 1 + 2);
    for (const code of CODES) {
      const received = digests
        .filter((d) => d.guichet === code)
        .flatMap((d) => [...d.xml.matchAll(/<entree numUnique="(\w+)" evenement="(\w+)"/g)].map((m) => `${m[1]} ${m[2]}`));
      expect(received.sort(), code).toEqual(expected.get(code)!.sort());
      for (const d of digests.filter((x) => x.guichet === code)) expect(d.xml).not.toContain(`guichet="${code}" statut=`);
    }
    // Sequence numbers per bailleur, from 1 without gap; file names by day.
    for (const code of CODES) {
      const mine = (await gateway.registry.listDispatches(code)).map((d) => d.sequence).sort();
      expect(mine).toEqual(mine.map((_, i) => i + 1));
    }
    for (const d of digests) expect(d.filename).toMatch(/^dispatching-G\d{4}-(20300305|20310221)\.xml(\.gpg)?$/);
  }, 120_000);

  it('after a crash between queueing and sending, sends the digest sealed before, byte for byte, under its Message-ID', async () => {
    clock.set('2031-02-22T10:00:00+01:00');
    const numero = (await gateway.registry.lotResultats((await gateway.registry.listLots()).find((l) => l.identifiantLot === 'G2201-J1')!.id))[0]!.numeroUnique!;
    await sendLot('G2201', radiations('G2201', 'G2201-J3-RAD', [numero]));
    await runOnce(gateway);
    clock.set('2031-02-23T06:00:00+01:00');
    const outcome = await runDispatch(gateway.registry, '2031-02-23', clock.now(), { messageIdDomain: config.gateway.messageIdDomain });
    if (outcome.kind !== 'done') throw new Error(outcome.kind);
    expect(outcome.digests.length).toBeGreaterThan(0);
    // Sealed, then the process dies before sending: the registry holds the sealed bytes only.
    const { prepareReplies } = await import('../../src/replies/prepare.js');
    await prepareReplies({ registry: gateway.registry, keyring: gateway.keyring, clock, logger: silentLogger(), from: config.gateway.address, reference: gateway.reference });
    const sealed = await Promise.all(outcome.digests.map(async (d) => (await gateway.registry.getOutbox(d.outboxId))!));
    expect(sealed.every((s) => s.statut === 'PRET')).toBe(true);
    await gateway.close();
    // The dead process's claim on the sealed digests lapses (daemon.leaseMs): the restarted one takes them.
    clock.set(new Date(clock.now().getTime() + config.daemon.leaseMs + 1_000));
    gateway = await openGateway(config, silentLogger(), clock);
    // Nothing queued twice: the day's pass is on record with its digests.
    expect((await runDispatch(gateway.registry, '2031-02-23', clock.now(), { messageIdDomain: config.gateway.messageIdDomain })).kind).toBe('already');
    await runOnce(gateway);
    const files = readdirSync(outgoing()).map((f) => readFileSync(join(outgoing(), f)));
    for (const s of sealed) {
      expect((await gateway.registry.getOutbox(s.id))!.statut).toBe('ENVOYE');
      const sent = files.filter((f) => f.includes(`Message-ID: ${s.messageId}`) || f.includes(`Message-Id: ${s.messageId}`));
      expect(sent).toHaveLength(1);
      expect(sent[0]!.equals(s.raw!)).toBe(true);
    }
  }, 60_000);
});
