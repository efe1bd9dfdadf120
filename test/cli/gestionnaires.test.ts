/**
 * `gestionnaires add|list|disable|password` through the real binary (run `npm run build` first):
 * the password from SNE_GATEWAY_GESTIONNAIRE_PASSWORD, stored as its scrypt hash only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/console/password.js';
import { SqliteRegistry } from '../../src/registry/sqlite/store.js';
import { runCli } from '../helpers/cli.js';

const home = mkdtempSync(join(tmpdir(), 'sne-gestionnaires-'));
const cli = (env: Record<string, string>, ...args: string[]) => runCli(['--home', home, ...args], { SNE_GATEWAY_HOME: '', ...env });
const PASSWORD = 'correct horse battery';

async function compte(nom: string) {
  const registry = new SqliteRegistry(join(home, 'registry.sqlite'));
  try {
    return await registry.getGestionnaire(nom);
  } finally {
    await registry.close();
  }
}

beforeAll(() => expect(cli({}, 'init').status).toBe(0));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('gestionnaires', () => {
  it('creates an account with its départements and a hashed password, once', async () => {
    const add = cli({ SNE_GATEWAY_GESTIONNAIRE_PASSWORD: PASSWORD }, 'gestionnaires', 'add', 'amartin', '--territoires', '94, 93,2a');
    expect(add.stderr).toBe('');
    expect(add.stdout).toBe('✔ gestionnaire amartin créé (départements 2A, 93, 94) : il peut se connecter à la console.\n');
    const stored = await compte('amartin');
    // SNE_GATEWAY_NOW sets where the clock starts, then it runs: the account is made a few ms later.
    expect(stored).toMatchObject({ territoires: ['2A', '93', '94'], actif: true, creeAt: expect.stringMatching(/^2026-11-26T09:30:0\d\.\d{3}Z$/) });
    expect(stored!.motDePasse).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(stored!.motDePasse).not.toContain(PASSWORD);
    expect(await verifyPassword(PASSWORD, stored!.motDePasse)).toBe(true);
    expect(await verifyPassword('autre chose encore', stored!.motDePasse)).toBe(false);
    const again = cli({ SNE_GATEWAY_GESTIONNAIRE_PASSWORD: PASSWORD }, 'gestionnaires', 'add', 'amartin', '--territoires', '13');
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('existe déjà');
  });

  it('refuses an unknown département, a short password, and no password without a terminal', () => {
    const bad = cli({ SNE_GATEWAY_GESTIONNAIRE_PASSWORD: PASSWORD }, 'gestionnaires', 'add', 'b', '--territoires', '93,99');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('inconnus : 99');
    expect(cli({ SNE_GATEWAY_GESTIONNAIRE_PASSWORD: 'court' }, 'gestionnaires', 'add', 'b', '--territoires', '93').stderr).toContain('Mot de passe trop court');
    const none = cli({}, 'gestionnaires', 'add', 'b', '--territoires', '93');
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('SNE_GATEWAY_GESTIONNAIRE_PASSWORD');
  });

  it('lists accounts without their hash; disables one; a new password enables it again', async () => {
    expect(cli({}, 'gestionnaires', 'list').stdout).toBe('amartin\t2A,93,94\tactif\t(modifié le 2026-11-26)\n');
    expect(cli({}, 'gestionnaires', 'list', '--json').stdout).not.toContain('scrypt');
    expect(cli({}, 'gestionnaires', 'disable', 'amartin').status).toBe(0);
    expect(await compte('amartin')).toMatchObject({ actif: false });
    expect(cli({}, 'gestionnaires', 'disable', 'personne').status).toBe(1);
    expect(cli({ SNE_GATEWAY_GESTIONNAIRE_PASSWORD: 'un tout autre secret' }, 'gestionnaires', 'password', 'amartin').status).toBe(0);
    const stored = await compte('amartin');
    expect(stored).toMatchObject({ actif: true });
    expect(await verifyPassword('un tout autre secret', stored!.motDePasse)).toBe(true);
  });
});
