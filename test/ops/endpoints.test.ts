/**
 * The operations endpoints (spec 7, issue 17 point 3), with clients the project did not write:
 * `curl`, and Node's http. The daemon runs in process on the embedded Maildirs with `ops.port`
 * set; a valid lot and a lot refused as a whole are delivered, and the counters, histograms and
 * outbox gauges must move, with no personal data in the text. Draining and the outbox age are
 * checked on the functions themselves, where timing cannot decide the outcome.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nationalKeyLocation, openGateway, type Gateway } from '../../src/app.js';
import { initHome } from '../../src/cli/commands/init.js';
import { fixedClock } from '../../src/clock.js';
import { homePath, loadConfig } from '../../src/config/load.js';
import { nationalPublicKeys } from '../../src/crypto/national-keys.js';
import { runDaemon } from '../../src/daemon.js';
import { enrolGuichet, guichetKeys, sealLotMessage, type GuichetKeys } from '../../src/demo/guichet.js';
import { silentLogger } from '../../src/log.js';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { GatewayMetrics } from '../../src/ops/metrics.js';
import { readiness } from '../../src/ops/readiness.js';
import { eventually } from '../harness/gateway.js';
import { freePort, waitForPort } from '../harness/ports.js';
import { G1104 } from '../helpers/guichets.js';
import { sample } from '../helpers/prometheus.js';

const run = promisify(execFile);
const LOT = readFileSync(new URL('../../fixtures/lots/lot-g1104-valide.xml', import.meta.url), 'utf8');
const GUICHET = { ...G1104, departements: ['93', '75'] };
const NOW = '2026-12-01T10:30:00+01:00';

async function curl(url: string): Promise<{ status: number; body: string }> {
  const { stdout } = await run('curl', ['--silent', '--show-error', '--max-time', '10', '--write-out', '\n%{http_code}', url]);
  const at = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(at + 1)), body: stdout.slice(0, at) };
}

function nodeGet(url: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, type: String(response.headers['content-type']), body }));
    }).on('error', reject);
  });
}

describe('operations endpoints of the daemon', () => {
  let home: string;
  let gateway: Gateway;
  let keys: GuichetKeys;
  let port: number;
  let base: string;
  const stop = new AbortController();
  let daemon: Promise<void>;

  const seal = (identifiantLot: string, change: (xml: string) => string = (xml) => xml) =>
    sealLotMessage({
      xml: new TextEncoder().encode(change(LOT.replace(/<identifiantLot>[^<]+</, `<identifiantLot>${identifiantLot}<`))),
      fileName: 'lot.xml',
      guichet: GUICHET,
      keys,
      nationalPublicKeys: nationalPublicKeys(nationalKeyLocation(gateway.config)),
      depot: 'depot@x',
    });
  const metrics = async () => (await curl(`${base}/metrics`)).body;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'sne-ops-'));
    await initHome(home);
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // The environment override, as an operator would set it.
    const config = loadConfig(home, { SNE_GATEWAY_OPS_PORT: String(port), SNE_GATEWAY_DAEMON_POLL_INTERVAL_MS: '200' });
    gateway = await openGateway(config, silentLogger(), fixedClock(NOW));
    keys = await guichetKeys(join(home, 'guichets'), GUICHET);
    await enrolGuichet(gateway.registry, GUICHET, keys);
    daemon = runDaemon(gateway, stop.signal);
    await waitForPort(port);
  });
  afterAll(async () => {
    stop.abort();
    await daemon;
    await gateway.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('answers /livez and /readyz to curl and to Node’s http client', async () => {
    expect(await curl(`${base}/livez`)).toEqual({ status: 200, body: 'ok\n' });
    const ready = await curl(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ ready: true, registry: true, mailbox: true, draining: false });
    const viaNode = await nodeGet(`${base}/readyz`);
    expect([viaNode.status, JSON.parse(viaNode.body).ready]).toEqual([200, true]);
    expect((await curl(`${base}/nowhere`)).status).toBe(404);
  });

  it('counts a valid lot and a refused one, their demandes and latencies, in Prometheus text without personal data', async () => {
    const before = await nodeGet(`${base}/metrics`);
    expect(before.status).toBe(200);
    expect(before.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(sample(before.body, 'sne_mailbox_connected', { kind: 'maildir' })).toBe(1);
    expect(sample(before.body, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sample(before.body, 'sne_outbox_replies', { state: 'PRET' })).toBe(0);

    const mailbox = homePath(gateway.config, gateway.config.mailbox.path);
    await deliverToMaildir(mailbox, await seal('OPS-1'));
    await deliverToMaildir(mailbox, await seal('OPS-2', (xml) => xml.replace('<guichet>G1104</guichet>', '<guichet>G9999</guichet>')));
    // The valid lot's compte rendu and 3 attestations, the refused lot's compte rendu: all sent.
    await eventually(async () => sample(await metrics(), 'sne_lot_replies_latency_seconds_count', { channel: 'mail' }) === 2, 'both lots’ replies sent');

    const text = await metrics();
    expect(sample(text, 'sne_messages_total', { channel: 'mail', outcome: 'committed' })).toBe(2);
    expect(sample(text, 'sne_lots_total', { channel: 'mail', statut: 'ACCEPTE', code: '' })).toBe(1);
    expect(sample(text, 'sne_lots_total', { channel: 'mail', statut: 'REJETE', code: 'LOT_GUICHET' })).toBe(1);
    expect(sample(text, 'sne_demandes_total', { channel: 'mail', statut: 'ENREGISTREE', code: '' })).toBe(3);
    expect(sample(text, 'sne_lot_commit_latency_seconds_count', { channel: 'mail' })).toBe(2);
    expect(sample(text, 'sne_lot_commit_latency_seconds_bucket', { channel: 'mail', le: '+Inf' })).toBe(2);
    expect(sample(text, 'sne_replies_total', { outcome: 'sent' })).toBe(5);
    expect(sample(text, 'sne_outbox_replies', { state: 'A_PREPARER' })).toBe(0);
    expect(sample(text, 'sne_outbox_replies', { state: 'PRET' })).toBe(0);
    expect(sample(text, 'sne_outbox_oldest_reply_age_seconds', { state: 'PRET' })).toBeUndefined();

    // No personal data: names, numéros uniques, e-mail addresses.
    const [accepted] = (await gateway.registry.listLots()).filter((lot) => lot.statut === 'ACCEPTE');
    const numeros = (await gateway.registry.lotResultats(accepted!.id)).map((r) => r.numeroUnique!);
    expect(numeros).toHaveLength(3);
    for (const secret of [...numeros, 'Lefèvre', 'Lefevre', 'Anaïs', 'Nguy', 'exemple.fr', GUICHET.destinataire, GUICHET.expediteur]) {
      expect(text).not.toContain(secret);
    }
    for (const name of text.split('\n').filter((line) => line.startsWith('sne_')).map((line) => line.split(/[{ ]/)[0]!)) {
      expect(name).toMatch(/^sne_[a-z_]+(_total|_seconds(_bucket|_sum|_count)?|_replies|_connected)$/);
    }
  });

  it('is not ready while draining, nor without its mailbox, nor when the registry does not answer in time', async () => {
    expect(await readiness(gateway, true)).toEqual({ ready: false, registry: true, mailbox: true, draining: true });
    const disconnected = { registry: gateway.registry, mailbox: { connected: false } } as unknown as Gateway;
    expect(await readiness(disconnected, false)).toMatchObject({ ready: false, mailbox: false });
    const stalled = { registry: { outboxNextAttempt: () => new Promise(() => undefined) }, mailbox: gateway.mailbox } as unknown as Gateway;
    expect(await readiness(stalled, false, 50)).toMatchObject({ ready: false, registry: false });
  });

  it('closes the listener when the daemon stops', async () => {
    stop.abort();
    await daemon;
    // curl's exit status 7: connection refused.
    await expect(run('curl', ['--silent', `${base}/livez`])).rejects.toMatchObject({ code: 7 });
  });
});

describe('outbox gauges', () => {
  it('give the waiting replies per state and the age of the oldest, read from the registry when scraped', async () => {
    const home = mkdtempSync(join(tmpdir(), 'sne-ops-outbox-'));
    try {
      await initHome(home);
      const clock = fixedClock('2026-12-31T23:30:00+01:00');
      const gateway = await openGateway(loadConfig(home, {}), silentLogger(), clock);
      try {
        const lotId = await gateway.registry.transaction(async (tx) =>
          tx.insertLot({ messageSha256: 'a'.repeat(64), statut: 'ACCEPTE', recuAt: 'r', traiteAt: 't', erreurs: [], original: Buffer.from('x') }),
        );
        await gateway.registry.transaction(async (tx) => {
          await tx.queueReply({ lotId, kind: 'compte-rendu', messageId: '<a@x>', destinataires: ['r@x.example'], document: '{}', queuedAt: '2026-12-31T21:00:00.000Z' });
          await tx.queueReply({ lotId, kind: 'attestation', messageId: '<b@x>', destinataires: ['r@x.example'], document: '{}', queuedAt: '2026-12-31T22:00:00.000Z' });
        });
        const text = await new GatewayMetrics(gateway).render();
        expect(sample(text, 'sne_outbox_replies', { state: 'A_PREPARER' })).toBe(2);
        expect(sample(text, 'sne_outbox_replies', { state: 'ECHEC' })).toBe(0);
        // 23:30 in Paris is 22:30Z: the oldest was queued an hour and a half before.
        expect(sample(text, 'sne_outbox_oldest_reply_age_seconds', { state: 'A_PREPARER' })).toBe(5_400);
        clock.set('2027-01-01T00:30:00+01:00');
        expect(sample(await new GatewayMetrics(gateway).render(), 'sne_outbox_oldest_reply_age_seconds', { state: 'A_PREPARER' })).toBe(9_000);
      } finally {
        await gateway.close();
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
