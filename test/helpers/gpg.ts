/**
 * The real GnuPG (2.2 on Debian 12) as a guichet would run it, for interoperability tests.
 * Each home is a temporary GNUPGHOME; gpg always runs `--batch` with loopback pinentry and an
 * empty passphrase, never interactively. `cleanup()` stops that home's gpg-agent.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GpgHome {
  readonly dir: string;
  cleanup(): Promise<void>;
}

export interface GpgRun {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** A fresh GNUPGHOME (short path: gpg-agent's socket path must stay under ~100 characters). */
export async function createGpgHome(): Promise<GpgHome> {
  const dir = await mkdtemp(join(tmpdir(), 'sne-gpg-'));
  return {
    dir,
    async cleanup() {
      await run('gpgconf', ['--kill', 'all'], dir).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs gpg in `home` with the non-interactive options; resolves whatever the exit code.
 * `passphrase` unlocks (or, at import, re-protects) secret keys; empty by default.
 */
export function gpg(home: GpgHome, args: readonly string[], input?: Uint8Array | string, passphrase = ''): Promise<GpgRun> {
  return run(
    'gpg',
    ['--batch', '--yes', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', passphrase, '--trust-model', 'always', ...args],
    home.dir,
    input,
  );
}

async function gpgOk(home: GpgHome, args: readonly string[], input?: Uint8Array | string, passphrase = ''): Promise<GpgRun> {
  const result = await gpg(home, args, input, passphrase);
  if (result.code !== 0) throw new Error(`gpg ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result;
}

function run(command: string, args: readonly string[], home: string, input?: Uint8Array | string): Promise<GpgRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, GNUPGHOME: home }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }),
    );
    child.stdin.on('error', () => undefined); // gpg may exit before reading all its input
    child.stdin.end(input === undefined ? undefined : Buffer.from(input));
  });
}

export interface GpgKey {
  readonly fingerprint: string;
  /** Armored public key, as the guichet would hand it to the gestionnaire. */
  readonly publicKey: string;
}

/**
 * Generates an unprotected key: `future-default` is ed25519 + cv25519 (fast), `rsa3072` an RSA
 * primary key with an RSA encryption subkey.
 */
export async function gpgGenerateKey(
  home: GpgHome,
  name: string,
  email: string,
  algo: 'future-default' | 'rsa3072' = 'future-default',
): Promise<GpgKey> {
  await gpgOk(home, ['--quick-gen-key', `${name} <${email}>`, algo, 'default', 'never']);
  const listing = (await gpgOk(home, ['--with-colons', '--list-keys', `<${email}>`])).stdout.toString('utf8');
  const fingerprint = /^fpr:+([0-9A-F]{40,64}):/m.exec(listing)?.[1];
  if (fingerprint === undefined) throw new Error(`no fingerprint for ${email}: ${listing}`);
  // With an explicit algorithm, --quick-gen-key makes a sign-only primary key: add the subkey.
  if (algo === 'rsa3072') await gpgOk(home, ['--quick-add-key', fingerprint, 'rsa3072', 'encr', 'never']);
  return { fingerprint, publicKey: await gpgExportPublic(home, fingerprint) };
}

export async function gpgExportPublic(home: GpgHome, fingerprint: string): Promise<string> {
  return (await gpgOk(home, ['--armor', '--export', fingerprint])).stdout.toString('utf8');
}

/** The revocation certificate gpg stored at key generation, made importable. */
export async function gpgRevocationCertificate(home: GpgHome, fingerprint: string): Promise<string> {
  const text = await readFile(join(home.dir, 'openpgp-revocs.d', `${fingerprint}.rev`), 'utf8');
  // gpg prefixes the armor line with ':' so that an accidental import does not revoke the key.
  return text.replace(/^:-----BEGIN/m, '-----BEGIN');
}

/** Imports public or private keys (a protected secret key needs its passphrase); returns the fingerprints gpg reports. */
export async function gpgImport(home: GpgHome, armored: string | Uint8Array, passphrase = ''): Promise<string[]> {
  const result = await gpgOk(home, ['--status-fd', '1', '--import'], armored, passphrase);
  return [...result.stdout.toString('utf8').matchAll(/^\[GNUPG:\] IMPORT_OK \d+ ([0-9A-F]+)/gm)].map((m) => m[1] ?? '');
}

export interface GpgSignEncryptOptions {
  /** `--compress-algo`; gpg's default (ZLIB for these keys) when absent. */
  readonly compressAlgo?: 'none' | 'zip' | 'zlib' | 'bzip2';
  /** `--compress-level` (0–9); gpg's default (6) when absent. */
  readonly compressLevel?: number;
  readonly armor?: boolean;
  /** false: encrypt only, no signature (an unsigned lot). Default true. */
  readonly sign?: boolean;
  /** Name stored in the literal packet (`--set-filename`). */
  readonly filename?: string;
}

/** `gpg --sign --encrypt`, as a guichet sends a lot. */
export async function gpgSignEncrypt(
  home: GpgHome,
  data: Uint8Array | string,
  signer: string,
  recipients: string | readonly string[],
  opts: GpgSignEncryptOptions = {},
): Promise<Buffer> {
  const args: string[] = [];
  for (const recipient of typeof recipients === 'string' ? [recipients] : recipients) args.push('--recipient', recipient);
  if (opts.sign !== false) args.push('--local-user', signer, '--sign');
  if (opts.compressAlgo !== undefined) args.push('--compress-algo', opts.compressAlgo);
  if (opts.compressLevel !== undefined) args.push('--compress-level', String(opts.compressLevel));
  if (opts.armor) args.push('--armor');
  if (opts.filename !== undefined) args.push('--set-filename', opts.filename);
  args.push('--encrypt', '--output', '-');
  return (await gpgOk(home, args, data)).stdout;
}

export interface GpgDecrypted {
  readonly plaintext: Buffer;
  /** Primary fingerprint of the signer when gpg reports GOODSIG and VALIDSIG. */
  readonly goodSignatureFrom?: string;
  /** The `[GNUPG:]` status lines, for finer assertions. */
  readonly status: readonly string[];
  /** The name in the literal packet (PLAINTEXT status), if any. */
  readonly filename?: string;
}

/** `gpg --decrypt`; throws when gpg fails to decrypt. */
export async function gpgDecrypt(home: GpgHome, data: Uint8Array | string, passphrase = ''): Promise<GpgDecrypted> {
  const out = join(home.dir, `plain-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const result = await gpg(home, ['--status-fd', '1', '--output', out, '--decrypt'], data, passphrase);
  const status = result.stdout
    .toString('utf8')
    .split('\n')
    .filter((line) => line.startsWith('[GNUPG:] '));
  if (result.code !== 0 && !status.some((line) => line.startsWith('[GNUPG:] DECRYPTION_OKAY'))) {
    throw new Error(`gpg --decrypt failed (${result.code}): ${result.stderr}`);
  }
  const plaintext = await readFile(out);
  await rm(out, { force: true });
  const good = status.some((line) => line.startsWith('[GNUPG:] GOODSIG '));
  const validsig = status.find((line) => line.startsWith('[GNUPG:] VALIDSIG '))?.split(' ');
  const primary = validsig?.[validsig.length - 1];
  const plaintextLine = status.find((line) => line.startsWith('[GNUPG:] PLAINTEXT '))?.split(' ');
  const filename = plaintextLine?.[4] ? decodeURIComponent(plaintextLine[4]) : undefined;
  return {
    plaintext,
    status,
    ...(good && primary ? { goodSignatureFrom: primary } : {}),
    ...(filename ? { filename } : {}),
  };
}
