/** Replay (spec 6) in process: dry run touches nothing; a quarantined lot is released once its sender is enrolled. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nationalKeyLocation, openGateway, type Gateway } from '../../src/app.js';
import { initHome } from '../../src/cli/commands/init.js';
import { homePath } from '../../src/config/load.js';
import { nationalPublicKeys } from '../../src/crypto/national-keys.js';
import { pipelineDeps, runOnce } from '../../src/daemon.js';
import { enrolGuichet, guichetKeys, sealLotMessage, type GuichetKeys } from '../../src/demo/guichet.js';
import { silentLogger } from '../../src/log.js';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { replayLot } from '../../src/pipeline/replay.js';
import { G1104 } from '../helpers/guichets.js';

const LOT = readFileSync(new URL('../../fixtures/lots/lot-g1104-valide.xml', import.meta.url));
describe('replay', () => {
  let home: string;
  let gateway: Gateway;
  let keys: GuichetKeys;

  const send = async (xml: Uint8Array) => {
    const raw = await sealLotMessage({ xml, fileName: 'lot.xml', guichet: G1104, keys, nationalPublicKeys: nationalPublicKeys(nationalKeyLocation(gateway.config)), depot: 'depot@x' });
    await deliverToMaildir(homePath(gateway.config, gateway.config.mailbox.path), raw);
    const pass = await runOnce(gateway);
    const outcome = pass.outcomes[0]!;
    if (outcome.kind !== 'committed') throw new Error('not committed');
    return outcome.lot;
  };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'sne-replay-'));
    const { config } = await initHome(home);
    gateway = await openGateway(config, silentLogger());
    keys = await guichetKeys(join(home, 'guichets'), G1104);
  });
  afterAll(async () => {
    await gateway.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('releases a quarantined lot once its sender is enrolled, as a first processing', async () => {
    const quarantined = await send(LOT);
    expect(quarantined.statut).toBe('QUARANTAINE');
    const still = await replayLot(pipelineDeps(gateway), quarantined.id, { dryRun: false });
    expect(still.refus).toMatch(/toujours/);

    enrolGuichet(gateway.registry, G1104, keys);
    const released = await replayLot(pipelineDeps(gateway), quarantined.id, { dryRun: false });
    expect(released.refus).toBeUndefined();
    expect(released.lot).toMatchObject({ guichet: 'G1104', identifiantLot: 'G1104-DEMO-001', version: 1 });
    // Every demande also wishes a commune of Paris: refused, G1104 holds 93 only here.
    expect(released.after.resultats.map((r) => r.erreurs.map((e) => e.code).join())).toEqual(Array(3).fill('DEM_GUICHET_NON_HABILITE'));
    expect(released.lot.statut).toBe('REJETE');
  });

  it('computes a dry run in a transaction rolled back: nothing numbered, registered or queued', async () => {
    const lot = gateway.registry.listLots()[0]!;
    gateway.registry.updateGuichet('G1104', { departements: ['93', '75'] });
    const outboxBefore = gateway.registry.outboxForLot(lot.id).length;

    const dry = await replayLot(pipelineDeps(gateway), lot.id, { dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.after.resultats.every((r) => r.statut === 'ENREGISTREE')).toBe(true);
    expect(gateway.registry.getLot(lot.id)).toMatchObject({ statut: 'REJETE', version: 1 });
    expect(gateway.registry.outboxForLot(lot.id)).toHaveLength(outboxBefore);

    const real = await replayLot(pipelineDeps(gateway), lot.id, { dryRun: false });
    expect(real.lot).toMatchObject({ statut: 'ACCEPTE', version: 2 });
    expect(real.nouvelles).toBe(3);
    // The dry run gave its numbers back: the real replay numbers from 1, gap-free.
    expect(real.after.resultats.map((r) => r.numeroUnique!.slice(7, 13))).toEqual(['000001', '000002', '000003']);
  });
});
