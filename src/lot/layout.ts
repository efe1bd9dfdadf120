/**
 * The top level of a lot document, found by a byte scan so that libxml2 never has to hold the
 * whole document (issue 15, point 12: 64 MiB of dense XML made ~3 million nodes, 686 MB).
 *
 * The scan follows the element structure (comments, CDATA, processing instructions, quoted
 * attribute values, start and end tags matched by name) and cuts the document into segments:
 * the head (prolog, `lot` start tag, first child), each further child of `lot` with the spaces
 * and comments before it, and the tail (the root's end tag and what follows). parse.ts then has
 * libxml2 parse the head followed by a few hundred children at a time. Each segment is bounded
 * (LIMITS.xmlChildBytes) so that no document libxml2 builds can grow with the lot.
 *
 * It runs after xml-safety.ts: the bytes are ASCII-compatible (UTF-8, Latin-1 family, or UTF-16
 * transcoded to UTF-8), hold no `<!DOCTYPE`/`<!ENTITY`, and nest at most LIMITS.xmlDepth deep.
 * What it cannot follow is a well-formedness fault: it reports where, and parse.ts shows that
 * place to libxml2 for its exact message. It checks only what it relies on; everything else
 * (names, attributes, characters, references) is still libxml2's to refuse.
 */
import { lotError, type LotError } from '../errors.js';
import { LIMITS } from '../limits.js';

/** A child element of `lot`. */
export interface TopChild {
  /** Start of the segment: the end of the previous child (or of the `lot` start tag). */
  readonly from: number;
  /** End of the element (after its end tag or `/>`). */
  readonly end: number;
  readonly localName: string;
  /** Resolved from the `xmlns` declarations of the root and of the child; '' when none. */
  readonly namespace: string;
}

export interface LotLayout {
  readonly children: readonly TopChild[];
  /** Non-whitespace text (or CDATA, or a reference) directly in `lot`, outside comments. */
  readonly rootHasText: boolean;
  /** The root's end tag, for the batches that stop before it (`</lot>`, `</s:lot>`). */
  readonly closeTag: string;
}

/** The scan could not follow the structure at `at`: a well-formedness fault from `from` on. */
export interface LayoutFault {
  readonly fault: true;
  /** Start of the segment holding the fault (everything before it was followed). */
  readonly from: number;
  readonly at: number;
  /** The children complete before that segment. */
  readonly children: readonly TopChild[];
  /** The root's end tag ('' when the fault comes before the root). */
  readonly closeTag: string;
}

export type LayoutResult = LotLayout | LayoutFault | LotError;

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';

const isSpace = (c: number | undefined): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
/** Bytes that end a name: space, `/`, `>`, `=` (and end of input). */
const endsName = (c: number | undefined): boolean => c === undefined || isSpace(c) || c === SLASH || c === GT || c === 0x3d;

