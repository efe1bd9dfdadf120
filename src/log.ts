/**
 * The one logger. Components take `logger.child({ component })`; the pipeline adds `{ lot }`.
 * Never log a demandeur's name, birth date, e-mail address or numéro unique: log references,
 * codes and counts. Secrets are redacted where they could appear; free text from outside (a
 * server's answer, an error message) goes through `withoutAddresses`.
 *
 * The daemon logs JSON lines (for a log collector); the CLI's other commands log in a short
 * human form (`warn: message (key=value …)`) so that their lines read well beside the output.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import { escapeControls } from './control-characters.js';

export type { Logger };

export interface LoggerOptions {
  readonly level?: string;
  readonly destination?: DestinationStream;
  /** `human`: one short line per entry instead of JSON (CLI commands). */
  readonly format?: 'json' | 'human';
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? pino.destination(2);
  return pino(
    {
      level: options.level ?? process.env.SNE_GATEWAY_LOG_LEVEL ?? 'info',
      base: { app: 'sne-gateway' },
      redact: {
        paths: ['passphrase', '*.passphrase', 'privateKey', '*.privateKey', 'password', '*.password'],
        censor: '[secret]',
      },
    },
    options.format === 'human' ? humanDestination(destination) : destination,
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

/** Fields every entry carries, left out of the human form. */
const IMPLIED = new Set(['level', 'time', 'pid', 'hostname', 'app', 'msg', 'err']);

/**
 * pino's JSON line (already redacted) turned into `level: message (key=value …)`: scalar fields
 * only, an error by its message.
 */
export function humanLine(json: string): string {
  const entry = JSON.parse(json) as Record<string, unknown>;
  const label = pino.levels.labels[Number(entry.level)] ?? String(entry.level);
  const fields = Object.entries(entry)
    .filter(([key, value]) => !IMPLIED.has(key) && value !== null && typeof value !== 'object')
    .map(([key, value]) => `${key}=${String(value)}`);
  const err = entry.err as { message?: string } | undefined;
  const detail = [...(err?.message ? [err.message] : []), ...fields].join(' ');
  // Read on a terminal: a value from a message must not command it.
  return `${escapeControls(`${label}: ${String(entry.msg ?? '')}${detail === '' ? '' : ` (${detail})`}`)}\n`;
}

function humanDestination(destination: DestinationStream): DestinationStream {
  return { write: (line: string) => void destination.write(humanLine(line)) };
}
