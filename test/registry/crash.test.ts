/**
 * Exactly-once across a kill -9 (issue 5): a real gateway process is killed between the lot's
 * commit and the mailbox move, or inside the lot's transaction; a restarted pass registers each
 * demande once and queues (and sends) each reply once.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nationalKeyLocation, openGateway, type Gateway } from '../../src/app.js';
import { initHome } from '../../src/cli/commands/init.js';
import { DEMO_GUICHETS } from '../../src/cli/commands/demo.js';
import { homePath } from '../../src/config/load.js';
import { sqlitePath } from '../../src/config/registry-location.js';
import type { Config } from '../../src/config/schema.js';
import { nationalPublicKeys } from '../../src/crypto/national-keys.js';
import { runOnce } from '../../src/daemon.js';
import { enrolGuichet, guichetKeys, sealLotMessage } from '../../src/demo/guichet.js';
import { silentLogger } from '../../src/log.js';
import { deliverToMaildir } from '../../src/mail/maildir.js';
import { parseNumeroUnique } from '../../src/registry/numero-unique.js';
import { SqliteRegistry } from '../../src/registry/sqlite/store.js';

const CHILD = new URL('./crash-child.ts', import.meta.url).pathname;
const ROOT = new URL('../../', import.meta.url).pathname;
const LOT = readFileSync(new URL('../../fixtures/lots/lot-g1104-valide.xml', import.meta.url));
const GUICHET = DEMO_GUICHETS[0]!;

describe('kill -9 of the gateway, then a restart', () => {
  let home: string;
  let config: Readonly<Config>;
  let gateway: Gateway | undefined;
  const mailbox = (...p: string[]) => join(homePath(config, config.mailbox.path), ...p);
  const outgoing = () => readdirSync(join(homePath(config, config.sender.path), 'new'));

  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'sne-crash-'));
    ({ config } = await initHome(home));
    const keys = await guichetKeys(join(home, 'guichets'), GUICHET);
    const registry = new SqliteRegistry(sqlitePath(config)!);
    await enrolGuichet(registry, GUICHET, keys);
    await registry.close();
    const raw = await sealLotMessage({
      xml: LOT,
      fileName: 'lot.xml',
      guichet: GUICHET,
      keys,
      nationalPublicKeys: nationalPublicKeys(nationalKeyLocation(config)),
      depot: config.gateway.address,
    });
    await deliverToMaildir(mailbox(), raw);
  });
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
    rmSync(home, { recursive: true, force: true });
  });

  function killedGateway(mode: 'after-commit' | 'in-transaction') {
    const child = spawnSync(process.execPath, ['--import', 'tsx', CHILD, home, mode], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(child.signal, child.stderr).toBe('SIGKILL');
  }

  async function restartAndCheck(expectAlreadyCommitted: boolean) {
    gateway = await openGateway(config, silentLogger());
    const pass = await runOnce(gateway);
    expect(pass.outcomes).toHaveLength(1);
    expect(pass.outcomes[0]).toMatchObject({ kind: 'committed', alreadyCommitted: expectAlreadyCommitted });

    const lots = await gateway.registry.listLots();
    expect(lots).toHaveLength(1);
    const resultats = await gateway.registry.lotResultats(lots[0]!.id);
    // Numbered once: the sequence of the month starts at 1, with no number lost to the crash.
    expect(resultats.map((r) => parseNumeroUnique(r.numeroUnique!)?.sequence)).toEqual([1, 2, 3]);
    for (const r of resultats) expect((await gateway.registry.demandeHistory(r.numeroUnique!)).map((e) => e.action)).toEqual(['CRE']);
    const outbox = await gateway.registry.outboxForLot(lots[0]!.id);
    expect(outbox.map((o) => o.kind).sort()).toEqual(['attestation', 'attestation', 'attestation', 'compte-rendu']);
    expect(new Set(outbox.map((o) => o.messageId)).size).toBe(4);
    expect(outgoing()).toHaveLength(4);

    expect(readdirSync(mailbox('new'))).toEqual([]);
    expect(readdirSync(mailbox('cur'))).toEqual([]);
    expect(readdirSync(mailbox('.Traites', 'cur'))).toHaveLength(1);

    // A further pass finds nothing to do and sends nothing again.
    const again = await runOnce(gateway);
    expect(again.outcomes).toEqual([]);
    expect(outgoing()).toHaveLength(4);
  }

  it('between the commit and the mailbox move: the message is recognised, nothing is registered or queued twice', async () => {
    killedGateway('after-commit');
    // The child died with the lot committed and the message still in the inbox.
    const registry = new SqliteRegistry(sqlitePath(config)!);
    const [lot] = await registry.listLots();
    expect(await registry.lotResultats(lot!.id)).toHaveLength(3);
    expect(await registry.outboxForLot(lot!.id)).toHaveLength(4);
    await registry.close();
    expect(readdirSync(mailbox('new')).length + readdirSync(mailbox('cur')).length).toBe(1);
    expect(outgoing()).toEqual([]);

    await restartAndCheck(true);
  });

  it('inside the lot’s transaction: nothing was committed, the lot is processed again from the message', async () => {
    killedGateway('in-transaction');
    const registry = new SqliteRegistry(sqlitePath(config)!);
    expect(await registry.listLots()).toEqual([]);
    await registry.close();
    expect(readdirSync(mailbox('new')).length + readdirSync(mailbox('cur')).length).toBe(1);

    await restartAndCheck(false);
  });
});
