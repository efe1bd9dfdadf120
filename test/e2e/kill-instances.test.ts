/**
 * Several instances, any of them killed at any instant (spec 10, issue 16): three `sne-gateway
 * run` daemons — the binary, separate processes — share one PostgreSQL registry and one home
 * (the same Maildir inbox, outgoing Maildir and keys). Ten lots arrive while instances are
 * killed with SIGKILL at random instants and restarted; then all run until the work is drained.
 * Every lot must be committed once, every valid demande registered once, the numéros gap-free,
 * every reply sent and written once per Message-ID, and the inbox empty.
 *
 * The kills follow a seeded random sequence: the seed is printed, and SNE_TEST_KILL_SEED=<seed>
 * replays the same sequence of kills (the instants the processes reach differ, but not the plan).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GeneratedLot } from '../../bench/lib/generate-lot.js';
import { nationalKeyLocation, openRegistry } from '../../src/app.js';
import { initHome } from '../../src/cli/commands/init.js';
import { homePath } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { nationalPublicKeys } from '../../src/crypto/national-keys.js';
import { enrolGuichet, guichetKeys, sealLotMessage, type GuichetKeys } from '../../src/demo/guichet.js';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { outgoingFileName } from '../../src/mail/maildir-sender.js';
import type { Registry } from '../../src/registry/registry.js';
import { seeded } from '../../bench/lib/generate-lot.js';
import { daemons, killAtRandom, killSeed } from '../harness/daemons.js';
import { eventually } from '../harness/gateway.js';
import { allCommittedAndSent, expectEachOnce, killLots } from '../harness/kill-lots.js';
import { configureHome, POSTGRESQL_HOME } from '../harness/registry-home.js';
import { G1104 } from '../helpers/guichets.js';

const GUICHET = { ...G1104, departements: ['93', '75'] };
const INSTANCES = 3;
const LOTS = 10;
/** How long instances are killed and restarted; lots keep arriving meanwhile. */
const CHAOS_MS = 30_000;
const SEED = killSeed();

describe(`three daemons on one PostgreSQL registry and one Maildir, killed at random (seed ${SEED})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sne-kill-'));
  const home = join(dir, 'home');
  let config: Readonly<Config>;
  let keys: GuichetKeys;
  const group = daemons(home, dir, { SNE_GATEWAY_DAEMON_LEASE_MS: '2000', SNE_GATEWAY_DAEMON_POLL_INTERVAL_MS: '200' });

  beforeAll(async () => {
    console.log(`kill plan seed: ${SEED} (SNE_TEST_KILL_SEED=${SEED} replays it; SNE_TEST_KEEP=1 keeps the daemons' logs in ${dir})`);
    await configureHome(POSTGRESQL_HOME, home);
    ({ config } = await initHome(home));
    keys = await guichetKeys(join(dir, 'guichet'), GUICHET);
    const registry = await openRegistry(config);
    try {
      await enrolGuichet(registry, GUICHET, keys);
    } finally {
      await registry.close();
    }
  });

  afterAll(async () => {
    await group.stopAll('SIGKILL');
    if (!process.env.SNE_TEST_KEEP) rmSync(dir, { recursive: true, force: true });
  });

  it('commits every lot once, registers every valid demande once, numbers gap-free and sends every reply once per Message-ID', async () => {
    const random = seeded(SEED);
    const lots = killLots(LOTS, 'G1104-KILL');
    const sealed = await Promise.all(
      [...lots.values()].map((lot, i) =>
        sealLotMessage({ xml: new TextEncoder().encode(lot.xml), fileName: `lot-${i + 1}.xml`, guichet: GUICHET, keys, nationalPublicKeys: nationalPublicKeys(nationalKeyLocation(config)), depot: config.gateway.address }),
      ),
    );
    const inbox = homePath(config, config.mailbox.path);
    const outgoing = join(homePath(config, config.sender.path), 'new');

    for (let slot = 0; slot < INSTANCES; slot++) group.start(slot);
    // Lots arrive in three bursts, at random instants within each, while instances are killed and
    // restarted: several at once keep all three busy, so that kills find work under way.
    const start = Date.now();
    const arrivals = sealed
      .map((raw, i) => ({ raw, at: start + 1_500 + Math.floor((i * 3) / LOTS) * (CHAOS_MS / 3) + random() * 1_500 }))
      .sort((a, b) => a.at - b.at);
    const kills = await killAtRandom(group, {
      random,
      durationMs: CHAOS_MS,
      tick: async (now) => {
        while (arrivals.length > 0 && arrivals[0]!.at <= now) await deliverToMaildir(inbox, arrivals.shift()!.raw);
      },
    });
    expect(arrivals).toEqual([]);
    expect(kills).toBeGreaterThan(4);

    // Drain: all three run until every lot is committed and every reply sent.
    const registry = await openRegistry(config);
    try {
      await eventually(
        async () => (await allCommittedAndSent(registry, LOTS)) && readdirSync(join(inbox, 'new')).length + readdirSync(join(inbox, 'cur')).length === 0,
        `${LOTS} lots committed, their replies sent and the inbox empty (seed ${SEED})`,
        90_000,
      );
      await group.stopAll('SIGTERM');
      await assertOutcome(registry, lots, inbox, outgoing);
    } finally {
      await registry.close();
    }
  }, 180_000);

  async function assertOutcome(registry: Registry, lots: ReadonlyMap<string, GeneratedLot>, inbox: string, outgoing: string): Promise<void> {
    const messageIds = await expectEachOnce(registry, lots);
    // One file per Message-ID in the outgoing Maildir, and nothing else.
    expect(readdirSync(outgoing).sort()).toEqual([...messageIds].map(outgoingFileName).sort());
    // No lot message left in the inbox; each settled once.
    expect(readdirSync(join(inbox, 'new'))).toEqual([]);
    expect(readdirSync(join(inbox, 'cur'))).toEqual([]);
    const settled = ['Traites', 'Rejetes', 'Quarantaine'].flatMap((folder) => readdirSync(join(inbox, `.${folder}`, 'cur')));
    expect(settled).toHaveLength(LOTS);
    // The daemons logged no error (a warning, such as a move another instance made first, is fine).
    expect(group.errors()).toEqual([]);
  }
});
