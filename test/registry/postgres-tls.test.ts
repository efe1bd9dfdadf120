/**
 * PostgreSQL only: the registry on a server that requires TLS (`registry.caFile`), opened as the
 * gateway opens it (from its configuration). A client that does not trust the server's CA, or
 * speaks without TLS, is refused, and the gateway says which server and which CA file.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistry } from '../../src/app.js';
import { configPath, loadConfig } from '../../src/config/load.js';
import { SCHEMA_VERSION } from '../../src/registry/registry.js';
import { startPostgres, type PostgresCluster } from '../harness/postgres.js';
import { makeCertificates } from '../helpers/certificates.js';
import { G1104 } from './helpers.js';

describe('PostgreSQL registry over TLS (registry.caFile)', () => {
  let cluster: PostgresCluster;
  let home: string;
  beforeAll(async () => {
    cluster = await startPostgres({ tls: true });
    home = mkdtempSync(join(tmpdir(), 'sne-registry-tls-'));
    copyFileSync(cluster.caFile!, join(home, 'db-ca.pem'));
    // Another CA, of the same name, that did not sign the server's certificate.
    const other = join(home, 'autre');
    mkdirSync(other);
    await makeCertificates(other, []);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  const env = () => ({ SNE_GATEWAY_REGISTRY_PASSWORD: cluster.password });
  const open = (url: string, caFile: string) => {
    writeFileSync(configPath(home), JSON.stringify({ registry: { url, caFile } }));
    return openRegistry(loadConfig(home, env()), env());
  };

  it('connects with the server’s CA, migrates, and keeps what it is given', async () => {
    const url = await cluster.createDatabase();
    const registry = await open(url, 'db-ca.pem');
    try {
      expect(registry.schemaVersion).toBe(SCHEMA_VERSION);
      await registry.addGuichet(G1104);
    } finally {
      await registry.close();
    }
    const again = await open(url, 'db-ca.pem');
    try {
      expect(await again.getGuichet('G1104')).toMatchObject({ code: 'G1104', nom: G1104.nom, expediteurs: G1104.expediteurs });
    } finally {
      await again.close();
    }
  });

  it('is refused without registry.caFile (no TLS), naming the server and the empty setting', async () => {
    const url = await cluster.createDatabase();
    const refusal = open(url, '');
    await expect(refusal).rejects.toThrow(`registre PostgreSQL ${url} : ouverture impossible (`);
    await expect(refusal).rejects.toThrow(/registry\.caFile : vide : connexion sans TLS\)/);
  });

  it('is refused when registry.caFile is another CA, naming the server and the CA file', async () => {
    const url = await cluster.createDatabase();
    const refusal = open(url, 'autre/ca.pem');
    // The driver's own words (today Node's "unable to verify the first certificate") are not ours to pin.
    await expect(refusal).rejects.toThrow(`registre PostgreSQL ${url} : ouverture impossible (`);
    await expect(refusal).rejects.toThrow(`registry.caFile : ${join(home, 'autre', 'ca.pem')})`);
  });
});