export function scanLot(bytes: Uint8Array, start: number): LayoutResult {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const tooBig = (actual: number): LotError =>
    lotError('LOT_XML', `Le fichier du lot n'est pas un document XML admis : un élément de <lot> dépasse ${LIMITS.xmlChildBytes} octets.`, {
      limit: 'xmlChildBytes',
      max: LIMITS.xmlChildBytes,
      actual,
    });
  const children: TopChild[] = [];
  let closeTag = '';
  const fault = (from: number, at: number): LayoutFault => ({ fault: true, from, at, children, closeTag });
  /** The tail, after the root's end: only comments, processing instructions and spaces. */
  const afterRoot = (rootEnd: number, from: number): number | LayoutFault | LotError => {
    for (let j = rootEnd; ; ) {
      while (isSpace(b[j])) j += 1;
      if (j - from > LIMITS.xmlChildBytes) return tooBig(j - from);
      if (j >= b.length) return j;
      const after = markup(b, j);
      if (after.kind !== 'comment' && after.kind !== 'pi') return fault(from, j);
      j = after.end;
    }
  };

  // Prolog: declaration, comments, processing instructions, spaces; then the root's start tag.
  let i = start;
  let root: { nameEnd: number; end: number } | undefined;
  while (root === undefined) {
    while (isSpace(b[i])) i += 1;
    if (b[i] !== LT) return fault(0, i);
    const next = markup(b, i);
    if (next.kind === 'fault') return fault(0, next.at);
    if (next.kind !== 'start') {
      if (next.kind !== 'comment' && next.kind !== 'pi') return fault(0, i);
      i = next.end;
      continue;
    }
    if (next.selfClosing) {
      if (next.end > LIMITS.xmlChildBytes) return tooBig(next.end);
      const end = afterRoot(next.end, 0);
      return typeof end === 'number' ? { children, rootHasText: false, closeTag: '' } : end;
    }
    root = { nameEnd: next.nameEnd, end: next.end };
  }
  if (root.end > LIMITS.xmlChildBytes) return tooBig(root.end);
  const rootName = b.toString('latin1', i + 1, root.nameEnd);
  const rootNamespaces = namespaceDeclarations(b.toString('utf8', root.nameEnd, root.end));
  closeTag = `</${rootName}>`;

  // Children of the root: each one followed to its end, its segment's size bounded.
  let rootHasText = false;
  let from = root.end;
  i = root.end;
  for (;;) {
    const lt = b.indexOf(LT, i);
    if (lt < 0) return fault(from, b.length);
    if (!rootHasText && !onlySpaces(b, i, lt)) rootHasText = true;
    const item = markup(b, lt);
    if (item.kind === 'fault') return fault(from, item.at);
    if (item.kind === 'cdata') {
      if (!rootHasText && !onlySpaces(b, lt + 9, item.end - 3)) rootHasText = true;
    } else if (item.kind === 'end') {
      if (b.toString('latin1', item.nameStart, item.nameEnd) !== rootName) return fault(from, lt);
      const end = afterRoot(item.end, from);
      return typeof end === 'number' ? { children, rootHasText, closeTag } : end;
    } else if (item.kind === 'start') {
      const end = item.selfClosing ? item.end : elementEnd(b, item, from);
      if (typeof end !== 'number') return end.fault ? fault(from, end.at) : tooBig(end.actual);
      if (end - from > LIMITS.xmlChildBytes) return tooBig(end - from);
      const qname = b.toString('latin1', lt + 1, item.nameEnd);
      const colon = qname.indexOf(':');
      const prefix = colon < 0 ? '' : qname.slice(0, colon);
      const own = namespaceDeclarations(b.toString('utf8', item.nameEnd, item.end));
      const namespace = own.get(prefix) ?? rootNamespaces.get(prefix) ?? (prefix === 'xml' ? XML_NAMESPACE : '');
      children.push({ from, end, localName: qname.slice(colon + 1), namespace });
      from = end;
      i = end;
      continue;
    }
    // Comments and processing instructions belong to the segment they are in.
    i = item.end;
    if (i - from > LIMITS.xmlChildBytes) return tooBig(i - from);
  }
}

type Markup =
  | { readonly kind: 'comment' | 'pi' | 'cdata'; readonly end: number }
  | { readonly kind: 'start'; readonly nameEnd: number; readonly end: number; readonly selfClosing: boolean }
  | { readonly kind: 'end'; readonly nameStart: number; readonly nameEnd: number; readonly end: number }
  | { readonly kind: 'fault'; readonly at: number };

/** The markup starting at `lt` (a `<`), and the offset just after it. */
function markup(b: Buffer, lt: number): Markup {
  const next = b[lt + 1];
  if (next === 0x21 /* ! */) {
    if (b.toString('latin1', lt, lt + 4) === '<!--') return skip(b, 'comment', '-->', lt + 4);
    if (b.toString('latin1', lt, lt + 9) === '<![CDATA[') return skip(b, 'cdata', ']]>', lt + 9);
    return { kind: 'fault', at: lt };
  }
  if (next === 0x3f /* ? */) return skip(b, 'pi', '?>', lt + 2);
  if (next === SLASH) {
    let nameEnd = lt + 2;
    while (!endsName(b[nameEnd])) nameEnd += 1;
    let end = nameEnd;
    while (isSpace(b[end])) end += 1;
    if (nameEnd === lt + 2 || b[end] !== GT) return { kind: 'fault', at: lt };
    return { kind: 'end', nameStart: lt + 2, nameEnd, end: end + 1 };
  }
  let nameEnd = lt + 1;
  while (!endsName(b[nameEnd])) nameEnd += 1;
  if (nameEnd === lt + 1) return { kind: 'fault', at: lt };
  let quote = 0;
  for (let j = nameEnd; j < b.length; j += 1) {
    const c = b[j];
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) {
      quote = c as number;
    } else if (c === GT) {
      return { kind: 'start', nameEnd, end: j + 1, selfClosing: b[j - 1] === SLASH };
    } else if (c === LT) {
      return { kind: 'fault', at: j };
    }
  }
  return { kind: 'fault', at: b.length };
}

