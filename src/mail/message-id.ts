/**
 * A Message-ID the gateway keeps from a message and echoes in `In-Reply-To`/`References`: a
 * syntactically valid msg-id (RFC 5322 section 3.6.4), narrowed to `<left@right>` of printable
 * ASCII without spaces, angle brackets or a second `@`. Anything else — escape sequences, bidi
 * overrides, folded junk — can thread nothing and is not kept.
 */
const ID_TEXT = '[\\x21-\\x3b\\x3d\\x3f\\x41-\\x7e]+';
const MSG_ID = new RegExp(`^<${ID_TEXT}@${ID_TEXT}>$`);
/** A header line's limit (RFC 5322 section 2.1.1), less the field name. */
const MAX_LENGTH = 900;

/** The msg-id, trimmed, when it is one; else undefined. */
export function validMessageId(value: string | undefined): string | undefined {
  const id = value?.trim();
  return id !== undefined && id.length <= MAX_LENGTH && MSG_ID.test(id) ? id : undefined;
}
