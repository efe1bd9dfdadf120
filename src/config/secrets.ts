/**
 * The servers' passwords: never in the configuration file, but in the environment
 * (SNE_GATEWAY_MAILBOX_PASSWORD, SNE_GATEWAY_SENDER_PASSWORD, SNE_GATEWAY_REGISTRY_PASSWORD) or
 * in a file the setting names.
 */
import { readFileSync } from 'node:fs';
import { homePath } from './load.js';
import type { Config } from './schema.js';

export type SecretOwner = 'mailbox' | 'sender' | 'registry';

export const SECRET_VARIABLES: Readonly<Record<SecretOwner, string>> = {
  mailbox: 'SNE_GATEWAY_MAILBOX_PASSWORD',
  sender: 'SNE_GATEWAY_SENDER_PASSWORD',
  registry: 'SNE_GATEWAY_REGISTRY_PASSWORD',
};

/** The password of the mailbox, sender or registry server, or undefined when none is configured. */
export function serverPassword(config: Readonly<Config>, owner: SecretOwner, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env[SECRET_VARIABLES[owner]];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const file = config[owner].passwordFile;
  if (file === '') return undefined;
  try {
    return readFileSync(homePath(config, file), 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new Error(`${owner}.passwordFile : fichier illisible ${homePath(config, file)} (${(error as NodeJS.ErrnoException).code ?? 'erreur'})`);
  }
}
