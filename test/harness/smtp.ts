/**
 * A real SMTP receiver for tests and benchmarks (the `smtp-server` package) on a free loopback
 * port: it records every message it accepts and hands it to Dovecot's LMTP when given one, as
 * an MTA would. It can be stopped and started again on the same port (an SMTP outage), and told
 * to refuse some recipients (per-recipient rejections).
 */
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { freePort } from './ports.js';

export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly raw: Buffer;
  readonly at: number;
}

export interface SmtpReceiver {
  readonly port: number;
  readonly received: ReceivedMail[];
  /** Recipients answered `550` at RCPT TO (lower case). */
  readonly refuse: Set<string>;
  url(): string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when `count` messages were received in all; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
}

export interface SmtpReceiverOptions {
  readonly lmtpPort?: number;
  readonly port?: number;
  /**
   * How long `stop()` lets open connections finish before answering them 421 (smtp-server's
   * default: 30 s): short for an abrupt outage, with a sender's pooled connection still open.
   */
  readonly closeTimeoutMs?: number;
}

export async function startSmtpReceiver(options: SmtpReceiverOptions = {}): Promise<SmtpReceiver> {
  const port = options.port ?? (await freePort());
  const received: ReceivedMail[] = [];
  const refuse = new Set<string>();
  const waiters = new Set<() => void>();
  const lmtp = options.lmtpPort === undefined ? undefined : nodemailer.createTransport({ lmtp: true, host: '127.0.0.1', port: options.lmtpPort, ignoreTLS: true });
  let server: SMTPServer | undefined;

  const create = (): SMTPServer =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      ...(options.closeTimeoutMs === undefined ? {} : { closeTimeout: options.closeTimeoutMs }),
      onRcptTo(address, _session, callback) {
        if (refuse.has(address.address.toLowerCase())) {
          const error = new Error('Boîte inconnue') as Error & { responseCode: number };
          error.responseCode = 550;
          callback(error);
          return;
        }
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
          const to = session.envelope.rcptTo.map((r) => r.address);
          const hand = lmtp ? lmtp.sendMail({ envelope: { from, to }, raw }) : Promise.resolve();
          hand.then(
            () => {
              received.push({ from, to, raw, at: Date.now() });
              for (const wake of [...waiters]) wake();
              callback();
            },
            (error: Error) => callback(error),
          );
        });
      },
    });

  const receiver: SmtpReceiver = {
    port,
    received,
    refuse,
    url: () => `smtp://127.0.0.1:${port}`,
    start: async () => {
      server = create();
      const listening = server;
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(port, '127.0.0.1', () => resolve());
      });
    },
    stop: async () => {
      const running = server;
      server = undefined;
      if (running) await new Promise<void>((resolve) => running.close(() => resolve()));
    },
    waitFor: (count, timeoutMs = 20_000) =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (received.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`SMTP receiver: ${received.length} message(s) after ${timeoutMs} ms, ${count} expected`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
  };
  await receiver.start();
  return receiver;
}

/** Submits a message over SMTP, as a guichet's mail server would. */
export async function submit(port: number, from: string, to: string, raw: Buffer): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    await transport.sendMail({ envelope: { from, to: [to] }, raw });
  } finally {
    transport.close();
  }
}

/** Delivers a message straight into Dovecot over LMTP. */
export async function deliverLmtp(lmtpPort: number, to: string, raw: Buffer, from = 'lots@guichet.example'): Promise<void> {
  const transport = nodemailer.createTransport({ lmtp: true, host: '127.0.0.1', port: lmtpPort, ignoreTLS: true });
  try {
    await transport.sendMail({ envelope: { from, to: [to] }, raw });
  } finally {
    transport.close();
  }
}
