/** The IMAP/SMTP settings: their checks, the environment overrides, and secrets kept out of the file. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, configPath, loadConfig } from '../../src/config/load.js';
import { registryLocation } from '../../src/config/registry-location.js';
import { serverPassword } from '../../src/config/secrets.js';

describe('mail edge settings', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'sne-config-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  const write = (config: object) => writeFileSync(configPath(home), JSON.stringify(config));
  const problems = (env: NodeJS.ProcessEnv = {}): string[] => {
    try {
      loadConfig(home, env);
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return [...error.problems];
      throw error;
    }
  };

  it('keeps the embedded Maildir edges and the Postfix-like retry by default', () => {
    const config = loadConfig(home, {});
    expect(config.mailbox.kind).toBe('maildir');
    expect(config.sender).toMatchObject({ kind: 'maildir', retryMinMs: 60_000, retryMaxMs: 3_600_000, lifetimeHours: 120 });
  });

  it('takes IMAP and SMTP from the file or from SNE_GATEWAY_* variables', () => {
    write({ mailbox: { kind: 'imap', url: 'imaps://depot@imap.example:993/INBOX' } });
    const config = loadConfig(home, { SNE_GATEWAY_SENDER_KIND: 'smtp', SNE_GATEWAY_SENDER_URL: 'smtp://relais.example:587', SNE_GATEWAY_SENDER_LIFETIME_HOURS: '48' });
    expect(config.mailbox.url).toBe('imaps://depot@imap.example:993/INBOX');
    expect(config.sender).toMatchObject({ kind: 'smtp', url: 'smtp://relais.example:587', lifetimeHours: 48 });
  });

  it('reports every problem at once, naming the setting', () => {
    write({
      mailbox: { kind: 'pop3', url: 'http://x.example' },
      sender: { kind: 'smtp', url: 'smtp://depot:secret@relais.example', retryMinMs: 10 },
    });
    const found = problems();
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^mailbox\.kind : une valeur parmi « maildir », « imap »/),
        expect.stringMatching(/^mailbox\.url : une URL imap:\/\/hôte\[:port\] ou imaps/),
        expect.stringMatching(/^sender\.url : pas de mot de passe dans l'URL : utilisez la variable SNE_GATEWAY_SENDER_PASSWORD/),
        expect.stringMatching(/^sender\.retryMinMs : un entier ≥ 100/),
      ]),
    );
  });

  it('requires a URL with a user for IMAP, and a password is never a setting', () => {
    write({ mailbox: { kind: 'imap' } });
    expect(problems()).toEqual([expect.stringMatching(/^mailbox\.url : requis/)]);
    write({ mailbox: { kind: 'imap', url: 'imap://imap.example', password: 'x' } });
    expect(problems()).toEqual(expect.arrayContaining([expect.stringMatching(/^mailbox\.password : paramètre inconnu/)]));
  });

  it('reads passwords from the environment first, else from the file the setting names', () => {
    writeFileSync(join(home, 'imap.pass'), 's3cret\n', { mode: 0o600 });
    write({ mailbox: { kind: 'imap', url: 'imap://depot@imap.example', passwordFile: 'imap.pass' } });
    const config = loadConfig(home, {});
    expect(serverPassword(config, 'mailbox', {})).toBe('s3cret');
    expect(serverPassword(config, 'mailbox', { SNE_GATEWAY_MAILBOX_PASSWORD: 'from-env' })).toBe('from-env');
    expect(serverPassword(config, 'sender', {})).toBeUndefined();
    write({ mailbox: { kind: 'imap', url: 'imap://depot@imap.example', passwordFile: 'absent.pass' } });
    expect(() => serverPassword(loadConfig(home, {}), 'mailbox', {})).toThrow(/mailbox\.passwordFile : fichier illisible/);
  });

  it('takes the PostgreSQL registry password from SNE_GATEWAY_REGISTRY_PASSWORD, else registry.passwordFile, and its CA from registry.caFile', () => {
    writeFileSync(join(home, 'registry.pass'), 'pg-secret\n', { mode: 0o600 });
    writeFileSync(join(home, 'db-ca.pem'), 'CA');
    const url = 'postgres://sne@db.example:5432/sne';
    write({ registry: { url, passwordFile: 'registry.pass', caFile: 'db-ca.pem' } });
    const config = loadConfig(home, {});
    expect(registryLocation(config, {})).toEqual({ kind: 'postgres', url, password: 'pg-secret', ca: Buffer.from('CA') });
    expect(registryLocation(config, { SNE_GATEWAY_REGISTRY_PASSWORD: 'from-env' })).toMatchObject({ password: 'from-env' });
    write({ registry: { url: 'postgres://sne:secret@db.example/sne' } });
    expect(problems()).toEqual([expect.stringMatching(/^registry\.url : pas de mot de passe dans l'URL : utilisez la variable SNE_GATEWAY_REGISTRY_PASSWORD/)]);
  });
});
