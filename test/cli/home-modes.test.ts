/**
 * The home holds personal data (the registry: names, birth dates, identity numbers), the national
 * private key and the replies: it is its owner's alone, every directory 0700 and every file 0600,
 * the registry's -wal and -shm files included — through the binary (which sets the umask) and
 * through the modules themselves whatever the umask.
 */
import { lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoCommand } from '../../src/cli/commands/demo.js';
import { fixedClock } from '../../src/clock.js';
import { SqliteRegistry } from '../../src/registry/sqlite/store.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'sne-modes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every path under `root`, itself included, with its permission bits; nothing excluded. */
function walk(root: string): Array<{ path: string; directory: boolean; mode: number }> {
  const info = lstatSync(root);
  const entry = { path: root, directory: info.isDirectory(), mode: info.mode & 0o777 };
  return info.isDirectory() ? [entry, ...readdirSync(root).flatMap((name) => walk(join(root, name)))] : [entry];
}

/** The walk, with the registry open (its -wal and -shm exist only while a connection is). */
async function modesWithRegistryOpen(home: string) {
  const registry = new SqliteRegistry(join(home, 'registry.sqlite'));
  try {
    await registry.listGuichets();
    return walk(home);
  } finally {
    await registry.close();
  }
}

function expectPrivate(entries: ReturnType<typeof walk>, home: string): void {
  const names = entries.map((e) => e.path);
  // The walk saw what matters: a processed lot's replies, the registry's journal files, the keys.
  for (const file of ['registry.sqlite-wal', 'registry.sqlite-shm', 'sne-gateway.config.json']) expect(names).toContain(join(home, file));
  expect(names.some((name) => name.startsWith(join(home, 'outgoing', 'new')) && name.endsWith('.eml'))).toBe(true);
  expect(names.some((name) => name.startsWith(join(home, 'mailbox', '.Traites', 'cur', '')))).toBe(true);
  expect(names.some((name) => name.startsWith(join(home, 'keys')) && name.endsWith('.key.asc'))).toBe(true);
  const loose = entries.filter((e) => e.mode !== (e.directory ? 0o700 : 0o600)).map((e) => `${e.mode.toString(8)} ${e.path}`);
  expect(loose).toEqual([]);
}

describe('the home and everything in it', () => {
  it('are 0700 and 0600 after init, a processed lot and a daemon pass through the binary', async () => {
    const home = join(dir, 'binaire', 'home');
    expect(runCli(['--home', home, 'demo']).status).toBe(0);
    expect(runCli(['--home', home, 'run', '--once']).status).toBe(0);
    const entries = await modesWithRegistryOpen(home);
    expect(entries.map((e) => e.path)).toContain(join(home, 'registry.sqlite.lock.db'));
    expectPrivate(entries, home);
  });

  it('are 0700 and 0600 when the modules create them under a permissive umask', async () => {
    const home = join(dir, 'modules', 'home');
    const umask = process.umask(0o022);
    try {
      const out = { write: () => true } as unknown as NodeJS.WritableStream;
      expect(await demoCommand(home, fixedClock('2026-11-26T10:30:00+01:00'), out)).toBe(0);
      expectPrivate(await modesWithRegistryOpen(home), home);
    } finally {
      process.umask(umask);
    }
  });
});
