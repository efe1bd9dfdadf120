/**
 * This gateway instance, as the registry knows it when several share one (spec 10): the holder
 * of its leases and outbox claims. The id is new at each start — a restarted instance does not
 * inherit the claims of the one it replaces: they expire, then anyone takes them.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from './clock.js';
import type { LeasesRegistry } from './registry/leases.js';
import type { OutboxClaim } from './registry/model.js';

export interface Instance {
  readonly id: string;
  /**
   * How long a lease or claim holds without renewal: the delay before another instance takes
   * over the work of a killed one. Work longer than this renews it.
   */
  readonly leaseMs: number;
}

/** Leases last 30 s: a killed instance's messages and replies wait that long at most. */
export const DEFAULT_LEASE_MS = 30_000;

export function newInstance(leaseMs = DEFAULT_LEASE_MS): Instance {
  return { id: `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`, leaseMs };
}

/**
 * The one instance of a registry that admits only one (SQLite, under its daemon lock): always the
 * same holder, so that a restart after a kill takes its predecessor's leases and claims at once
 * rather than waiting for them to expire.
 */
export function soleInstance(leaseMs = DEFAULT_LEASE_MS): Instance {
  return { id: 'sole-instance', leaseMs };
}

/** This process's instance, for callers that were not given one (CLI commands, tests). */
export const THIS_PROCESS: Instance = newInstance();

/** A claim on replies for `instance`, from now for one lease. */
export function outboxClaim(instance: Instance, clock: Clock): OutboxClaim {
  const now = clock.now();
  return { holder: instance.id, now, until: new Date(now.getTime() + instance.leaseMs) };
}

/** A lease this instance holds, renewed until released. */
export interface HeldLease {
  release(): Promise<void>;
}

/**
 * Takes lease `name` for `instance` and renews it every third of its length until released;
 * undefined when another instance holds it. A renewal that finds the lease taken (this process
 * stalled past it) stops renewing: the work it guards is safe to do twice, only wasteful.
 */
export async function holdLease(registry: LeasesRegistry, name: string, instance: Instance, clock: Clock): Promise<HeldLease | undefined> {
  const take = () => {
    const now = clock.now();
    return registry.takeLease(name, instance.id, now, new Date(now.getTime() + instance.leaseMs));
  };
  if (!(await take())) return undefined;
  let renewing: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    renewing = take().then(
      (held) => held || clearInterval(timer),
      () => undefined, // the registry is unreachable: the work fails on its own
    );
  }, Math.max(100, Math.floor(instance.leaseMs / 3)));
  timer.unref();
  return {
    release: async () => {
      clearInterval(timer);
      await renewing;
      await registry.releaseLease(name, instance.id);
    },
  };
}
