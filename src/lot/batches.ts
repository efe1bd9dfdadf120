/**
 * The lot cut into libxml2 documents of a few hundred demandes each (issue 15, point 12), so
 * that libxml2's tree and its copy of the input stay the size of a batch, not of the lot.
 *
 * A batch document is the lot's own bytes: its head (prolog, `lot` start tag and the entete)
 * followed by a run of demandes (with the spaces and comments before each), then the root's end
 * tag (the lot's own tail for the last batch). A lot of one batch is parsed as it is, without a
 * copy. Parse errors are located in the lot, not in the batch document: line and column are
 * moved back by what was cut out.
 */
import { lotError, type LotError } from '../errors.js';
import type { LayoutFault, LotLayout, TopChild } from './layout.js';
import { parseMessage } from './messages.js';
import { parseXml, type ParsedXml, type XmlDiagnostic } from './schema.js';

/**
 * Bytes of demandes per batch: the 1,000-demande lot (3.5 MB) makes 4 batches. Smaller batches
 * cost more validation calls and re-parse the head more often, for little memory.
 */
const BATCH_BYTES = 1024 * 1024;
/** What libxml2 is shown past a fault the scan found: enough for its message, not the rest. */
const FAULT_CONTEXT_BYTES = 4096;

/** Demandes `first`..`last` (1-based positions in the lot; `last < first` when there are none). */
export interface Batch {
  readonly first: number;
  readonly last: number;
}

export class LotDocuments {
  readonly batches: readonly Batch[];
  private readonly children: readonly TopChild[];
  private readonly headEnd: number;
  private readonly closeTag: Uint8Array;
  /** False for a faulty layout: its tail is not the lot's end, no batch takes it. */
  private readonly complete: boolean;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly forceUtf8: boolean,
    layout: LotLayout | LayoutFault,
  ) {
    const children = layout.children;
    this.children = children;
    this.headEnd = children[0]?.end ?? bytes.length;
    this.closeTag = Buffer.from(layout.closeTag, 'latin1');
    this.complete = !('fault' in layout);
    const batches: { first: number; last: number }[] = [];
    for (let i = 1; i < children.length; i += 1) {
      const current = batches.at(-1);
      const child = children[i] as TopChild;
      if (current === undefined || child.end - (children[current.first] as TopChild).from > BATCH_BYTES) batches.push({ first: i, last: i });
      else current.last = i;
    }
    this.batches = batches.length > 0 ? batches : [{ first: 1, last: 0 }];
  }

  /** The batch's document parsed, or the LOT_XML of its first fault, located in the lot. */
  parse(batch: Batch): ParsedXml | LotError {
    const isLast = this.complete && batch === this.batches.at(-1);
    if (batch.last < batch.first) return this.parseDocument(this.bytes, undefined);
    const from = (this.children[batch.first] as TopChild).from;
    const end = (this.children[batch.last] as TopChild).end;
    const tail = isLast ? this.bytes.subarray(end) : this.closeTag;
    if (from === this.headEnd && isLast) return this.parseDocument(this.bytes, undefined);
    return this.parseDocument(Buffer.concat([this.bytes.subarray(0, this.headEnd), this.bytes.subarray(from, end), tail]), from);
  }

  /**
   * The LOT_XML of a fault the scan found: the batches before it are parsed first (one of them
   * may hold an earlier fault), then the head followed by the faulty part, up to a little past
   * the fault, for libxml2's own message.
   */
  faultAt(fault: LayoutFault): LotError {
    for (const batch of this.batches) {
      if (batch.last < batch.first) break;
      const parsed = this.parse(batch);
      if ('code' in parsed) return parsed;
      parsed.dispose();
    }
    const cut = Math.min(this.bytes.length, fault.at + FAULT_CONTEXT_BYTES);
    const contiguous = this.children.length === 0 || fault.from <= this.headEnd;
    const parsed = contiguous
      ? this.parseDocument(this.bytes.subarray(0, cut), undefined)
      : this.parseDocument(Buffer.concat([this.bytes.subarray(0, this.headEnd), this.bytes.subarray(fault.from, cut)]), fault.from);
    if (!('code' in parsed)) {
      parsed.dispose();
      const line = linesBefore(this.bytes, fault.at) + 1;
      return lotError('LOT_XML', `Le fichier du lot n'est pas un document XML bien formé (ligne ${line}) : structure des éléments non reconnue.`, { ligne: line });
    }
    return parsed;
  }

  /** `bodyFrom`: where in the lot the bytes after the head come from (undefined: not cut). */
  private parseDocument(document: Uint8Array, bodyFrom: number | undefined): ParsedXml | LotError {
    const parsed = parseXml(document, this.forceUtf8);
    if (parsed.ok) return parsed.xml;
    const first = parsed.errors[0] ?? { line: 0, column: 0, message: '' };
    if (bodyFrom === undefined || bodyFrom === this.headEnd) {
      return lotError('LOT_XML', parseMessage(first.message, first.line, first.column), { ligne: first.line });
    }
    const { line, column } = this.locate(first, bodyFrom);
    // libxml2 names other lines in its message too ("prenom line 57 and prenam").
    const message = first.message.replace(/\bline (\d+)/g, (_all, n: string) => `line ${this.locate({ line: Number(n), column: 0 }, bodyFrom).line}`);
    return lotError('LOT_XML', parseMessage(message, line, column), { ligne: line });
  }

  /** A batch document's line and column → the lot's (libxml2 counts lines at LF). */
  private locate(at: Pick<XmlDiagnostic, 'line' | 'column'>, bodyFrom: number): { line: number; column: number } {
    const headLines = linesBefore(this.bytes, this.headEnd);
    if (at.line <= headLines) return at;
    const line = at.line - headLines + linesBefore(this.bytes, bodyFrom);
    if (at.line > headLines + 1 || at.column <= 0) return { line, column: at.column };
    return { line, column: at.column - charsOnLineBefore(this.bytes, this.headEnd) + charsOnLineBefore(this.bytes, bodyFrom) };
  }
}

function linesBefore(bytes: Uint8Array, offset: number): number {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, offset);
  let lines = 0;
  for (let at = buffer.indexOf(0x0a); at >= 0; at = buffer.indexOf(0x0a, at + 1)) lines += 1;
  return lines;
}

/** Characters between the start of `offset`'s line and `offset` (UTF-8: continuation bytes skipped). */
function charsOnLineBefore(bytes: Uint8Array, offset: number): number {
  let chars = 0;
  for (let at = offset - 1; at >= 0 && bytes[at] !== 0x0a; at -= 1) if (((bytes[at] as number) & 0xc0) !== 0x80) chars += 1;
  return chars;
}
