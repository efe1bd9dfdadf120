/**
 * Copie numérique end to end (spec 8): a guichet asks, in a lot signed and encrypted by gpg, for
 * the copy of a demande of another guichet (COPIEE), of a radiated one (COPIEE, its statut
 * RADIEE), of an unknown numéro (DEM_NUMERO_INCONNU); another guichet for a demande of a territory
 * it does not hold (DEM_TERRITOIRE_NUMERO). Each copy is mailed as `copie-<reference>.xml.gpg`,
 * decrypted by gpg and validated by xmllint against schemas/dispatching-1.xsd; the compte rendu
 * against schemas/compte-rendu-1.xsd.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nationalKeyLocation, openGateway, type Gateway } from '../../src/app.js';
import { fixedClock } from '../../src/clock.js';
import { homePath } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { nationalKeyFiles, nationalPublicKeys } from '../../src/crypto/national-keys.js';
import { runOnce } from '../../src/daemon.js';
import { silentLogger } from '../../src/log.js';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { buildLotMessage } from '../../src/mail/mime-out.js';
import { generate } from '../../bench/lib/generate-lot.js';
import { HOME_BACKENDS, initHomeOn } from '../harness/registry-home.js';
import { createGpgHome, gpgDecrypt, gpgGenerateKey, gpgImport, gpgSignEncrypt, type GpgHome } from '../helpers/gpg.js';
import { openReplyAttachment } from '../helpers/replies.js';

const SCHEMAS = new URL('../../schemas/', import.meta.url).pathname;
const GUICHETS = [
  { code: 'G1104', departements: ['93', '75'] },
  { code: 'G2201', departements: ['93', '75'] },
  { code: 'G1301', departements: ['13'] },
] as const;
/** Well formed, never allocated: Île-de-France, March 2030, the 999999th. */
const INCONNU = '1110330999999G1104';

