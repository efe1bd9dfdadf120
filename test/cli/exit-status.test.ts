/**
 * The CLI as a newcomer meets it (issue 15, item 11), through the real binary on a home the demo
 * filled: the exit status rule of the README (0 success, 1 failed operation — "not found"
 * included —, 2 usage error) for every command module, a mistyped --home refused without
 * creating anything, commands' logs in a short human form, `replay --dry-run --json` reporting
 * the lot as it is, one sender address per guichet, --version, init's next steps, and no
 * progress when standard error is piped.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistry } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { BIN, cliEnv, cliIn, runCli } from '../helpers/cli.js';

const root = mkdtempSync(join(tmpdir(), 'sne-cli-exit-'));
const home = join(root, 'home');
const missing = join(root, 'mistyped');
const cli = cliIn(home);
const inMissing = cliIn(missing);

beforeAll(() => {
  expect(cli('demo').status).toBe(0);
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** One usage error and one failed operation per command module of src/cli/commands/index.ts. */
const CASES: readonly { command: string; usage: () => string[]; failure: () => string[] }[] = [
  { command: 'init', usage: () => ['--home', home, 'init', '--bogus'], failure: () => ['--home', '/dev/null/sne', 'init'] },
  { command: 'run', usage: () => ['--home', home, 'run', '--bogus'], failure: () => ['--home', missing, 'run', '--once'] },
  { command: 'demo', usage: () => ['--home', home, 'demo', '--bogus'], failure: () => ['--home', '/dev/null/sne', 'demo'] },
  { command: 'keys', usage: () => ['--home', home, 'keys', 'national', 'retire'], failure: () => ['--home', home, 'keys', 'national', 'retire', '0000'] },
  { command: 'lots', usage: () => ['--home', home, 'lots', 'list', '--status', 'perdu'], failure: () => ['--home', home, 'lots', 'show', 'NIMPORTE-QUOI'] },
  { command: 'guichets', usage: () => ['--home', home, 'guichets', 'update', 'G1104'], failure: () => ['--home', home, 'guichets', 'show', 'G9999'] },
  { command: 'doctor', usage: () => ['--home', home, 'doctor', '--bogus'], failure: () => ['--home', missing, 'doctor'] },
  { command: 'replay', usage: () => ['--home', home, 'replay'], failure: () => ['--home', home, 'replay', 'NIMPORTE-QUOI'] },
  {
    command: 'guichets communes',
    usage: () => ['--home', home, 'guichets', 'communes', 'G1104', '--set', '93066', '--add', '93066'],
    failure: () => ['--home', home, 'guichets', 'communes', 'G9999', '--add', '93066'],
  },
  { command: 'territories', usage: () => ['--home', home, 'territories', 'set', 'XYZ'], failure: () => ['--home', missing, 'territories', 'list'] },
  { command: 'demandes', usage: () => ['--home', home, 'demandes', 'history', 'abc'], failure: () => ['--home', home, 'demandes', 'history', '0931126999999G1104'] },
  {
    command: 'demandes search',
    usage: () => ['--home', home, 'demandes', 'search', '--nom', 'Martin', '--prenom', 'Léa', '--naissance', '1990-02-30'],
    failure: () => ['--home', missing, 'demandes', 'search', '--nom', 'Martin', '--prenom', 'Léa', '--naissance', '1990-02-03'],
  },
  { command: 'expire', usage: () => ['--home', home, 'expire', '--date', '2026-02-30'], failure: () => ['--home', missing, 'expire'] },
  { command: 'preavis', usage: () => ['--home', home, 'preavis', '--date', '2026-02-30'], failure: () => ['--home', missing, 'preavis'] },
  { command: 'dispatch', usage: () => ['--home', home, 'dispatch', '--date', '2026-02-30'], failure: () => ['--home', missing, 'dispatch', 'list'] },
  {
    command: 'reference',
    usage: () => ['--home', home, 'reference', 'import', '--cog', 'x.csv'],
    failure: () => ['--home', home, 'reference', 'import', '--cog', join(root, 'absent_2027.csv'), '--codes-postaux', join(root, 'absent.csv')],
  },
  { command: 'validate', usage: () => ['--home', home, 'validate'], failure: () => ['--home', home, 'validate', join(root, 'absent.xml')] },
  { command: 'outbox', usage: () => ['--home', home, 'outbox', 'show', 'abc'], failure: () => ['--home', home, 'outbox', 'show', '99999'] },
  { command: 'quarantine', usage: () => ['--home', home, 'quarantine', 'release', 'abc'], failure: () => ['--home', home, 'quarantine', 'release', '99999'] },
  { command: 'registry', usage: () => ['--home', home, 'registry', 'copy', '--to', 'ailleurs.sqlite'], failure: () => ['--home', missing, 'registry', 'copy', '--to', 'postgres://sne@127.0.0.1:1/registre'] },
  { command: 'gestionnaires', usage: () => ['--home', home, 'gestionnaires', 'add', 'x', '--territoires', '99'], failure: () => ['--home', home, 'gestionnaires', 'disable', 'personne'] },
];

describe('exit status: 0 success, 1 failed operation, 2 usage error', () => {
  it('covers every command module', () => {
    const source = readFileSync(new URL('../../src/cli/commands/index.ts', import.meta.url), 'utf8');
    const registered = [...source.matchAll(/^ {2}register(\w+),$/gm)].length;
    expect(CASES).toHaveLength(registered);
  });

  it.each(CASES)('$command: a usage error is 2, a failed operation 1', ({ usage, failure }) => {
    const bad = runCli(usage());
    expect(bad.status, bad.stderr).toBe(2);
    const failed = runCli(failure());
    expect(failed.status, failed.stderr).toBe(1);
    expect(failed.stdout + failed.stderr).not.toBe('');
  });
});

