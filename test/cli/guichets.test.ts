/** `guichets …` through the real binary: enrolment, keys with rotation, habilitations, client certificates and canal. */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/crypto/index.js';
import { makeCertificates } from '../helpers/certificates.js';
import { cliIn } from '../helpers/cli.js';

const home = mkdtempSync(join(tmpdir(), 'sne-cli-guichets-'));
const keyFile = (name: string) => join(home, `${name}.pub.asc`);

const cli = cliIn(home);

let first: string;
let second: string;

beforeAll(async () => {
  expect(cli('init').status).toBe(0);
  const a = await generateKeyPair({ name: 'Guichet A', email: 'lots@a.example' });
  const b = await generateKeyPair({ name: 'Guichet A 2027', email: 'lots@a.example', expiresInDays: 20 });
  writeFileSync(keyFile('a'), a.publicKey);
  writeFileSync(keyFile('b'), b.publicKey);
  writeFileSync(keyFile('private'), a.privateKey);
  first = a.fingerprint;
  second = b.fingerprint;
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('guichets', () => {
  it('enrols a guichet with repeated and comma-separated lists, and shows its key fingerprint', () => {
    const add = cli('guichets', 'add', 'G1104', '--name', 'Bailleur A', '--address', '1 rue A\\n93200 Saint-Denis',
      '--sender', 'lots@a.example', '--sender', 'LOTS2@a.example', '--reply', 'retours@a.example', '--key', keyFile('a'), '--departments', '93,75');
    expect(add.stderr).toBe('');
    expect(add.status).toBe(0);
    expect(add.stdout).toContain(first);
    const [g] = JSON.parse(cli('guichets', 'list', '--json').stdout) as { code: string; expediteurs: string[]; departements: string[] }[];
    expect(g).toMatchObject({ code: 'G1104', expediteurs: ['lots2@a.example', 'lots@a.example'], departements: ['75', '93'] });
  });

  it('refuses bad input with a usage error that says what is wrong', () => {
    const bad = cli('guichets', 'add', 'g1', '--name', 'X', '--address', 'A', '--sender', 'x@y.fr', '--reply', 'x@y.fr', '--key', keyFile('a'), '--departments', '93');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('Code guichet « g1 » invalide');
    expect(cli('guichets', 'habilitate', 'G1104', '100').status).toBe(2);
    const privateKey = cli('guichets', 'keys', 'add', 'G1104', keyFile('private'));
    expect(privateKey.status).toBe(1);
    expect(cli('guichets', 'add', 'G1104', '--name', 'X', '--address', 'A', '--sender', 'x@y.fr', '--reply', 'x@y.fr', '--key', keyFile('a'), '--departments', '93').status).toBe(1);
    expect(cli('guichets', 'show', 'GXXXX').status).toBe(1);
  });

  it('habilitates and unhabilitates départements', () => {
    expect(cli('guichets', 'habilitate', 'G1104', '13', '2A').stdout).toContain('13, 2A, 75, 93');
    expect(cli('guichets', 'unhabilitate', 'G1104', '75,13').stdout).toContain('2A, 93');
  });

  it('rotates keys: two active, expiry warned a month ahead, never none', () => {
    const added = cli('guichets', 'keys', 'add', 'G1104', keyFile('b'));
    expect(added.status).toBe(0);
    expect(added.stdout).toMatch(/⚠ expire le/);
    const show = cli('guichets', 'show', 'G1104');
    expect(show.stdout).toContain(first);
    expect(show.stdout).toContain(second);
    expect(cli('guichets', 'keys', 'remove', 'G1104', first).status).toBe(0);
    const last = cli('guichets', 'keys', 'remove', 'G1104', second);
    expect(last.status).toBe(1);
    expect(last.stderr).toContain('dernière clé');
  });

  it('disables a guichet and enables it again', () => {
    expect(cli('guichets', 'disable', 'G1104').status).toBe(0);
    expect(cli('guichets', 'list').stdout).toMatch(/G1104\s+désactivé/);
    expect(cli('guichets', 'enable', 'G1104').status).toBe(0);
    expect(cli('guichets', 'update', 'G1104', '--name', 'Bailleur A renommé').status).toBe(0);
    expect(cli('guichets', 'list').stdout).toMatch(/G1104\s+actif.*Bailleur A renommé/);
    expect(cli('guichets', 'update', 'G1104').status).toBe(2);
  });
});

describe('guichets: client certificates and canal (HTTPS channel, spec 7)', () => {
  const certs = join(home, 'certs');
  let empreinte: string;
  let opensslColons: string;

  beforeAll(async () => {
    mkdirSync(certs);
    await makeCertificates(certs, ['g1104']);
    // The fingerprint as openssl prints it (colons), a client the project did not write.
    const { stdout } = await promisify(execFile)('openssl', ['x509', '-in', join(certs, 'g1104.pem'), '-noout', '-fingerprint', '-sha256']);
    opensslColons = stdout.trim().split('=')[1]!;
    empreinte = opensslColons.replace(/:/g, '');
    const other = await generateKeyPair({ name: 'Guichet B', email: 'lots@b.example' });
    writeFileSync(keyFile('other'), other.publicKey);
    expect(cli('guichets', 'add', 'G2000', '--name', 'Bailleur B', '--address', '2 rue B', '--sender', 'lots@b.example', '--reply', 'retours@b.example', '--key', keyFile('other'), '--departments', '75').status).toBe(0);
  });

  it('adds a certificate, printing its fingerprint; the same one for another guichet is refused', () => {
    const added = cli('guichets', 'certs', 'add', 'G1104', join(certs, 'g1104.pem'));
    expect(added.stderr).toBe('');
    expect(added.status).toBe(0);
    expect(added.stdout).toContain(`✔ certificat ${empreinte} (CN=G1104) enregistré pour le guichet G1104 ; valable jusqu'au 2049-12-31`);

    const twice = cli('guichets', 'certs', 'add', 'G2000', join(certs, 'g1104.pem'));
    expect(twice.status).toBe(1);
    expect(twice.stderr).toContain('Ce certificat est déjà celui du guichet G1104 : un certificat désigne un seul guichet.');
    expect(cli('guichets', 'show', 'G2000').stdout).not.toContain(empreinte);

    const notACertificate = cli('guichets', 'certs', 'add', 'G2000', join(certs, 'g1104.key'));
    expect(notACertificate.status).toBe(2);
    expect(notACertificate.stderr).toContain('ne contient pas de certificat X.509 lisible');
  });

  it('shows the certificates and the canal, and changes the canal', () => {
    const show = cli('guichets', 'show', 'G1104');
    expect(show.stdout).toContain(`certificat client (HTTPS) SHA-256 ${empreinte}`);
    expect(show.stdout).toContain('canal des envois de la passerelle : mail');
    expect(cli('guichets', 'update', 'G1104', '--canal', 'https').status).toBe(0);
    expect(cli('guichets', 'show', 'G1104').stdout).toContain('canal des envois de la passerelle : https');
    const bad = cli('guichets', 'update', 'G1104', '--canal', 'fax');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('Canal « fax » invalide : mail ou https.');
    expect(cli('guichets', 'update', 'G1104', '--canal', 'mail').status).toBe(0);
    expect(cli('guichets', 'show', 'G1104').stdout).toContain('canal des envois de la passerelle : mail');
  });

  it('removes a certificate by its fingerprint as openssl prints it; then another guichet may take it', () => {
    expect(cli('guichets', 'certs', 'remove', 'G1104', 'nothex').status).toBe(2);
    const removed = cli('guichets', 'certs', 'remove', 'G1104', opensslColons);
    expect(removed.status).toBe(0);
    expect(removed.stdout).toContain(`✔ certificat ${empreinte} retiré du guichet G1104`);
    expect(cli('guichets', 'show', 'G1104').stdout).not.toContain(empreinte);
    const again = cli('guichets', 'certs', 'remove', 'G1104', empreinte);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain(`Le guichet G1104 n'a pas de certificat ${empreinte}`);
    expect(cli('guichets', 'certs', 'add', 'G2000', join(certs, 'g1104.pem')).status).toBe(0);
  });
});
