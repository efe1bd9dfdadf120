/**
 * Numbering under concurrency (spec 4.4): two PROCESSES register demandes on one registry file
 * at the same time; every numéro is distinct and each territory-month sequence is gap-free.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteRegistry } from '../../src/registry/sqlite/store.js';
import { expectGapFreeAndInterleaved, G1104, G2000 } from './helpers.js';

const CHILD = new URL('./allocate-child.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'sne-concurrency-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function start(file: string, guichet: string, name: string, lots: number, perLot: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, file, guichet, name, String(lots), String(perLot)], {
    cwd: new URL('../../', import.meta.url).pathname,
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.startsWith('ready\n')) resolve();
    });
    void closed.then((code) => reject(new Error(`child ${name} exited ${code} before it was ready: ${err}`)));
  });
  const done = closed.then((code) => {
    if (code !== 0) throw new Error(`child ${name} exited ${code}: ${err}`);
    return JSON.parse(out.split('\n')[1]!) as string[];
  });
  return { child: child as ChildProcessWithoutNullStreams, ready, done };
}

describe('two processes allocating numéros on one database file', () => {
  it('never gives a numéro twice and leaves no gap', async () => {
    const file = join(dir, 'registry.sqlite');
    const setup = new SqliteRegistry(file);
    await setup.addGuichet(G1104);
    await setup.addGuichet(G2000);
    await setup.close();

    const lots = Number(process.env.LOTS ?? 120);
    const perLot = 3;
    const a = start(file, 'G1104', 'A', lots, perLot);
    const b = start(file, 'G2000', 'B', lots, perLot);
    await Promise.all([a.ready, b.ready]);
    a.child.stdin.end('go\n');
    b.child.stdin.end('go\n');
    const [fromA, fromB] = await Promise.all([a.done, b.done]);

    expectGapFreeAndInterleaved(fromA, fromB, 2 * lots * perLot);

    const check = new SqliteRegistry(file);
    try {
      for (const n of [...fromA, ...fromB]) expect((await check.getDemande(n))?.statut).toBe('ACTIVE');
    } finally {
      await check.close();
    }
  });
});
