/**
 * What `/readyz` answers (spec 7): ready when the registry answers a cheap read within a short
 * time, the mailbox can be read (an IMAP session is up; a Maildir always can), and the daemon is
 * not draining on its way out.
 */
import type { Gateway } from '../app.js';

/** A registry slower than this is as good as unreachable for a supervisor or a load balancer. */
export const REGISTRY_TIMEOUT_MS = 2_000;

export interface Readiness {
  readonly ready: boolean;
  readonly registry: boolean;
  readonly mailbox: boolean;
  readonly draining: boolean;
}

export async function readiness(gw: Pick<Gateway, 'registry' | 'mailbox'>, draining: boolean, timeoutMs = REGISTRY_TIMEOUT_MS): Promise<Readiness> {
  const registry = await answersWithin(() => gw.registry.outboxNextAttempt(), timeoutMs);
  const mailbox = gw.mailbox.connected;
  return { ready: registry && mailbox && !draining, registry, mailbox, draining };
}

/** Whether `read` resolves within `timeoutMs` (its late answer or failure is then ignored). */
async function answersWithin(read: () => Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([
      read().then(
        () => true,
        () => false,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
