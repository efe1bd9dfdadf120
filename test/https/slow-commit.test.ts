/**
 * Issue 17 point 2: a slow commit must not stall other requests. On SQLite (better-sqlite3 is
 * synchronous) a large lot's commit held the whole process: while it ran, the HTTPS channel
 * (certificate check and reads included) and the operations endpoints waited for it to end. A
 * real lot of a few thousand demandes is committed through the real commitLot on the embedded
 * registry while another guichet asks the channel for a lot (`curl`, with its certificate) and a
 * supervisor asks `/livez`, `/readyz` and `/metrics` (the last two read the registry): each answer
 * must come before the commit ends. Only the order of the events is compared, never a duration.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLot } from '../../bench/lib/generate-lot.js';
import { openGateway, type Gateway } from '../../src/app.js';
import { fixedClock } from '../../src/clock.js';
import { outboxDeps, pipelineDeps } from '../../src/daemon.js';
import { readCertificate } from '../../src/https/certificates.js';
import { startHttpsChannel, type HttpsChannel } from '../../src/https/server.js';
import { silentLogger } from '../../src/log.js';
import { parseLot } from '../../src/lot/parse.js';
import { startOps, type Ops } from '../../src/ops/index.js';
import { freePort } from '../harness/ports.js';
import { initHomeOn, SQLITE_HOME } from '../harness/registry-home.js';
import { curlChannel, makeCertificates } from '../helpers/certificates.js';
import { commitDemandes, G1104, G2000, type SansPosition } from '../registry/helpers.js';

const run = promisify(execFile);
/** Enough demandes for the commit to outlast a few requests by far: ~24,000 registry calls. */
const DEMANDES = 3_000;
const AT = new Date('2026-11-26T10:00:00+01:00');

function status(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    }).on('error', reject);
  });
}

describe('a large lot committing on SQLite', () => {
  let home: string;
  let certs: string;
  let gateway: Gateway;
  let channel: HttpsChannel;
  let ops: Ops;
  let opsBase: string;
  let demandes: SansPosition[];

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'sne-slow-commit-'));
    certs = join(home, 'certs');
    await run('mkdir', ['-p', certs]);
    await makeCertificates(certs, ['g2000']);
    const port = await freePort();
    opsBase = `http://127.0.0.1:${port}`;
    const { config } = await initHomeOn(SQLITE_HOME, home, {
      http: { certFile: join(certs, 'server.pem'), keyFile: join(certs, 'server.key') },
      ops: { port },
    });
    gateway = await openGateway(config, silentLogger(), fixedClock('2026-11-26T09:00:00Z'));
    for (const g of [G1104, G2000]) await gateway.registry.addGuichet(g);
    expect(await gateway.registry.addGuichetCertificate('G2000', readCertificate(readFileSync(join(certs, 'g2000.pem'))).empreinte)).toBe(true);
    channel = await startHttpsChannel({ config, pipeline: pipelineDeps(gateway), prepare: outboxDeps(gateway) }, { port: 0 });
    ops = await startOps(gateway, new AbortController().signal);
    const parsed = parseLot(Buffer.from(generateLot({ demandes: DEMANDES, identifiantLot: 'GROS-LOT', seed: 17 })));
    if (!parsed.ok) throw new Error(parsed.error.code);
    demandes = parsed.lot.demandes.flatMap((d) => (d.ok ? [d.demande] : []));
  }, 120_000);
  afterAll(async () => {
    await ops?.close();
    await channel?.close();
    await gateway?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("answers another guichet's request, /livez, /readyz and /metrics before the commit ends", async () => {
    const events: string[] = [];
    const commit = commitDemandes(gateway.registry, 'G1104', demandes, AT, 'GROS-LOT').then((result) => {
      events.push('commit');
      return result;
    });
    // Sent at once; the commit (judging the lot, then the transaction) starts before they get
    // any turn of the event loop.
    const [answer, livez, readyz, metrics] = await Promise.all([
      curlChannel(certs, channel.port, { cert: 'g2000', path: '/v1/lots/INCONNU', out: join(home, 'get.out') }).then((a) => (events.push('https'), a)),
      status(`${opsBase}/livez`).then((s) => (events.push('livez'), s)),
      status(`${opsBase}/readyz`).then((s) => (events.push('readyz'), s)),
      status(`${opsBase}/metrics`).then((s) => (events.push('metrics'), s)),
      commit,
    ]);
    // The certificate was recognised and the lot looked up in the registry: not found (404).
    expect(answer.status).toBe(404);
    expect(livez).toBe(200);
    expect(readyz).toBe(200);
    expect(metrics).toBe(200);
    expect(events.slice(0, 4).sort()).toEqual(['https', 'livez', 'metrics', 'readyz']);
    expect(events[4]).toBe('commit');
    // And the commit itself was whole.
    const registered = (await gateway.registry.lotResultats((await commit).lot.id)).filter((r) => r.statut === 'ENREGISTREE');
    expect(registered).toHaveLength(DEMANDES);
  }, 120_000);
});
