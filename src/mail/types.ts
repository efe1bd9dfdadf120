/**
 * The two mail edges. The pipeline only sees these interfaces; the embedded Maildir
 * implementations need no server, the IMAP/SMTP ones are chosen by configuration.
 */

/** Where a message goes once its outcome is committed (Maildir++ folders / IMAP mailboxes). */
export type SettledFolder = 'Traites' | 'Rejetes' | 'Quarantaine';

export interface InboundMessage {
  /** Identity in its source (Maildir file name; IMAP `mailbox:uidvalidity:uid`). */
  readonly sourceId: string;
  /** The raw RFC 5322 message, as received; only its header section when over `sizeBytes`' limit. */
  readonly raw: Buffer;
  /** Size in the mailbox. Over `LIMITS.messageBytes`, `raw` holds only the header section. */
  readonly sizeBytes: number;
  readonly receivedAt: Date;
}

export interface MailboxSource {
  /** Messages waiting in the inbox, oldest first; a message stays there until `settle`. */
  pending(): AsyncIterable<InboundMessage>;
  /** Move a message out of the inbox, only after its outcome is committed. Idempotent. */
  settle(message: InboundMessage, folder: SettledFolder): Promise<void>;
  /** Resolves when new mail may be waiting, or after `timeoutMs`; for the daemon loop. */
  waitForMail(timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /** Whether the mailbox can be read now (IMAP: a usable session; a Maildir: always), for `/readyz` and `/metrics`. */
  readonly connected: boolean;
  close(): Promise<void>;
}

/** One reply, fully built: the sender only transports these bytes. */
export interface OutgoingMessage {
  readonly messageId: string;
  readonly from: string;
  readonly to: readonly string[];
  /** The whole RFC 5322 message. */
  readonly raw: Buffer;
}

/** A recipient the server refused while accepting the message for others (or for none). */
export interface RecipientRejection {
  readonly address: string;
  /** The server's answer, e.g. `550 5.1.1 Boîte inconnue`. */
  readonly response: string;
}

export interface ReplySender {
  /** How many `send`s may run at once (a lot's replies are handed over as they are ready); 1 when absent. */
  readonly concurrency?: number;
  /**
   * Resolves once the message is durably handed over, listing the recipients refused (all of
   * them: nothing was accepted); rejects when it could not be handed over, to be retried later.
   */
  send(message: OutgoingMessage): Promise<{ readonly rejected: readonly RecipientRejection[] } | void>;
  close(): Promise<void>;
}
