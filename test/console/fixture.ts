/**
 * A console over a real home (SQLite registry, real gpg-free OpenPGP of the demo's guichet): G1104
 * habilitated for 93 only, so its fixture lot is rejected (DEM_GUICHET_NON_HABILITE) until it is
 * habilitated for 75 too; a lot of G1301 (département 13) that the 93 gestionnaire may not see;
 * the gestionnaire `amartin` (93).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { nationalKeyLocation, openGateway, type Gateway } from '../../src/app.js';
import { fixedClock } from '../../src/clock.js';
import { homePath } from '../../src/config/load.js';
import { hashPassword } from '../../src/console/password.js';
import { consoleSecret } from '../../src/console/secret.js';
import { buildConsole } from '../../src/console/server.js';
import { nationalPublicKeys } from '../../src/crypto/national-keys.js';
import { pipelineDeps, runOnce } from '../../src/daemon.js';
import { enrolGuichet, guichetKeys, sealLotMessage } from '../../src/demo/guichet.js';
import { silentLogger } from '../../src/log.js';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { replayLot } from '../../src/pipeline/replay.js';
import { initHomeOn, SQLITE_HOME } from '../harness/registry-home.js';
import { G1104 } from '../helpers/guichets.js';

export const NOW = '2026-11-26T10:30:00+01:00';
export const PASSWORD = 'un mot de passe solide';
const LOT = readFileSync(new URL('../../fixtures/lots/lot-g1104-valide.xml', import.meta.url));

export interface ConsoleFixture {
  readonly home: string;
  readonly gateway: Gateway;
  readonly app: FastifyInstance;
  /** The rejected lot of G1104. */
  readonly rejected: number;
  /** The lot of G1301, outside amartin's départements. */
  readonly other: number;
  /** Replies queued by replays, counted. */
  readonly queued: { count: number };
  /** Another console on the same home, allowing this many logins per minute. */
  withLoginLimit(loginsPerMinute: number): Promise<FastifyInstance>;
  close(): Promise<void>;
}

export async function consoleFixture(): Promise<ConsoleFixture> {
  const home = mkdtempSync(join(tmpdir(), 'sne-console-'));
  const { config } = await initHomeOn(SQLITE_HOME, home);
  const clock = fixedClock(NOW);
  const gateway = await openGateway(config, silentLogger(), clock);
  const keys = await guichetKeys(join(home, 'guichets'), G1104);
  await enrolGuichet(gateway.registry, G1104, keys);
  await gateway.registry.addGuichet({ code: 'G1301', nom: 'Bailleur du Sud', adresse: '1 quai\n13002 Marseille', expediteurs: ['lots@g1301.example'], destinataires: ['r@g1301.example'], cles: [], departements: ['13'] });
  const raw = await sealLotMessage({ xml: LOT, fileName: 'lot.xml', guichet: G1104, keys, nationalPublicKeys: nationalPublicKeys(nationalKeyLocation(config)), depot: 'depot@x' });
  await deliverToMaildir(homePath(config, config.mailbox.path), raw);
  const outcome = (await runOnce(gateway)).outcomes[0]!;
  if (outcome.kind !== 'committed') throw new Error('lot not committed');
  const other = await gateway.registry.transaction((tx) =>
    tx.insertLot({ messageSha256: 'sha-g1301', guichet: 'G1301', identifiantLot: 'G1301-SUD-001', statut: 'REJETE', recuAt: '2026-11-26T08:00:00.000Z', traiteAt: '2026-11-26T08:00:01.000Z', erreurs: [], original: Buffer.from('x') }),
  );
  const at = clock.now().toISOString();
  await gateway.registry.addGestionnaire({ nom: 'amartin', territoires: ['93'], motDePasse: await hashPassword(PASSWORD), actif: true, creeAt: at, modifieAt: at });
  const queued = { count: 0 };
  const pipeline = pipelineDeps(gateway);
  const build = (loginsPerMinute: number) => buildConsole({
    registry: gateway.registry,
    clock,
    logger: silentLogger(),
    replay: (lotId, options) => replayLot(pipeline, lotId, options),
    repliesQueued: () => void queued.count++,
    secret: consoleSecret(home),
    loginsPerMinute,
  });
  const app = await build(1000);
  return {
    home,
    gateway,
    app,
    rejected: outcome.lot.id,
    other,
    queued,
    withLoginLimit: build,
    close: async () => {
      await app.close();
      await gateway.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
