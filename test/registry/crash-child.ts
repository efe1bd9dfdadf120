/**
 * A gateway process that dies by SIGKILL in the middle of a pass, for test/registry/crash.test.ts.
 * `after-commit`: the lot's transaction committed, the message not yet moved out of the inbox.
 * `in-transaction`: every row of the lot written, the transaction not yet committed.
 * The kill is done here, in the test's own process, never by a hook in the gateway's code.
 */
import { openGateway } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import { pipelineDeps } from '../../src/daemon.js';
import { silentLogger } from '../../src/log.js';
import { processMessage } from '../../src/pipeline/process.js';
import type { Registry } from '../../src/registry/registry.js';

const [home, mode] = process.argv.slice(2);
const gateway = await openGateway(loadConfig(home!), silentLogger());
const deps = pipelineDeps(gateway);

const registry: Registry =
  mode === 'in-transaction'
    ? Object.assign(Object.create(gateway.registry) as Registry, {
        transaction: async <T>(work: Parameters<Registry['transaction']>[0]): Promise<T> =>
          gateway.registry.transaction(async (tx) => {
            await work(tx);
            process.kill(process.pid, 'SIGKILL');
            throw new Error('unreachable');
          }),
      })
    : gateway.registry;

for await (const message of gateway.mailbox.pending()) {
  const outcome = await processMessage(message, { ...deps, registry });
  if (outcome.kind !== 'committed') throw new Error(`not committed: ${outcome.kind}`);
  // Registered and its replies queued; the mailbox move (settle) never happens.
  process.kill(process.pid, 'SIGKILL');
}
