/**
 * Where the configuration comes from: one file (`--config`, else SNE_GATEWAY_CONFIG, else the
 * home's), every setting overridable by its environment variable, a few by a command-line
 * option; precedence CLI > environment > file > defaults; a bad setting named with its origin.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, configPath, loadConfig, resolveConfigFile } from '../../src/config/load.js';
import { BIN, cliEnv } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'sne-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problems(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('precedence', () => {
  const home = join(dir, 'home');
  const cli = [{ setting: 'log.level', value: 'error', flag: '--log-level' }];

  it('is command line > environment > file > defaults, setting by setting', () => {
    rmSync(home, { recursive: true, force: true });
    expect(loadConfig(home, {}).log.level).toBe('info');
    mkdirSync(home, { recursive: true });
    writeFileSync(configPath(home), JSON.stringify({ log: { level: 'warn' }, daemon: { pollIntervalMs: 2000 } }));
    expect(loadConfig(home, {}).log.level).toBe('warn');
    const env = { SNE_GATEWAY_LOG_LEVEL: 'debug' };
    expect(loadConfig(home, env).log.level).toBe('debug');
    const config = loadConfig(home, env, { cli });
    expect(config.log.level).toBe('error');
    // The others keep their own level of precedence.
    expect(config.daemon.pollIntervalMs).toBe(2000);
    expect(config.daemon.concurrency).toBe(2);
  });

  it('names a bad value with where it came from', () => {
    expect(problems(() => loadConfig(home, {}, { cli: [{ setting: 'log.level', value: 'bavard', flag: '--log-level' }] }))).toEqual([
      expect.stringMatching(/^log\.level \(option --log-level\) : une valeur parmi/),
    ]);
    expect(problems(() => loadConfig(home, { SNE_GATEWAY_DAEMON_CONCURRENCY: 'deux' }))).toEqual([
      expect.stringMatching(/^daemon\.concurrency \(variable SNE_GATEWAY_DAEMON_CONCURRENCY\) : un entier de 1 à 16/),
    ]);
    writeFileSync(configPath(home), JSON.stringify({ daemon: { concurency: 3 } }));
    expect(problems(() => loadConfig(home, {}))).toEqual([expect.stringMatching(/^daemon\.concurency : paramètre inconnu/)]);
    writeFileSync(configPath(home), '[1, 2]');
    expect(problems(() => loadConfig(home, {}))).toEqual([expect.stringContaining('un objet JSON est attendu')]);
    rmSync(configPath(home));
  });

  it('takes `auto` or a number for a setting that defaults to `auto` (replies.workers)', () => {
    expect(loadConfig(home, {}).replies.workers).toBe('auto');
    expect(loadConfig(home, { SNE_GATEWAY_REPLIES_WORKERS: '0' }).replies.workers).toBe(0);
    expect(loadConfig(home, { SNE_GATEWAY_REPLIES_WORKERS: 'auto' }).replies.workers).toBe('auto');
    expect(problems(() => loadConfig(home, { SNE_GATEWAY_REPLIES_WORKERS: 'deux' }))).toEqual([
      expect.stringMatching(/^replies\.workers \(variable SNE_GATEWAY_REPLIES_WORKERS\) : « auto » \(un par cœur, moins celui du fil principal\) ou un entier de 0/),
    ]);
    writeFileSync(configPath(home), JSON.stringify({ replies: { workers: 17 } }));
    expect(problems(() => loadConfig(home, {}))).toEqual([expect.stringMatching(/^replies\.workers : « auto »/)]);
    rmSync(configPath(home));
  });
});

describe('the configuration file', () => {
  it('is --config, else SNE_GATEWAY_CONFIG, else the home’s', () => {
    expect(resolveConfigFile('/srv/sne', undefined, {})).toEqual({ path: '/srv/sne/sne-gateway.config.json', explicit: false });
    expect(resolveConfigFile('/srv/sne', undefined, { SNE_GATEWAY_CONFIG: '/etc/sne.json' })).toEqual({ path: '/etc/sne.json', explicit: true });
    expect(resolveConfigFile('/srv/sne', '/opt/sne.json', { SNE_GATEWAY_CONFIG: '/etc/sne.json' })).toEqual({ path: '/opt/sne.json', explicit: true });
  });

  it('named explicitly, must exist', () => {
    const home = join(dir, 'absent');
    expect(problems(() => loadConfig(home, { SNE_GATEWAY_CONFIG: join(dir, 'nulle-part.json') }))).toEqual([
      expect.stringContaining('nulle-part.json : fichier de configuration introuvable'),
    ]);
  });

  it('is honoured by the binary, with --log-level over the environment', () => {
    const home = join(dir, 'bin-home');
    const file = join(dir, 'ailleurs.config.json');
    writeFileSync(file, JSON.stringify({ gateway: { address: 'depot@ailleurs.example' }, log: { level: 'silent' } }));
    const sne = (args: string[], env: Record<string, string> = {}) =>
      spawnSync(process.execPath, [BIN, '--home', home, ...args], { encoding: 'utf8', env: cliEnv(env) });

    const init = sne(['--config', file, 'init']);
    expect(init.status).toBe(0);
    expect(init.stdout).toContain(`configuration existante : ${file}`);
    // The national key's user id carries the address read from that file.
    expect(sne(['--config', file, 'keys', 'national', 'list', '--json']).stdout).toContain('depot@ailleurs.example');
    expect(sne(['keys', 'national', 'list', '--json'], { SNE_GATEWAY_CONFIG: file }).stdout).toContain('depot@ailleurs.example');

    const badFlag = sne(['--config', file, '--log-level', 'bavard', 'lots', 'list']);
    expect(badFlag.status).toBe(1);
    expect(badFlag.stderr).toContain('log.level (option --log-level)');

    const missing = sne(['--config', join(dir, 'absent.json'), 'lots', 'list']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('absent.json : fichier de configuration introuvable');
  });
});
