/**
 * The national key pair on disk, in the home's `keys/` folder: `national-<fingerprint>.key.asc`
 * (private, passphrase-protected) and `.pub.asc`. The passphrase comes from
 * SNE_GATEWAY_KEY_PASSPHRASE, else from the passphrase file (created by `init`, mode 0600).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateKeyPair } from './keys.js';
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

/** Creates a national key pair when there is none; returns its fingerprint and whether it is new. */
export async function ensureNationalKey(
  location: NationalKeyLocation,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ fingerprint: string; created: boolean }> {
  const existing = nationalKeyFiles(location)[0];
  if (existing) return { fingerprint: existing.fingerprint, created: false };

  let passphrase = readPassphrase(location, env);
  if (passphrase === undefined) {
    passphrase = randomBytes(24).toString('base64url');
    mkdirSync(dirname(location.passphraseFile), { recursive: true, mode: 0o700 });
    writeFileSync(location.passphraseFile, `${passphrase}\n`, { mode: 0o600, flag: 'wx' });
  }
  const pair = await generateKeyPair({ name: "Système national d'enregistrement", email: location.address, passphrase });
  mkdirSync(location.dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(location.dir, `national-${pair.fingerprint}.key.asc`), pair.privateKey, { mode: 0o600, flag: 'wx' });
  writeFileSync(join(location.dir, `national-${pair.fingerprint}.pub.asc`), pair.publicKey, { flag: 'wx' });
  return { fingerprint: pair.fingerprint, created: true };
}

export async function loadNationalKeyring(
  location: NationalKeyLocation,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PrivateKeyring> {
  const passphrase = readPassphrase(location, env);
  return loadPrivateKeyring(
    nationalKeyFiles(location).map((f) => ({ privateKey: readFileSync(f.privateFile, 'utf8'), passphrase })),
  );
}

/** The armored public keys guichets encrypt their lots to. */
export function nationalPublicKeys(location: NationalKeyLocation): string[] {
  return nationalKeyFiles(location)
    .filter((f) => existsSync(f.publicFile))
    .map((f) => readFileSync(f.publicFile, 'utf8'));
}
