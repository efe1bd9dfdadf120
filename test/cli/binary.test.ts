/** The real binary, as a gestionnaire runs it: output in French, exit status 0 / 1 / 2. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, cliEnv } from '../helpers/cli.js';

const home = mkdtempSync(join(tmpdir(), 'sne-cli-'));

function cli(args: readonly string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [BIN, '--home', home, ...args], {
    encoding: 'utf8',
    env: cliEnv(env),
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('bin/sne-gateway', () => {
  it('init creates everything once, then finds it all there', () => {
    const first = cli(['init']);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/configuration créée/);
    expect(first.stdout).toMatch(/clé nationale créée : [0-9A-F]{40}/);
    const fingerprint = /clé nationale créée : ([0-9A-F]{40})/.exec(first.stdout)![1];

    const second = cli(['init']);
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/configuration existante/);
    expect(second.stdout).toContain(`clé nationale existante : ${fingerprint}`);
  });

  it('started through its shebang, tunes the allocator and the young generation and exposes gc, the operator\'s tunables last', () => {
    const probe = join(home, 'probe.cjs');
    writeFileSync(probe, "process.on('exit', () => process.stderr.write(JSON.stringify({ tunables: process.env.GLIBC_TUNABLES, argv: process.execArgv })));");
    const result = spawnSync(BIN, ['--help'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: `--require ${probe}`, GLIBC_TUNABLES: 'glibc.malloc.arena_max=4' } });
    expect(result.status).toBe(0);
    const seen = JSON.parse(result.stderr) as { tunables: string; argv: string[] };
    expect(seen.tunables.split(':')).toEqual([
      'glibc.malloc.arena_max=2',
      'glibc.malloc.mmap_threshold=131072',
      'glibc.malloc.trim_threshold=1048576',
      'glibc.malloc.arena_max=4',
    ]);
    expect(seen.argv).toContain('--max-semi-space-size=2');
    // src/memory.ts collects once after a big lot's compte rendu: a no-op without it.
    expect(seen.argv).toContain('--expose-gc');
  });

  it('run --once on an empty mailbox exits 0', () => {
    const run = cli(['run', '--once']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^0 message\(s\) traité\(s\)/);
  });

  it('names a bad setting and exits 1', () => {
    const file = join(home, 'sne-gateway.config.json');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, JSON.stringify({ daemon: { pollIntervalMs: 5 } }));
    try {
      const run = cli(['run', '--once'], { SNE_GATEWAY_GATEWAY_ADDRESS: 'pas-une-adresse' });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('daemon.pollIntervalMs');
      expect(run.stderr).toContain('gateway.address (variable SNE_GATEWAY_GATEWAY_ADDRESS)');
    } finally {
      writeFileSync(file, original);
    }
  });

  it('answers a usage error with status 2, in French', () => {
    const run = cli(['run', '--jamais']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/erreur/);
  });
});
