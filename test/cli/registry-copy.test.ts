/**
 * `registry copy` through the real binary (run `npm run build` first), onto a throw-away
 * PostgreSQL cluster: the French summary, the CLI then answering the same on the copied registry,
 * and the refusals with status 1 (non-empty target, daemon running, wrong password) or 2 (URL).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireDaemonLock } from '../../src/daemon-lock.js';
import { SqliteRegistry } from '../../src/registry/sqlite/store.js';
import { startPostgres, type PostgresCluster } from '../harness/postgres.js';
import { commitDemandes, cre, G1104, sampleDemandeLogement, withDemandeur } from '../registry/helpers.js';
import { cliIn } from '../helpers/cli.js';
import { SCHEMA_VERSION } from '../../src/registry/registry.js';

const home = mkdtempSync(join(tmpdir(), 'sne-registry-copy-'));
const registryFile = join(home, 'registry.sqlite');
let cluster: PostgresCluster;
let numero: string;

const cli = (env: Record<string, string> = {}) => cliIn(home, { SNE_GATEWAY_HOME: '', SNE_GATEWAY_REGISTRY_PASSWORD: cluster.password, ...env });

beforeAll(async () => {
  cluster = await startPostgres();
  expect(cli()('init').status).toBe(0);
  const registry = new SqliteRegistry(registryFile);
  try {
    await registry.addGuichet(G1104);
    const base = sampleDemandeLogement();
    const { lot } = await commitDemandes(registry, 'G1104', [cre('A', withDemandeur(base, { nom: 'Martin' })), cre('B', withDemandeur(base, { nom: 'Durand' }))], new Date('2026-11-26T10:00:00+01:00'));
    numero = (await registry.lotResultats(lot.id))[0]!.numeroUnique!;
  } finally {
    await registry.close();
  }
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('registry copy', () => {
  it('copies the home’s registry, prints a French summary, and the CLI then answers the same on PostgreSQL', async () => {
    const url = await cluster.createDatabase();
    const copy = cli()('registry', 'copy', '--to', url);
    expect(copy.stderr).toBe('');
    expect(copy.status).toBe(0);
    expect(copy.stdout).toContain(`Registre copié de ${registryFile} vers ${url} (schéma version ${SCHEMA_VERSION}) :`);
    expect(copy.stdout).toMatch(/^ {2}demandes +2 ligne\(s\) {2}✔ sha256 [0-9a-f]{16}…$/m);
    expect(copy.stdout).toMatch(/^ {2}guichets +1 ligne\(s\)/m);
    expect(copy.stdout).toMatch(/ligne\(s\) copiée\(s\) et vérifiée\(s\) : même nombre de lignes et même somme de contrôle SHA-256/);

    const onPostgres = cli({ SNE_GATEWAY_REGISTRY_URL: url });
    for (const args of [['lots', 'list'], ['demandes', 'history', numero], ['guichets', 'list'], ['territories', 'list']]) {
      const before = cli()(...args);
      expect(before.status, args.join(' ')).toBe(0);
      expect(onPostgres(...args).stdout, args.join(' ')).toBe(before.stdout);
    }

    // Again into the same database: refused, nothing changed.
    const again = cli()('registry', 'copy', '--to', url);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/^Le registre PostgreSQL de destination n’est pas vide \(lignes dans : guichets, .*lots.*demandes/);
    expect(onPostgres('lots', 'list').stdout).toBe(cli()('lots', 'list').stdout);
  }, 60_000);

  it('refuses while the daemon holds the registry', async () => {
    const url = await cluster.createDatabase();
    const lock = acquireDaemonLock(registryFile);
    try {
      const refused = cli()('registry', 'copy', '--to', url);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/^Copie impossible : un autre démon traite déjà ce registre \(processus \d+/);
    } finally {
      lock.release();
    }
  });

  it('reports a wrong password (from --password-file, which wins over the variable) with status 1', async () => {
    const url = await cluster.createDatabase();
    const file = join(home, 'mauvais-mot-de-passe');
    writeFileSync(file, 'pas-le-bon\n', { mode: 0o600 });
    const refused = cli()('registry', 'copy', '--to', url, '--password-file', file);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^Registre PostgreSQL .* inaccessible : .*password.*\. Rien n’a été copié\./);
  });

  it('refuses a URL that is not postgres:// or holds a password, with status 2', () => {
    const notPostgres = cli()('registry', 'copy', '--to', join(home, 'autre.sqlite'));
    expect(notPostgres.status).toBe(2);
    expect(notPostgres.stderr).toContain('--to : une URL postgres://utilisateur@hôte:port/base est attendue');
    const withPassword = cli()('registry', 'copy', '--to', `postgres://postgres:secret@127.0.0.1:${cluster.port}/postgres`);
    expect(withPassword.status).toBe(2);
    expect(withPassword.stderr).toContain('pas de mot de passe dans l’URL');
    expect(withPassword.stderr).not.toContain('secret');
  });
});
