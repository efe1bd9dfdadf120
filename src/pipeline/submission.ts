/**
 * What the pipeline judges and commits: a lot as a channel delivered it (spec 7: same lot, same
 * crypto, same rules, same registry, only the transport changes). A channel's edge makes one —
 * `mail/submission.ts` from an inbound message, `https/` from a request — and the judge opens it
 * (`open.ts`): the guichet as the channel authenticated it, and the OpenPGP payload. Plain data,
 * so that it crosses to the judge thread.
 */
import type { Canal } from '../registry/model.js';

interface Common {
  readonly canal: Canal;
  /** Its identity in the channel (Maildir name, IMAP uid, HTTPS request id): tells a crash from a re-send. */
  readonly source: string;
  /** What the channel received, kept with the lot for replay: the mail message, or the request's body. */
  readonly original: Buffer;
  /** Size as received; over the limits, `original` may hold only part of it (a mail's header section). */
  readonly sizeBytes: number;
  readonly receivedAt: Date;
}

/** A mail message: its guichet is the one of its `From` address, its payload its OpenPGP attachment. */
export interface MailSubmission extends Common {
  readonly canal: 'mail';
}

/** An HTTPS request: its guichet is the one of its client certificate, its payload the body itself. */
export interface HttpsSubmission extends Common {
  readonly canal: 'https';
  /** The guichet's code, as its client certificate's fingerprint names it. */
  readonly guichet: string;
}

export type Submission = MailSubmission | HttpsSubmission;
