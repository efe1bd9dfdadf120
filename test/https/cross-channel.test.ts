/**
 * Idempotence across channels (spec 7): the same lot by mail (Maildir, `runOnce`) then over HTTPS
 * answers the stored compte rendu and registers nothing; over HTTPS then by mail, the mail
 * re-delivery gets that compte rendu mailed to the guichet's reply addresses. The guichet's side
 * is a reference client: `curl` posts, `gpg --decrypt` reads the answer.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nationalKeyLocation, openGateway, type Gateway } from '../../src/app.js';
import { fixedClock } from '../../src/clock.js';
import { homePath } from '../../src/config/load.js';
import { signAndEncrypt } from '../../src/crypto/index.js';
import { nationalKeyFiles, nationalPublicKeys } from '../../src/crypto/national-keys.js';
import { outboxDeps, pipelineDeps, runOnce } from '../../src/daemon.js';
import { enrolGuichet, guichetKeys, type GuichetKeys } from '../../src/demo/guichet.js';
import { readCertificate } from '../../src/https/certificates.js';
import { startHttpsChannel, type HttpsChannel } from '../../src/https/server.js';
import { silentLogger } from '../../src/log.js';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { buildLotMessage } from '../../src/mail/mime-out.js';
import { HOME_BACKENDS, initHomeOn } from '../harness/registry-home.js';
import { curlChannel, makeCertificates } from '../helpers/certificates.js';
import { createGpgHome, gpgDecrypt, gpgImport, type GpgHome } from '../helpers/gpg.js';
import { G1104 } from '../helpers/guichets.js';
import { openReplyAttachment } from '../helpers/replies.js';

const LOT = readFileSync(new URL('../../fixtures/lots/lot-g1104-valide.xml', import.meta.url), 'utf8');
const GUICHET = { ...G1104, departements: ['93', '75'] };

for (const backend of HOME_BACKENDS) {
  describe(`the same lot by mail and over HTTPS on ${backend.name}`, () => {
    let home: string;
    let certs: string;
    let gateway: Gateway;
    let channel: HttpsChannel;
    let keys: GuichetKeys;
    let gpgHome: GpgHome;

    beforeAll(async () => {
      home = mkdtempSync(join(tmpdir(), 'sne-cross-'));
      certs = join(home, 'certs');
      mkdirSync(certs);
      await makeCertificates(certs, ['g1104']);
      const { config } = await initHomeOn(backend, home, { http: { certFile: join(certs, 'server.pem'), keyFile: join(certs, 'server.key') } });
      gateway = await openGateway(config, silentLogger(), fixedClock('2026-11-26T09:00:00Z'));
      keys = await guichetKeys(join(home, 'guichets'), GUICHET);
      await enrolGuichet(gateway.registry, GUICHET, keys);
      await gateway.registry.addGuichetCertificate('G1104', readCertificate(readFileSync(join(certs, 'g1104.pem'))).empreinte);
      channel = await startHttpsChannel({ config, pipeline: pipelineDeps(gateway), prepare: outboxDeps(gateway) }, { port: 0 });
      // The guichet's software: its own key, and the national public key to check the signature.
      gpgHome = await createGpgHome();
      await gpgImport(gpgHome, readFileSync(join(home, 'guichets', 'G1104.key.asc'), 'utf8'));
      await gpgImport(gpgHome, nationalPublicKeys(nationalKeyLocation(config))[0]!);
    }, 120_000);
    afterAll(async () => {
      await channel?.close();
      await gateway?.close();
      await gpgHome?.cleanup();
      rmSync(home, { recursive: true, force: true });
    });

    /** The lot under `identifiantLot`, sealed anew (each call other bytes, same content). */
    const seal = async (identifiantLot: string): Promise<Uint8Array> => {
      const xml = LOT.replace(/<identifiantLot>[^<]+</, `<identifiantLot>${identifiantLot}<`)
        .replace(/<prenom>([^<]+)</g, `<prenom>$1 ${identifiantLot.replace(/[^A-Z]/g, '')}<`);
      return signAndEncrypt(new TextEncoder().encode(xml), keys.keyring, nationalPublicKeys(nationalKeyLocation(gateway.config)), { filename: 'lot.xml' });
    };
    const byMail = async (payload: Uint8Array) => {
      const raw = await buildLotMessage({ from: GUICHET.expediteur, to: 'depot@sne-gateway.localhost', attachment: { filename: 'lot.xml.gpg', content: payload } });
      await deliverToMaildir(homePath(gateway.config, gateway.config.mailbox.path), raw);
      return runOnce(gateway);
    };
    const overHttps = async (payload: Uint8Array) => {
      const file = join(home, `body-${Math.random().toString(36).slice(2)}`);
      writeFileSync(file, payload);
      return curlChannel(certs, channel.port, { cert: 'g1104', file, out: `${file}.answer` });
    };
    /** The compte rendus mailed so far (their attachment), with their recipients. */
    const mailedComptesRendus = async () => {
      const dir = join(homePath(gateway.config, gateway.config.sender.path), 'new');
      const mails = await Promise.all(readdirSync(dir).map(async (name) => {
        const raw = readFileSync(join(dir, name));
        const { filename, content } = await openReplyAttachment(raw);
        return { to: /^To: (.*)$/m.exec(raw.toString('latin1'))?.[1] ?? '', filename, content: Buffer.from(content) };
      }));
      return mails.filter((m) => m.filename.startsWith('compte-rendu'));
    };
    const registered = async (identifiantLot: string) => {
      const lots = (await gateway.registry.listLots()).filter((l) => l.identifiantLot === identifiantLot);
      const numeros = (await Promise.all(lots.map((l) => gateway.registry.lotResultats(l.id)))).flat().map((r) => r.numeroUnique).filter((n) => n !== undefined);
      return { lots: lots.length, firsts: lots.filter((l) => l.doublonDe === undefined).length, numeros };
    };

    it('mail then HTTPS: the answer is the stored compte rendu, gpg reads it, nothing registered twice', async () => {
      const pass = await byMail(await seal('CROSS-MAIL'));
      expect(pass.outcomes).toMatchObject([{ kind: 'committed', alreadyCommitted: false }]);
      const mailed = (await mailedComptesRendus()).filter((m) => m.to.includes(GUICHET.destinataire));
      expect(mailed).toHaveLength(1);
      const before = await registered('CROSS-MAIL');
      expect(before.numeros).toHaveLength(3);

      const answer = await overHttps(await seal('CROSS-MAIL'));
      expect(answer.status).toBe(200);
      expect(answer.headers['sne-statut']).toBe('ACCEPTE');
      expect(answer.body.equals(mailed[0]!.content)).toBe(true);
      expect((await registered('CROSS-MAIL')).firsts).toBe(1);
      expect((await registered('CROSS-MAIL')).numeros).toEqual(before.numeros);
      // Not mailed again: the HTTPS client has it in the answer.
      await runOnce(gateway);
      expect(await mailedComptesRendus()).toHaveLength(1);

      const opened = await gpgDecrypt(gpgHome, answer.body);
      expect(opened.plaintext.toString('utf8')).toContain('identifiantLot="CROSS-MAIL"');
      expect(opened.goodSignatureFrom).toBe(nationalKeyFiles(nationalKeyLocation(gateway.config))[0]!.fingerprint);
    });

    it('HTTPS then mail: the mail re-delivery gets the stored compte rendu mailed to the guichet', async () => {
      const answer = await overHttps(await seal('CROSS-HTTPS'));
      expect(answer.status).toBe(200);
      const before = await registered('CROSS-HTTPS');
      expect(before.numeros).toHaveLength(3);
      await runOnce(gateway); // the HTTPS lot's replies: stored for fetching, none mailed
      const mailedBefore = (await mailedComptesRendus()).length;

      const pass = await byMail(await seal('CROSS-HTTPS'));
      expect(pass.outcomes).toHaveLength(1);
      const after = await mailedComptesRendus();
      expect(after).toHaveLength(mailedBefore + 1);
      const remailed = after.find((m) => m.content.equals(answer.body));
      expect(remailed?.to).toContain(GUICHET.destinataire);
      expect((await registered('CROSS-HTTPS')).firsts).toBe(1);
      expect((await registered('CROSS-HTTPS')).numeros).toEqual(before.numeros);
      expect((await gpgDecrypt(gpgHome, remailed!.content)).plaintext.toString('utf8')).toContain('identifiantLot="CROSS-HTTPS"');
    });
  });
}
