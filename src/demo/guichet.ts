/**
 * A guichet's side of the exchange, as its software would do it: keys, a lot encrypted to the
 * national key and signed, sent as a mail; the replies decrypted and checked. Used by the demo
 * and the tests; the gateway itself never runs this code.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decryptAndVerify, generateKeyPair, loadPrivateKeyring, signAndEncrypt, type PrivateKeyring } from '../crypto/index.js';
import { buildLotMessage } from '../mail/mime-out.js';
import { readLotMessage } from '../mail/mime-in.js';
import type { Registry } from '../registry/registry.js';

export interface GuichetIdentity {
  readonly code: string;
  readonly nom: string;
  readonly adresse: string;
  readonly expediteur: string;
  readonly destinataire: string;
  readonly departements: readonly string[];
}

export interface GuichetKeys {
  readonly publicKey: string;
  readonly fingerprint: string;
  readonly keyring: PrivateKeyring;
}

/** The guichet's key pair, kept in `dir` so that a second run reuses it. */
export async function guichetKeys(dir: string, guichet: GuichetIdentity): Promise<GuichetKeys> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const privateFile = join(dir, `${guichet.code}.key.asc`);
  const publicFile = join(dir, `${guichet.code}.pub.asc`);
  if (!existsSync(privateFile)) {
    const pair = await generateKeyPair({ name: guichet.nom, email: guichet.expediteur });
    writeFileSync(privateFile, pair.privateKey, { mode: 0o600 });
    writeFileSync(publicFile, pair.publicKey, { mode: 0o600 });
  }
  const publicKey = readFileSync(publicFile, 'utf8');
  const keyring = await loadPrivateKeyring([{ privateKey: readFileSync(privateFile, 'utf8') }]);
  return { publicKey, fingerprint: keyring.signingFingerprint, keyring };
}

/**
 * The gestionnaire's side: the guichet enrolled in the registry with its key (once). Only the
 * public half is read, so a key made elsewhere (by gpg, in the tests) enrols the same way.
 */
export async function enrolGuichet(registry: Registry, guichet: GuichetIdentity, keys: Pick<GuichetKeys, 'fingerprint' | 'publicKey'>): Promise<void> {
  if (await registry.getGuichet(guichet.code)) return;
  await registry.addGuichet({
    code: guichet.code,
    nom: guichet.nom,
    adresse: guichet.adresse,
    expediteurs: [guichet.expediteur],
    destinataires: [guichet.destinataire],
    cles: [{ fingerprint: keys.fingerprint, armored: keys.publicKey }],
    departements: guichet.departements,
  });
}

/** A lot file as a guichet sends it: signed, encrypted to the national key(s), attached as `.gpg`. */
export async function sealLotMessage(input: {
  readonly xml: Uint8Array;
  readonly fileName: string;
  readonly guichet: GuichetIdentity;
  readonly keys: GuichetKeys;
  readonly nationalPublicKeys: readonly string[];
  readonly depot: string;
  readonly messageId?: string;
}): Promise<Buffer> {
  const encrypted = await signAndEncrypt(input.xml, input.keys.keyring, input.nationalPublicKeys, { filename: input.fileName });
  return buildLotMessage({
    from: input.guichet.expediteur,
    to: input.depot,
    subject: `Lot ${input.fileName}`,
    ...(input.messageId === undefined ? {} : { messageId: input.messageId }),
    attachment: { filename: `${input.fileName}.gpg`, content: encrypted },
  });
}

/** Opens a reply: its attachment decrypted with the guichet's key, the national signature checked. */
export async function openReply(
  raw: Buffer,
  keys: GuichetKeys,
  nationalPublicKeys: readonly string[],
): Promise<{ filename: string; content: Uint8Array }> {
  const message = await readLotMessage(raw);
  if (!message.ok) throw new Error(`unreadable reply: ${message.error.code}`);
  const opened = await decryptAndVerify(message.value.openpgp.content, keys.keyring, nationalPublicKeys);
  if (!opened.ok) throw new Error(`reply not decryptable or not signed by the national key: ${opened.error.code}`);
  return { filename: message.value.openpgp.filename.replace(/\.gpg$/, ''), content: opened.value.payload };
}
