/**
 * The national key pair on disk, in the home's `keys/` folder: `national-<fingerprint>.key.asc`
 * (private, passphrase-protected) and `.pub.asc`. The passphrase comes from
 * SNE_GATEWAY_KEY_PASSPHRASE, else from the passphrase file (created by `init`, mode 0600).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateKeyPair, inspectPublicKey, publicKeyOf, type PublicKeyInfo } from './keys.js';
import { loadPrivateKeyring, type PrivateKeyring } from './keyring.js';

export interface NationalKeyLocation {
  readonly dir: string;
  readonly passphraseFile: string;
  /** Identity written in a new key's user ID. */
  readonly address: string;
}

const PRIVATE = /^national-([0-9A-F]+)\.key\.asc$/;

export function nationalKeyFiles(location: NationalKeyLocation): { fingerprint: string; privateFile: string; publicFile: string }[] {
  if (!existsSync(location.dir)) return [];
  return readdirSync(location.dir)
    .map((name) => PRIVATE.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({
      fingerprint: m[1]!,
      privateFile: join(location.dir, m[0]),
      publicFile: join(location.dir, `national-${m[1]}.pub.asc`),
    }));
}

function readPassphrase(location: NationalKeyLocation, env: NodeJS.ProcessEnv): string | undefined {
  if (env.SNE_GATEWAY_KEY_PASSPHRASE) return env.SNE_GATEWAY_KEY_PASSPHRASE;
  return existsSync(location.passphraseFile) ? readFileSync(location.passphraseFile, 'utf8').trim() : undefined;
}

/** The passphrase, created at random in the passphrase file when neither it nor the variable exists. */
function ensurePassphrase(location: NationalKeyLocation, env: NodeJS.ProcessEnv): string {
  const existing = readPassphrase(location, env);
  if (existing !== undefined) return existing;
  const passphrase = randomBytes(24).toString('base64url');
  mkdirSync(dirname(location.passphraseFile), { recursive: true, mode: 0o700 });
  writeFileSync(location.passphraseFile, `${passphrase}\n`, { mode: 0o600, flag: 'wx' });
  return passphrase;
}

function store(location: NationalKeyLocation, fingerprint: string, privateKey: string, publicKey: string): void {
  mkdirSync(location.dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(location.dir, `national-${fingerprint}.key.asc`), privateKey, { mode: 0o600, flag: 'wx' });
  writeFileSync(join(location.dir, `national-${fingerprint}.pub.asc`), publicKey, { flag: 'wx', mode: 0o600 });
}

/** A new national key pair beside the existing ones (rotation: the newest signs, all decrypt). */
export async function createNationalKey(
  location: NationalKeyLocation,
  options: { expiresInDays?: number } = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const passphrase = ensurePassphrase(location, env);
  const pair = await generateKeyPair({
    name: "Système national d'enregistrement",
    email: location.address,
    passphrase,
    ...(options.expiresInDays === undefined ? {} : { expiresInDays: options.expiresInDays }),
  });
  store(location, pair.fingerprint, pair.privateKey, pair.publicKey);
  return pair.fingerprint;
}

/** Creates a national key pair when there is none; returns its fingerprint and whether it is new. */
export async function ensureNationalKey(
  location: NationalKeyLocation,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ fingerprint: string; created: boolean }> {
  const existing = nationalKeyFiles(location)[0];
  if (existing) return { fingerprint: existing.fingerprint, created: false };
  return { fingerprint: await createNationalKey(location, {}, env), created: true };
}

/**
 * Adds an armored private key made elsewhere. It must open with the configured passphrase, so
 * that every national key opens with the one secret (checked before anything is written).
 */
export async function importNationalKey(
  location: NationalKeyLocation,
  privateKey: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const keyring = await loadPrivateKeyring([{ privateKey, passphrase: readPassphrase(location, env) }]);
  const fingerprint = keyring.signingFingerprint;
  if (nationalKeyFiles(location).some((f) => f.fingerprint === fingerprint)) return fingerprint;
  store(location, fingerprint, privateKey, await publicKeyOf(privateKey));
  return fingerprint;
}

/** Moves a key out of service into `retired/` (kept, never deleted: old lots may need it). */
export function retireNationalKey(location: NationalKeyLocation, fingerprint: string): boolean {
  const files = nationalKeyFiles(location).find((f) => f.fingerprint === fingerprint.toUpperCase());
  if (!files) return false;
  const retired = join(location.dir, 'retired');
  mkdirSync(retired, { recursive: true, mode: 0o700 });
  for (const file of [files.privateFile, files.publicFile]) {
    if (existsSync(file)) renameSync(file, join(retired, file.slice(location.dir.length + 1)));
  }
  return true;
}

/** Every national key in service, with what its public half says (creation, expiry). */
export async function describeNationalKeys(location: NationalKeyLocation): Promise<(PublicKeyInfo & { publicKey: string })[]> {
  const keys = await Promise.all(
    nationalKeyFiles(location).map(async (f) => {
      const publicKey = existsSync(f.publicFile) ? readFileSync(f.publicFile, 'utf8') : await publicKeyOf(readFileSync(f.privateFile, 'utf8'));
      return { ...(await inspectPublicKey(publicKey)), publicKey };
    }),
  );
  return keys.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
}

export async function loadNationalKeyring(
  location: NationalKeyLocation,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PrivateKeyring> {
  const passphrase = readPassphrase(location, env);
  return loadPrivateKeyring(nationalKeyFiles(location).map((f) => ({ privateKey: readFileSync(f.privateFile, 'utf8'), passphrase })));
}

/** The armored public keys guichets encrypt their lots to. */
export function nationalPublicKeys(location: NationalKeyLocation): string[] {
  return nationalKeyFiles(location)
    .filter((f) => existsSync(f.publicFile))
    .map((f) => readFileSync(f.publicFile, 'utf8'));
}
