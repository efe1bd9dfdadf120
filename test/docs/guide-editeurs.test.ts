/**
 * The éditeurs' guide (`docs/guide-editeurs.md`) run as written: every ```sh block, in order, by
 * bash with real GnuPG 2.2, OpenSSL, curl and xmllint, against the real binary's HTTPS channel.
 * The guide's conventions ($GUICHET_KEY, $NATIONAL_KEY, $GATEWAY, GNUPGHOME, lot.xml,
 * cle-nationale.asc, passerelle-ca.pem, schemas/) are set up here; between the block that makes
 * the client certificate and the first deposit, the test plays the gestionnaire (section 12).
 * Also: the guide's error table lists the same codes as the gateway and the README.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nationalKeyLocation } from '../../src/app.js';
import { nationalKeyFiles, nationalPublicKeys } from '../../src/crypto/national-keys.js';
import { ALL_ERROR_CODES } from '../../src/errors.js';
import { readCertificate } from '../../src/https/certificates.js';
import { freePort, waitForPort } from '../harness/ports.js';
import { SQLITE_HOME, initHomeOn } from '../harness/registry-home.js';
import { makeCertificates } from '../helpers/certificates.js';
import { BIN, cliEnv } from '../helpers/cli.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const GUIDE = readFileSync(join(REPO, 'docs/guide-editeurs.md'), 'utf8');
const GUICHET_KEY = 'lots@g1104.example';

/** Every ```sh block of the guide, in order: the guide says each one is run. */
export function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

/** The codes of the first column of the table under `heading`, in order. */
function tableCodes(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(heading);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const section = markdown.slice(start, markdown.indexOf('\n## ', start + 1));
  return [...section.matchAll(/^\| `((?:LOT|DEM)_[A-Z_]+)` \|/gm)].map((m) => m[1]!);
}

describe("the éditeurs' guide", () => {
  it('lists the same error codes as the gateway and the README, each once', () => {
    const guide = tableCodes(GUIDE, "## 8. Codes d'erreur et remèdes");
    const readme = tableCodes(readFileSync(join(REPO, 'README.md'), 'utf8'), '## Error codes');
    expect(new Set(guide).size).toBe(guide.length);
    expect([...guide].sort()).toEqual([...ALL_ERROR_CODES].sort());
    expect(guide).toEqual(readme);
  });
});

describe("the éditeurs' guide, every shell block run against the binary's HTTPS channel", () => {
  let root: string;
  let work: string;
  let home: string;
  let env: NodeJS.ProcessEnv;
  let port: number;
  let daemon: { child: ChildProcess; exited: Promise<number | null> } | undefined;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'sne-gd-'));
    work = join(root, 'w');
    home = join(root, 'home');
    const certs = join(root, 'certs');
    const gnupg = join(root, 'g'); // short: gpg-agent's socket path
    for (const dir of [work, certs]) mkdirSync(dir);
    mkdirSync(gnupg, { mode: 0o700 });
    // Unattended gpg with an empty passphrase: the guide's commands stay as a person types them.
    writeFileSync(join(gnupg, 'gpg.conf'), 'batch\npinentry-mode loopback\npassphrase\n');
    await makeCertificates(certs, []);
    const { config } = await initHomeOn(SQLITE_HOME, home, { http: { certFile: join(certs, 'server.pem'), keyFile: join(certs, 'server.key') } });
    // What the gestionnaire hands over (section 2), and the repository's files.
    writeFileSync(join(work, 'cle-nationale.asc'), nationalPublicKeys(nationalKeyLocation(config))[0]!);
    copyFileSync(join(certs, 'ca.pem'), join(work, 'passerelle-ca.pem'));
    copyFileSync(join(REPO, 'fixtures/lots/lot-g1104-valide.xml'), join(work, 'lot.xml'));
    symlinkSync(join(REPO, 'schemas'), join(work, 'schemas'));
    port = await freePort();
    env = {
      ...process.env,
      GNUPGHOME: gnupg,
      GUICHET_KEY,
      NATIONAL_KEY: nationalKeyFiles(nationalKeyLocation(config))[0]!.fingerprint,
      GATEWAY: `https://localhost:${port}`,
    };
  }, 120_000);

  afterAll(async () => {
    if (daemon) {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    }
    spawnSync('gpgconf', ['--kill', 'all'], { env });
    rmSync(root, { recursive: true, force: true });
  });

  const cli = (...args: string[]) => {
    const run = spawnSync(process.execPath, [BIN, '--home', home, ...args], { encoding: 'utf8', env: cliEnv() });
    expect(run.stderr, args.join(' ')).toBe('');
    expect(run.status, args.join(' ')).toBe(0);
  };

  /**
   * The gestionnaire's part, once the éditeur has handed over the guichet's key and certificate:
   * enrol G1104 (canal https) and start the daemon. Its clock starts at the certificate's first
   * valid instant — the certificate and gpg's signatures are made at the real time, which the
   * gateway checks them against — so no date is assumed, and none is asserted.
   */
  const gestionnaire = async () => {
    cli('guichets', 'add', 'G1104', '--name', 'Bailleur de test', '--address', '1 place de la Mairie\\n93200 Saint-Denis',
      '--sender', GUICHET_KEY, '--reply', 'retours@g1104.example', '--key', join(work, 'cle-guichet.asc'), '--departments', '75,93');
    cli('guichets', 'certs', 'add', 'G1104', join(work, 'client.pem'));
    cli('guichets', 'update', 'G1104', '--canal', 'https');
    const now = new Date(readCertificate(readFileSync(join(work, 'client.pem'))).validFrom.getTime() + 60_000).toISOString();
    const child = spawn(process.execPath, [BIN, '--home', home, 'run'], {
      env: cliEnv({ SNE_GATEWAY_NOW: now, SNE_GATEWAY_HTTP_PORT: String(port), SNE_GATEWAY_HTTP_HOST: '127.0.0.1' }),
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    daemon = { child, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
    await waitForPort(port, 30_000);
  };

  it('runs every block, each exiting 0', async () => {
    const blocks = shellBlocks(GUIDE);
    expect(blocks).toHaveLength(11);
    const outputs: string[] = [];
    for (const [index, block] of blocks.entries()) {
      const run = await bash(block, work, env);
      expect(run.status, `block ${index + 1} failed:\n${block}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`).toBe(0);
      outputs.push(run.stdout);
      if (daemon === undefined && existsSync(join(work, 'client.pem')) && existsSync(join(work, 'cle-guichet.asc'))) await gestionnaire();
    }
    expect(daemon, 'the guide hands over a key and a certificate before depositing').toBeDefined();
    // What the blocks printed is what the guide says they print.
    expect(outputs.join('')).toMatch(/^sne-statut: ACCEPTE\r?$/im);
    expect(outputs.join('')).toMatch(/^ACCEPTE$/m);
    expect(readFileSync(join(work, 'compte-rendu.xml'), 'utf8')).toContain('statut="ENREGISTREE"');
    expect(readFileSync(join(work, 'attestation-G1104-2026-0001.pdf')).subarray(0, 5).toString()).toBe('%PDF-');
    expect(readFileSync(join(work, 'copie-COPIE-0001.xml'), 'utf8')).toContain('<copieNumerique');
  }, 300_000);
});

/** `bash -euo pipefail -c block`: the first failing command fails the block. */
function bash(block: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', block], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
