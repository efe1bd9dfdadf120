/**
 * The préavis de renouvellement over a real SMTP server (spec 5.3, issue 18), on both registry
 * backends: the copy to the demandeur when the département allows it (`territories set 93
 * --preavis-demandeur oui`), and a préavis the server refuses (down, then 550 for the recipient).
 * A lot made by `gpg --sign --encrypt` registers the fixture's demandes through the Maildir
 * inbox; the daily passes the daemon runs (issuePreavis, expireDemandes) and its outbox pass
 * (runOnce) are called in turn on a clock the test moves, and every reply goes through the SMTP
 * receiver of test/harness/smtp.ts: its `250` is the acceptance the audit trail records.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PostalMime from 'postal-mime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nationalKeyLocation, openGateway } from '../../src/app.js';
import { fixedClock, type Clock } from '../../src/clock.js';
import { homePath } from '../../src/config/load.js';
import { nationalKeyFiles, nationalPublicKeys } from '../../src/crypto/national-keys.js';
import { runOnce } from '../../src/daemon.js';
import { enrolGuichet } from '../../src/demo/guichet.js';
import { silentLogger } from '../../src/log.js';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { buildLotMessage } from '../../src/mail/mime-out.js';
import { expireDemandes } from '../../src/registry/expire.js';
import { issuePreavis } from '../../src/replies/preavis/issue.js';
import { GUICHET } from '../harness/gateway.js';
import { HOME_BACKENDS, initHomeOn, type HomeBackend } from '../harness/registry-home.js';
import { startSmtpReceiver, type ReceivedMail, type SmtpReceiver } from '../harness/smtp.js';
import { cliIn } from '../helpers/cli.js';
import { createGpgHome, gpgDecrypt, gpgGenerateKey, gpgImport, gpgSignEncrypt } from '../helpers/gpg.js';
import { openReplyAttachment } from '../helpers/replies.js';

const LOT = readFileSync(new URL('../../fixtures/lots/lot-g1104-valide.xml', import.meta.url), 'utf8');
const SENDER = GUICHET.expediteur;
const REPLIES = GUICHET.destinataire;
/** The fixture's demandeurs with a `mel` (both wish first for a commune of the 93); the third has none. */
const MELS = { 'G1104-2026-0001': 'a.lefevre@exemple.fr', 'G1104-2026-0002': 'huong.nguyen@exemple.fr' } as const;
/** What of the fixture's demandeurs must never appear in a clear header. */
const PERSONAL = ['Lefèvre', 'Lefevre', 'Anaïs', 'Nguy', '1986-09-21', 'G1104-2026-000'];

/** pdftotext's text on one line, no-break spaces made plain. */
const flat = (text: string): string => text.replace(/[\u00A0\u202F]/g, ' ').replace(/\s+/g, ' ');

