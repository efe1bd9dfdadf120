/**
 * Replay (spec 6) in process, on both registry backends: dry run touches nothing; a quarantined
 * lot is released once its sender is enrolled.
 */
import { mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nationalKeyLocation, openGateway, type Gateway } from '../../src/app.js';
import { fixedClock } from '../../src/clock.js';
import { homePath } from '../../src/config/load.js';
import { nationalPublicKeys } from '../../src/crypto/national-keys.js';
import { pipelineDeps, runOnce } from '../../src/daemon.js';
import { enrolGuichet, guichetKeys, sealLotMessage, type GuichetKeys } from '../../src/demo/guichet.js';
import { silentLogger } from '../../src/log.js';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { replayLot } from '../../src/pipeline/replay.js';
import { HOME_BACKENDS, initHomeOn } from '../harness/registry-home.js';
import { G1104 } from '../helpers/guichets.js';

const LOT = readFileSync(new URL('../../fixtures/lots/lot-g1104-valide.xml', import.meta.url));
describe.each(HOME_BACKENDS)('replay ($name)', (backend) => {
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
    const { config } = await initHomeOn(backend, home);
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
    const still = await replayLot(pipelineDeps(gateway), quarantined.id, { dryRun: false, par: 'gestionnaire:test' });
    expect(still.refus).toMatch(/toujours/);

    await enrolGuichet(gateway.registry, G1104, keys);
    const released = await replayLot(pipelineDeps(gateway), quarantined.id, { dryRun: false, par: 'gestionnaire:test' });
    expect(released.refus).toBeUndefined();
    expect(released.lot).toMatchObject({ guichet: 'G1104', identifiantLot: 'G1104-DEMO-001', version: 1 });
    // Every demande also wishes a commune of Paris: refused, G1104 holds 93 only here.
    expect(released.after.resultats.map((r) => r.erreurs.map((e) => e.code).join())).toEqual(Array(3).fill('DEM_GUICHET_NON_HABILITE'));
    expect(released.lot.statut).toBe('REJETE');
  });

  it('computes a dry run in a transaction rolled back: nothing numbered, registered or queued', async () => {
    const lot = (await gateway.registry.listLots())[0]!;
    await gateway.registry.updateGuichet('G1104', { departements: ['93', '75'] });
    const outboxBefore = (await gateway.registry.outboxForLot(lot.id)).length;

    const dry = await replayLot(pipelineDeps(gateway), lot.id, { dryRun: true, par: 'gestionnaire:test' });
    expect(dry.dryRun).toBe(true);
    expect(dry.after.resultats.every((r) => r.statut === 'ENREGISTREE')).toBe(true);
    expect(await gateway.registry.getLot(lot.id)).toMatchObject({ statut: 'REJETE', version: 1 });
    expect(await gateway.registry.outboxForLot(lot.id)).toHaveLength(outboxBefore);

    const real = await replayLot(pipelineDeps(gateway), lot.id, { dryRun: false, par: 'gestionnaire:test' });
    expect(real.lot).toMatchObject({ statut: 'ACCEPTE', version: 2 });
    expect(real.nouvelles).toBe(3);
    // The dry run gave its numbers back: the real replay numbers from 1, gap-free.
    expect(real.after.resultats.map((r) => r.numeroUnique!.slice(7, 13))).toEqual(['000001', '000002', '000003']);
  });
});

/**
 * Spec 3.2: a demande is dated from its dateReception, else from the Paris day the gateway
 * received the lot — not the day it was processed, nor the day of a replay weeks later.
 */
describe.each(HOME_BACKENDS)('replay and the dates of the law ($name)', (backend) => {
  const RECU = new Date('2026-11-30T22:30:00Z'); // 23:30 on 30 November in Paris
  const clock = fixedClock('2026-12-01T09:00:00+01:00'); // processed the next morning
  let home: string;
  let gateway: Gateway;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'sne-replay-dates-'));
    const { config } = await initHomeOn(backend, home);
    gateway = await openGateway(config, silentLogger(), clock);
  });
  afterAll(async () => {
    await gateway.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('keeps the reception day through a late processing and a replay three weeks later', async () => {
    const keys = await guichetKeys(join(home, 'guichets'), G1104);
    await enrolGuichet(gateway.registry, G1104, keys); // habilitated for 93 only
    // The first demande is dated by its guichet; the third wishes no Paris commune, so it alone passes at first.
    let xml = LOT.toString('utf8').replace('reference="G1104-2026-0001"', 'reference="G1104-2026-0001" dateReception="2026-11-15"');
    xml = xml.replace('<localisationSouhaite><commune code="75120"/></localisationSouhaite>', '');
    const raw = await sealLotMessage({ xml: Buffer.from(xml), fileName: 'lot.xml', guichet: G1104, keys, nationalPublicKeys: nationalPublicKeys(nationalKeyLocation(gateway.config)), depot: 'depot@x' });
    const maildir = homePath(gateway.config, gateway.config.mailbox.path);
    const name = await deliverToMaildir(maildir, raw);
    // Written 9½ hours before the clock's instant: delivery times are read on the gateway's clock.
    const written = new Date(Date.now() - (clock.now().getTime() - RECU.getTime()));
    utimesSync(join(maildir, 'new', name), written, written);

    const pass = await runOnce(gateway);
    const outcome = pass.outcomes[0]!;
    if (outcome.kind !== 'committed') throw new Error('not committed');
    expect(outcome.lot.traiteAt).toBe('2026-12-01T08:00:00.000Z');
    expect(Math.abs(Date.parse(outcome.lot.recuAt) - RECU.getTime())).toBeLessThan(60_000);
    const first = await gateway.registry.lotResultats(outcome.lot.id);
    expect(first.map((r) => [r.statut, r.numeroUnique, r.dateDepot])).toEqual([
      ['REJETEE', undefined, undefined],
      ['REJETEE', undefined, undefined],
      ['ENREGISTREE', '1111126000001G1104', '2026-11-30'],
    ]);

    clock.set('2026-12-22T10:00:00+01:00'); // 2026-11-15 is now more than a month old, yet still within the lot's range
    await gateway.registry.updateGuichet('G1104', { departements: ['93', '75'] });
    const replayed = await replayLot(pipelineDeps(gateway), outcome.lot.id, { dryRun: false, par: 'gestionnaire:test' });
    expect(replayed.after.resultats.map((r) => [r.statut, r.numeroUnique, r.dateDepot, r.dateEcheance])).toEqual([
      ['ENREGISTREE', '1111126000002G1104', '2026-11-15', '2027-11-15'],
      ['ENREGISTREE', '1111126000003G1104', '2026-11-30', '2027-11-30'],
      ['ENREGISTREE', '1111126000001G1104', '2026-11-30', '2027-11-30'],
    ]);
    expect(await gateway.registry.getLot(outcome.lot.id)).toMatchObject({ recuAt: outcome.lot.recuAt, traiteAt: '2026-12-22T09:00:00.000Z', version: 2 });
  });
});
