/**
 * Sessions in a signed cookie (HttpOnly, SameSite=Strict, Secure over TLS): the account's name,
 * the account's last change (a disabled account or a new password ends every open session) and
 * an expiry. Nothing is kept on the server.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../clock.js';
import type { Gestionnaire } from '../registry/model.js';
import type { RegistryReads } from '../registry/registry.js';

export const SESSION_COOKIE = 'sne_session';
/** A working day: the gestionnaire logs in again the next morning. */
export const SESSION_MS = 10 * 3600_000;

interface SessionValue {
  /** The account's name. */
  readonly n: string;
  /** Its `modifieAt` when logged in. */
  readonly v: string;
  /** Expiry, epoch milliseconds. */
  readonly e: number;
}

export interface CookieSettings {
  readonly secure: boolean;
}

const cookieOptions = (settings: CookieSettings) => ({ signed: true, httpOnly: true, sameSite: 'strict' as const, secure: settings.secure, path: '/' });

export function openSession(reply: FastifyReply, gestionnaire: Gestionnaire, clock: Clock, settings: CookieSettings): void {
  const value: SessionValue = { n: gestionnaire.nom, v: gestionnaire.modifieAt, e: clock.now().getTime() + SESSION_MS };
  reply.setCookie(SESSION_COOKIE, Buffer.from(JSON.stringify(value)).toString('base64url'), { ...cookieOptions(settings), maxAge: SESSION_MS / 1000 });
}

export function closeSession(reply: FastifyReply, settings: CookieSettings): void {
  reply.clearCookie(SESSION_COOKIE, cookieOptions(settings));
}

/** The logged-in gestionnaire: a well-signed, unexpired cookie of an active account unchanged since. */
export async function sessionGestionnaire(request: FastifyRequest, registry: RegistryReads, clock: Clock): Promise<Gestionnaire | undefined> {
  const cookie = request.cookies[SESSION_COOKIE];
  if (cookie === undefined) return undefined;
  const unsigned = request.unsignCookie(cookie);
  if (!unsigned.valid || unsigned.value === null) return undefined;
  let value: SessionValue;
  try {
    value = JSON.parse(Buffer.from(unsigned.value, 'base64url').toString('utf8')) as SessionValue;
  } catch {
    return undefined;
  }
  if (typeof value.n !== 'string' || typeof value.e !== 'number' || value.e <= clock.now().getTime()) return undefined;
  const gestionnaire = await registry.getGestionnaire(value.n);
  return gestionnaire?.actif && gestionnaire.modifieAt === value.v ? gestionnaire : undefined;
}
