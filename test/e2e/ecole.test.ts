/**
 * A base école end to end (spec 9): a home made by `sne-gateway init --ecole`, a lot signed and
 * encrypted by GnuPG, the replies decrypted by GnuPG as the guichet would. Every compte rendu has
 * ecole="true" and xmllint validates it against schemas/compte-rendu-1.xsd, every PDF page carries
 * the specimen mark, every subject starts with [ÉCOLE], and no demandeur is mailed although the
 * settings ask for copies of attestations and préavis. A real home, same lot and settings, shows
 * none of it (and does mail the demandeurs). `doctor` and the listings say which is which.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nationalKeyLocation, openGateway } from '../../src/app.js';
import { BANNIERE_ECOLE } from '../../src/cli/ecole.js';
import { configPath, homePath, loadConfig } from '../../src/config/load.js';
import { fixedClock } from '../../src/clock.js';
import { nationalKeyFiles, nationalPublicKeys } from '../../src/crypto/national-keys.js';
import { runOnce } from '../../src/daemon.js';
import { enrolGuichet } from '../../src/demo/guichet.js';
import { silentLogger } from '../../src/log.js';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { readLotMessage } from '../../src/mail/mime-in.js';
import { buildLotMessage } from '../../src/mail/mime-out.js';
import { MENTION_SPECIMEN } from '../../src/replies/ecole.js';
import { GUICHET } from '../harness/gateway.js';
import { CLI_NOW, cliIn } from '../helpers/cli.js';
import { createGpgHome, gpgDecrypt, gpgGenerateKey, gpgImport, gpgSignEncrypt, type GpgHome } from '../helpers/gpg.js';
import { openReplyAttachment } from '../helpers/replies.js';

const LOT = readFileSync(new URL('../../fixtures/lots/lot-g1104-valide.xml', import.meta.url));
const XSD = new URL('../../schemas/compte-rendu-1.xsd', import.meta.url).pathname;
const SENDER = GUICHET.expediteur;
const REPLIES = GUICHET.destinataire;
/** The demandeurs' own addresses in the lot. */
const MELS = ['a.lefevre@exemple.fr', 'huong.nguyen@exemple.fr'];

interface Mail {
  readonly to: string;
  readonly subject: string;
  /** The attachment as the guichet reads it (decrypted, signature checked), or the plain PDF of a demandeur's copy. */
  readonly filename: string;
  readonly content: Buffer;
}

const dir = mkdtempSync(join(tmpdir(), 'sne-ecole-'));
let gpgHome: GpgHome;

