/**
 * The operations endpoints of the daemon (spec 7): its metrics, observing what the daemon
 * reports, and their listener. Started by `runDaemon` when `ops.port` is set; imported only then
 * (fastify and prom-client stay out of the other commands).
 */
import type { Gateway } from '../app.js';
import { GatewayMetrics } from './metrics.js';
import { readiness } from './readiness.js';
import { startOpsServer } from './server.js';

export interface Ops {
  readonly metrics: GatewayMetrics;
  close(): Promise<void>;
}

/** The listener on `ops.host:ops.port`; `/readyz` says 503 from the moment `stopping` aborts. */
export async function startOps(gw: Gateway, stopping: AbortSignal): Promise<Ops> {
  const metrics = new GatewayMetrics(gw);
  const server = await startOpsServer({
    host: gw.config.ops.host,
    port: gw.config.ops.port,
    logger: gw.logger.child({ component: 'ops' }),
    ready: () => readiness(gw, stopping.aborted),
    metrics,
  });
  return { metrics, close: () => server.close() };
}