describe('a home without a registry', () => {
  it('is refused by every command but init, in French, naming the path, and nothing is created', () => {
    for (const args of [['lots', 'list'], ['guichets', 'list'], ['run', '--once'], ['doctor'], ['keys', 'national', 'list'], ['outbox', 'list']]) {
      const run = inMissing(...args);
      expect(run.status, args.join(' ')).toBe(1);
      expect(run.stdout + run.stderr).toContain(missing);
      expect(run.stdout + run.stderr).toMatch(/sne-gateway --home \S+ init/);
      expect(existsSync(missing), args.join(' ')).toBe(false);
    }
  });
});

describe('a newcomer', () => {
  it('reads the version', () => {
    const version = runCli(['--version']);
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version);
  });

  it('is told by init what to do next', () => {
    const init = cli('init');
    expect(init.status).toBe(0);
    expect(init.stdout).toContain('Étapes suivantes');
    expect(init.stdout).toContain(`npx sne-gateway --home ${home} guichets add`);
    expect(init.stdout).toContain(`npx sne-gateway --home ${home} keys national export`);
    expect(init.stdout).toContain(`npx sne-gateway --home ${home} run`);
  });
});

describe('replay', () => {
  it('--dry-run --json reports the lot as it is: its version and times, and the version a replay would give', () => {
    const shown = JSON.parse(cli('lots', 'show', 'G1301-DEMO-001', '--json').stdout) as { lot: { version: number; traiteAt: string; recuAt: string } };
    const dry = cli('replay', 'G1301-DEMO-001', '--dry-run', '--json');
    expect(dry.status).toBe(0);
    const [result] = JSON.parse(dry.stdout) as { lot: { version: number; traiteAt: string; recuAt: string }; versionApres: number }[];
    expect(result!.lot.version).toBe(shown.lot.version);
    expect(result!.lot.traiteAt).toBe(shown.lot.traiteAt);
    expect(result!.lot.recuAt).toBe(shown.lot.recuAt);
    expect(result!.versionApres).toBe(shown.lot.version + 1);
  });

  it('records who replayed a lot (not a dry run), shown by lots show', () => {
    const par = `gestionnaire:${userInfo().username}`;
    const rejeux = () => (JSON.parse(cli('lots', 'show', 'G1301-DEMO-001', '--json').stdout) as { rejeux: { par: string; version: number }[] }).rejeux;
    const before = rejeux();
    expect(cli('replay', 'G1301-DEMO-001', '--dry-run').status).toBe(0);
    expect(rejeux()).toEqual(before);
    expect(cli('replay', 'G1301-DEMO-001').status).toBe(0);
    const after = rejeux();
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length)).toEqual([expect.objectContaining({ par })]);
    expect(cli('lots', 'show', 'G1301-DEMO-001').stdout).toContain(`par gestionnaire ${userInfo().username} : `);
  });

  it('shows no progress when standard error is piped', () => {
    const run = cli('replay', '--status', 'partial', '--dry-run');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('G1301-DEMO-001');
    expect(run.stderr).not.toContain('lots rejoués');
  });

  it('logs in a short human form on standard error, warnings only unless --log-level asks for more', () => {
    const env = cliEnv({ SNE_GATEWAY_LOG_LEVEL: undefined });
    const quiet = spawnSync(process.execPath, [BIN, '--home', home, 'replay', 'G1104-DEMO-001'], { encoding: 'utf8', env });
    expect(quiet.status).toBe(0);
    expect(quiet.stderr).toBe('');
    const verbose = spawnSync(process.execPath, [BIN, '--home', home, '--log-level', 'info', 'replay', 'G1104-DEMO-001'], { encoding: 'utf8', env });
    expect(verbose.status).toBe(0);
    expect(verbose.stderr).toMatch(/^info: lot replayed \(.*lotId=1/m);
    expect(verbose.stderr).not.toMatch(/^\{/m);
    expect(verbose.stdout).not.toMatch(/^\{"level"/m);
  });
});

describe('one sender address, one guichet', () => {
  it('is refused to a second guichet, naming the first', () => {
    const update = cli('guichets', 'update', 'G1301', '--sender', 'LOTS@g1104.demo.localhost');
    expect(update.status).toBe(1);
    expect(update.stderr).toContain('lots@g1104.demo.localhost (guichet G1104)');
    const add = cli(
      'guichets', 'add', 'G2000', '--name', 'Autre', '--address', '1 rue B', '--sender', 'lots@g1301.demo.localhost',
      '--reply', 'r@autre.example', '--key', join(home, 'guichets', 'G1104.pub.asc'), '--departments', '13',
    );
    expect(add.status).toBe(1);
    expect(add.stderr).toContain('guichet G1301');
    expect(cli('guichets', 'show', 'G2000').status).toBe(1);
  });

  it('is reported by doctor when a registry already has such a conflict', async () => {
    const registry = (await openRegistry(loadConfig(home, {})));
    await registry.updateGuichet('G1301', { expediteurs: ['lots@g1301.demo.localhost', 'lots@g1104.demo.localhost'] });
    await registry.close();
    const doctor = cli('doctor', '--json');
    expect(doctor.status).toBe(1);
    const results = JSON.parse(doctor.stdout) as { ok: boolean; label: string }[];
    expect(results).toContainEqual(expect.objectContaining({ ok: false, label: expect.stringContaining('lots@g1104.demo.localhost : attribuée aux guichets G1104, G1301') }));
  });
});
