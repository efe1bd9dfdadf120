/**
 * `sne-gateway doctor` through the real binary: one line per check, ✔ / ⚠ / ✘ with the fix, exit
 * status 1 when anything fails. Real Dovecot and SMTP servers on 127.0.0.1 for the connections.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { runChecks } from '../../src/cli/commands/doctor.js';
import { SqliteRegistry } from '../../src/registry/sqlite/store.js';
import { startDovecot, type Dovecot } from '../harness/dovecot.js';
import { freePort } from '../harness/ports.js';
import { startSmtpReceiver, type SmtpReceiver } from '../harness/smtp.js';
import { makeCertificates } from '../helpers/certificates.js';
import { BIN, cliEnv } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'sne-cli-doctor-'));
const { SNE_GATEWAY_KEY_PASSPHRASE: _unset, ...baseEnv } = process.env;

const run = promisify(execFile);

/** Asynchronous: the SMTP receiver runs in this process and must answer meanwhile. */
async function sne(home: string, args: readonly string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, '--home', home, ...args], { env: cliEnv(env, baseEnv) });
    return { status: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { status: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('doctor on a fresh home', () => {
  const home = join(dir, 'fresh');

  it('passes, one line per check', async () => {
    expect((await sne(home, ['init'])).status).toBe(0);
    const doctor = await sne(home, ['doctor']);
    expect(doctor.stderr).toBe('');
    expect(doctor.status).toBe(0);
    expect(doctor.stdout).not.toContain('✘');
    for (const line of ['✔ configuration', '✔ registre : SQLite', '✔ clé nationale : 1 en service', '✔ boîte de dépôt : Maildir', "✔ boîte d'envoi : Maildir", "✔ file d'envoi", '✔ référentiel']) {
      expect(doctor.stdout).toContain(line);
    }
    const json = JSON.parse((await sne(home, ['doctor', '--json'])).stdout) as { ok: boolean }[];
    expect(json.every((r) => r.ok)).toBe(true);
  });

  it('shows the operations listener: off by default, its endpoints when on, a warning beyond the loopback', async () => {
    expect((await sne(home, ['doctor'])).stdout).toContain("✔ points d'accès d'exploitation : désactivés (ops.port vaut 0)");
    const on = await sne(home, ['doctor'], { SNE_GATEWAY_OPS_PORT: '9464' });
    expect(on.stdout).toContain("✔ points d'accès d'exploitation : http://127.0.0.1:9464/livez, /readyz, /metrics (ouverts par sne-gateway run)");
    const open = await sne(home, ['doctor'], { SNE_GATEWAY_OPS_PORT: '9464', SNE_GATEWAY_OPS_HOST: '0.0.0.0' });
    expect(open.status).toBe(0);
    expect(open.stdout).toMatch(/⚠ points d'accès d'exploitation : http:\/\/0\.0\.0\.0:9464\/livez, \/readyz, \/metrics .*sans authentification\n\s*→ limitez l'accès/);
    expect((await sne(home, ['doctor'], { SNE_GATEWAY_OPS_PORT: '70000' })).stdout).toContain('ops.port (variable SNE_GATEWAY_OPS_PORT) : un port de 1 à 65535 est attendu');
  });

  it('shows the HTTPS listener: off by default; when on, its certificate and key are checked', async () => {
    expect((await sne(home, ['doctor'])).stdout).toContain('✔ canal HTTPS : désactivé (http.port vaut 0)');
    const certs = join(dir, 'certs');
    mkdirSync(certs);
    await makeCertificates(certs, []);
    const http = (cert: string, key: string) => ({ SNE_GATEWAY_HTTP_PORT: '8443', SNE_GATEWAY_HTTP_HOST: '127.0.0.1', SNE_GATEWAY_HTTP_CERT_FILE: cert, SNE_GATEWAY_HTTP_KEY_FILE: key });
    const on = await sne(home, ['doctor'], http(join(certs, 'server.pem'), join(certs, 'server.key')));
    expect(on.status).toBe(0);
    expect(on.stdout).toContain('✔ canal HTTPS : https://127.0.0.1:8443/v1/lots (ouvert par sne-gateway run), certificat CN=localhost, valable du 01/01/2020 au 31/12/2049');
    const failures: [Record<string, string>, string][] = [
      [http(join(certs, 'absent.pem'), join(certs, 'server.key')), `http.certFile : ${join(certs, 'absent.pem')} illisible`],
      [http(join(certs, 'server.key'), join(certs, 'server.key')), 'http.certFile ne contient pas de certificat lisible'],
      [http(join(certs, 'server.pem'), join(certs, 'server.pem')), 'http.keyFile ne contient pas de clé privée lisible'],
      [http(join(certs, 'server.pem'), join(certs, 'ca.key')), "la clé de http.keyFile n'est pas celle du certificat"],
    ];
    for (const [env, found] of failures) {
      const doctor = await sne(home, ['doctor'], env);
      expect(doctor.status, found).toBe(1);
      expect(doctor.stdout).toMatch(new RegExp(`✘ canal HTTPS : https://[^ ]+:8443/v1/lots \\(ouvert par sne-gateway run\\) : ${found.replace(/[.()]/g, '\\$&')}.*\\n\\s*→ http\\.certFile : le certificat du serveur`));
    }
  });

  it('fails when the passphrase is missing, and says how to fix it', async () => {
    const file = join(home, 'keys', 'national.passphrase');
    renameSync(file, `${file}.ailleurs`);
    try {
      const doctor = await sne(home, ['doctor']);
      expect(doctor.status).toBe(1);
      expect(doctor.stdout).toMatch(/✘ clé nationale : ne s'ouvre pas/);
      expect(doctor.stdout).toContain('→ vérifiez SNE_GATEWAY_KEY_PASSPHRASE ou le fichier de phrase secrète (keys.passphraseFile)');
    } finally {
      renameSync(`${file}.ailleurs`, file);
    }
    expect((await sne(home, ['doctor'])).status).toBe(0);
  });

  it('flags a file or directory of the home that other users may read, naming it and the chmod that fixes it', async () => {
    const registry = join(home, 'registry.sqlite');
    const mailbox = join(home, 'mailbox');
    chmodSync(registry, 0o644);
    chmodSync(mailbox, 0o755);
    try {
      const doctor = await sne(home, ['doctor']);
      expect(doctor.status).toBe(1);
      expect(doctor.stdout).toContain(`✘ droits : le fichier ${registry} est accessible à d'autres utilisateurs que son propriétaire (mode 0644)`);
      expect(doctor.stdout).toContain(`→ chmod 600 ${registry}`);
      expect(doctor.stdout).toContain(`✘ droits : le dossier ${mailbox} est accessible à d'autres utilisateurs que son propriétaire (mode 0755)`);
      expect(doctor.stdout).toContain(`→ chmod 700 ${mailbox}`);
    } finally {
      chmodSync(registry, 0o600);
      chmodSync(mailbox, 0o700);
    }
    const doctor = await sne(home, ['doctor']);
    expect(doctor.status).toBe(0);
    expect(doctor.stdout).toContain('✔ droits : dossier de travail réservé à son propriétaire');
  });
});

describe('doctor on the demo', () => {
  const home = join(dir, 'demo');
  let closedPort: number;

  beforeAll(async () => {
    closedPort = await freePort();
    // Replies to an SMTP server that is not there: they wait in the outbox.
    const demo = await sne(home, ['demo'], { SNE_GATEWAY_SENDER_KIND: 'smtp', SNE_GATEWAY_SENDER_URL: `smtp://127.0.0.1:${closedPort}` });
    expect(demo.status).toBe(0);
  }, 120_000);

  it('has no département warning after the demo, and warns about a département habilitated unset, until it is set', async () => {
    const before = await sne(home, ['doctor']);
    expect(before.stdout).not.toMatch(/département \S+ : délai anormalement long/);
    expect((await sne(home, ['guichets', 'habilitate', 'G1301', '2A'])).status).toBe(0);
    const habilitated = await sne(home, ['doctor']);
    expect(habilitated.stdout).toMatch(/⚠ département 2A : .*non paramétrés/);
    expect(habilitated.stdout).toContain('→ sne-gateway territories set 2A --delai-anormalement-long MOIS --commission-adresse "ADRESSE"');
    expect((await sne(home, ['territories', 'set', '2A', '--delai-anormalement-long', '36', '--commission-adresse', 'Préfecture\n20000 Ajaccio'])).status).toBe(0);
    const after = await sne(home, ['doctor']);
    expect(after.stdout).not.toMatch(/département 2A /);
  });

  it('reports a reply given up as ✘ and one waiting over an hour as ⚠, each with its fix', async () => {
    const env = { SNE_GATEWAY_SENDER_KIND: 'smtp', SNE_GATEWAY_SENDER_URL: `smtp://127.0.0.1:${closedPort}` };
    const registry = new SqliteRegistry(join(home, 'registry.sqlite'));
    const waiting = (await registry.outboxByStatut('PRET')).map((i) => i.id);
    expect(waiting.length).toBeGreaterThan(1);
    await registry.markOutboxFailed(waiting[0]!, new Date(), 'connect ECONNREFUSED');
    await registry.close();

    const doctor = await sne(home, ['doctor'], env);
    expect(doctor.status).toBe(1);
    expect(doctor.stdout).toMatch(new RegExp(`✘ réponse ${waiting[0]} \\(compte-rendu, lot \\d+\\) en échec depuis le .*ECONNREFUSED`));
    expect(doctor.stdout).toContain(`→ sne-gateway outbox show ${waiting[0]}, corrigez la cause, puis sne-gateway outbox retry ${waiting[0]}`);
    expect(doctor.stdout).toMatch(/✘ boîte d'envoi : SMTP smtp:\/\/127\.0\.0\.1:\d+ : .*ECONNREFUSED/);

    // Two hours later, the replies still waiting deserve a warning.
    const later = await runChecks(loadConfig(home, { ...baseEnv, ...env }), new Date(Date.now() + 2 * 3_600_000));
    const warned = later.filter((r) => r.warning && /^réponse \d+ .* en attente depuis/.test(r.label));
    expect(warned.map((r) => r.label)).toContainEqual(expect.stringContaining(`réponse ${waiting[1]} `));
    expect(warned[0]!.fix).toMatch(/sne-gateway outbox show \d+ ; une fois la cause corrigée : sne-gateway outbox retry \d+/);
  });
});

describe('doctor with IMAP and SMTP', () => {
  const home = join(dir, 'servers');
  let dovecot: Dovecot;
  let smtp: SmtpReceiver;

  beforeAll(async () => {
    [dovecot, smtp] = await Promise.all([startDovecot(), startSmtpReceiver()]);
    expect((await sne(home, ['init'])).status).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([dovecot?.stop(), smtp?.stop()]);
  });

  const servers = (password: string) => ({
    SNE_GATEWAY_MAILBOX_KIND: 'imap',
    SNE_GATEWAY_MAILBOX_URL: dovecot.url(),
    SNE_GATEWAY_MAILBOX_PASSWORD: password,
    SNE_GATEWAY_SENDER_KIND: 'smtp',
    SNE_GATEWAY_SENDER_URL: smtp.url(),
  });

  it('connects, authenticates and closes: one ✔ line each', async () => {
    const doctor = await sne(home, ['doctor'], servers(dovecot.password));
    expect(doctor.stdout).toMatch(/✔ boîte de dépôt : IMAP imap:\/\/depot@127\.0\.0\.1:\d+\/INBOX : connexion et authentification réussies ; 0 message\(s\) dans INBOX/);
    expect(doctor.stdout).toMatch(/✔ boîte d'envoi : SMTP smtp:\/\/127\.0\.0\.1:\d+ : connexion et authentification réussies/);
    expect(doctor.status).toBe(0);
  });

  it('names a refused password, with the fix', async () => {
    const doctor = await sne(home, ['doctor'], servers('pas-le-bon'));
    expect(doctor.status).toBe(1);
    expect(doctor.stdout).toMatch(/✘ boîte de dépôt : IMAP .* : authentification refusée/);
    expect(doctor.stdout).toContain('→ vérifiez mailbox.url, le mot de passe (SNE_GATEWAY_MAILBOX_PASSWORD ou mailbox.passwordFile)');
  });
});
