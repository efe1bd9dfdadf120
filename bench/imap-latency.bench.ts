/**
 * Pick-up latency of the production edges: a lot delivered into a real Dovecot (LMTP) →
 * committed by the running daemon (woken by IDLE), and → its compte rendu accepted by the SMTP
 * server. Target (issue 7): pick-up under 1 s. Reuses the integration tests' harness.
 */
import type { Gateway } from '../src/app.js';
import { runDaemon } from '../src/daemon.js';
import { startDovecot } from '../test/harness/dovecot.js';
import { DEPOT, eventually, gatewayHome, GUICHET } from '../test/harness/gateway.js';
import { deliverLmtp, startSmtpReceiver } from '../test/harness/smtp.js';
import type { BenchFigure, Benchmark } from './types.js';

const LOTS = 8;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const bench: Benchmark = async () => {
  const dovecot = await startDovecot();
  const smtp = await startSmtpReceiver({ lmtpPort: dovecot.lmtpPort });
  const home = await gatewayHome({ dovecot, smtp });
  const gateway: Gateway = await home.open();
  const controller = new AbortController();
  const loop = runDaemon(gateway, controller.signal);
  const pickUp: number[] = [];
  const reply: number[] = [];
  try {
    await new Promise((r) => setTimeout(r, 500)); // connected, idling
    for (let i = 0; i < LOTS; i++) {
      const raw = await home.sealLot(`LATENCE-${i}`);
      const lots = (await gateway.registry.listLots()).length;
      const replies = smtp.received.length;
      const start = performance.now();
      await deliverLmtp(dovecot.lmtpPort, DEPOT, raw, GUICHET.expediteur);
      await eventually(async () => (await gateway.registry.listLots()).length > lots, 'lot committed', 30_000);
      pickUp.push(performance.now() - start);
      await eventually(() => smtp.received.slice(replies).some((m) => m.raw.includes(`Compte rendu du lot LATENCE-${i}`)), 'compte rendu accepted', 60_000);
      reply.push(performance.now() - start);
      // Let the attestations drain so that the next lot starts from an idle gateway.
      await eventually(async () => (await gateway.registry.outboxByStatut('PRET')).length === 0 && (await gateway.registry.outboxByStatut('A_PREPARER')).length === 0, 'outbox drained', 60_000);
      await new Promise((r) => setTimeout(r, 300));
    }
  } finally {
    controller.abort();
    await loop;
    await gateway.close();
    home.cleanup();
    await smtp.stop();
    // The harness unrefs Dovecot's process: with nothing else left, Node would exit (code 13)
    // before the 'exit' event that stop() awaits.
    const keepAlive = setInterval(() => {}, 1000);
    await dovecot.stop().finally(() => clearInterval(keepAlive));
  }
  const figures: BenchFigure[] = [
    { name: `delivery → lot committed (IDLE), median of ${LOTS}`, value: median(pickUp), unit: 'ms', target: '< 1000 ms', met: median(pickUp) < 1000 },
    { name: `delivery → lot committed (IDLE), worst of ${LOTS}`, value: Math.max(...pickUp), unit: 'ms', target: '< 1000 ms', met: Math.max(...pickUp) < 1000 },
    { name: `delivery → compte rendu accepted by SMTP, median of ${LOTS}`, value: median(reply), unit: 'ms' },
  ];
  return figures;
};

export default bench;
