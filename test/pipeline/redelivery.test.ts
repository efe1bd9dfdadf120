/**
 * One Message-ID per reply, one reply per delivery (spec 4.1 and 5, v1.1), in process over the
 * embedded Maildirs: a lot refused as a whole and its corrected lot under the same identifiant,
 * or a LOT_IDENTIFIANT_REUTILISE refusal, get compte rendus of their own, both written by the
 * Maildir sender; the same lot delivered again gets the same one again; a byte-identical message
 * delivered again gets its compte rendu again, while the same copy seen again after a crash is
 * only settled. Sealed replies keep no rendering input. On both registry backends.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nationalKeyLocation, openGateway, type Gateway } from '../../src/app.js';
import { fixedClock } from '../../src/clock.js';
import { homePath } from '../../src/config/load.js';
import { nationalPublicKeys } from '../../src/crypto/national-keys.js';
import { pipelineDeps, runOnce } from '../../src/daemon.js';
import { enrolGuichet, guichetKeys, sealLotMessage, type GuichetKeys } from '../../src/demo/guichet.js';
import { silentLogger } from '../../src/log.js';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { outgoingFileName } from '../../src/mail/maildir-sender.js';
import { processMessage } from '../../src/pipeline/process.js';
import type { LotRecord, OutboxItem } from '../../src/registry/model.js';
import { HOME_BACKENDS, initHomeOn } from '../harness/registry-home.js';
import { G1104 } from '../helpers/guichets.js';

const LOT = readFileSync(new URL('../../fixtures/lots/lot-g1104-valide.xml', import.meta.url), 'utf8');
const GUICHET = { ...G1104, departements: ['93', '75'] };

describe.each(HOME_BACKENDS)('replies: a Message-ID of their own, sent again on a new delivery ($name)', (backend) => {
  let home: string;
  let gateway: Gateway;
  let keys: GuichetKeys;

  const lotXml = (identifiantLot: string, change: (xml: string) => string = (xml) => xml) =>
    new TextEncoder().encode(change(LOT.replace(/<identifiantLot>[^<]+</, `<identifiantLot>${identifiantLot}<`)));
  const seal = (xml: Uint8Array) =>
    sealLotMessage({ xml, fileName: 'lot.xml', guichet: GUICHET, keys, nationalPublicKeys: nationalPublicKeys(nationalKeyLocation(gateway.config)), depot: 'depot@x' });
  const mailbox = () => homePath(gateway.config, gateway.config.mailbox.path);
  const outgoing = () => readdirSync(join(homePath(gateway.config, gateway.config.sender.path), 'new'));
  const deliver = async (raw: Buffer): Promise<LotRecord> => {
    await deliverToMaildir(mailbox(), raw);
    const [outcome] = (await runOnce(gateway)).outcomes;
    if (outcome?.kind !== 'committed') throw new Error('not committed');
    return outcome.lot;
  };
  const send = async (xml: Uint8Array) => deliver(await seal(xml));
  const compteRendus = async (lot: LotRecord): Promise<OutboxItem[]> => (await gateway.registry.outboxForLot(lot.id)).filter((item) => item.kind === 'compte-rendu');

  /** Both compte rendus distinct, sent, and each written as a file of its own by the Maildir sender. */
  const expectOwnCompteRendus = async (first: LotRecord, second: LotRecord) => {
    const [a] = await compteRendus(first);
    const [b] = await compteRendus(second);
    expect(a!.messageId).not.toBe(b!.messageId);
    expect([a!.statut, b!.statut]).toEqual(['ENVOYE', 'ENVOYE']);
    expect(outgoing()).toEqual(expect.arrayContaining([outgoingFileName(a!.messageId), outgoingFileName(b!.messageId)]));
  };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'sne-redelivery-'));
    const { config } = await initHomeOn(backend, home);
    // Half past midnight in Paris, still the day before in UTC.
    gateway = await openGateway(config, silentLogger(), fixedClock('2026-12-01T00:30:00+01:00'));
    keys = await guichetKeys(join(home, 'guichets'), GUICHET);
    await enrolGuichet(gateway.registry, GUICHET, keys);
  });
  afterAll(async () => {
    await gateway.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('gives a lot refused for LOT_GUICHET and its corrected lot under the same identifiant two Message-IDs, both sent', async () => {
    const refused = await send(lotXml('ID-GUICHET', (xml) => xml.replace('<guichet>G1104</guichet>', '<guichet>G9999</guichet>')));
    expect(refused.erreurs.map((e) => e.code)).toEqual(['LOT_GUICHET']);
    const corrected = await send(lotXml('ID-GUICHET'));
    expect(corrected.statut).toBe('ACCEPTE');
    await expectOwnCompteRendus(refused, corrected);
  });

  it('gives a lot refused for LOT_SCHEMA and its corrected lot two Message-IDs, both sent', async () => {
    const refused = await send(lotXml('ID-SCHEMA', (xml) => xml.replace(/<dateFichier>[^<]+</, '<dateFichier>hier<')));
    expect(refused.erreurs.map((e) => e.code)).toEqual(['LOT_SCHEMA']);
    const corrected = await send(lotXml('ID-SCHEMA', (xml) => xml.replace(/<prenom>([^<]+)</g, '<prenom>$1 Schema<')));
    await expectOwnCompteRendus(refused, corrected);
  });

  it('gives the LOT_IDENTIFIANT_REUTILISE refusal a Message-ID of its own, distinct from the original lot’s', async () => {
    const original = await send(lotXml('ID-REUSE', (xml) => xml.replace(/<prenom>([^<]+)</g, '<prenom>$1 Reuse<')));
    const reused = await send(lotXml('ID-REUSE', (xml) => xml.replace(/<prenom>([^<]+)</g, '<prenom>$1 Autre<')));
    expect(reused.erreurs.map((e) => e.code)).toEqual(['LOT_IDENTIFIANT_REUTILISE']);
    // The day the identifiant was first used, on the Paris calendar.
    expect(reused.erreurs[0]!.message).toContain('a déjà servi le 2026-12-01 pour un contenu différent');
    await expectOwnCompteRendus(original, reused);
  });

  it('re-sends the same compte rendu, same Message-ID, when the same lot comes again in a new message', async () => {
    const xml = lotXml('ID-AGAIN', (x) => x.replace(/<prenom>([^<]+)</g, '<prenom>$1 Again<'));
    const first = await send(xml);
    const again = await send(xml);
    expect(again.doublonDe).toBe(first.id);
    expect((await compteRendus(again)).map((item) => [item.messageId, item.statut])).toEqual([[(await compteRendus(first))[0]!.messageId, 'ENVOYE']]);
  });

  it('sends the compte rendu again when the very same message is delivered again, and records that delivery', async () => {
    const raw = await seal(lotXml('ID-RESEND', (x) => x.replace(/<prenom>([^<]+)</g, '<prenom>$1 Resend<')));
    const lot = await deliver(raw);
    const traites = readdirSync(join(mailbox(), '.Traites', 'cur')).length;

    await deliverToMaildir(mailbox(), raw); // the guichet never got the answer: it sends the same mail again
    const [outcome] = (await runOnce(gateway)).outcomes;
    expect(outcome).toMatchObject({ kind: 'committed', alreadyCommitted: false, lot: { id: lot.id } });
    const sent = await compteRendus(lot);
    expect(sent).toHaveLength(2);
    expect(sent.map((item) => item.statut)).toEqual(['ENVOYE', 'ENVOYE']);
    expect(sent[1]!.messageId).toBe(sent[0]!.messageId);
    // The same message: its sealed bytes were copied, not rendered again.
    expect((await gateway.registry.getOutbox(sent[1]!.id))!.raw).toEqual((await gateway.registry.getOutbox(sent[0]!.id))!.raw);
    expect(await gateway.registry.lotSources(lot.id)).toHaveLength(2);
    expect((await gateway.registry.listLots()).filter((l) => l.messageSha256 === lot.messageSha256)).toHaveLength(1);
    expect(readdirSync(join(mailbox(), '.Traites', 'cur'))).toHaveLength(traites + 1);
    expect(readdirSync(join(mailbox(), 'new'))).toEqual([]);
  });

  it('only settles the same copy of a message committed before a crash: no reply again', async () => {
    await deliverToMaildir(mailbox(), await seal(lotXml('ID-CRASH', (x) => x.replace(/<prenom>([^<]+)</g, '<prenom>$1 Crash<'))));
    const [message] = await (async () => {
      const found = [];
      for await (const m of gateway.mailbox.pending()) found.push(m);
      return found;
    })();
    const first = await processMessage(message!, pipelineDeps(gateway));
    if (first.kind !== 'committed') throw new Error('not committed');
    // …crash here: the message was never moved out of the inbox.
    const [outcome] = (await runOnce(gateway)).outcomes;
    expect(outcome).toMatchObject({ kind: 'committed', alreadyCommitted: true, lot: { id: first.lot.id } });
    expect(await compteRendus(first.lot)).toHaveLength(1);
    expect(await gateway.registry.lotSources(first.lot.id)).toEqual([message!.sourceId]);
    expect(readdirSync(join(mailbox(), 'new'))).toEqual([]);
  });

  it('answers a registered sender whose message the MIME parser refuses (2,000 nested multiparts) with LOT_PIECE_JOINTE, to its registered addresses', async () => {
    let entity = 'Content-Type: text/plain\r\n\r\nfin\r\n';
    for (let i = 1_999; i >= 0; i--) entity = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${entity}--b${i}--\r\n`;
    const lot = await deliver(Buffer.from(`From: ${GUICHET.expediteur}\r\nMessage-ID: <imbrique@g1104.example>\r\nMIME-Version: 1.0\r\n${entity}`));
    expect(lot).toMatchObject({ statut: 'REJETE', guichet: 'G1104', messageId: '<imbrique@g1104.example>' });
    expect(lot.erreurs.map((e) => e.code)).toEqual(['LOT_PIECE_JOINTE']);
    expect((await compteRendus(lot)).map((item) => [item.destinataires, item.statut])).toEqual([[[GUICHET.destinataire], 'ENVOYE']]);
    expect(readdirSync(join(mailbox(), '.Rejetes', 'cur')).length).toBeGreaterThan(0);
  });

  it('keeps no rendering input (demandeurs’ data in clear) of a reply once it is sealed: its bytes are enough', async () => {
    const replies = (await Promise.all((await gateway.registry.listLots()).map((lot) => gateway.registry.outboxForLot(lot.id)))).flat();
    expect(replies.length).toBeGreaterThan(10);
    for (const reply of replies) {
      expect(reply.statut).toBe('ENVOYE');
      expect(reply.document).toBeUndefined();
      expect((await gateway.registry.getOutbox(reply.id))!.raw!.length).toBeGreaterThan(0);
    }
  });
});
