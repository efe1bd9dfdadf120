/**
 * The one logger. Components take `logger.child({ component })`; the pipeline adds `{ lot }`.
 * Never log a demandeur's name, birth date, e-mail address or numéro unique: log references,
 * codes and counts. Secrets are redacted where they could appear; free text from outside (a
 * server's answer, an error message) goes through `withoutAddresses`.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.SNE_GATEWAY_LOG_LEVEL ?? 'info',
      base: { app: 'sne-gateway' },
      redact: {
        paths: ['passphrase', '*.passphrase', 'privateKey', '*.privateKey', 'password', '*.password'],
        censor: '[secret]',
      },
    },
    options.destination ?? pino.destination(2),
  );
}

/** What an address is quoted between, in a server's answer or an error message. */
const WORD = /[^\s<>"'`(),;[\]]+/g;

/**
 * A server's answer or an error message as it may be logged: each e-mail address (a demandeur's,
 * in the refusal of its copy) replaced by `[adresse]`. A path is kept whole, though the outgoing
 * Maildir's file names hold the Message-ID's `@`: the operator needs it to fix a failed write.
 */
export function withoutAddresses(text: string): string {
  return text.replace(WORD, (word) => (word.includes('@') && !/[/\\]/.test(word) ? word.replace(/[^@:]+@[^@:]+/g, '[adresse]') : word));
}

/** A logger that drops everything, for unit tests and quiet commands. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
