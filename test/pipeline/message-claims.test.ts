/**
 * Two instances on one PostgreSQL registry and one mailbox (spec 10): a message is judged by one
 * of them at a time — the other leaves it while the first holds its claim — and a killed
 * instance's claim is taken over once it expires. (The commit alone keeps a message committed
 * once; the claim keeps the costly judging from being done twice: test/e2e/kill-instances.test.ts
 * would pass without it, this test would not.)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nationalKeyLocation, openGateway, type Gateway } from '../../src/app.js';
import { homePath } from '../../src/config/load.js';
import { nationalPublicKeys } from '../../src/crypto/national-keys.js';
import { pipelineDeps } from '../../src/daemon.js';
import { enrolGuichet, guichetKeys, sealLotMessage, type GuichetKeys } from '../../src/demo/guichet.js';
import { silentLogger } from '../../src/log.js';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import type { InboundMessage } from '../../src/mail/types.js';
import type { Judge } from '../../src/pipeline/judge.js';
import { processMessage } from '../../src/pipeline/process.js';
import { sha256Hex } from '../../src/pipeline/sha256.js';
import { initHomeOn, POSTGRESQL_HOME } from '../harness/registry-home.js';
import { G1104 } from '../helpers/guichets.js';

const LOT = readFileSync(new URL('../../fixtures/lots/lot-g1104-valide.xml', import.meta.url), 'utf8');
const GUICHET = { ...G1104, departements: ['93', '75'] };
const LEASE_MS = 1_500;

describe('one message, two instances on one PostgreSQL registry', () => {
  let home: string;
  let first: Gateway;
  let second: Gateway;
  let keys: GuichetKeys;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'sne-claims-'));
    const { config } = await initHomeOn(POSTGRESQL_HOME, home, { daemon: { leaseMs: LEASE_MS } });
    [first, second] = await Promise.all([openGateway(config, silentLogger()), openGateway(config, silentLogger())]);
    keys = await guichetKeys(join(home, 'guichets'), GUICHET);
    await enrolGuichet(first.registry, GUICHET, keys);
  });
  afterAll(async () => {
    await Promise.all([first.close(), second.close()]);
    rmSync(home, { recursive: true, force: true });
  });

  /** A message in the shared Maildir, as both instances list it. */
  const delivered = async (identifiantLot: string): Promise<InboundMessage> => {
    const xml = new TextEncoder().encode(
      LOT.replace(/<identifiantLot>[^<]+</, `<identifiantLot>${identifiantLot}<`).replace(/<prenom>([^<]+)</g, `<prenom>$1 ${identifiantLot}<`),
    );
    const raw = await sealLotMessage({ xml, fileName: 'lot.xml', guichet: GUICHET, keys, nationalPublicKeys: nationalPublicKeys(nationalKeyLocation(first.config)), depot: 'depot@x' });
    await deliverToMaildir(homePath(first.config, first.config.mailbox.path), raw);
    for await (const message of first.mailbox.pending()) if (message.raw.equals(raw)) return message;
    throw new Error('delivered message not listed');
  };

  /** The instance's real judge, counting its calls and slow enough for the other to come by. */
  const countingJudge = (gw: Gateway, calls: string[], name: string): Judge => {
    const judge = pipelineDeps(gw).judge;
    return async (...args) => {
      calls.push(name);
      await new Promise((resolve) => setTimeout(resolve, 300));
      return judge(...args);
    };
  };

  it('is judged by one instance; the other leaves it while claimed, then only settles it', async () => {
    const message = await delivered('CLAIM-1');
    const calls: string[] = [];
    const outcomes = await Promise.all([
      processMessage(message, pipelineDeps(first, countingJudge(first, calls, 'first'))),
      processMessage(message, pipelineDeps(second, countingJudge(second, calls, 'second'))),
    ]);
    expect(calls).toHaveLength(1);
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['claimed-elsewhere', 'committed']);
    const again = await processMessage(message, pipelineDeps(second, countingJudge(second, calls, 'second')));
    expect(again).toMatchObject({ kind: 'committed', alreadyCommitted: true });
    expect(calls).toHaveLength(1);
    expect((await first.registry.listLots()).filter((l) => l.identifiantLot === 'CLAIM-1')).toHaveLength(1);
  });

  it('is taken over once the claim of an instance that died expires', async () => {
    const message = await delivered('CLAIM-2');
    // An instance took the message and was killed: its claim is left, unrenewed.
    const now = new Date();
    expect(await first.registry.takeLease(`message:${sha256Hex(message.raw)}`, 'killed-instance', now, new Date(now.getTime() + LEASE_MS))).toBe(true);
    const calls: string[] = [];
    expect(await processMessage(message, pipelineDeps(second, countingJudge(second, calls, 'second')))).toEqual({ kind: 'claimed-elsewhere' });
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS + 100));
    expect(await processMessage(message, pipelineDeps(second, countingJudge(second, calls, 'second')))).toMatchObject({ kind: 'committed', alreadyCommitted: false });
    expect(calls).toEqual(['second']);
  });
});
