/**
 * The one logger. Components take `logger.child({ component })`; the pipeline adds `{ lot }`.
 * Never log a demandeur's name, birth date, e-mail address or numéro unique: log references,
 * codes and counts. Secrets are redacted where they could appear.
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

/** A logger that drops everything, for unit tests and quiet commands. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
