/**
 * A gateway home wired to a real Dovecot (IMAP) and SMTP receiver, with one enrolled guichet
 * whose software seals lots as the demo's does. Shared by the integration tests and the
 * pick-up latency benchmark.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nationalKeyLocation, openGateway, openRegistry, type Gateway } from '../../src/app.js';
import { initHome } from '../../src/cli/commands/init.js';
import { configPath, loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { nationalPublicKeys } from '../../src/crypto/national-keys.js';
import { guichetKeys, sealLotMessage, type GuichetIdentity, type GuichetKeys } from '../../src/demo/guichet.js';
import { silentLogger, type Logger } from '../../src/log.js';
import type { Dovecot } from './dovecot.js';
import type { SmtpReceiver } from './smtp.js';

export const DEPOT = 'depot@sne-gateway.localhost';

export const GUICHET: GuichetIdentity = {
  code: 'G1104',
  nom: 'Bailleur de test',
  adresse: '1 place de la Mairie\n93200 Saint-Denis',
  expediteur: 'lots@g1104.example',
  destinataire: 'retours@g1104.example',
  departements: ['93', '75'],
};

const LOT = readFileSync(new URL('../../fixtures/lots/lot-g1104-valide.xml', import.meta.url), 'utf8');

export interface GatewayHome {
  readonly home: string;
  readonly config: Readonly<Config>;
  readonly keys: GuichetKeys;
  /** The fixture lot under a new identifiantLot, sealed and addressed to the deposit mailbox. */
  sealLot(identifiantLot: string): Promise<Buffer>;
  open(logger?: Logger): Promise<Gateway>;
  cleanup(): void;
}

export interface GatewayHomeOptions {
  readonly dovecot: Dovecot;
  readonly smtp: SmtpReceiver;
  readonly secure?: boolean;
  /** Extra settings, by section, over the IMAP/SMTP ones. */
  readonly settings?: Record<string, Record<string, unknown>>;
  /** More recipients of the guichet's replies. */
  readonly destinataires?: readonly string[];
}

export async function gatewayHome(options: GatewayHomeOptions): Promise<GatewayHome> {
  const home = mkdtempSync(join(tmpdir(), 'sne-gw-'));
  const init = await initHome(home, { address: DEPOT });
  writeFileSync(join(home, 'imap.password'), `${options.dovecot.password}\n`, { mode: 0o600 });
  const file = JSON.parse(readFileSync(configPath(home), 'utf8')) as Record<string, Record<string, unknown>>;
  const settings = options.settings ?? {};
  const merged = {
    ...file,
    ...settings,
    mailbox: {
      ...file.mailbox,
      kind: 'imap',
      url: options.dovecot.url(options.secure ?? false),
      passwordFile: 'imap.password',
      ...(options.dovecot.certFile ? { caFile: options.dovecot.certFile } : {}),
      ...settings.mailbox,
    },
    sender: { ...file.sender, kind: 'smtp', url: options.smtp.url(), ...settings.sender },
  };
  writeFileSync(configPath(home), JSON.stringify(merged, null, 2));
  const config = loadConfig(home, {});
  const keys = await guichetKeys(join(home, 'guichet-keys'), GUICHET);
  const national = nationalPublicKeys(nationalKeyLocation(init.config));

  const registry = (await openRegistry(config));
  await registry.addGuichet({
    code: GUICHET.code,
    nom: GUICHET.nom,
    adresse: GUICHET.adresse,
    expediteurs: [GUICHET.expediteur],
    destinataires: [GUICHET.destinataire, ...(options.destinataires ?? [])],
    cles: [{ fingerprint: keys.fingerprint, armored: keys.publicKey }],
    departements: GUICHET.departements,
  });
  await registry.close();

  return {
    home,
    config,
    keys,
    sealLot: (identifiantLot) =>
      sealLotMessage({
        xml: new TextEncoder().encode(LOT.replace(/<identifiantLot>[^<]+</, `<identifiantLot>${identifiantLot}<`)),
        fileName: `${identifiantLot}.xml`,
        guichet: GUICHET,
        keys,
        nationalPublicKeys: national,
        depot: DEPOT,
      }),
    open: (logger = silentLogger()) => openGateway(config, logger),
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
}

/** Polls `check` until it holds; rejects with `what` after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
