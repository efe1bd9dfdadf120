/**
 * The préavis de renouvellement end to end (spec 5.3, issue 18), on both registry backends: a
 * lot made by `gpg --sign --encrypt` registers its demandes; the clock moves to one month
 * before their anniversary and the daemon's daily pass issues the préavis; the outbox mails them
 * to the Maildir of the embedded sender (the rename into `new/` is the server's acceptance,
 * docs/decisions.md), which records the acceptance; gpg decrypts each préavis and checks the
 * national signature; pdftotext reads it and pdfinfo counts its page. The radiation (RADREN)
 * waits for a préavis accepted one month before, and the history shows issue and acceptance.
 *
 * The daemon runs as `sne-gateway run` runs it (runDaemon), on a clock the test moves; its
 * intake loop runs the day's passes when it sees a new day, then waits for mail: two waits after
 * a move mean the passes of that day are done.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nationalKeyLocation, openGateway, type Gateway } from '../../src/app.js';
import { fixedClock } from '../../src/clock.js';
import { homePath } from '../../src/config/load.js';
import { nationalKeyFiles, nationalPublicKeys } from '../../src/crypto/national-keys.js';
import { runDaemon, runOnce } from '../../src/daemon.js';
import { enrolGuichet } from '../../src/demo/guichet.js';
import { silentLogger } from '../../src/log.js';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { buildLotMessage } from '../../src/mail/mime-out.js';
import { eventually, GUICHET } from '../harness/gateway.js';
import { HOME_BACKENDS, initHomeOn } from '../harness/registry-home.js';
import { cliIn } from '../helpers/cli.js';
import { createGpgHome, gpgDecrypt, gpgGenerateKey, gpgImport, gpgSignEncrypt, type GpgHome } from '../helpers/gpg.js';
import { openReplyAttachment } from '../helpers/replies.js';

const LOT = readFileSync(new URL('../../fixtures/lots/lot-g1104-valide.xml', import.meta.url), 'utf8');
/** The same guichet's second lot, for other demandeurs (the same ones would be doublons). */
const SECOND_LOT = LOT.replace(/<identifiantLot>[^<]+</, '<identifiantLot>G1104-PREAVIS-2<').replace(/<prenom>([^<]+)</g, '<prenom>$1 Bis<');
const SENDER = GUICHET.expediteur;
const REPLIES = GUICHET.destinataire;

/** pdftotext's text on one line, no-break spaces and typographic apostrophes made plain. */
const flat = (text: string): string => text.replace(/[\u00A0\u202F]/g, ' ').replace(/’/g, "'").replace(/\s+/g, ' ');