describe.each(HOME_BACKENDS)('copie numérique end to end ($name)', (backend) => {
  let home: string;
  let gpgHome: GpgHome;
  let national: string;
  let config: Readonly<Config>;
  let gateway: Gateway;
  const clock = fixedClock('2030-03-04T10:00:00+01:00');

  const outgoing = () => join(homePath(config, config.sender.path), 'new');
  const sender = (code: string) => `lots@${code.toLowerCase()}.example`;
  const lotOf = (code: string, identifiant: string, demandes: readonly string[]) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<lot xmlns="urn:sne-gateway:lot:1" version="1.0">\n  <entete><guichet>${code}</guichet><identifiantLot>${identifiant}</identifiantLot><dateFichier>2030-03-04T09:30:00+01:00</dateFichier><nombreDemandes>${demandes.length}</nombreDemandes></entete>\n${demandes.join('\n')}\n</lot>\n`;
  const cop = (reference: string, numero: string) =>
    `<demande typeFichier="COP" reference="${reference}"><copie><numUnique>${numero}</numUnique></copie></demande>`;

  async function sendLot(code: string, xml: string): Promise<void> {
    const encrypted = await gpgSignEncrypt(gpgHome, Buffer.from(xml), sender(code), national, { filename: 'lot.xml' });
    const raw = await buildLotMessage({ from: sender(code), to: 'depot@sne-gateway.localhost', attachment: { filename: 'lot.xml.gpg', content: encrypted } });
    await deliverToMaildir(homePath(config, config.mailbox.path), raw);
  }

  /** Every reply mailed since `before`, decrypted by gpg and validated by xmllint: by attachment name. */
  async function replies(before: ReadonlySet<string>): Promise<Map<string, { xml: string; eml: string }>> {
    const found = new Map<string, { xml: string; eml: string }>();
    for (const file of readdirSync(outgoing()).filter((f) => !before.has(f))) {
      const eml = readFileSync(join(outgoing(), file));
      const attachment = await openReplyAttachment(eml);
      const decrypted = await gpgDecrypt(gpgHome, attachment.content);
      expect(decrypted.goodSignatureFrom).toBe(national);
      const xmlFile = join(home, attachment.filename);
      writeFileSync(xmlFile, decrypted.plaintext);
      const schema = attachment.filename.startsWith('copie-') ? 'dispatching-1.xsd' : 'compte-rendu-1.xsd';
      execFileSync('xmllint', ['--noout', '--schema', join(SCHEMAS, schema), xmlFile], { stdio: 'pipe' });
      found.set(attachment.filename, { xml: decrypted.plaintext.toString('utf8'), eml: eml.toString('latin1') });
    }
    return found;
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'sne-copie-'));
    ({ config } = await initHomeOn(backend, home));
    national = nationalKeyFiles(nationalKeyLocation(config))[0]!.fingerprint;
    gpgHome = await createGpgHome();
    await gpgImport(gpgHome, nationalPublicKeys(nationalKeyLocation(config))[0]!);
    gateway = await openGateway(config, silentLogger(), clock);
    for (const { code, departements } of GUICHETS) {
      const key = await gpgGenerateKey(gpgHome, `Guichet ${code}`, sender(code));
      await gateway.registry.addGuichet({
        code, nom: `Bailleur ${code}`, adresse: '1 rue de la Paix\n93200 Saint-Denis', expediteurs: [sender(code)],
        destinataires: [`retours@${code.toLowerCase()}.example`], cles: [{ fingerprint: key.fingerprint, armored: key.publicKey }], departements: [...departements],
      });
    }
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    await gpgHome?.cleanup();
    rmSync(home, { recursive: true, force: true });
  });

  it('copies an active and a radiated demande of another guichet, refuses an unknown numéro and a territory not held', async () => {
    // G1104 registers two demandes, then radiates the second.
    await sendLot('G1104', generate({ demandes: 2, guichet: 'G1104', identifiantLot: 'G1104-CRE', departements: ['93'], seed: 7 }).xml);
    await runOnce(gateway);
    const lot = (await gateway.registry.listLots()).find((l) => l.identifiantLot === 'G1104-CRE')!;
    const [active, radiee] = (await gateway.registry.lotResultats(lot.id)).map((r) => r.numeroUnique!);
    expect(radiee).toBeDefined();
    await sendLot('G1104', lotOf('G1104', 'G1104-RAD', [`<demande typeFichier="RAD" reference="R1"><radiation><numUnique>${radiee}</numUnique><motif code="RADABA"/></radiation></demande>`]));
    await runOnce(gateway);
    expect((await gateway.registry.getDemande(radiee!))!.statut).toBe('RADIEE');

    const before = new Set(readdirSync(outgoing()));
    await sendLot('G2201', lotOf('G2201', 'G2201-COP', [cop('COP-ACTIVE', active!), cop('COP-RADIEE', radiee!), cop('COP-INCONNU', INCONNU)]));
    await sendLot('G1301', lotOf('G1301', 'G1301-COP', [cop('COP-AILLEURS', active!)]));
    await runOnce(gateway);
    const mailed = await replies(before);

    // The compte rendus: COPIEE with the demande's numéro and dates, or the spec's codes.
    const cr = mailed.get('compte-rendu-G2201-COP.xml')!.xml;
    expect(cr).toMatch(new RegExp(`<resultat position="\\d" reference="COP-ACTIVE" typeFichier="COP" statut="COPIEE" numUnique="${active}" dateDepot="2030-03-04"`));
    expect(cr).toMatch(new RegExp(`<resultat position="\\d" reference="COP-RADIEE" typeFichier="COP" statut="COPIEE" numUnique="${radiee}"`));
    expect(cr).toMatch(/<resultat position="\d" reference="COP-INCONNU" typeFichier="COP" statut="REJETEE">\s*<erreur code="DEM_NUMERO_INCONNU" chemin="\/lot\/demande\[3\]\/copie\/numUnique" valeur="1110330999999G1104"/);
    expect(mailed.get('compte-rendu-G1301-COP.xml')!.xml).toMatch(/statut="REJETEE">\s*<erreur code="DEM_TERRITOIRE_NUMERO" chemin="\/lot\/demande\[1\]\/copie\/numUnique"/);

    // The copies: one per COPIEE, none for a rejected demande.
    expect([...mailed.keys()].filter((f) => f.startsWith('copie-')).sort()).toEqual(['copie-COP-ACTIVE.xml', 'copie-COP-RADIEE.xml']);
    const copieActive = mailed.get('copie-COP-ACTIVE.xml')!;
    expect(copieActive.xml).toMatch(/<copieNumerique xmlns="urn:sne-gateway:dispatching:1" version="1.0" guichet="G2201" reference="COP-ACTIVE"/);
    expect(copieActive.xml).toMatch(new RegExp(`<entree numUnique="${active}" evenement="CRE" date="[^"]+" origine="GUICHET" guichet="G1104" statut="ACTIVE"`));
    const donnees = (await gateway.registry.getDemande(active!))!.donnees;
    expect(copieActive.xml).toContain(`<nom>${donnees.demandeur.nom}</nom>`);
    // Its own stable Message-ID, threaded under the lot; no personal data in clear headers.
    expect(copieActive.eml).toMatch(/Message-I[Dd]:\s+<copie\.G2201\.G2201-COP\.lot\d+\.[0-9a-f]{16}@/);
    expect(copieActive.eml).toMatch(/In-Reply-To: </);
    expect(copieActive.eml).not.toContain(active!);
    expect(copieActive.eml).toContain('filename=copie-COP-ACTIVE.xml.gpg');

    const copieRadiee = mailed.get('copie-COP-RADIEE.xml')!.xml;
    expect(copieRadiee).toMatch(new RegExp(`<entree numUnique="${radiee}" evenement="RAD" [^>]*statut="RADIEE" [^>]*dateRadiation="2030-03-04"`));
    expect(copieRadiee).toMatch(/<radiation motif="RADABA"/);
  }, 120_000);
});
