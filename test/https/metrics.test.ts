/**
 * The daemon with both listeners (spec 7): lots posted over HTTPS by `curl` are counted in
 * `/metrics` under `channel="https"`, beside the mail channel's, the same lot sent again as
 * `redelivered`; the HTTPS server tells the daemon's observer through its `onOutcome` hook.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nationalKeyLocation, openGateway, type Gateway } from '../../src/app.js';
import { fixedClock } from '../../src/clock.js';
import { signAndEncrypt } from '../../src/crypto/index.js';
import { nationalPublicKeys } from '../../src/crypto/national-keys.js';
import { runDaemon } from '../../src/daemon.js';
import { enrolGuichet, guichetKeys, type GuichetKeys } from '../../src/demo/guichet.js';
import { readCertificate } from '../../src/https/certificates.js';
import { silentLogger } from '../../src/log.js';
import { eventually } from '../harness/gateway.js';
import { freePort, waitForPort } from '../harness/ports.js';
import { SQLITE_HOME, initHomeOn } from '../harness/registry-home.js';
import { curlChannel, makeCertificates } from '../helpers/certificates.js';
import { G1104 } from '../helpers/guichets.js';
import { sample } from '../helpers/prometheus.js';

const LOT = readFileSync(new URL('../../fixtures/lots/lot-g1104-valide.xml', import.meta.url), 'utf8');
const GUICHET = { ...G1104, departements: ['93', '75'] };

describe('metrics of the HTTPS channel', () => {
  let home: string;
  let certs: string;
  let gateway: Gateway;
  let keys: GuichetKeys;
  let httpPort: number;
  let opsPort: number;
  const stop = new AbortController();
  let daemon: Promise<void>;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'sne-https-metrics-'));
    certs = join(home, 'certs');
    mkdirSync(certs);
    await makeCertificates(certs, ['g1104']);
    [httpPort, opsPort] = [await freePort(), await freePort()];
    const { config } = await initHomeOn(SQLITE_HOME, home, {
      http: { port: httpPort, host: '127.0.0.1', certFile: join(certs, 'server.pem'), keyFile: join(certs, 'server.key') },
      ops: { port: opsPort },
      daemon: { pollIntervalMs: 200 },
    });
    gateway = await openGateway(config, silentLogger(), fixedClock('2026-11-26T09:00:00Z'));
    keys = await guichetKeys(join(home, 'guichets'), GUICHET);
    await enrolGuichet(gateway.registry, GUICHET, keys);
    await gateway.registry.addGuichetCertificate('G1104', readCertificate(readFileSync(join(certs, 'g1104.pem'))).empreinte);
    daemon = runDaemon(gateway, stop.signal);
    await Promise.all([waitForPort(httpPort), waitForPort(opsPort)]);
  }, 120_000);
  afterAll(async () => {
    stop.abort();
    await daemon;
    await gateway?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('counts lots posted over HTTPS under channel="https", a re-sent one as redelivered', async () => {
    const body = join(home, 'lot.gpg');
    const xml = LOT.replace(/<identifiantLot>[^<]+</, '<identifiantLot>METRICS-1<');
    writeFileSync(body, await signAndEncrypt(new TextEncoder().encode(xml), keys.keyring, nationalPublicKeys(nationalKeyLocation(gateway.config)), { filename: 'lot.xml' }));
    const post = () => curlChannel(certs, httpPort, { cert: 'g1104', file: body, out: join(home, 'answer') });
    expect((await post()).status).toBe(200);
    expect((await post()).status).toBe(200);

    const metrics = async () => (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
    // The observer is told beside the answer, not before it; the replies are stored for fetching.
    await eventually(async () => sample(await metrics(), 'sne_lot_replies_latency_seconds_count', { channel: 'https' }) === 1, 'the HTTPS lot’s replies stored');
    const text = await metrics();
    expect(sample(text, 'sne_messages_total', { channel: 'https', outcome: 'committed' })).toBe(1);
    expect(sample(text, 'sne_messages_total', { channel: 'https', outcome: 'redelivered' })).toBe(1);
    expect(sample(text, 'sne_lots_total', { channel: 'https', statut: 'ACCEPTE', code: '' })).toBe(1);
    expect(sample(text, 'sne_demandes_total', { channel: 'https', statut: 'ENREGISTREE', code: '' })).toBe(3);
    expect(sample(text, 'sne_lot_commit_latency_seconds_count', { channel: 'https' })).toBe(1);
    expect(sample(text, 'sne_lots_total', { channel: 'mail' })).toBeUndefined();
  });
});
