/**
 * The HTTPS channel (spec 7) with real clients: certificates made by `openssl` here (a CA, the
 * server, two guichets, an expired one), requests by `curl` and by Node's `https`, lots sealed as
 * a guichet's software seals them, compte rendus opened with the guichet's key.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nationalKeyLocation, openGateway, type Gateway } from '../../src/app.js';
import { fixedClock } from '../../src/clock.js';
import { decryptAndVerify, signAndEncrypt } from '../../src/crypto/index.js';
import { nationalPublicKeys } from '../../src/crypto/national-keys.js';
import { outboxDeps, pipelineDeps } from '../../src/daemon.js';
import { replayLot } from '../../src/pipeline/replay.js';
import { prepareReplies } from '../../src/replies/prepare.js';
import { enrolGuichet, guichetKeys, type GuichetIdentity, type GuichetKeys } from '../../src/demo/guichet.js';
import { readCertificate } from '../../src/https/certificates.js';
import { startHttpsChannel, type HttpsChannel } from '../../src/https/server.js';
import { silentLogger } from '../../src/log.js';
import { curlChannel, makeCertificates } from '../helpers/certificates.js';
import { G1104 } from '../helpers/guichets.js';
import { HOME_BACKENDS, initHomeOn } from '../harness/registry-home.js';

const run = promisify(execFile);
const LOT = readFileSync(new URL('../../fixtures/lots/lot-g1104-valide.xml', import.meta.url), 'utf8');
const G2000: GuichetIdentity = { ...G1104, code: 'G2000', nom: 'Autre bailleur', expediteur: 'lots@g2000.example', destinataire: 'retours@g2000.example' };

for (const backend of HOME_BACKENDS) {
  describe(`the HTTPS channel on ${backend.name}`, () => {
    let home: string;
    let certs: string;
    let gateway: Gateway;
    let channel: HttpsChannel;
    const keys: Record<string, GuichetKeys> = {};
    let national: readonly string[];

    beforeAll(async () => {
      home = mkdtempSync(join(tmpdir(), 'sne-https-'));
      certs = join(home, 'certs');
      await run('mkdir', ['-p', certs]);
      await makeCertificates(certs);
      const { config } = await initHomeOn(backend, home, { http: { certFile: join(certs, 'server.pem'), keyFile: join(certs, 'server.key'), rateLimitPerMinute: 1000 } });
      gateway = await openGateway(config, silentLogger(), fixedClock('2026-11-26T09:00:00Z'));
      national = nationalPublicKeys(nationalKeyLocation(config));
      for (const g of [G1104, G2000]) {
        keys[g.code] = await guichetKeys(join(home, 'guichets'), g);
        await enrolGuichet(gateway.registry, { ...g, departements: ['93', '75'] }, keys[g.code]!);
      }
      for (const [code, name] of [['G1104', 'g1104'], ['G2000', 'g2000'], ['G1104', 'expired']] as const) {
        expect(await gateway.registry.addGuichetCertificate(code, readCertificate(readFileSync(join(certs, `${name}.pem`))).empreinte)).toBe(true);
      }
      channel = await startHttpsChannel({ config, pipeline: pipelineDeps(gateway), prepare: outboxDeps(gateway) }, { port: 0 });
    }, 120_000);
    afterAll(async () => {
      await channel?.close();
      await gateway?.close();
      rmSync(home, { recursive: true, force: true });
    });

    /** The lot of `code`, under `identifiantLot`, signed by `signer`'s key, as the body of a request. */
    const sealed = async (code: string, identifiantLot: string, signer = code): Promise<string> => {
      const xml = LOT.replace(/<guichet>G1104</, `<guichet>${code}<`)
        .replace(/<identifiantLot>[^<]+</, `<identifiantLot>${identifiantLot}<`)
        .replace(/<prenom>([^<]+)</g, `<prenom>$1 ${identifiantLot.replace(/[^A-Za-z0-9]/g, '').replace(/\d/g, (d) => String.fromCharCode(65 + Number(d)))}<`);
      const file = join(home, `${identifiantLot}.gpg`);
      writeFileSync(file, await signAndEncrypt(new TextEncoder().encode(xml), keys[signer]!.keyring, national, { filename: 'lot.xml' }));
      return file;
    };

    /** `curl` posting a file, with a client certificate (or none): status, headers, body. */
    const curl = (args: { cert?: string; file?: string; path?: string; type?: string }) =>
      curlChannel(certs, channel.port, { ...args, out: join(home, `out-${Math.random().toString(36).slice(2)}`) });

    const open = async (body: Buffer, code = 'G1104'): Promise<string> => {
      const opened = await decryptAndVerify(body, keys[code]!.keyring, national);
      if (!opened.ok) throw new Error(opened.error.code);
      return new TextDecoder().decode(opened.value.payload);
    };

    it('takes a lot posted by curl with a registered certificate and answers its compte rendu, encrypted to the guichet', async () => {
      const answer = await curl({ cert: 'g1104', file: await sealed('G1104', 'HTTPS-001') });
      expect(answer.status).toBe(200);
      expect(answer.headers['sne-statut']).toBe('ACCEPTE');
      expect(answer.headers['sne-lot']).toBe('HTTPS-001');
      expect(answer.headers.location).toBe('/v1/lots/HTTPS-001');
      const xml = await open(answer.body);
      expect(xml).toContain('identifiantLot="HTTPS-001"');
      expect(xml).toContain('statut="ACCEPTE"');
      const lot = await gateway.registry.lotByIdentifiant('G1104', 'HTTPS-001');
      expect(lot?.canal).toBe('https');
      // Not mailed: the guichet fetches its replies.
      expect((await gateway.registry.outboxForLot(lot!.id)).every((item) => item.destinataires.length === 0)).toBe(true);

      const again = await curl({ cert: 'g1104', path: '/v1/lots/HTTPS-001' });
      expect(again.status).toBe(200);
      expect(again.body.equals(answer.body)).toBe(true);
      const list = await curl({ cert: 'g1104', path: '/v1/lots/HTTPS-001/attestations' });
      expect(list.status).toBe(200);
      expect(JSON.parse(list.body.toString())).toHaveLength(3);
      expect(JSON.parse(list.body.toString())[0]).toMatchObject({ typeFichier: 'CRE', pret: false });
    });

    it('answers the same lot sent again with the stored compte rendu, registering nothing', async () => {
      const file = await sealed('G1104', 'HTTPS-002');
      const first = await curl({ cert: 'g1104', file });
      const demandes = (await gateway.registry.lotResultats((await gateway.registry.lotByIdentifiant('G1104', 'HTTPS-002'))!.id)).map((r) => r.numeroUnique);
      // Same bytes, then the same lot sealed anew (other bytes, same content).
      const again = await curl({ cert: 'g1104', file });
      const resealed = await curl({ cert: 'g1104', file: await sealed('G1104', 'HTTPS-002') });
      for (const answer of [again, resealed]) {
        expect(answer.status).toBe(200);
        expect(answer.body.equals(first.body)).toBe(true);
      }
      const lots = (await gateway.registry.listLots()).filter((l) => l.identifiantLot === 'HTTPS-002');
      expect(lots.filter((l) => l.doublonDe === undefined)).toHaveLength(1);
      expect(demandes.every((n) => n !== undefined)).toBe(true);
    });

    it('refuses no, unknown, expired and removed certificates with 401 AUTH_CERTIFICAT', async () => {
      const file = await sealed('G1104', 'HTTPS-003');
      for (const cert of [undefined, 'unknown', 'expired'] as const) {
        const answer = await curl({ file, ...(cert ? { cert } : {}) });
        expect(answer.status, String(cert)).toBe(401);
        expect(answer.headers['content-type']).toContain('application/problem+json');
        expect(JSON.parse(answer.body.toString())).toMatchObject({ status: 401, code: 'AUTH_CERTIFICAT' });
      }
      const g2000 = readCertificate(readFileSync(join(certs, 'g2000.pem'))).empreinte;
      await gateway.registry.removeGuichetCertificate('G2000', g2000);
      try {
        expect((await curl({ cert: 'g2000', file: await sealed('G2000', 'HTTPS-004') })).status).toBe(401);
      } finally {
        await gateway.registry.addGuichetCertificate('G2000', g2000);
      }
      expect(await gateway.registry.lotByIdentifiant('G1104', 'HTTPS-003')).toBeUndefined();
    });

    it('refuses a body over 4 MiB with 413 LOT_TAILLE, reading no lot', async () => {
      const file = join(home, 'big.gpg');
      writeFileSync(file, Buffer.alloc(4 * 1024 * 1024 + 1, 1));
      const answer = await curl({ cert: 'g1104', file });
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body.toString())).toMatchObject({ code: 'LOT_TAILLE' });
    });

    it('refuses a lot posted under another Content-Type with 415 REQUETE_TYPE, registering nothing', async () => {
      const file = await sealed('G1104', 'HTTPS-006');
      // text/plain and application/json have fastify's own parsers; application/xml has none.
      for (const type of ['application/xml', 'text/plain', 'application/json']) {
        const answer = await curl({ cert: 'g1104', file, type });
        expect(answer.status, type).toBe(415);
        expect(answer.headers['content-type'], type).toContain('application/problem+json');
        expect(JSON.parse(answer.body.toString()), type).toMatchObject({ status: 415, code: 'REQUETE_TYPE' });
      }
      expect(await gateway.registry.lotByIdentifiant('G1104', 'HTTPS-006')).toBeUndefined();
    });

    it('gives a lot signed by another guichet’s key its REJETE compte rendu (LOT_SIGNATURE), with 200', async () => {
      const answer = await curl({ cert: 'g1104', file: await sealed('G1104', 'HTTPS-005', 'G2000') });
      expect(answer.status).toBe(200);
      expect(answer.headers['sne-statut']).toBe('REJETE');
      const xml = await open(answer.body);
      expect(xml).toContain('code="LOT_SIGNATURE"');
    });

    it('takes concurrent lots from two guichets, over Node’s https too', async () => {
      const post = (cert: string, file: string) =>
        new Promise<{ status: number; statut: string; body: Buffer }>((resolve, reject) => {
          const req = request(
            {
              host: 'localhost', port: channel.port, path: '/v1/lots', method: 'POST',
              ca: readFileSync(join(certs, 'ca.pem')), cert: readFileSync(join(certs, `${cert}.pem`)), key: readFileSync(join(certs, `${cert}.key`)),
              headers: { 'Content-Type': 'application/octet-stream' },
            },
            (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (c: Buffer) => chunks.push(c));
              res.on('end', () => resolve({ status: res.statusCode!, statut: String(res.headers['sne-statut']), body: Buffer.concat(chunks) }));
            },
          );
          req.on('error', reject);
          req.end(readFileSync(file));
        });
      const files = await Promise.all([1, 2, 3].flatMap((i) => [sealed('G1104', `CONC-A${i}`), sealed('G2000', `CONC-B${i}`)]));
      const answers = await Promise.all(files.map((file, i) => post(i % 2 === 0 ? 'g1104' : 'g2000', file)));
      for (const [i, answer] of answers.entries()) {
        expect(answer.status).toBe(200);
        expect(await open(answer.body, i % 2 === 0 ? 'G1104' : 'G2000')).toContain('statut="');
      }
      const numeros = (await Promise.all((await gateway.registry.listLots()).filter((l) => l.identifiantLot?.startsWith('CONC-')).map((l) => gateway.registry.lotResultats(l.id))))
        .flat().map((r) => r.numeroUnique).filter((n) => n !== undefined);
      expect(new Set(numeros).size).toBe(numeros.length);
    });

    it('answers 503 with Retry-After when the lot cannot be committed now, registering nothing', async () => {
      // The judge failing as the judge thread does when it dies: the lot is not committed (retry-later).
      const failing = await startHttpsChannel(
        { config: gateway.config, pipeline: { ...pipelineDeps(gateway), judge: async () => Promise.reject(new Error('judge thread gone')) }, prepare: outboxDeps(gateway) },
        { port: 0 },
      );
      try {
        const answer = await curlChannel(certs, failing.port, { cert: 'g1104', file: await sealed('G1104', 'HTTPS-503'), out: join(home, 'out-503') });
        expect(answer.status).toBe(503);
        expect(answer.headers['retry-after']).toBe('30');
        expect(answer.headers['content-type']).toContain('application/problem+json');
        expect(JSON.parse(answer.body.toString())).toMatchObject({ status: 503, code: 'INDISPONIBLE' });
      } finally {
        await failing.close();
      }
      expect(await gateway.registry.lotByIdentifiant('G1104', 'HTTPS-503')).toBeUndefined();
    });

    it('drains on stop: the lot in flight is answered, a new request gets 503 with Retry-After, then the listener closes', async () => {
      // A judge held until the test lets it go: the lot is in flight when the stop comes.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let started!: () => void;
      const inJudge = new Promise<void>((resolve) => (started = resolve));
      const judge = pipelineDeps(gateway).judge;
      const draining = await startHttpsChannel(
        {
          config: gateway.config,
          pipeline: { ...pipelineDeps(gateway), judge: async (...args) => (started(), await held, judge(...args)) },
          prepare: outboxDeps(gateway),
        },
        { port: 0 },
      );
      const inFlight = curlChannel(certs, draining.port, { cert: 'g1104', file: await sealed('G1104', 'HTTPS-DRAIN'), out: join(home, 'out-drain') });
      await inJudge;
      const closed = draining.close();
      const refused = await curlChannel(certs, draining.port, { cert: 'g2000', path: '/v1/lots/HTTPS-001', out: join(home, 'out-drain-2') });
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('30');
      expect(JSON.parse(refused.body.toString())).toMatchObject({ code: 'INDISPONIBLE' });
      release();
      expect((await inFlight).status).toBe(200);
      await closed;
      await expect(curlChannel(certs, draining.port, { cert: 'g1104', path: '/v1/lots/HTTPS-DRAIN', out: join(home, 'out-drain-3') })).rejects.toThrow();
      expect(await gateway.registry.lotByIdentifiant('G1104', 'HTTPS-DRAIN')).toBeDefined();
    });

    it('limits requests per guichet, not per client address: over http.rateLimitPerMinute, 429 TROP_DE_REQUETES with Retry-After', async () => {
      const limited = await startHttpsChannel(
        { config: { ...gateway.config, http: { ...gateway.config.http, rateLimitPerMinute: 2 } }, pipeline: pipelineDeps(gateway), prepare: outboxDeps(gateway) },
        { port: 0 },
      );
      try {
        const get = (cert: string, i: number) => curlChannel(certs, limited.port, { cert, path: '/v1/lots/HTTPS-001', out: join(home, `out-limit-${cert}-${i}`) });
        const answers = [await get('g1104', 1), await get('g1104', 2), await get('g1104', 3)];
        expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
        expect(Number(answers[2]!.headers['retry-after'])).toBeGreaterThan(0);
        expect(JSON.parse(answers[2]!.body.toString())).toMatchObject({ status: 429, code: 'TROP_DE_REQUETES' });
        // The same address, another guichet: an allowance of its own (its answer: not its lot).
        expect((await get('g2000', 1)).status).toBe(404);
      } finally {
        await limited.close();
      }
    });

    it('replays an HTTPS lot as its guichet’s, its replies fetched and not mailed; an attestation is 404 until rendered', async () => {
      await gateway.registry.updateGuichet('G2000', { departements: ['93'] });
      try {
        expect((await curl({ cert: 'g2000', file: await sealed('G2000', 'HTTPS-REPLAY') })).headers['sne-statut']).toBe('REJETE');
      } finally {
        await gateway.registry.updateGuichet('G2000', { departements: ['93', '75'] });
      }
      const lot = (await gateway.registry.lotByIdentifiant('G2000', 'HTTPS-REPLAY'))!;
      expect((await replayLot(pipelineDeps(gateway), lot.id, { dryRun: false, par: 'gestionnaire:test' })).after.statut).toBe('ACCEPTE');
      expect((await gateway.registry.outboxForLot(lot.id)).every((item) => item.destinataires.length === 0)).toBe(true);
      const latest = await curl({ cert: 'g2000', path: '/v1/lots/HTTPS-REPLAY' });
      expect(latest.headers['sne-statut']).toBe('ACCEPTE');
      expect(await open(latest.body, 'G2000')).toContain('statut="ACCEPTE"');

      const listed = JSON.parse((await curl({ cert: 'g2000', path: '/v1/lots/HTTPS-REPLAY/attestations' })).body.toString()) as { pret: boolean; href: string }[];
      expect(listed).toHaveLength(3);
      expect(listed[0]!.pret).toBe(false);
      expect(JSON.parse((await curl({ cert: 'g2000', path: listed[0]!.href })).body.toString())).toMatchObject({ status: 404, code: 'INTROUVABLE' });
      await prepareReplies(outboxDeps(gateway));
      const attestation = await curl({ cert: 'g2000', path: listed[0]!.href });
      expect(attestation.status).toBe(200);
      expect(await open(attestation.body, 'G2000')).toMatch(/^%PDF-/);
      // Another guichet does not get it.
      expect((await curl({ cert: 'g1104', path: listed[0]!.href })).status).toBe(404);
    });

    it('describes itself in OpenAPI 3.1', async () => {
      const answer = await curl({ path: '/v1/openapi.json' });
      const document = JSON.parse(answer.body.toString());
      expect(document.openapi).toBe('3.1.0');
      expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/v1/lots', '/v1/lots/{identifiantLot}', '/v1/lots/{identifiantLot}/attestations', '/v1/documents']));
    });
  });
}