beforeAll(async () => {
  gpgHome = await createGpgHome();
});
afterAll(async () => {
  await gpgHome?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A home made by the binary (`init`, with `initArgs`), copies to demandeurs asked for (attestation
 * setting, préavis setting of the 93), one lot processed and the préavis of its demandes issued
 * (`sne-gateway preavis`) and sent: every mail written, read as its recipient reads it.
 */
async function exchange(name: string, initArgs: readonly string[]): Promise<{ home: string; mails: Mail[] }> {
  const home = join(dir, name);
  const cli = cliIn(home);
  expect(cli('init', ...initArgs).status).toBe(0);
  const file = JSON.parse(readFileSync(configPath(home), 'utf8')) as Record<string, Record<string, unknown>>;
  writeFileSync(configPath(home), JSON.stringify({ ...file, replies: { ...file.replies, copyAttestationToDemandeur: true } }), { mode: 0o600 });
  expect(cli('territories', 'set', '93', '--delai-anormalement-long', '36', '--commission-adresse', 'Commission de médiation\n93000 Bobigny', '--preavis-demandeur', 'oui').status).toBe(0);

  const config = loadConfig(home);
  const gateway = await openGateway(config, silentLogger(), fixedClock(CLI_NOW));
  try {
    const guichetKey = await gpgGenerateKey(gpgHome, `Guichet ${name}`, SENDER);
    const national = nationalKeyFiles(nationalKeyLocation(config))[0]!.fingerprint;
    await gpgImport(gpgHome, nationalPublicKeys(nationalKeyLocation(config))[0]!);
    await enrolGuichet(gateway.registry, GUICHET, guichetKey);
    const encrypted = await gpgSignEncrypt(gpgHome, LOT, guichetKey.fingerprint, national, { filename: 'lot.xml' });
    await deliverToMaildir(homePath(config, config.mailbox.path), await buildLotMessage({ from: SENDER, to: config.gateway.address, attachment: { filename: 'lot.xml.gpg', content: encrypted } }));
    const pass = await runOnce(gateway);
    expect(pass.outcomes[0]?.kind === 'committed' && pass.outcomes[0].lot.statut).toBe('ACCEPTE');
    // A month before the demandes' anniversary: their préavis.
    const preavis = cli('preavis', '--date', '2027-10-26');
    expect(preavis.stdout).toMatch(/[1-9]\d* préavis de renouvellement émis/);
    await runOnce(gateway);

    const outgoing = join(homePath(config, config.sender.path), 'new');
    const mails: Mail[] = [];
    for (const entry of readdirSync(outgoing)) {
      const raw = readFileSync(join(outgoing, entry));
      const to = /^To: (.*)$/m.exec(raw.toString('latin1'))![1]!;
      const read = await readLotMessage(raw);
      const subject = read.ok ? read.value.subject : read.envelope?.subject;
      if (read.ok) {
        const attachment = await openReplyAttachment(raw);
        const decrypted = await gpgDecrypt(gpgHome, attachment.content);
        expect(decrypted.goodSignatureFrom).toBe(national);
        mails.push({ to, subject: subject ?? '', filename: attachment.filename, content: decrypted.plaintext });
      } else {
        mails.push({ to, subject: subject ?? '', filename: '(copie en clair)', content: raw });
      }
    }
    return { home, mails };
  } finally {
    await gateway.close();
  }
}

/** Each page's text of a PDF, as pdftotext reads it. */
function pageTexts(pdf: Buffer, file: string): string[] {
  writeFileSync(file, pdf);
  return execFileSync('pdftotext', [file, '-']).toString('utf8').split('\f').slice(0, -1);
}

describe('a base école made by init --ecole', () => {
  let home: string;
  let mails: Mail[];

  beforeAll(async () => {
    ({ home, mails } = await exchange('ecole', ['--ecole']));
  });

  it('writes the setting into the home’s configuration, and init says so', () => {
    const file = JSON.parse(readFileSync(configPath(home), 'utf8')) as { gateway: { ecole: boolean } };
    expect(file.gateway.ecole).toBe(true);
    expect(cliIn(home)('init').stdout).toContain('✔ base école : oui');
  });

  it('mails no demandeur, although attestation and préavis copies are asked for: the guichet alone gets its replies', () => {
    expect(mails.map((m) => m.to)).toEqual(mails.map(() => REPLIES));
    for (const mel of MELS) expect(mails.some((m) => m.to.includes(mel))).toBe(false);
    expect(mails.filter((m) => m.filename.startsWith('attestation-'))).toHaveLength(3);
    expect(mails.filter((m) => m.filename.startsWith('preavis-'))).toHaveLength(3);
  });

  it('starts every subject with [ÉCOLE]', () => {
    expect(mails.length).toBeGreaterThan(0);
    for (const mail of mails) expect(mail.subject).toMatch(/^\[ÉCOLE\] /);
  });

  it('sends a compte rendu with ecole="true" on its root, valid against the XSD (xmllint)', () => {
    const [compteRendu] = mails.filter((m) => m.filename.startsWith('compte-rendu-'));
    const file = join(dir, 'compte-rendu.xml');
    writeFileSync(file, compteRendu!.content);
    expect(compteRendu!.content.toString('utf8')).toMatch(/<compteRendu [^>]*\becole="true"/);
    expect(() => execFileSync('xmllint', ['--noout', '--schema', XSD, file], { stdio: 'pipe' })).not.toThrow();
  });

  it('marks every page of every PDF « SPÉCIMEN — BASE ÉCOLE — SANS VALEUR » (attestations and préavis)', () => {
    const pdfs = mails.filter((m) => /^(attestation|preavis)-/.test(m.filename));
    expect(pdfs).toHaveLength(6);
    for (const pdf of pdfs) {
      const pages = pageTexts(pdf.content, join(dir, 'document.pdf'));
      expect(pages.length).toBeGreaterThan(0);
      for (const page of pages) expect(page).toContain(MENTION_SPECIMEN);
    }
  });

  it('says so in doctor and heads each text listing with the banner; JSON is unchanged', () => {
    const cli = cliIn(home);
    const doctor = cli('doctor');
    expect(doctor.status).toBe(0);
    expect(doctor.stdout).toMatch(/^⚠ base école : oui/m);
    const shown = JSON.parse(cli('lots', 'show', '1', '--json').stdout) as { resultats: { numeroUnique: string }[] };
    const numero = shown.resultats[0]!.numeroUnique;
    const listings = [
      ['lots', 'list'],
      ['lots', 'show', '1'],
      ['outbox', 'list'],
      ['outbox', 'show', '1'],
      ['demandes', 'history', numero],
      ['demandes', 'search', '--nom', 'Lefèvre', '--prenom', 'Anne', '--naissance', '1980-01-01'],
      ['guichets', 'list'],
      ['guichets', 'show', 'G1104'],
      ['quarantine', 'list'],
      ['territories', 'list'],
      ['gestionnaires', 'list'],
      ['keys', 'national', 'list'],
      ['preavis', '--dry-run', '--date', '2027-10-26'],
      ['expire', '--dry-run', '--date', '2027-10-26'],
      ['replay', '1', '--dry-run'],
      ['dispatch', '--dry-run', '--date', '2027-10-26'],
      ['dispatch', 'list'],
    ];
    for (const args of listings) {
      const listing = cli(...args);
      expect(listing.status, args.join(' ')).toBe(0);
      expect(listing.stdout.split('\n')[0], args.join(' ')).toBe(BANNIERE_ECOLE);
    }
    const json = cli('lots', 'list', '--json');
    expect(JSON.parse(json.stdout)).toHaveLength(1);
    expect(() => JSON.parse(cli('dispatch', 'list', '--json').stdout)).not.toThrow();
  });

  it('refuses to turn a real home into a base école', () => {
    const real = join(dir, 'reelle');
    expect(cliIn(real)('init').status).toBe(0);
    const refused = cliIn(real)('init', '--ecole');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('une base école a son propre dossier et son propre registre');
  });
});

describe('a real home, same lot and settings', () => {
  let home: string;
  let mails: Mail[];

  beforeAll(async () => {
    ({ home, mails } = await exchange('normale', []));
  });

  it('shows none of the base école: no mark, no [ÉCOLE], no ecole attribute, no banner; the demandeurs get their copies', () => {
    for (const mail of mails) expect(mail.subject).not.toContain('ÉCOLE');
    for (const mel of MELS) expect(mails.some((m) => m.to.includes(mel))).toBe(true);
    const compteRendu = mails.find((m) => m.filename.startsWith('compte-rendu-'))!;
    expect(compteRendu.content.toString('utf8')).not.toContain('ecole=');
    const attestation = mails.find((m) => m.filename.startsWith('attestation-'))!;
    for (const page of pageTexts(attestation.content, join(dir, 'document.pdf'))) expect(page).not.toContain('SPÉCIMEN');
    const cli = cliIn(home);
    expect(cli('doctor').stdout).not.toContain('base école');
    expect(cli('lots', 'list').stdout).not.toContain('BASE ÉCOLE');
  });
});