describe.each(HOME_BACKENDS)('the préavis de renouvellement end to end (gpg ⇄ Maildir ⇄ $name)', (backend) => {
  const clock = fixedClock('2026-03-10T10:00:00+01:00');
  let home: string;
  let gpgHome: GpgHome;
  let nationalFingerprint: string;
  let gateway: Gateway;
  /** The intake loop's waits for mail: each ends one turn of the loop, the day's passes included. */
  let turns = 0;
  let daemon: { stop(): Promise<void> } | undefined;
  /** The numéros of the first lot's demandes (anniversary 2027-03-10), by reference, and the second's (2027-05-20). */
  let first: Map<string, string>;
  let second: string[];

  const mailbox = () => homePath(gateway.config, gateway.config.mailbox.path);
  const outgoing = () => join(homePath(gateway.config, gateway.config.sender.path), 'new');
  const cli = (...args: string[]) => cliIn(home)(...args);

  /** The lot registered through the mailbox, sealed by gpg as a guichet does: its numéros by reference. */
  async function register(xml: string): Promise<Map<string, string>> {
    const encrypted = await gpgSignEncrypt(gpgHome, xml, SENDER, nationalFingerprint, { filename: 'lot.xml' });
    const raw = await buildLotMessage({ from: SENDER, to: 'depot@sne-gateway.localhost', attachment: { filename: 'lot.xml.gpg', content: encrypted } });
    await deliverToMaildir(mailbox(), raw);
    const pass = await runOnce(gateway);
    const outcome = pass.outcomes[0]!;
    if (outcome.kind !== 'committed') throw new Error(`lot not committed: ${outcome.kind}`);
    expect(outcome.lot.statut).toBe('ACCEPTE');
    return new Map((await gateway.registry.lotResultats(outcome.lot.id)).map((r) => [r.reference!, r.numeroUnique!]));
  }

  /** The daemon, as `sne-gateway run` runs it. */
  function startDaemon(): void {
    const controller = new AbortController();
    const loop = runDaemon(gateway, controller.signal);
    daemon = {
      stop: async () => {
        controller.abort();
        await loop;
        daemon = undefined;
      },
    };
  }

  /** Two turns of the intake loop from now: the passes of the clock's day have run. */
  async function passesDone(): Promise<void> {
    const from = turns;
    await eventually(() => turns >= from + 2, 'two turns of the intake loop');
  }

  async function outboxEmpty(): Promise<void> {
    await eventually(
      async () => (await gateway.registry.outboxByStatut('A_PREPARER')).length + (await gateway.registry.outboxByStatut('PRET')).length === 0,
      'every reply sent',
    );
  }

  /** The clock moved to `at` under the running daemon, its passes done and their mails sent. */
  async function day(at: string): Promise<void> {
    clock.set(at);
    await passesDone();
    await outboxEmpty();
  }

  const sent = () => new Set(readdirSync(outgoing()));
  const preavisRows = async () => (await gateway.registry.outboxByStatut('ENVOYE')).filter((o) => o.kind === 'preavis');

  /** The préavis mails written to the outgoing Maildir since `before`, each decrypted by gpg. */
  async function preavisSince(before: ReadonlySet<string>): Promise<Map<string, { eml: string; pdf: Buffer }>> {
    const found = new Map<string, { eml: string; pdf: Buffer }>();
    for (const file of readdirSync(outgoing()).filter((f) => !before.has(f))) {
      const raw = readFileSync(join(outgoing(), file));
      const attachment = await openReplyAttachment(raw);
      if (!attachment.filename.startsWith('preavis-')) continue;
      const decrypted = await gpgDecrypt(gpgHome, attachment.content);
      expect(decrypted.goodSignatureFrom).toBe(nationalFingerprint);
      found.set(attachment.filename, { eml: raw.toString('utf8'), pdf: decrypted.plaintext });
    }
    return found;
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'sne-e2e-preavis-'));
    const { config } = await initHomeOn(backend, home, { daemon: { pollIntervalMs: 100 } });
    nationalFingerprint = nationalKeyFiles(nationalKeyLocation(config))[0]!.fingerprint;
    gpgHome = await createGpgHome();
    const guichetKey = await gpgGenerateKey(gpgHome, 'Guichet G1104', SENDER);
    await gpgImport(gpgHome, nationalPublicKeys(nationalKeyLocation(config))[0]!);
    gateway = await openGateway(config, silentLogger(), clock);
    const wait = gateway.mailbox.waitForMail.bind(gateway.mailbox);
    gateway.mailbox.waitForMail = async (...args) => {
      turns++;
      return wait(...args);
    };
    await enrolGuichet(gateway.registry, GUICHET, guichetKey);
    first = await register(LOT); // 2026-03-10: anniversary 2027-03-10
    clock.set('2026-05-20T10:00:00+02:00');
    second = [...(await register(SECOND_LOT)).values()]; // anniversary 2027-05-20
    expect([first.size, second.length]).toEqual([3, 3]);
  }, 120_000);

  afterAll(async () => {
    await daemon?.stop();
    await gateway?.close();
    await gpgHome?.cleanup();
    rmSync(home, { recursive: true, force: true });
  });

  it('issues nothing the day before the préavis is due, then mails each préavis one month before the anniversary, which gpg and pdftotext read', async () => {
    clock.set('2027-02-09T10:00:00+01:00');
    startDaemon();
    await passesDone();
    await outboxEmpty();
    expect(await preavisRows()).toEqual([]);

    const before = sent();
    await day('2027-02-10T10:00:00+01:00');
    const preavis = await preavisSince(before);
    expect([...preavis.keys()].sort()).toEqual(['preavis-G1104-2026-0001.pdf', 'preavis-G1104-2026-0002.pdf', 'preavis-G1104-2026-0003.pdf']);
    for (const [filename, { eml, pdf }] of preavis) {
      const numero = first.get(filename.slice('preavis-'.length, -'.pdf'.length))!;
      expect(eml).toContain(`To: ${REPLIES}`);
      expect(eml).not.toContain(numero); // nothing personal in clear
      const file = join(home, filename);
      writeFileSync(file, pdf);
      expect(execFileSync('pdfinfo', [file]).toString('utf8')).toMatch(/^Pages:\s+1$/m);
      const text = flat(execFileSync('pdftotext', [file, '-']).toString('utf8'));
      expect(text).toContain('Préavis de renouvellement');
      expect(text).toContain(numero);
      expect(text).toContain('est valable jusqu\'au 10 mars 2027'); // the anniversary
      expect(text).toContain('entre le 10 février 2027 et le 10 avril 2027'); // the renewal window
      expect(text).toMatch(/n'importe quel guichet enregistreur .* en ligne sur le portail/); // how to renew
      expect(text).toContain('www.demande-logement-social.gouv.fr');
      expect(text).toMatch(/sera radiée à compter du 11 avril 2027 .* vous perdrez son ancienneté/); // otherwise
      // The notice the law asks one month before the demande's validity expires (CCH R. 441-2-7, second paragraph).
      expect(text).toContain("en application de l'article R. 441-2-7 du code de la construction et de l'habitation");
    }
    // Accepted as delivered: the first acceptance is the proof, one per préavis.
    for (const numero of first.values()) {
      expect(await gateway.registry.getPreavis(numero, '2027-03-10')).toMatchObject({ guichet: 'G1104', accepteAt: '2027-02-10T09:00:00.000Z' });
    }
    for (const numero of second) expect(await gateway.registry.getPreavis(numero, '2027-05-20')).toBeUndefined();
  });

  it('issues nothing more on the next pass: after a restart the same day, nor the next day', async () => {
    const before = sent();
    const rows = (await preavisRows()).length;
    await daemon!.stop();
    startDaemon(); // its first turn runs the day's passes again
    await passesDone();
    await outboxEmpty();
    await day('2027-02-11T10:00:00+01:00');
    expect((await preavisRows()).length).toBe(rows);
    expect(sent()).toEqual(before);
  });

  it('shows the préavis issued and accepted in demandes history', () => {
    const run = cli('demandes', 'history', first.get('G1104-2026-0001')!);
    expect(run.stderr).toBe('');
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(4); // the header, CRE, PREAVIS, PREAVIS_ACCEPTE
    expect(lines[2]).toMatch(/^10\/02\/2027 10:00  préavis émis \(PREAVIS\) +passerelle \(automatique\) +sans lot +anniversaire 2027-03-10 ; guichet G1104 ; copie au demandeur non$/);
    expect(lines[3]).toMatch(/^10\/02\/2027 10:00  préavis accepté \(PREAVIS_ACCEPTE\)  passerelle \(automatique\) +sans lot +anniversaire 2027-03-10 ; destinataire guichet ; canal mail$/);
  });

  it('radiates the day after the renewal window, the préavis having been accepted in time', async () => {
    await day('2027-04-10T10:00:00+02:00');
    for (const numero of first.values()) expect((await gateway.registry.getDemande(numero))?.statut).toBe('ACTIVE');
    await day('2027-04-11T10:00:00+02:00');
    for (const numero of first.values()) {
      expect(await gateway.registry.getDemande(numero)).toMatchObject({ statut: 'RADIEE', motifRadiation: 'RADREN', dateRadiation: '2027-04-11' });
    }
    expect(cli('demandes', 'history', first.get('G1104-2026-0002')!).stdout).toMatch(/radiation \(RAD\) +passerelle \(automatique\) +sans lot +motif RADREN ; date d'effet 2027-04-11/);
  });

  it('waits to radiate a demande whose préavis was not accepted a month before, then radiates it a month after its acceptance', async () => {
    // The gateway was stopped from 11 April until after the second lot's renewal window (20 June).
    await daemon!.stop();
    const before = sent();
    clock.set('2027-06-21T10:00:00+02:00');
    startDaemon();
    await passesDone();
    await outboxEmpty();
    // The expiry ran first and found no préavis: it waited; the préavis pass then issued them, late.
    for (const numero of second) {
      expect((await gateway.registry.getDemande(numero))?.statut).toBe('ACTIVE');
      expect(await gateway.registry.getPreavis(numero, '2027-05-20')).toMatchObject({ accepteAt: '2027-06-21T08:00:00.000Z' });
    }
    expect((await preavisSince(before)).size).toBe(3);
    await day('2027-07-20T10:00:00+02:00'); // accepted less than a month ago
    for (const numero of second) expect((await gateway.registry.getDemande(numero))?.statut).toBe('ACTIVE');
    await day('2027-07-21T10:00:00+02:00');
    for (const numero of second) {
      expect(await gateway.registry.getDemande(numero)).toMatchObject({ statut: 'RADIEE', motifRadiation: 'RADREN', dateRadiation: '2027-07-21' });
    }
  });
});
