/**
 * The operations listener (spec 7): plain HTTP, bound to the loopback unless configured
 * otherwise, no authentication — `/livez`, `/readyz` and `/metrics` only. Fastify is imported by
 * this module alone (the HTTPS channel has its own listener). Closing it lets the requests in
 * flight finish; a request arriving while it closes gets 503.
 */
import Fastify from 'fastify';
import type { Logger } from '../log.js';
import type { Readiness } from './readiness.js';

export interface OpsServerOptions {
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  readonly ready: () => Promise<Readiness>;
  readonly metrics: { readonly contentType: string; render(): Promise<string> };
}

export interface OpsServer {
  /** `host:port` it listens on. */
  readonly address: string;
  close(): Promise<void>;
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const app = Fastify({ logger: false });
  app.get('/livez', async (_request, reply) => reply.type('text/plain; charset=utf-8').send('ok\n'));
  app.get('/readyz', async (_request, reply) => {
    const state = await options.ready();
    return reply.code(state.ready ? 200 : 503).send(state);
  });
  app.get('/metrics', async (_request, reply) => {
    try {
      const text = await options.metrics.render();
      return reply.type(options.metrics.contentType).send(text);
    } catch (error) {
      // A gauge could not be read (the registry is down): the scrape fails, and says so in the log.
      options.logger.warn({ err: error }, 'metrics could not be collected');
      return reply.code(503).type('text/plain; charset=utf-8').send('metrics unavailable\n');
    }
  });
  await app.listen({ host: options.host, port: options.port });
  const address = `${options.host}:${options.port}`;
  options.logger.info({ address }, 'operations endpoints listening');
  return {
    address,
    close: async () => {
      await app.close();
      options.logger.info({ address }, 'operations endpoints closed');
    },
  };
}
