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
import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, type GeneratedLot } from '../../bench/lib/generate-lot.js';
import { nationalKeyLocation, openRegistry } from '../../src/app.js';
import { initHome } from '../../src/cli/commands/init.js';
import { homePath } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { nationalPublicKeys } from '../../src/crypto/national-keys.js';
import { enrolGuichet, guichetKeys, sealLotMessage, type GuichetKeys } from '../../src/demo/guichet.js';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { outgoingFileName } from '../../src/mail/maildir-sender.js';
import type { Registry } from '../../src/registry/registry.js';
import { eventually } from '../harness/gateway.js';
import { configureHome, POSTGRESQL_HOME } from '../harness/registry-home.js';
import { BIN, cliEnv } from '../helpers/cli.js';
import { G1104 } from '../helpers/guichets.js';

const GUICHET = { ...G1104, departements: ['93', '75'] };
const INSTANCES = 3;
const LOTS = 10;
const DEMANDES = 5;
/** How long instances are killed and restarted; lots keep arriving meanwhile. */
const CHAOS_MS = 30_000;
const LEASE_MS = 2_000;

const SEED = Number(process.env.SNE_TEST_KILL_SEED) || randomInt(1, 2 ** 31);

/** mulberry32: a small seeded generator, so that a failing plan of kills can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe(`three daemons on one PostgreSQL registry and one Maildir, killed at random (seed ${SEED})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sne-kill-'));
  const home = join(dir, 'home');
  let config: Readonly<Config>;
  let keys: GuichetKeys;
  const running = new Map<number, ChildProcess>();
  let started = 0;

  /** Starts daemon `slot`, its log in a file of its own per start. */
  function start(slot: number): void {
    const log = openSync(join(dir, `instance-${slot}.${++started}.log`), 'w');
    const child = spawn(process.execPath, [BIN, '--home', home, 'run'], {
      env: cliEnv({
        // The system clock, not CLI_NOW: a clock moved by SNE_GATEWAY_NOW starts from that instant
        // at each process's start, so instances started apart would disagree on leases' expiry.
        SNE_GATEWAY_NOW: '',
        SNE_GATEWAY_LOG_LEVEL: 'info',
        SNE_GATEWAY_DAEMON_LEASE_MS: String(LEASE_MS),
        SNE_GATEWAY_DAEMON_POLL_INTERVAL_MS: '200',
      }),
      stdio: ['ignore', log, log],
    });
    closeSync(log); // the child has its own copy
    running.set(slot, child);
  }

  async function stop(slot: number, signal: NodeJS.Signals): Promise<void> {
    const child = running.get(slot);
    if (!child) return;
    running.delete(slot);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }

  beforeAll(async () => {
    console.log(`kill plan seed: ${SEED} (SNE_TEST_KILL_SEED=${SEED} replays it); logs in ${dir}`);
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
    await Promise.all([...running.keys()].map((slot) => stop(slot, 'SIGKILL')));
    if (!process.env.SNE_TEST_KEEP) rmSync(dir, { recursive: true, force: true });
  });

  it('commits every lot once, registers every valid demande once, numbers gap-free and sends every reply once per Message-ID', async () => {
    const random = seeded(SEED);
    // Several demandes per lot, some of them invalid (an e-mail address, an unknown commune, a birth date).
    const lots: GeneratedLot[] = Array.from({ length: LOTS }, (_, i) =>
      generate({ demandes: DEMANDES, seed: 100 + i, identifiantLot: `G1104-KILL-${String(i + 1).padStart(2, '0')}`, rejections: { mel: 0.2, communeInconnue: 0.1, dateNaissance: 0.1 } }),
    );
    expect(lots.every((lot) => lot.valid >= 2 && lot.valid < DEMANDES)).toBe(true);
    const sealed = await Promise.all(
      lots.map((lot, i) =>
        sealLotMessage({ xml: new TextEncoder().encode(lot.xml), fileName: `lot-${i + 1}.xml`, guichet: GUICHET, keys, nationalPublicKeys: nationalPublicKeys(nationalKeyLocation(config)), depot: config.gateway.address }),
      ),
    );
    const inbox = homePath(config, config.mailbox.path);
    const outgoing = join(homePath(config, config.sender.path), 'new');

    for (let slot = 0; slot < INSTANCES; slot++) start(slot);

    // Chaos: lots arrive at random instants while instances are killed and restarted.
    const deadline = Date.now() + CHAOS_MS;
    const arrivals = sealed.map((raw, i) => ({ raw, at: Date.now() + Math.floor((CHAOS_MS * 0.8 * (i + random())) / LOTS) }));
    let kills = 0;
    let nextKill = Date.now() + 1_000 + random() * 3_000;
    const restarts: { slot: number; at: number }[] = [];
    while (Date.now() < deadline || arrivals.length > 0) {
      const now = Date.now();
      while (arrivals.length > 0 && arrivals[0]!.at <= now) await deliverToMaildir(inbox, arrivals.shift()!.raw);
      for (const restart of restarts.filter((r) => r.at <= now)) {
        restarts.splice(restarts.indexOf(restart), 1);
        start(restart.slot);
      }
      if (now >= nextKill && now < deadline) {
        const alive = [...running.keys()];
        if (alive.length > 0) {
          const slot = alive[Math.floor(random() * alive.length)]!;
          await stop(slot, 'SIGKILL');
          kills++;
          restarts.push({ slot, at: Date.now() + random() * 2_000 });
        }
        nextKill = Date.now() + 500 + random() * 3_000;
      }
      await sleep(50);
    }
    for (const restart of restarts.splice(0)) start(restart.slot);
    expect(kills).toBeGreaterThan(4);

    // Drain: all three run until every lot is committed and every reply sent.
    const registry = await openRegistry(config);
    try {
      await eventually(
        async () => {
          const committed = await registry.listLots();
          if (committed.length < LOTS) return false;
          for (const lot of committed) if ((await registry.outboxForLot(lot.id)).some((item) => item.statut !== 'ENVOYE')) return false;
          return readdirSync(join(inbox, 'new')).length + readdirSync(join(inbox, 'cur')).length === 0;
        },
        `10 lots committed, their replies sent and the inbox empty (seed ${SEED})`,
        90_000,
      );
      await Promise.all([...running.keys()].map((slot) => stop(slot, 'SIGTERM')));
      await assertOutcome(registry, lots, inbox, outgoing);
    } finally {
      await registry.close();
    }
  }, 180_000);

  async function assertOutcome(registry: Registry, lots: readonly GeneratedLot[], inbox: string, outgoing: string): Promise<void> {
    // Every lot committed once: ten lots, ten identifiants, none a doublon of another.
    const committed = await registry.listLots();
    expect(committed.map((lot) => lot.identifiantLot).sort()).toEqual(lots.map((_, i) => `G1104-KILL-${String(i + 1).padStart(2, '0')}`));
    expect(committed.every((lot) => lot.doublonDe === undefined && lot.statut === 'PARTIEL')).toBe(true);

    const numeros: string[] = [];
    const messageIds = new Set<string>();
    for (const lot of committed) {
      const generated = lots[Number(lot.identifiantLot!.slice(-2)) - 1]!;
      // Every valid demande registered once, every invalid one rejected for its cause.
      const resultats = await registry.lotResultats(lot.id);
      expect(resultats.map((r) => r.position)).toEqual(Array.from({ length: DEMANDES }, (_, i) => i + 1));
      for (const r of resultats) expect(r.statut, `${lot.identifiantLot} demande ${r.position}`).toBe(generated.rejected.has(r.position) ? 'REJETEE' : 'ENREGISTREE');
      numeros.push(...resultats.flatMap((r) => (r.numeroUnique ? [r.numeroUnique] : [])));
      // Its compte rendu and one attestation per registered demande, each sent.
      const replies = await registry.outboxForLot(lot.id);
      expect(replies).toHaveLength(1 + generated.valid);
      expect(replies.every((item) => item.statut === 'ENVOYE')).toBe(true);
      for (const item of replies) messageIds.add(item.messageId);
    }
    expect(numeros).toHaveLength(lots.reduce((sum, lot) => sum + lot.valid, 0));
    expect(new Set(numeros).size).toBe(numeros.length);
    // Gap-free per territory and month: 1..N under each prefix.
    const byCounter = new Map<string, number[]>();
    for (const numero of numeros) byCounter.set(numero.slice(0, 7), [...(byCounter.get(numero.slice(0, 7)) ?? []), Number(numero.slice(7, 13))]);
    for (const [counter, sequence] of byCounter) {
      expect(sequence.sort((a, b) => a - b), `counter ${counter}`).toEqual(Array.from({ length: sequence.length }, (_, i) => i + 1));
    }

    // One file per Message-ID in the outgoing Maildir, and nothing else.
    expect(messageIds.size).toBe(numeros.length + LOTS);
    expect(readdirSync(outgoing).sort()).toEqual([...messageIds].map(outgoingFileName).sort());
    // No lot message left in the inbox; each settled once.
    expect(readdirSync(join(inbox, 'new'))).toEqual([]);
    expect(readdirSync(join(inbox, 'cur'))).toEqual([]);
    const settled = ['Traites', 'Rejetes', 'Quarantaine'].flatMap((folder) => readdirSync(join(inbox, `.${folder}`, 'cur')));
    expect(settled).toHaveLength(LOTS);
    // The daemons logged no error (a warning, such as a move another instance made first, is fine).
    const errors = readdirSync(dir)
      .filter((file) => file.endsWith('.log'))
      .flatMap((file) => readFileSync(join(dir, file), 'utf8').split('\n').filter((line) => /"level":(50|60)/.test(line)).map((line) => `${file}: ${line}`));
    expect(errors).toEqual([]);
  }
});
