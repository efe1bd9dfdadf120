/**
 * The HTTPS channel (issue 17 point 5), in process, with the judge on this thread as in
 * `run --once`: a 100-demande lot posted by Node's https with a client certificate, from the
 * request to the compte rendu received (median and p95 over 10 runs), beside the same lot's mail
 * path (delivered into the Maildir, intake pass to commit); then 10 guichets posting 10-demande
 * lots at once (lots/s). Reported, not asserted.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { makeCertificates } from '../test/helpers/certificates.js';
import { signAndEncrypt } from '../src/crypto/index.js';
import { intakePass, outboxDeps, pipelineDeps } from '../src/daemon.js';
import { enrolGuichet, guichetKeys, type GuichetKeys } from '../src/demo/guichet.js';
import { readCertificate } from '../src/https/certificates.js';
import { startHttpsChannel } from '../src/https/server.js';
import { generate } from './lib/generate-lot.js';
import { BENCH_GUICHET, benchHome } from './lib/home.js';
import { REALISTIC_REJECTIONS } from './lib/lots.js';
import { median, timed } from './lib/measure.js';
import type { BenchFigure, Benchmark } from './types.js';

const RUNS = 10;
const GUICHETS = 10;
const ROUNDS = 3;

const p95 = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.95) - 1]!;

const bench: Benchmark = async () => {
  const home = await benchHome();
  const certs = join(home.home, 'certs');
  mkdirSync(certs);
  const codes = [BENCH_GUICHET.code, ...Array.from({ length: GUICHETS - 1 }, (_, i) => `G9${String(i).padStart(3, '0')}`)];
  await makeCertificates(certs, codes.map((c) => c.toLowerCase()));
  const gw = await home.open();
  const keys = new Map<string, GuichetKeys>([[BENCH_GUICHET.code, home.keys]]);
  for (const code of codes) {
    if (!keys.has(code)) {
      const identity = { ...BENCH_GUICHET, code, expediteur: `lots@${code.toLowerCase()}.example`, destinataire: `retours@${code.toLowerCase()}.example` };
      keys.set(code, await guichetKeys(join(home.home, 'guichet-keys'), identity));
      await enrolGuichet(gw.registry, identity, keys.get(code)!);
    }
    await gw.registry.addGuichetCertificate(code, readCertificate(readFileSync(join(certs, `${code.toLowerCase()}.pem`))).empreinte);
  }
  const config = { ...gw.config, http: { ...gw.config.http, host: '127.0.0.1', certFile: join(certs, 'server.pem'), keyFile: join(certs, 'server.key'), rateLimitPerMinute: 100_000 } };
  const channel = await startHttpsChannel({ config, pipeline: pipelineDeps(gw), prepare: outboxDeps(gw) }, { port: 0 });
  const ca = readFileSync(join(certs, 'ca.pem'));
  const body = async (code: string, demandes: number, identifiantLot: string, seed: number) => {
    const lot = generate({ demandes, seed, identifiantLot, guichet: code, rejections: REALISTIC_REJECTIONS });
    return Buffer.from(await signAndEncrypt(new TextEncoder().encode(lot.xml), keys.get(code)!.keyring, home.nationalPublicKeys, { filename: 'lot.xml' }));
  };
  const post = (code: string, payload: Buffer) =>
    new Promise<number>((resolve, reject) => {
      const name = code.toLowerCase();
      const req = request(
        { host: '127.0.0.1', servername: 'localhost', port: channel.port, path: '/v1/lots', method: 'POST', ca, cert: readFileSync(join(certs, `${name}.pem`)), key: readFileSync(join(certs, `${name}.key`)), headers: { 'Content-Type': 'application/octet-stream' } },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve(res.statusCode) : reject(new Error(`HTTP ${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  try {
    // One lot through each path first: imports, JIT, libxml2 and the reference warm.
    await post(BENCH_GUICHET.code, await body(BENCH_GUICHET.code, 100, 'WARM-H', 1));
    await home.deliver(await home.seal(generate({ demandes: 100, seed: 2, identifiantLot: 'WARM-M', rejections: REALISTIC_REJECTIONS }).xml, 'WARM-M'));
    await intakePass(gw);

    const httpsMs: number[] = [];
    const mailMs: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const payload = await body(BENCH_GUICHET.code, 100, `HTTPS-${run}`, 100 + run);
      httpsMs.push((await timed(() => post(BENCH_GUICHET.code, payload))).ms);
      await home.deliver(await home.seal(generate({ demandes: 100, seed: 100 + run, identifiantLot: `MAIL-${run}`, rejections: REALISTIC_REJECTIONS }).xml, `MAIL-${run}`));
      mailMs.push((await timed(() => intakePass(gw))).ms);
    }

    let lots = 0;
    let elapsed = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const payloads = await Promise.all(codes.map((code, i) => body(code, 10, `CONC-${round}-${i}`, 1_000 + round * GUICHETS + i)));
      const { ms } = await timed(() => Promise.all(codes.map((code, i) => post(code, payloads[i]!))));
      lots += payloads.length;
      elapsed += ms;
    }

    const figures: BenchFigure[] = [
      { name: 'https: request → compte rendu received, 100-demande lot, median', value: median(httpsMs), unit: 'ms' },
      { name: 'https: request → compte rendu received, 100-demande lot, p95', value: p95(httpsMs), unit: 'ms' },
      { name: 'mail: the same lot, Maildir → committed (intake pass), median', value: median(mailMs), unit: 'ms' },
      { name: 'mail: the same lot, Maildir → committed (intake pass), p95', value: p95(mailMs), unit: 'ms' },
      { name: `https: ${GUICHETS} guichets posting 10-demande lots at once`, value: (lots / elapsed) * 1000, unit: 'lots/s' },
    ];
    return figures;
  } finally {
    await channel.close();
    await gw.close();
    home.cleanup();
  }
};

export default bench;
