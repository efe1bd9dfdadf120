/**
 * `sne-gateway run` (the real binary) with the HTTPS channel set by the environment
 * (SNE_GATEWAY_HTTP_PORT…): `curl` posts a lot; then SIGTERM while a big lot is being committed.
 * Nothing is lost or half-committed: the big lot is in the registry whole or not at all, and the
 * client either got its 200 or, sending again after the restart, gets the stored compte rendu —
 * the same bytes as any later re-delivery.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../bench/lib/generate-lot.js';
import { nationalKeyLocation, openGateway } from '../../src/app.js';
import { fixedClock } from '../../src/clock.js';
import type { Config } from '../../src/config/schema.js';
import { signAndEncrypt } from '../../src/crypto/index.js';
import { nationalPublicKeys } from '../../src/crypto/national-keys.js';
import { enrolGuichet, guichetKeys, type GuichetKeys } from '../../src/demo/guichet.js';
import { readCertificate } from '../../src/https/certificates.js';
import { silentLogger } from '../../src/log.js';
import { GUICHET } from '../harness/gateway.js';
import { freePort, waitForPort } from '../harness/ports.js';
import { SQLITE_HOME, initHomeOn } from '../harness/registry-home.js';
import { curlChannel, makeCertificates, type CurlAnswer } from '../helpers/certificates.js';
import { BIN, CLI_NOW, cliEnv } from '../helpers/cli.js';

/** Under the 4 MiB body limit, and seconds to commit. */
const BIG = 700;

describe('the binary daemon with the HTTPS channel, stopped while a lot commits', () => {
  let home: string;
  let certs: string;
  let config: Config;
  let keys: GuichetKeys;
  let port: number;

  const start = (): { child: ChildProcess; exited: Promise<number | null> } => {
    const child = spawn(process.execPath, [BIN, '--home', home, 'run'], {
      env: cliEnv({ SNE_GATEWAY_HTTP_PORT: String(port), SNE_GATEWAY_HTTP_HOST: '127.0.0.1' }),
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return { child, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
  };
  const post = (file: string): Promise<CurlAnswer | undefined> =>
    curlChannel(certs, port, { cert: 'g1104', file, out: `${file}.${Math.random().toString(36).slice(2)}.answer`, maxTime: 120 }).catch(() => undefined);
  const seal = async (identifiantLot: string, demandes: number): Promise<{ file: string; valid: number }> => {
    const lot = generate({ demandes, seed: demandes, identifiantLot, guichet: GUICHET.code });
    const file = join(home, `${identifiantLot}.gpg`);
    writeFileSync(file, await signAndEncrypt(new TextEncoder().encode(lot.xml), keys.keyring, nationalPublicKeys(nationalKeyLocation(config)), { filename: 'lot.xml' }));
    return { file, valid: lot.valid };
  };
  /** The registry as the daemon left it: each lot under `identifiantLot` with its resultats. */
  const inRegistry = async (identifiantLot: string) => {
    const gateway = await openGateway(config, silentLogger(), fixedClock(CLI_NOW));
    try {
      const lots = (await gateway.registry.listLots()).filter((l) => l.identifiantLot === identifiantLot && l.doublonDe === undefined);
      const resultats = await Promise.all(lots.map((l) => gateway.registry.lotResultats(l.id)));
      return { lots: lots.length, registered: resultats.flat().filter((r) => r.numeroUnique !== undefined).length };
    } finally {
      await gateway.close();
    }
  };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'sne-https-bin-'));
    certs = join(home, 'certs');
    mkdirSync(certs);
    await makeCertificates(certs, ['g1104']);
    ({ config } = await initHomeOn(SQLITE_HOME, home, { http: { certFile: join(certs, 'server.pem'), keyFile: join(certs, 'server.key') } }));
    const gateway = await openGateway(config, silentLogger(), fixedClock(CLI_NOW));
    keys = await guichetKeys(join(home, 'guichets'), GUICHET);
    await enrolGuichet(gateway.registry, GUICHET, keys);
    await gateway.registry.addGuichetCertificate(GUICHET.code, readCertificate(readFileSync(join(certs, 'g1104.pem'))).empreinte);
    await gateway.close();
    port = await freePort();
  }, 120_000);
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('loses nothing and half-commits nothing; the retried request gets the stored compte rendu', async () => {
    const small = await seal('BIN-SMALL', 3);
    const big = await seal('BIN-BIG', BIG);
    let daemon = start();
    try {
      await waitForPort(port, 30_000);
      const first = await post(small.file);
      expect(first?.status).toBe(200);
      expect(first?.headers['sne-lot']).toBe('BIN-SMALL');

      // SIGTERM right after the big lot is sent: the daemon drains (its commit finishes) and exits.
      const sending = post(big.file);
      await new Promise((resolve) => setTimeout(resolve, 300));
      daemon.child.kill('SIGTERM');
      expect(await daemon.exited).toBe(0);
      const during = await sending;
      // Whole or nothing, whatever the client saw.
      const after = await inRegistry('BIN-BIG');
      expect([0, 1]).toContain(after.lots);
      expect(after.registered).toBe(after.lots === 1 ? big.valid : 0);
      if (during?.status === 200) expect(after.lots).toBe(1);

      daemon = start();
      await waitForPort(port, 30_000);
      const retried = await post(big.file);
      expect(retried?.status).toBe(200);
      expect(retried?.headers['sne-lot']).toBe('BIN-BIG');
      if (during?.status === 200) expect(retried!.body.equals(during.body)).toBe(true);
      const again = await post(big.file);
      expect(again?.status).toBe(200);
      expect(again!.body.equals(retried!.body)).toBe(true);
      expect(await inRegistry('BIN-BIG')).toEqual({ lots: 1, registered: big.valid });
      expect(await inRegistry('BIN-SMALL')).toEqual({ lots: 1, registered: small.valid });
      // Tell what happened, for whoever reads the run.
      console.info(`big lot: ${during === undefined ? 'no answer' : during.status} before the stop, ${after.lots === 1 ? 'committed' : 'not committed'} by then`);
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    }
  }, 300_000);
});
