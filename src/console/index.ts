/**
 * The web console of the daemon (issue 20), started by `runDaemon` when `console.port` is set and
 * imported only then. Replays run on the daemon's judge; their replies are sent by its outbox.
 */
import { readFileSync } from 'node:fs';
import type { Gateway } from '../app.js';
import { homePath } from '../config/load.js';
import { replayLot } from '../pipeline/replay.js';
import type { PipelineDeps } from '../pipeline/process.js';
import { consoleSecret } from './secret.js';
import { buildConsole } from './server.js';

/** Login attempts per client address and minute. */
const LOGINS_PER_MINUTE = 10;

export interface Console {
  readonly address: string;
  close(): Promise<void>;
}

export async function startConsole(gw: Gateway, pipeline: PipelineDeps, repliesQueued: () => void): Promise<Console> {
  const { port, host, certFile, keyFile } = gw.config.console;
  const logger = gw.logger.child({ component: 'console' });
  const app = await buildConsole({
    registry: gw.registry,
    clock: gw.clock,
    logger,
    replay: (lotId, options) => replayLot(pipeline, lotId, options),
    repliesQueued,
    secret: consoleSecret(gw.config.home),
    ...(certFile !== '' && keyFile !== '' ? { tls: { cert: readFileSync(homePath(gw.config, certFile)), key: readFileSync(homePath(gw.config, keyFile)) } } : {}),
    loginsPerMinute: LOGINS_PER_MINUTE,
  });
  await app.listen({ host, port });
  const address = `${host}:${port}`;
  logger.info({ address, tls: certFile !== '' }, 'console listening');
  return {
    address,
    close: async () => {
      await app.close();
      logger.info({ address }, 'console closed');
    },
  };
}
