/**
 * Every command's help is in French and exits 0; every listing's `--json` parses. The command
 * tree is walked from the program itself, so a new command or a new `--json` is covered (or the
 * test says which invocation is missing). Drives the real binary on a home filled by `demo`.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { program } from '../../src/cli/main.js';
import { BIN, cliEnv } from '../helpers/cli.js';

const FIXTURE_LOT = new URL('../../fixtures/lots/', import.meta.url).pathname;
const home = mkdtempSync(join(tmpdir(), 'sne-cli-help-'));
const env = cliEnv();
const run = promisify(execFile);

async function cli(args: readonly string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, '--home', home, ...args], { env, maxBuffer: 16 * 1024 * 1024 });
    return { status: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { status: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

/** Every command as the words that name it, depth first (`['guichets', 'keys', 'add']`). */
function walk(command: Command, path: string[] = []): { path: string[]; command: Command }[] {
  return command.commands.flatMap((sub) => [{ path: [...path, sub.name()], command: sub }, ...walk(sub, [...path, sub.name()])]);
}

const tree = walk(program());

/** Runs `count` jobs at most at once: each spawn loads the whole CLI. */
async function pool<T, R>(items: readonly T[], count: number, job: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: count }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await job(items[index]!);
      }
    }),
  );
  return results;
}

beforeAll(() => {
  expect(spawnSync(process.execPath, [BIN, '--home', home, 'demo'], { env }).status).toBe(0);
}, 120_000);
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('help', () => {
  it('covers the whole command tree', () => {
    const names = tree.map((t) => t.path.join(' '));
    for (const expected of ['outbox list', 'outbox retry', 'outbox show', 'quarantine list', 'quarantine release', 'quarantine delete', 'guichets keys add', 'keys national create', 'doctor']) {
      expect(names).toContain(expected);
    }
  });

  it('is in French for every command, and exits 0', async () => {
    const helps = await pool([[], ...tree.map((t) => t.path)], 4, async (path) => ({ path, ...(await cli([...path, '--help'])) }));
    for (const { path, status, stdout, stderr } of helps) {
      const where = `sne-gateway ${path.join(' ')} --help`;
      expect(status, where).toBe(0);
      expect(stderr, where).toBe('');
      expect(stdout, where).toMatch(/^Utilisation : sne-gateway/);
      for (const english of ['Usage:', 'Options:', 'Commands:', 'Arguments:', 'display help', '(default:', 'Global Options']) {
        expect(stdout, where).not.toContain(english);
      }
    }
  }, 120_000);

  it('gives every command and option a French description', () => {
    for (const { path, command } of tree) {
      if (command.name() === 'help') continue;
      expect(command.description(), path.join(' ')).not.toBe('');
      for (const option of command.options) expect(option.description, `${path.join(' ')} ${option.flags}`).not.toBe('');
      for (const argument of command.registeredArguments) {
        // An argument without a description is shown only in the usage line; with one, it must be French.
        if (argument.description) expect(argument.description).not.toMatch(/^(the|a|an) /i);
      }
    }
  });

  it('answers usage errors in French with status 2', async () => {
    const unknown = await cli(['lots', 'list', '--nimporte']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('erreur : option inconnue « --nimporte »');
    const missing = await cli(['guichets', 'add', 'G9999']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/erreur : option obligatoire « --name <nom> » non fournie/);
    const extra = await cli(['doctor', 'en-trop']);
    expect(extra.status).toBe(2);
    expect(extra.stderr).toMatch(/erreur : trop d'arguments pour « doctor »/);
    const bare = await cli(['outbox']);
    expect(bare.status).toBe(2);
    expect(bare.stderr).toContain('Utilisation : sne-gateway outbox');
  });
});

/** One invocation per command that has `--json`, on the demo's home. */
const JSON_INVOCATIONS: Readonly<Record<string, readonly string[]>> = {
  'keys national list': [],
  'lots list': [],
  'lots show': ['G1301-DEMO-001'],
  'guichets list': [],
  'guichets show': ['G1104'],
  'guichets communes': ['G1104'],
  doctor: [],
  replay: ['--status', 'partial', '--dry-run'],
  'territories list': [],
  'demandes history': ['__NUMERO__'],
  'demandes search': ['--nom', 'Dupont', '--prenom', 'Zoé', '--naissance', '1975-06-30'],
  expire: ['--dry-run'],
  preavis: ['--dry-run'],
  dispatch: ['--dry-run'],
  'dispatch list': [],
  'reference status': [],
  validate: [join(FIXTURE_LOT, 'lot-g1104-valide.xml')],
  'outbox list': ['--status', 'all'],
  'outbox show': ['1'],
  'quarantine list': ['--all'],
  'gestionnaires list': [],
};

describe('--json', () => {
  it('parses on every listing', async () => {
    const withJson = tree.filter((t) => t.command.options.some((o) => o.long === '--json')).map((t) => t.path.join(' '));
    expect(withJson.filter((name) => !(name in JSON_INVOCATIONS)), 'commands with --json missing from JSON_INVOCATIONS').toEqual([]);

    const lots = JSON.parse((await cli(['lots', 'show', 'G1104-DEMO-001', '--json'])).stdout) as { resultats: { numeroUnique?: string }[] };
    const numero = lots.resultats.find((r) => r.numeroUnique)!.numeroUnique!;
    const results = await pool(withJson, 4, async (name) => {
      const args = JSON_INVOCATIONS[name]!.map((a) => (a === '__NUMERO__' ? numero : a));
      return { name, ...(await cli([...name.split(' '), ...args, '--json'])) };
    });
    for (const { name, status, stdout, stderr } of results) {
      expect([0, 1], `${name}: ${stderr}`).toContain(status);
      expect(() => JSON.parse(stdout), `${name} --json: ${stdout.slice(0, 200)}`).not.toThrow();
    }
  }, 120_000);
});
