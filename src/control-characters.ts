/**
 * Characters that command a terminal or a mail reader instead of showing: C0 controls (ESC starts
 * ANSI/OSC sequences), DEL, C1 controls (U+009B is a one-character CSI) and the bidirectional
 * overrides, embeddings, isolates and marks that reorder what is shown. Text from a message
 * (Message-ID, Subject, a lot's identifiant or values) is untrusted: it is escaped visibly where
 * the gateway shows or writes it, so that the reader sees something odd is there.
 */
const CONTROL = '[\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]';
const CONTROLS = new RegExp(CONTROL, 'gu');

/**
 * Each such character as `\uXXXX` (ESC → `\u001b`), except those of `keep` (the CLI keeps its
 * line breaks). In a JSON text the escape decodes to the same character: JSON output stays exact.
 */
export function escapeControls(text: string, keep: string = ''): string {
  return text.replace(CONTROLS, (c) => (keep.includes(c) ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}
