/**
 * The base école (spec 9): a gateway on which guichets' developers test their software. It
 * behaves as the real one but for what this module decides: each reply document says it is a
 * specimen, each subject starts with `[ÉCOLE]`, and no demandeur is ever mailed. The mode is one
 * flag, `gateway.ecole`, read by the composition root and carried in the reply context (queue
 * settings, `PrepareDeps`, `ReplyJob`): no renderer reads the configuration or a global.
 */

/** What a reply depends on beside its document: whether this gateway is a base école. */
export interface ReplyMode {
  /** Absent or false: the real gateway. */
  readonly ecole?: boolean;
}

/** Across every page of every PDF of a base école. */
export const MENTION_SPECIMEN = 'SPÉCIMEN — BASE ÉCOLE — SANS VALEUR';

/** Before the subject of every reply of a base école. */
export const PREFIXE_OBJET_ECOLE = '[ÉCOLE]';

/**
 * The attributes every XML reply document puts on its root beside its own (compte rendu; digest
 * and copie numérique alike): `ecole="true"` in a base école, nothing otherwise.
 */
export function replyRootAttributes(mode: ReplyMode): Readonly<Record<string, string>> {
  return mode.ecole === true ? { ecole: 'true' } : {};
}

/** A reply's subject as mailed. */
export function replySubject(subject: string, mode: ReplyMode): string {
  return mode.ecole === true ? `${PREFIXE_OBJET_ECOLE} ${subject}` : subject;
}

/**
 * The demandeur's own address as a recipient of a copy (attestation or préavis), or none: the
 * only way a demandeur's address becomes a recipient. `allowed`: the setting that asks for the
 * copy. A base école never mails a demandeur (spec 9), whatever the settings: its demandeurs are
 * made up, their addresses may be anyone's.
 */
export function demandeurRecipient(mel: string | undefined, allowed: boolean, mode: ReplyMode): string | undefined {
  if (mode.ecole === true || !allowed || mel === undefined || mel === '') return undefined;
  return mel;
}
