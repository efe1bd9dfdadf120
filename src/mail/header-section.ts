/** The header section of a raw message, for what only needs its headers (oversized or unjudged messages). */

/** The header section and its blank line, so a parser sees a message with an empty body. */
export function headerSection(head: Buffer): Buffer {
  const crlf = head.indexOf('\r\n\r\n');
  const lf = head.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return head.subarray(0, crlf + 4);
  if (lf >= 0) return head.subarray(0, lf + 2);
  return head;
}
