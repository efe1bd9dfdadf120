/**
 * The composition root: one factory reads the frozen config and builds the edges (mailbox,
 * sender, registry, national keyring); the pipeline never knows which implementations it got.
 */
import { systemClock, type Clock } from './clock.js';
import { homePath } from './config/load.js';
import type { Config } from './config/schema.js';
import type { PrivateKeyring } from './crypto/index.js';
import { loadNationalKeyring, type NationalKeyLocation } from './crypto/national-keys.js';
import type { Logger } from './log.js';
import { MaildirSender } from './mail/maildir-sender.js';
import { MaildirSource } from './mail/maildir.js';
import type { MailboxSource, ReplySender } from './mail/types.js';
import { SqliteRegistry } from './registry/sqlite/store.js';
import type { Registry } from './registry/types.js';
import { loadBundledReference, type ReferenceIndex } from './rules/reference/index.js';

export interface Gateway {
  readonly config: Readonly<Config>;
  readonly registry: Registry;
  readonly mailbox: MailboxSource;
  readonly sender: ReplySender;
  readonly keyring: PrivateKeyring;
  readonly reference: ReferenceIndex;
  readonly clock: Clock;
  readonly logger: Logger;
  close(): Promise<void>;
}

export function nationalKeyLocation(config: Readonly<Config>): NationalKeyLocation {
  return {
    dir: homePath(config, config.keys.dir),
    passphraseFile: homePath(config, config.keys.passphraseFile),
    address: config.gateway.address,
  };
}

export function openRegistry(config: Readonly<Config>): Registry {
  return new SqliteRegistry(homePath(config, config.registry.path));
}

export async function openGateway(config: Readonly<Config>, logger: Logger, clock: Clock = systemClock): Promise<Gateway> {
  const keyring = await loadNationalKeyring(nationalKeyLocation(config));
  const registry = openRegistry(config);
  const mailbox = new MaildirSource(homePath(config, config.mailbox.path));
  const sender = new MaildirSender(homePath(config, config.sender.path));
  return {
    config,
    registry,
    mailbox,
    sender,
    keyring,
    reference: loadBundledReference(),
    clock,
    logger,
    async close() {
      await mailbox.close();
      await sender.close();
      registry.close();
    },
  };
}
