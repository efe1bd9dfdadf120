/**
 * The binary on a home whose registry is PostgreSQL (spec 10, issue 16): init, enrolment, a
 * sealed lot through `run --once`, `lots`, `replay` (dry run then real) and `doctor`, as on SQLite.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nationalKeyLocation } from '../../src/app.js';
import { homePath, loadConfig } from '../../src/config/load.js';
import { nationalPublicKeys } from '../../src/crypto/national-keys.js';
import { guichetKeys, sealLotMessage } from '../../src/demo/guichet.js';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { postgresCluster } from '../harness/file-postgres.js';
import { configureHome, POSTGRESQL_HOME } from '../harness/registry-home.js';
import { cliIn } from '../helpers/cli.js';
import { G1104 } from '../helpers/guichets.js';

const LOT = readFileSync(new URL('../../fixtures/lots/lot-g1104-valide.xml', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'sne-cli-postgres-'));
const home = join(dir, 'home');
const cli = cliIn(home);

beforeAll(async () => {
  await configureHome(POSTGRESQL_HOME, home);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the CLI on a PostgreSQL registry', () => {
  it('initialises the home: the registry line names the database, without its password', async () => {
    const init = cli('init');
    expect(init.stderr).toBe('');
    expect(init.status).toBe(0);
    const { url } = loadConfig(home).registry;
    expect(init.stdout).toMatch(new RegExp(`✔ registre : ${url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(schéma version \\d+\\)`));
    expect(init.stdout).not.toContain((await postgresCluster()).password);
    // Idempotent: the schema is migrated once.
    expect(cli('init').status).toBe(0);
  });

  it('enrols a guichet for 93 only, and processes its sealed lot with run --once (every demande wishes Paris: refused)', async () => {
    const keys = await guichetKeys(join(dir, 'guichet'), G1104);
    const keyFile = join(dir, 'g1104.pub.asc');
    writeFileSync(keyFile, keys.publicKey);
    const add = cli('guichets', 'add', 'G1104', '--name', G1104.nom, '--address', '1 rue A, 93200 Saint-Denis', '--sender', G1104.expediteur, '--reply', G1104.destinataire, '--key', keyFile, '--departments', '93');
    expect(add.stderr).toBe('');
    expect(add.status).toBe(0);
    expect(cli('guichets', 'list').stdout).toContain('G1104');

    const config = loadConfig(home);
    const raw = await sealLotMessage({ xml: LOT, fileName: 'lot.xml', guichet: G1104, keys, nationalPublicKeys: nationalPublicKeys(nationalKeyLocation(config)), depot: config.gateway.address });
    await deliverToMaildir(homePath(config, config.mailbox.path), raw);
    const run = cli('run', '--once');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);

    const list = cli('lots', 'list');
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/G1104-DEMO-001\s+REJETE/);
    const show = cli('lots', 'show', 'G1104-DEMO-001');
    expect(show.status).toBe(0);
    expect(show.stdout).toContain('DEM_GUICHET_NON_HABILITE');
    expect(show.stdout).toMatch(/compte-rendu <[^>]+> — envoyée/);
  });

  it('replays the lot once the guichet holds Paris: the dry run changes nothing, the replay numbers from 1', () => {
    expect(cli('guichets', 'update', 'G1104', '--departments', '93,75').status).toBe(0);
    const dry = cli('replay', 'G1104-DEMO-001', '--dry-run');
    expect(dry.stderr).toBe('');
    expect(dry.status).toBe(0);
    expect(dry.stdout).toMatch(/REJETE → ACCEPTE \[simulation/);
    expect(cli('lots', 'list').stdout).toMatch(/G1104-DEMO-001\s+REJETE/);

    const real = cli('replay', 'G1104-DEMO-001');
    expect(real.stderr).toBe('');
    expect(real.status).toBe(0);
    const show = cli('lots', 'show', 'G1104-DEMO-001', '--json');
    const lot = JSON.parse(show.stdout) as { lot: { statut: string; version: number }; resultats: { statut: string; numeroUnique?: string }[] };
    expect(lot.lot).toMatchObject({ statut: 'ACCEPTE', version: 2 });
    // The dry run's numbers were rolled back: gap-free from 1 in November 2026 (the binary's clock).
    expect(lot.resultats.map((r) => r.numeroUnique?.slice(5, 13)).sort()).toEqual(['26000001', '26000002', '26000003']);
  });

  it('doctor names PostgreSQL, its version and the schema version', () => {
    const doctor = cli('doctor');
    expect(doctor.stdout).toMatch(/✔ registre : PostgreSQL 15[^,]*, postgres:\/\/[^,]+, schéma version \d+/);
    expect(doctor.stdout).not.toContain('✘');
    expect(doctor.status).toBe(0);
  });
});