/** A gateway home on `backend` whose replies go to the SMTP receiver, with guichet G1104 enrolled and its lot registered. */
async function gatewayOverSmtp(backend: HomeBackend, smtp: SmtpReceiver, clock: Clock, sender: Record<string, unknown> = {}) {
  const home = mkdtempSync(join(tmpdir(), 'sne-e2e-preavis-smtp-'));
  const { config } = await initHomeOn(backend, home, { sender: { kind: 'smtp', url: smtp.url(), ...sender } });
  const gpgHome = await createGpgHome();
  const guichetKey = await gpgGenerateKey(gpgHome, 'Guichet G1104', SENDER);
  await gpgImport(gpgHome, nationalPublicKeys(nationalKeyLocation(config))[0]!);
  const gateway = await openGateway(config, silentLogger(), clock);
  await enrolGuichet(gateway.registry, GUICHET, guichetKey);
  const national = nationalKeyFiles(nationalKeyLocation(config))[0]!.fingerprint;
  const encrypted = await gpgSignEncrypt(gpgHome, LOT, SENDER, national, { filename: 'lot.xml' });
  const raw = await buildLotMessage({ from: SENDER, to: 'depot@sne-gateway.localhost', attachment: { filename: 'lot.xml.gpg', content: encrypted } });
  await deliverToMaildir(homePath(config, config.mailbox.path), raw);
  const outcome = (await runOnce(gateway)).outcomes[0]!;
  if (outcome.kind !== 'committed' || outcome.lot.statut !== 'ACCEPTE') throw new Error(`lot not accepted: ${outcome.kind}`);
  const numeros = new Map((await gateway.registry.lotResultats(outcome.lot.id)).map((r) => [r.reference!, r.numeroUnique!]));
  return {
    home,
    gateway,
    gpgHome,
    national,
    numeros,
    /** The daemon's daily préavis pass, as it calls it. */
    issue: () =>
      issuePreavis(gateway.registry, clock.now(), {
        messageIdDomain: config.gateway.messageIdDomain,
        preavisMois: config.replies.preavisMois,
        ecole: config.gateway.ecole,
      }),
    cleanup: async () => {
      await gateway.close();
      await gpgHome.cleanup();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** The préavis mails among `mails`, by their Message-ID's kind. */
function preavisMails(mails: readonly ReceivedMail[]): { guichet: ReceivedMail[]; demandeur: ReceivedMail[] } {
  const id = (m: ReceivedMail) => /^Message-ID: *(<[^>]+>)/im.exec(m.raw.toString('latin1'))?.[1] ?? '';
  return { guichet: mails.filter((m) => id(m).startsWith('<preavis.')), demandeur: mails.filter((m) => id(m).startsWith('<preavis-demandeur.')) };
}

/** The header section, folded lines joined. */
const headersOf = (raw: Buffer): string => raw.subarray(0, raw.indexOf('\r\n\r\n')).toString('latin1').replace(/\r\n[ \t]+/g, ' ');

describe.each(HOME_BACKENDS)('the préavis de renouvellement over SMTP ($name)', (backend) => {
  let smtp: SmtpReceiver;

  beforeAll(async () => {
    // Stopped abruptly below (an outage) while the sender's pooled connection is open.
    smtp = await startSmtpReceiver({ closeTimeoutMs: 200 });
  });

  afterAll(async () => {
    await smtp?.stop();
  });

  describe('with the copy to the demandeur allowed in the 93', () => {
    const clock = fixedClock('2026-03-10T10:00:00+01:00');
    let gw: Awaited<ReturnType<typeof gatewayOverSmtp>>;
    const cli = (...args: string[]) => cliIn(gw.home, { SNE_GATEWAY_NOW: clock.now().toISOString() })(...args);

    beforeAll(async () => {
      gw = await gatewayOverSmtp(backend, smtp, clock);
    }, 120_000);

    afterAll(async () => {
      smtp.refuse.clear();
      await gw?.cleanup();
    });

    it('mails the guichet its encrypted préavis and each demandeur with a mel the plain PDF, not threaded, nothing personal in clear', async () => {
      const set = cli('territories', 'set', '93', '--delai-anormalement-long', '36', '--commission-adresse', 'Commission de médiation\n1 esplanade Jean Moulin\n93000 Bobigny', '--preavis-demandeur', 'oui');
      expect(set.stderr).toBe('');
      expect(set.stdout).toContain('préavis aux demandeurs : oui');

      clock.set('2027-02-10T10:00:00+01:00');
      // The first demandeur's server is unreachable for now: the guichet's copy is accepted first.
      smtp.refuse.add(MELS['G1104-2026-0001']);
      const before = smtp.received.length;
      expect(await gw.issue()).toEqual({ emis: 3, sansGuichet: 0 });
      await runOnce(gw.gateway);
      const { guichet, demandeur } = preavisMails(smtp.received.slice(before));
      expect(guichet).toHaveLength(3);
      expect(demandeur.map((m) => m.to)).toEqual([[MELS['G1104-2026-0002']]]);

      for (const mail of guichet) {
        expect(mail.to).toEqual([REPLIES]);
        // Filed under the demande's last lot, threaded under none (docs/decisions.md), the guichet's copy as the demandeur's.
        expect(headersOf(mail.raw)).not.toMatch(/^(In-Reply-To|References):/im);
        const attachment = await openReplyAttachment(mail.raw);
        expect(attachment.filename).toMatch(/^preavis-G1104-2026-000\d\.pdf$/);
        expect((await gpgDecrypt(gw.gpgHome, attachment.content)).goodSignatureFrom).toBe(gw.national);
      }

      const [copy] = demandeur;
      const email = await PostalMime.parse(copy!.raw);
      const headers = headersOf(copy!.raw);
      expect(headers).not.toMatch(/^(In-Reply-To|References):/im);
      expect(email.attachments.map((a) => [a.filename, a.mimeType])).toEqual([['preavis-renouvellement.pdf', 'application/pdf']]);
      const numero = gw.numeros.get('G1104-2026-0002')!;
      for (const value of [...PERSONAL, numero, REPLIES]) expect(headers).not.toContain(value);
      // The demandeur's own address: only in the To of their copy.
      expect(headers.replace(/^To: huong\.nguyen@exemple\.fr$/m, '')).not.toContain('nguyen');
      expect(headers).toMatch(/^To: huong\.nguyen@exemple\.fr$/m);
      const file = join(gw.home, 'copie.pdf');
      writeFileSync(file, new Uint8Array(email.attachments[0]!.content as ArrayBuffer));
      const text = flat(execFileSync('pdftotext', [file, '-']).toString('utf8'));
      expect(text).toContain('Préavis de renouvellement');
      expect(text).toContain(numero);
    });

    it('keeps the first acceptance as the proof, and records the copy accepted later as an event of its own', async () => {
      const [a, b, c] = ['G1104-2026-0001', 'G1104-2026-0002', 'G1104-2026-0003'].map((r) => gw.numeros.get(r)!);
      expect(await gw.gateway.registry.getPreavis(a!, '2027-03-10')).toMatchObject({ accepteAt: '2027-02-10T09:00:00.000Z', outboxDemandeur: expect.any(Number) });
      expect(await gw.gateway.registry.getPreavis(c!, '2027-03-10')).not.toHaveProperty('outboxDemandeur');

      clock.set('2027-02-10T10:05:00+01:00'); // past the first retry delay
      smtp.refuse.clear();
      const before = smtp.received.length;
      await runOnce(gw.gateway);
      expect(preavisMails(smtp.received.slice(before)).demandeur.map((m) => m.to)).toEqual([[MELS['G1104-2026-0001']]]);
      expect(await gw.gateway.registry.getPreavis(a!, '2027-03-10')).toMatchObject({ accepteAt: '2027-02-10T09:00:00.000Z' });

      const history = (numero: string) => cli('demandes', 'history', numero).stdout.trim().split('\n').slice(1);
      expect(history(a!)).toEqual([
        expect.stringMatching(/  enregistrement \(CRE\) /),
        expect.stringMatching(/^10\/02\/2027 10:00  préavis émis \(PREAVIS\) +passerelle \(automatique\) +sans lot +anniversaire 2027-03-10 ; guichet G1104 ; copie au demandeur oui$/),
        expect.stringMatching(/^10\/02\/2027 10:00  préavis accepté \(PREAVIS_ACCEPTE\) +passerelle \(automatique\) +sans lot +anniversaire 2027-03-10 ; destinataire guichet ; canal mail$/),
        expect.stringMatching(/^10\/02\/2027 10:05  préavis accepté \(PREAVIS_ACCEPTE\) +passerelle \(automatique\) +sans lot +anniversaire 2027-03-10 ; destinataire demandeur ; canal mail$/),
      ]);
      expect(history(b!).filter((l) => l.includes('PREAVIS_ACCEPTE')).map((l) => /destinataire (\w+)/.exec(l)?.[1]).sort()).toEqual(['demandeur', 'guichet']);
      expect(history(c!).slice(1)).toEqual([
        expect.stringMatching(/\(PREAVIS\) .*copie au demandeur non$/),
        expect.stringMatching(/\(PREAVIS_ACCEPTE\) .*destinataire guichet ; canal mail$/),
      ]);
      // No address, name or numéro in the trail's wording of the copy.
      expect(history(a!).join('\n')).not.toContain('exemple.fr');
    });
  });

  describe('refused by the server', () => {
    const clock = fixedClock('2026-03-10T10:00:00+01:00');
    let gw: Awaited<ReturnType<typeof gatewayOverSmtp>>;
    const cli = (...args: string[]) => cliIn(gw.home)(...args);

    beforeAll(async () => {
      // Kept in the outbox well past the radiation day, as a gestionnaire may set it.
      gw = await gatewayOverSmtp(backend, smtp, clock, { lifetimeHours: 24 * 120 });
    }, 120_000);

    afterAll(async () => {
      smtp.refuse.clear();
      await smtp.start().catch(() => undefined);
      await gw?.cleanup();
    });

    it('records no acceptance while the server is down, nor while it refuses the recipient (550)', async () => {
      clock.set('2027-02-10T10:00:00+01:00');
      await smtp.stop();
      expect(await gw.issue()).toEqual({ emis: 3, sansGuichet: 0 });
      expect(await runOnce(gw.gateway)).toMatchObject({ repliesSent: 0, repliesDeferred: 3 });
      for (const numero of gw.numeros.values()) expect((await gw.gateway.registry.getPreavis(numero, '2027-03-10'))?.accepteAt).toBeUndefined();

      await smtp.start();
      smtp.refuse.add(REPLIES);
      clock.set('2027-02-10T10:05:00+01:00');
      expect(await runOnce(gw.gateway)).toMatchObject({ repliesSent: 0, repliesDeferred: 3 });
      const waiting = (await gw.gateway.registry.outboxByStatut('PRET')).filter((o) => o.kind === 'preavis');
      expect(waiting).toHaveLength(3);
      for (const item of waiting) expect(item.refus).toEqual([{ adresse: REPLIES, reponse: expect.stringMatching(/^550/), at: '2027-02-10T09:05:00.000Z' }]);
      for (const numero of gw.numeros.values()) expect((await gw.gateway.registry.getPreavis(numero, '2027-03-10'))?.accepteAt).toBeUndefined();
    });

    it('does not radiate after the renewal window while no préavis was accepted', async () => {
      clock.set('2027-04-11T10:00:00+02:00');
      await runOnce(gw.gateway); // still refused
      expect(await expireDemandes(gw.gateway.registry, clock.now())).toEqual({ radiees: 0 });
      for (const numero of gw.numeros.values()) expect((await gw.gateway.registry.getDemande(numero))?.statut).toBe('ACTIVE');
      expect(cli('demandes', 'history', gw.numeros.get('G1104-2026-0001')!).stdout).not.toContain('PREAVIS_ACCEPTE');
    });

    it('records the acceptance of a later delivery, and radiates one month after it', async () => {
      clock.set('2027-04-12T10:00:00+02:00');
      smtp.refuse.clear();
      const before = smtp.received.length;
      expect(await runOnce(gw.gateway)).toMatchObject({ repliesSent: 3 });
      expect(preavisMails(smtp.received.slice(before)).guichet).toHaveLength(3);
      for (const numero of gw.numeros.values()) {
        expect(await gw.gateway.registry.getPreavis(numero, '2027-03-10')).toMatchObject({ accepteAt: '2027-04-12T08:00:00.000Z' });
      }
      expect(cli('demandes', 'history', gw.numeros.get('G1104-2026-0001')!).stdout).toMatch(
        /^12\/04\/2027 10:00  préavis accepté \(PREAVIS_ACCEPTE\) +passerelle \(automatique\) +sans lot +anniversaire 2027-03-10 ; destinataire guichet ; canal mail$/m,
      );

      expect(await expireDemandes(gw.gateway.registry, clock.now())).toEqual({ radiees: 0 });
      clock.set('2027-05-11T10:00:00+02:00'); // accepted less than a month ago
      expect(await expireDemandes(gw.gateway.registry, clock.now())).toEqual({ radiees: 0 });
      clock.set('2027-05-12T10:00:00+02:00');
      expect(await expireDemandes(gw.gateway.registry, clock.now())).toEqual({ radiees: 3 });
      for (const numero of gw.numeros.values()) {
        expect(await gw.gateway.registry.getDemande(numero)).toMatchObject({ statut: 'RADIEE', motifRadiation: 'RADREN', dateRadiation: '2027-05-12' });
      }
    });
  });
});
