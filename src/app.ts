/**
 * The composition root: one factory reads the frozen config and builds the edges (mailbox,
 * sender, registry, national keyring); the pipeline never knows which implementations it got.
 */
import { readFileSync } from 'node:fs';
import { systemClock, type Clock } from './clock.js';
import { homePath } from './config/load.js';
import { serverPassword } from './config/secrets.js';
import { registryLocation, sqlitePath } from './config/registry-location.js';
import type { Config } from './config/schema.js';
import type { PrivateKeyring } from './crypto/index.js';
import { loadNationalKeyring, type NationalKeyLocation } from './crypto/national-keys.js';
import { collectGarbage } from './memory.js';
import { newInstance, soleInstance, type Instance } from './instance.js';
import type { Logger } from './log.js';
import { MaildirSender } from './mail/maildir-sender.js';
import { MaildirSource } from './mail/maildir.js';
import type { RetryPolicy } from './replies/deliver.js';
import type { MailboxSource, ReplySender } from './mail/types.js';
import { SqliteRegistry } from './registry/sqlite/store.js';
import type { Registry } from './registry/registry.js';
import { loadReference, type ReferenceIndex } from './rules/reference/index.js';

export interface Gateway {
  readonly config: Readonly<Config>;
  readonly registry: Registry;
  readonly mailbox: MailboxSource;
  readonly sender: ReplySender;
  readonly keyring: PrivateKeyring;
  readonly reference: ReferenceIndex;
  readonly clock: Clock;
  readonly logger: Logger;
  /** This instance among those sharing the registry (spec 10): the holder of its leases and claims. */
  readonly instance: Instance;
  close(): Promise<void>;
}

export function nationalKeyLocation(config: Readonly<Config>): NationalKeyLocation {
  return {
    dir: homePath(config, config.keys.dir),
    passphraseFile: homePath(config, config.keys.passphraseFile),
    address: config.gateway.address,
  };
}

/**
 * The registry the configuration names: the embedded SQLite file, or a PostgreSQL database (its
 * driver imported only then). Migrated to the current schema on opening.
 */
export async function openRegistry(config: Readonly<Config>, env: NodeJS.ProcessEnv = process.env): Promise<Registry> {
  const location = registryLocation(config, env);
  if (location.kind === 'sqlite') return new SqliteRegistry(location.path);
  const { PostgresRegistry } = await import('./registry/postgres/store.js');
  try {
    return await PostgresRegistry.open({
      connectionString: location.url,
      ...(location.password !== undefined ? { password: location.password } : {}),
      ...(location.ca !== undefined ? { ca: location.ca } : {}),
    });
  } catch (error) {
    // The driver's words alone ("unable to verify the first certificate", "no encryption") name
    // neither the server nor the settings to look at.
    const ca = config.registry.caFile === '' ? 'vide : connexion sans TLS' : homePath(config, config.registry.caFile);
    throw new Error(
      `registre PostgreSQL ${location.url} : ouverture impossible (${error instanceof Error ? error.message : String(error)}) ; ` +
        `vérifiez registry.url, le mot de passe (SNE_GATEWAY_REGISTRY_PASSWORD ou registry.passwordFile), ` +
        `l'autorité de certification du serveur (registry.caFile : ${ca}) et que le serveur est joignable`,
      { cause: error },
    );
  }
}

/**
 * The deposit mailbox the configuration names: the embedded Maildir, or an IMAP account. The
 * server edges are imported only when configured (imapflow alone weighs ~25 MB of memory).
 */
export async function openMailbox(
  config: Readonly<Config>,
  logger: Logger,
  clock: Clock = systemClock,
  env: NodeJS.ProcessEnv = process.env,
): Promise<MailboxSource> {
  if (config.mailbox.kind === 'maildir') return new MaildirSource(homePath(config, config.mailbox.path), { clock });
  const { ImapSource } = await import('./mail/imap.js');
  return new ImapSource({
    url: config.mailbox.url,
    password: serverPassword(config, 'mailbox', env),
    ca: readCa(config, config.mailbox.caFile),
    sweepIntervalMs: config.mailbox.sweepIntervalMs,
    logger,
    clock,
  });
}

/** Where replies go: the embedded outgoing Maildir, or an SMTP server. */
export async function openSender(config: Readonly<Config>, logger: Logger, env: NodeJS.ProcessEnv = process.env, clock: Clock = systemClock): Promise<ReplySender> {
  if (config.sender.kind === 'maildir') return new MaildirSender(homePath(config, config.sender.path), { clock });
  const { SmtpSender } = await import('./mail/smtp.js');
  return new SmtpSender({
    url: config.sender.url,
    password: serverPassword(config, 'sender', env),
    ca: readCa(config, config.sender.caFile),
    logger,
  });
}

/** The outbox's Postfix-like retry, from the configuration. */
export function retryPolicy(config: Readonly<Config>): RetryPolicy {
  return { minMs: config.sender.retryMinMs, maxMs: config.sender.retryMaxMs, lifetimeMs: config.sender.lifetimeHours * 3_600_000 };
}

function readCa(config: Readonly<Config>, file: string): Buffer | undefined {
  return file === '' ? undefined : readFileSync(homePath(config, file));
}

export async function openGateway(config: Readonly<Config>, logger: Logger, clock: Clock = systemClock): Promise<Gateway> {
  const keyring = await loadNationalKeyring(nationalKeyLocation(config));
  // Unlocking the keys leaves ~33 MB of openpgp's buffers behind, which nothing the gateway then
  // allocates would make V8 collect soon: they would stay through a big lot's judging, the
  // process's peak (docs/PERFORMANCE.md, "Memory").
  collectGarbage();
  const registry = await openRegistry(config);
  const mailbox = await openMailbox(config, logger, clock);
  const sender = await openSender(config, logger, process.env, clock);
  let reference: ReferenceIndex | undefined;
  return {
    config,
    registry,
    mailbox,
    sender,
    keyring,
    // Loaded on first use (~40 MB): the daemon judges messages in a thread with its own copy.
    get reference() {
      reference ??= loadReference(config.home);
      return reference;
    },
    clock,
    logger,
    instance: sqlitePath(config) !== undefined ? soleInstance(config.daemon.leaseMs) : newInstance(config.daemon.leaseMs),
    async close() {
      await mailbox.close();
      await sender.close();
      await registry.close();
    },
  };
}