function skip(b: Buffer, kind: 'comment' | 'pi' | 'cdata', marker: string, from: number): Markup {
  const at = b.indexOf(marker, from, 'latin1');
  return at < 0 ? { kind: 'fault', at: b.length } : { kind, end: at + marker.length };
}

/**
 * The end of the element whose start tag is `open`: end tags matched by name against a stack of
 * the open ones. Past `segmentFrom + xmlChildBytes` it stops: the segment is too big. The hot
 * loop of the scan (every tag of the lot), so written without allocation per tag.
 */
function elementEnd(
  b: Buffer,
  open: { readonly nameEnd: number; readonly end: number },
  segmentFrom: number,
): number | { readonly fault: true; readonly at: number } | { readonly fault: false; readonly actual: number } {
  const limit = segmentFrom + LIMITS.xmlChildBytes;
  const faultAt = (at: number) => ({ fault: true as const, at });
  // Name ranges of the open elements, as [start, end) pairs.
  const stack: number[] = [nameStartOf(b, open.nameEnd), open.nameEnd];
  let i = open.end;
  const length = b.length;
  const stop = Math.min(length, limit + 1);
  for (;;) {
    // A loop rather than indexOf: text between tags is short, a native call costs more.
    let lt = i;
    while (lt < stop && b[lt] !== LT) lt += 1;
    if (lt === length) return faultAt(length);
    if (lt > limit) return { fault: false, actual: lt - segmentFrom };
    const next = b[lt + 1];
    if (next === SLASH) {
      const nameEnd = stack.pop() as number;
      const nameStart = stack.pop() as number;
      let at = lt + 2;
      for (let k = nameStart; k < nameEnd; k += 1, at += 1) if (b[at] !== b[k]) return faultAt(lt);
      if (!endsName(b[at])) return faultAt(lt);
      while (isSpace(b[at])) at += 1;
      if (b[at] !== GT) return faultAt(lt);
      if (stack.length === 0) return at + 1;
      i = at + 1;
    } else if (next === 0x21 /* ! */ || next === 0x3f /* ? */) {
      const item = markup(b, lt);
      if (item.kind === 'fault') return faultAt(item.at);
      i = item.end;
    } else {
      let at = lt + 1;
      while (!endsName(b[at])) at += 1;
      if (at === lt + 1) return faultAt(lt);
      const nameEnd = at;
      for (;;) {
        const c = b[at];
        if (c === GT) break;
        if (c === 0x22 || c === 0x27) {
          at += 1;
          while (at < length && b[at] !== c) at += 1;
          if (at === length) return faultAt(length);
          at += 1;
        } else if (c === LT) {
          return faultAt(at);
        } else if (c === undefined) {
          return faultAt(b.length);
        } else {
          at += 1;
        }
      }
      if (b[at - 1] !== SLASH) stack.push(lt + 1, nameEnd);
      i = at + 1;
    }
  }
}

/** A start tag's name begins right after its `<`: found back from the name's end. */
function nameStartOf(b: Buffer, nameEnd: number): number {
  let at = nameEnd;
  while (b[at - 1] !== LT) at -= 1;
  return at;
}

function onlySpaces(b: Buffer, from: number, to: number): boolean {
  for (let j = from; j < to; j += 1) if (!isSpace(b[j])) return false;
  return true;
}

/** `xmlns` and `xmlns:p` declarations of a start tag's attributes: prefix ('' = default) → URI. */
function namespaceDeclarations(attributes: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const m of attributes.matchAll(/(?:^|\s)xmlns(?::([^\s=]+))?\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    found.set(m[1] ?? '', decodeReferences(m[2] ?? m[3] ?? ''));
  }
  return found;
}

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeReferences(value: string): string {
  return value.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-z]+);/g, (all, ref: string) => {
    const code = ref.startsWith('#x') ? Number.parseInt(ref.slice(2), 16) : ref.startsWith('#') ? Number.parseInt(ref.slice(1), 10) : -1;
    if (code < 0) return PREDEFINED[ref] ?? all;
    return code <= 0x10ffff ? String.fromCodePoint(code) : all;
  });
}
