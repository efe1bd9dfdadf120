/**
 * The key signing the console's cookies: 32 random bytes in the home (`console.secret`, mode
 * 0600), made at the console's first start and kept, so that sessions outlive a restart and every
 * instance on one home signs alike. Deleting the file logs everyone out.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SECRET_FILE = 'console.secret';

export function consoleSecret(home: string): string {
  const path = join(home, SECRET_FILE);
  try {
    // `wx`: two instances starting together keep the first one's key.
    writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const secret = readFileSync(path, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(secret)) throw new Error(`${path}: 64 hexadecimal characters expected (delete the file to make a new key)`);
  return secret;
}
