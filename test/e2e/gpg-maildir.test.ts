/**
 * End to end on the embedded edges, with GnuPG 2.2 as the guichet's software: a lot made by
 * `gpg --sign --encrypt` is dropped in the Maildir, processed, and every reply is decrypted
 * and its national signature verified by gpg, also when the replies are sealed on the reply
 * worker threads. On both registry backends (SQLite and PostgreSQL).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nationalKeyLocation, openGateway, type Gateway } from '../../src/app.js';
import { homePath } from '../../src/config/load.js';
import { nationalKeyFiles, nationalPublicKeys } from '../../src/crypto/national-keys.js';
import { pipelineDeps, runOnce } from '../../src/daemon.js';
import { enrolGuichet } from '../../src/demo/guichet.js';
import { silentLogger } from '../../src/log.js';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { buildLotMessage } from '../../src/mail/mime-out.js';
import { processMessage } from '../../src/pipeline/process.js';
import { NUMERO_UNIQUE } from '../../src/registry/numero-unique.js';
import { generate } from '../../bench/lib/generate-lot.js';
import { GUICHET } from '../harness/gateway.js';
import { HOME_BACKENDS, initHomeOn } from '../harness/registry-home.js';
import { createGpgHome, gpgDecrypt, gpgGenerateKey, gpgImport, gpgSignEncrypt, type GpgHome, type GpgKey } from '../helpers/gpg.js';
import { openReplyAttachment } from '../helpers/replies.js';

const LOT = readFileSync(new URL('../../fixtures/lots/lot-g1104-valide.xml', import.meta.url));
const SENDER = GUICHET.expediteur;
const REPLIES = GUICHET.destinataire;

describe.each(HOME_BACKENDS)('an encrypted lot through the whole pipeline (gpg ⇄ Maildir ⇄ $name)', (backend) => {
  let home: string;
  let gpgHome: GpgHome;
  let guichetKey: GpgKey;
  let nationalFingerprint: string;
  let gateway: Gateway;

  const mailbox = () => homePath(gateway.config, gateway.config.mailbox.path);
  const outgoing = () => join(homePath(gateway.config, gateway.config.sender.path), 'new');

  async function sendLot(xml: Uint8Array, from = SENDER): Promise<void> {
    const encrypted = await gpgSignEncrypt(gpgHome, xml, SENDER, nationalFingerprint, { filename: 'lot.xml' });
    const raw = await buildLotMessage({ from, to: 'depot@sne-gateway.localhost', attachment: { filename: 'lot.xml.gpg', content: encrypted } });
    await deliverToMaildir(mailbox(), raw);
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'sne-e2e-'));
    const { config } = await initHomeOn(backend, home);
    nationalFingerprint = nationalKeyFiles(nationalKeyLocation(config))[0]!.fingerprint;
    gpgHome = await createGpgHome();
    guichetKey = await gpgGenerateKey(gpgHome, 'Guichet G1104', SENDER);
    await gpgImport(gpgHome, nationalPublicKeys(nationalKeyLocation(config))[0]!);
    gateway = await openGateway(config, silentLogger());
    await enrolGuichet(gateway.registry, GUICHET, guichetKey);
  });

  afterAll(async () => {
    await gateway?.close();
    await gpgHome?.cleanup();
    rmSync(home, { recursive: true, force: true });
  });

  it('registers every demande, moves the message to Traites and sends replies gpg can read', async () => {
    await sendLot(LOT);
    const pass = await runOnce(gateway);

    expect(pass.outcomes).toHaveLength(1);
    const outcome = pass.outcomes[0]!;
    expect(outcome.kind).toBe('committed');
    if (outcome.kind !== 'committed') return;
    expect(outcome.lot.statut).toBe('ACCEPTE');
    const resultats = await gateway.registry.lotResultats(outcome.lot.id);
    expect(resultats.length).toBeGreaterThanOrEqual(3);
    for (const r of resultats) {
      expect(r.statut).toBe('ENREGISTREE');
      expect(r.numeroUnique).toMatch(NUMERO_UNIQUE);
    }
    expect(readdirSync(join(mailbox(), 'new'))).toEqual([]);
    expect(readdirSync(join(mailbox(), 'cur'))).toEqual([]);
    expect(readdirSync(join(mailbox(), '.Traites', 'cur'))).toHaveLength(1);

    const files = readdirSync(outgoing());
    expect(files).toHaveLength(1 + resultats.length);
    const documents = new Map<string, Buffer>();
    for (const file of files) {
      const eml = readFileSync(join(outgoing(), file), 'utf8');
      expect(eml).toContain(`To: ${REPLIES}`);
      for (const r of resultats) expect(eml).not.toContain(r.numeroUnique!); // no numéro unique in clear
    }
    // Decrypt the attachments with gpg, as the guichet would.
    for (const file of files) {
      const attachment = await openReplyAttachment(readFileSync(join(outgoing(), file)));
      const decrypted = await gpgDecrypt(gpgHome, attachment.content);
      expect(decrypted.goodSignatureFrom).toBe(nationalFingerprint);
      documents.set(attachment.filename, decrypted.plaintext);
    }
    const compteRendu = [...documents].find(([name]) => name.startsWith('compte-rendu-'))![1].toString('utf8');
    expect(compteRendu).toContain('statut="ACCEPTE"');
    for (const r of resultats) expect(compteRendu).toContain(`numUnique="${r.numeroUnique}"`);

    const pdfs = [...documents].filter(([name]) => name.startsWith('attestation-'));
    expect(pdfs).toHaveLength(resultats.length);
    const pdfFile = join(home, 'attestation.pdf');
    writeFileSync(pdfFile, pdfs[0]![1]);
    const text = execFileSync('pdftotext', [pdfFile, '-']).toString('utf8');
    expect(resultats.some((r) => text.includes(r.numeroUnique!))).toBe(true);
  });

  it('registers nothing when the same lot is delivered again, and re-sends its compte rendu', async () => {
    const before = (await gateway.registry.listLots()).length;
    const outgoingBefore = readdirSync(outgoing()).length;
    await sendLot(LOT);
    const pass = await runOnce(gateway);

    const outcome = pass.outcomes[0]!;
    expect(outcome.kind === 'committed' && outcome.lot.doublonDe).toBeGreaterThan(0);
    const lots = await gateway.registry.listLots();
    expect(lots).toHaveLength(before + 1);
    expect(await gateway.registry.lotResultats(lots.at(-1)!.id)).toEqual([]);
    const replies = await gateway.registry.outboxForLot(lots.at(-1)!.id);
    expect(replies.map((r) => r.kind)).toEqual(['compte-rendu']);
    expect(replies[0]!.messageId).toBe((await gateway.registry.outboxForLot(lots[0]!.id))[0]!.messageId);
    expect(replies[0]!.statut).toBe('ENVOYE');
    // The Maildir sender keeps one file per Message-ID: the re-sent compte rendu is the same message.
    expect(readdirSync(outgoing())).toHaveLength(outgoingBefore);
  });

  it('refuses an identifiantLot used before for another content (LOT_IDENTIFIANT_REUTILISE), registering nothing', async () => {
    const demandesBefore = (await Promise.all((await gateway.registry.listLots()).map((l) => gateway.registry.lotResultats(l.id)))).flat().length;
    await sendLot(Buffer.from(LOT.toString('utf8').replace('<montantMensuelLoyer>', '<montantMensuelLoyer>1')));
    const pass = await runOnce(gateway);
    const outcome = pass.outcomes[0]!;
    expect(outcome.kind === 'committed' && outcome.lot.statut).toBe('REJETE');
    expect(outcome.kind === 'committed' && outcome.lot.erreurs.map((e) => e.code)).toEqual(['LOT_IDENTIFIANT_REUTILISE']);
    expect((await Promise.all((await gateway.registry.listLots()).map((l) => gateway.registry.lotResultats(l.id)))).flat()).toHaveLength(demandesBefore);
    expect(readdirSync(join(mailbox(), '.Rejetes', 'cur'))).toHaveLength(1);
  });

  it('settles a message committed before a crash without processing it again', async () => {
    // Another lot, for other demandeurs: the same ones would be doublons (DEM_DOUBLON) of the first lot's.
    const other = LOT.toString('utf8').replace(/<identifiantLot>[^<]+</, '<identifiantLot>CRASH-TEST-1<').replace(/<prenom>([^<]+)</g, '<prenom>$1 Bis<');
    await sendLot(Buffer.from(other));
    const [message] = await (async () => {
      const found = [];
      for await (const m of gateway.mailbox.pending()) found.push(m);
      return found;
    })();
    const first = await processMessage(message!, pipelineDeps(gateway));
    expect(first.kind === 'committed' && first.lot.statut).toBe('ACCEPTE');
    // …crash here: the message was never moved out of the inbox.
    const lots = (await gateway.registry.listLots()).length;
    const pass = await runOnce(gateway);
    expect(pass.outcomes).toHaveLength(1);
    expect(pass.outcomes[0]!.kind === 'committed' && pass.outcomes[0]!.alreadyCommitted).toBe(true);
    expect(await gateway.registry.listLots()).toHaveLength(lots);
    expect(readdirSync(join(mailbox(), 'new'))).toEqual([]);
  });

  it('quarantines a lot from an unknown sender and sends no reply', async () => {
    const outgoingBefore = readdirSync(outgoing()).length;
    await sendLot(LOT, 'inconnu@ailleurs.example');
    const pass = await runOnce(gateway);
    const outcome = pass.outcomes[0]!;
    expect(outcome.kind === 'committed' && outcome.lot.statut).toBe('QUARANTAINE');
    expect(outcome.kind === 'committed' && outcome.lot.erreurs.map((e) => e.code)).toEqual(['LOT_EXPEDITEUR_INCONNU']);
    expect(readdirSync(join(mailbox(), '.Quarantaine', 'cur'))).toHaveLength(1);
    expect(readdirSync(outgoing())).toHaveLength(outgoingBefore);
  });

  it('seals a lot big enough for the reply workers on them, with the keys the gateway unlocked: gpg reads every reply', async () => {
    // 20 attestations: over the pool's threshold (16), so runOnce seals them on worker threads.
    const lot = generate({ demandes: 20, seed: 9, identifiantLot: 'G1104-WORKERS' });
    const before = new Set(readdirSync(outgoing()));
    await sendLot(new TextEncoder().encode(lot.xml));
    const pass = await runOnce(gateway);
    expect(lot.valid).toBe(20);
    expect(pass).toMatchObject({ repliesPrepared: 21, repliesSent: 21, repliesDeferred: 0 });
    const written = readdirSync(outgoing()).filter((file) => !before.has(file));
    expect(written).toHaveLength(21);
    for (const file of written) {
      const attachment = await openReplyAttachment(readFileSync(join(outgoing(), file)));
      const decrypted = await gpgDecrypt(gpgHome, attachment.content);
      expect(decrypted.goodSignatureFrom).toBe(nationalFingerprint);
      if (attachment.filename.startsWith('attestation-')) expect(decrypted.plaintext.subarray(0, 5).toString()).toBe('%PDF-');
    }
  });
});
