/**
 * Replies over SMTP (nodemailer's pooled SMTP transport, imported by this module only). The pool
 * keeps connections open (a server may greet slowly); its in-memory requeue is bounded, since
 * the outbox in the registry — not nodemailer — is what retries. Refused recipients are
 * returned as values; a message nobody accepted for a transient reason rejects, to be retried.
 */
import { createTransport, type Transporter } from 'nodemailer';
import type { Logger } from '../log.js';
import type { OutgoingMessage, RecipientRejection, ReplySender } from './types.js';

export interface SmtpSenderOptions {
  /** `smtp://[user@]host:port` (STARTTLS when offered) or `smtps://…` (TLS from the start). */
  readonly url: string;
  readonly password?: string | undefined;
  /** Certificate authority to trust (PEM), besides the system's. */
  readonly ca?: Buffer | undefined;
  readonly logger: Logger;
}

/** Requeues of a message after a pooled connection dropped, before `send` rejects. */
const MAX_REQUEUES = 1;

type SmtpFailure = Error & { code?: string; rejectedErrors?: Array<Error & { recipient?: string; response?: string }> };

export class SmtpSender implements ReplySender {
  readonly #transport: Transporter;
  readonly #log: Logger;

  constructor(options: SmtpSenderOptions) {
    this.#log = options.logger.child({ component: 'smtp' });
    this.#transport = createTransport({
      pool: true,
      maxConnections: 2,
      maxRequeues: MAX_REQUEUES,
      ...serverOptions(options),
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 60_000,
    });
  }

  async send(message: OutgoingMessage): Promise<{ readonly rejected: readonly RecipientRejection[] }> {
    try {
      const info = await this.#transport.sendMail({
        envelope: { from: message.from, to: [...message.to] },
        raw: message.raw,
      });
      const errors = (info as { rejectedErrors?: SmtpFailure['rejectedErrors'] }).rejectedErrors ?? [];
      return { rejected: errors.map(toRejection) };
    } catch (error) {
      const failure = error as SmtpFailure;
      // Every recipient refused, permanently: a value. A 4xx is for the outbox to retry.
      const permanent = failure.code === 'EENVELOPE' && (failure.rejectedErrors ?? []).length > 0
        && failure.rejectedErrors!.every((e) => /^5/.test(e.response ?? ''));
      if (permanent) return { rejected: failure.rejectedErrors!.map(toRejection) };
      this.#log.debug({ err: error, messageId: message.messageId }, 'SMTP send failed');
      throw error;
    }
  }

  async close(): Promise<void> {
    this.#transport.close();
  }
}

/**
 * For `doctor`: connects, says EHLO, upgrades to TLS when offered, authenticates when a user is
 * given, and quits, within `timeoutMs` (nodemailer's `verify`). Rejects with why it failed.
 */
export async function probeSmtp(options: Pick<SmtpSenderOptions, 'url' | 'password' | 'ca'> & { readonly timeoutMs: number }): Promise<void> {
  const transport = createTransport({
    ...serverOptions(options),
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
  });
  try {
    await transport.verify();
  } catch (error) {
    const failure = error as Error & { code?: string; response?: string };
    throw new Error(failure.code === 'EAUTH' ? `authentification refusée (${failure.response ?? failure.message})` : failure.message);
  } finally {
    transport.close();
  }
}

/** Host, port, TLS and credentials from `smtp[s]://[user@]host:port`. */
function serverOptions(options: Pick<SmtpSenderOptions, 'url' | 'password' | 'ca'>) {
  const url = new URL(options.url);
  const secure = url.protocol === 'smtps:';
  const user = decodeURIComponent(url.username);
  return {
    host: url.hostname,
    port: Number(url.port) || (secure ? 465 : 25),
    secure,
    ...(user ? { auth: { user, pass: options.password ?? '' } } : {}),
    ...(options.ca ? { tls: { ca: [options.ca] } } : {}),
  };
}

function toRejection(error: Error & { recipient?: string; response?: string }): RecipientRejection {
  return { address: error.recipient ?? '', response: error.response ?? error.message };
}
