/**
 * `GET /v1/documents` (spec 7): a guichet on the HTTPS channel lists, with curl and its client
 * certificate, its préavis de renouvellement, copies numériques and dispatching digests, fetches each one (signed by the
 * national key, encrypted to it, valid against schemas/dispatching-1.xsd), never another guichet's.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nationalKeyLocation, openGateway, type Gateway } from '../../src/app.js';
import { fixedClock } from '../../src/clock.js';
import { decryptAndVerify, signAndEncrypt } from '../../src/crypto/index.js';
import { nationalPublicKeys } from '../../src/crypto/national-keys.js';
import { outboxDeps, pipelineDeps } from '../../src/daemon.js';
import { enrolGuichet, guichetKeys, type GuichetIdentity, type GuichetKeys } from '../../src/demo/guichet.js';
import { readCertificate } from '../../src/https/certificates.js';
import { startHttpsChannel, type HttpsChannel } from '../../src/https/server.js';
import { silentLogger } from '../../src/log.js';
import { runDispatch } from '../../src/replies/dispatch.js';
import { issuePreavis } from '../../src/replies/preavis/issue.js';
import { curlChannel, makeCertificates } from '../helpers/certificates.js';
import { G1104 } from '../helpers/guichets.js';
import { HOME_BACKENDS, initHomeOn } from '../harness/registry-home.js';

const run = promisify(execFile);
const LOT = readFileSync(new URL('../../fixtures/lots/lot-g1104-valide.xml', import.meta.url), 'utf8');
const SCHEMA = new URL('../../schemas/dispatching-1.xsd', import.meta.url).pathname;
const G2000: GuichetIdentity = { ...G1104, code: 'G2000', nom: 'Autre bailleur', expediteur: 'lots@g2000.example', destinataire: 'retours@g2000.example' };

describe.each(HOME_BACKENDS)('GET /v1/documents ($name)', (backend) => {
  let home: string;
  let certs: string;
  let gateway: Gateway;
  let channel: HttpsChannel;
  const keys: Record<string, GuichetKeys> = {};
  let national: readonly string[];
  const clock = fixedClock('2026-11-26T09:00:00Z');

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'sne-documents-'));
    certs = join(home, 'certs');
    await run('mkdir', ['-p', certs]);
    await makeCertificates(certs, ['g1104', 'g2000']);
    const { config } = await initHomeOn(backend, home, { http: { certFile: join(certs, 'server.pem'), keyFile: join(certs, 'server.key'), rateLimitPerMinute: 1000 } });
    gateway = await openGateway(config, silentLogger(), clock);
    national = nationalPublicKeys(nationalKeyLocation(config));
    for (const g of [G1104, G2000]) {
      keys[g.code] = await guichetKeys(join(home, 'guichets'), g);
      await enrolGuichet(gateway.registry, { ...g, departements: ['93', '75'] }, keys[g.code]!);
      expect(await gateway.registry.addGuichetCertificate(g.code, readCertificate(readFileSync(join(certs, `${g.code.toLowerCase()}.pem`))).empreinte)).toBe(true);
    }
    await gateway.registry.updateGuichet('G2000', { canal: 'https' });
    channel = await startHttpsChannel({ config, pipeline: pipelineDeps(gateway), prepare: outboxDeps(gateway) }, { port: 0 });
  }, 120_000);
  afterAll(async () => {
    await channel?.close();
    await gateway?.close();
    rmSync(home, { recursive: true, force: true });
  });

  const sealed = async (code: string, xml: string, name: string): Promise<string> => {
    const file = join(home, `${name}.gpg`);
    writeFileSync(file, await signAndEncrypt(new TextEncoder().encode(xml), keys[code]!.keyring, national, { filename: 'lot.xml' }));
    return file;
  };
  const curl = (cert: string, args: { file?: string; path?: string }) =>
    curlChannel(certs, channel.port, { cert, ...args, out: join(home, `out-${Math.random().toString(36).slice(2)}`) });
  const open = async (body: Buffer, code: string): Promise<string> => {
    const opened = await decryptAndVerify(body, keys[code]!.keyring, national);
    if (!opened.ok) throw new Error(opened.error.code);
    return new TextDecoder().decode(opened.value.payload);
  };

  it('lists and serves the copies and digests of the guichet, not those of another', async () => {
    // G1104 registers; G2000 asks for a copy over HTTPS, then is a bailleur of the demandes' communes.
    expect((await curl('g1104', { file: await sealed('G1104', LOT, 'cre') })).status).toBe(200);
    const lot = (await gateway.registry.lotByIdentifiant('G1104', /<identifiantLot>([^<]+)</.exec(LOT)![1]!))!;
    const numeros = (await gateway.registry.lotResultats(lot.id)).map((r) => r.numeroUnique!).filter(Boolean);
    const copieLot = `<?xml version="1.0" encoding="UTF-8"?>\n<lot xmlns="urn:sne-gateway:lot:1" version="1.0"><entete><guichet>G2000</guichet><identifiantLot>G2000-COP</identifiantLot><dateFichier>2026-11-26T09:00:00+01:00</dateFichier><nombreDemandes>1</nombreDemandes></entete><demande typeFichier="COP" reference="C-1"><copie><numUnique>${numeros[0]}</numUnique></copie></demande></lot>\n`;
    expect((await curl('g2000', { file: await sealed('G2000', copieLot, 'cop') })).status).toBe(200);
    const communes = new Set<string>();
    for (const n of numeros) for (const c of (await gateway.registry.getDemande(n))!.donnees.logementRecherche.communesSouhaitees) if (c.code) communes.add(c.code);
    await gateway.registry.setGuichetCommunes('G2000', [...communes]);
    const pass = await runDispatch(gateway.registry, '2026-11-26', clock.now(), { messageIdDomain: 'sne-gateway.localhost' });
    expect(pass.kind).toBe('done');

    const list = await curl('g2000', { path: '/v1/documents' });
    expect(list.status).toBe(200);
    const documents = JSON.parse(list.body.toString()) as { type: string; nom: string; depose: string; href: string }[];
    expect(documents.map((d) => [d.type, d.nom])).toEqual([
      ['copie', 'copie-C-1.xml.gpg'],
      ['dispatching', 'dispatching-G2000-20261126.xml.gpg'],
    ]);
    for (const d of documents) {
      const fetched = await curl('g2000', { path: d.href });
      expect(fetched.status).toBe(200);
      const xml = await open(fetched.body, 'G2000');
      const file = join(home, d.nom.replace(/\.gpg$/, ''));
      writeFileSync(file, xml);
      await run('xmllint', ['--noout', '--schema', SCHEMA, file]);
      expect(xml).toContain(d.type === 'copie' ? '<copieNumerique ' : '<dispatching ');
    }
    // `depuis`: what was queued at or after that instant.
    expect(JSON.parse((await curl('g2000', { path: '/v1/documents?depuis=2026-11-26T10:00:01%2B01:00' })).body.toString())).toEqual([]);
    expect(JSON.parse((await curl('g2000', { path: '/v1/documents?depuis=2026-11-26T09:00:00Z' })).body.toString())).toHaveLength(2);
    // Another guichet sees none of them and cannot fetch them.
    expect(JSON.parse((await curl('g1104', { path: '/v1/documents' })).body.toString())).toEqual([]);
    const other = await curl('g1104', { path: documents[0]!.href });
    expect(other.status).toBe(404);
    expect(JSON.parse(other.body.toString())).toMatchObject({ code: 'INTROUVABLE' });
  }, 120_000);
  it('lists and serves the préavis of a guichet on the HTTPS channel (spec 7), not another’s', async () => {
    // G1104's demandes of the first test reach their anniversary's préavis a month before 2027-11-26.
    await gateway.registry.updateGuichet('G1104', { canal: 'https' });
    const { emis } = await issuePreavis(gateway.registry, '2027-10-26', { messageIdDomain: 'sne-gateway.localhost', preavisMois: 1 }, { at: new Date('2027-10-26T08:00:00Z') });
    expect(emis).toBeGreaterThan(0);
    const documents = JSON.parse((await curl('g1104', { path: '/v1/documents?depuis=2027-10-26T00:00:00Z' })).body.toString()) as { type: string; nom: string; href: string }[];
    expect(documents).toHaveLength(emis);
    for (const d of documents) {
      expect([d.type, d.nom]).toEqual(['preavis', expect.stringMatching(/^preavis-.+\.pdf\.gpg$/)]);
      const fetched = await curl('g1104', { path: d.href });
      expect(fetched.status).toBe(200);
      const opened = await decryptAndVerify(fetched.body, keys.G1104!.keyring, national);
      expect(opened.ok && new TextDecoder('latin1').decode(opened.value.payload.subarray(0, 5))).toBe('%PDF-');
    }
    expect((await curl('g2000', { path: documents[0]!.href })).status).toBe(404);
  }, 120_000);
});
