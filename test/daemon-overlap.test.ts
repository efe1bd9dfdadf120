/**
 * The daemon's intake does not wait for the outbox (issue 21 point 3): a lot delivered while the
 * previous lot's replies are still being sent is judged and committed meanwhile. The sender is
 * the real outgoing Maildir, held closed on its first reply until the second lot is committed.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nationalKeyLocation, openGateway, type Gateway } from '../src/app.js';
import { initHome } from '../src/cli/commands/init.js';
import { fixedClock } from '../src/clock.js';
import { homePath, loadConfig } from '../src/config/load.js';
import { nationalPublicKeys } from '../src/crypto/national-keys.js';
import { runDaemon } from '../src/daemon.js';
import { enrolGuichet, guichetKeys, sealLotMessage, type GuichetKeys } from '../src/demo/guichet.js';
import { silentLogger } from '../src/log.js';
import { deliverToMaildir } from '../src/mail/maildir.js';
import type { ReplySender } from '../src/mail/types.js';
import { eventually, GUICHET } from './harness/gateway.js';

const LOT = readFileSync(new URL('../fixtures/lots/lot-g1104-valide.xml', import.meta.url), 'utf8');
const NOW = new Date('2026-12-01T10:30:00+01:00');

describe('daemon', () => {
  let home: string;
  let gateway: Gateway;
  let keys: GuichetKeys;
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let sending = 0;
  const stop = new AbortController();
  let daemon: Promise<void>;

  const seal = (identifiantLot: string) =>
    sealLotMessage({
      xml: new TextEncoder().encode(LOT.replace(/<identifiantLot>[^<]+</, `<identifiantLot>${identifiantLot}<`)),
      fileName: 'lot.xml',
      guichet: GUICHET,
      keys,
      nationalPublicKeys: nationalPublicKeys(nationalKeyLocation(gateway.config)),
      depot: 'depot@x',
    });
  const committed = async () => (await gateway.registry.listLots()).map((lot) => lot.identifiantLot).sort();
  const outgoing = () => readdirSync(join(homePath(gateway.config, gateway.config.sender.path), 'new')).length;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'sne-overlap-'));
    await initHome(home);
    const config = loadConfig(home, { SNE_GATEWAY_DAEMON_POLL_INTERVAL_MS: '200' });
    gateway = await openGateway(config, silentLogger(), fixedClock(NOW));
    keys = await guichetKeys(join(home, 'guichets'), GUICHET);
    await enrolGuichet(gateway.registry, GUICHET, keys);
    // The real Maildir sender, each send waiting until the test releases it.
    const sender: ReplySender = {
      send: async (message) => {
        sending++;
        await held;
        return gateway.sender.send(message);
      },
      close: () => Promise.resolve(),
    };
    daemon = runDaemon(Object.create(gateway, { sender: { value: sender } }) as Gateway, stop.signal);
  });
  afterAll(async () => {
    release();
    stop.abort();
    await daemon;
    await gateway.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('commits the next lot while the previous lot’s replies are being sent', async () => {
    await deliverToMaildir(homePath(gateway.config, gateway.config.mailbox.path), await seal('OVERLAP-1'));
    await eventually(() => sending > 0, 'the first lot’s first reply handed to the sender', 30_000);
    expect(await committed()).toEqual(['OVERLAP-1']);

    await deliverToMaildir(homePath(gateway.config, gateway.config.mailbox.path), await seal('OVERLAP-2'));
    await eventually(async () => (await committed()).length === 2, 'the second lot committed while the first one’s replies wait', 30_000);
    expect(outgoing()).toBe(0);

    release();
    const left = async () => (await gateway.registry.outboxByStatut('A_PREPARER')).length + (await gateway.registry.outboxByStatut('PRET')).length;
    await eventually(async () => (await left()) === 0, 'every reply sent', 60_000);
    const sent = (await gateway.registry.outboxByStatut('ENVOYE')).length;
    expect(sent).toBeGreaterThan(2);
    expect(outgoing()).toBe(sent);
  }, 120_000);
});
