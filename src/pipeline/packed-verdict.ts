/**
 * A judged lot as it crosses from the judge thread to the main thread (judge-thread.ts): its
 * demandes and their judgements as JSON lines in one buffer, whose memory is transferred, not
 * copied, instead of a structured clone of their objects.
 *
 * The clone of a 10,000-demande lot was the process's peak (docs/PERFORMANCE.md, "Memory"): the
 * thread serialised ~19 MB while holding the lot's objects (~50 MB of heap), and the main thread
 * built its own ~45 MB copy before the thread let its go. Packed, the thread's objects are garbage
 * once the buffer is written (~17 MB), the buffer changes hands without a copy, and the thread can
 * be stopped before the main thread unpacks.
 *
 * Everything in a verdict is JSON data (strings, numbers, booleans, arrays, plain objects) but
 * the judgements' Map, sent as one `[demande, judgement]` pair per line.
 */
import type { DemandeLue, Entete } from '../lot/types.js';
import type { Judgement } from '../rules/index.js';
import type { CommitInput } from './commit.js';
import type { DecodedLot } from './decode.js';

type Decoded = Extract<CommitInput, { kind: 'decoded' }>;

/** A `decoded` verdict packed: everything but the demandes and judgements as it was. */
export interface PackedDecoded extends Omit<Decoded, 'kind' | 'decoded' | 'judgements'> {
  readonly kind: 'packed';
  readonly decoded: Omit<DecodedLot, 'lot'> & { readonly entete: Entete };
  /** One JSON line per demande, in lot order: `[DemandeLue, Judgement | null]`. */
  readonly demandes: Uint8Array<ArrayBuffer>;
}

export type PackedVerdict = Exclude<CommitInput, Decoded> | PackedDecoded;

const NEWLINE = 0x0a;

export function packVerdict(input: CommitInput): PackedVerdict {
  if (input.kind !== 'decoded') return input;
  const { decoded, judgements, ...rest } = input;
  const { lot, ...identity } = decoded;
  const lines = new Lines(lot.demandes.length);
  for (const lue of lot.demandes) {
    // JSON escapes every newline inside strings: a line is one demande.
    lines.add(JSON.stringify([lue, judgements.get(lue.ok ? lue.demande.position : lue.position) ?? null]));
  }
  return { ...rest, kind: 'packed', decoded: { ...identity, entete: lot.entete }, demandes: lines.bytes() };
}

export function unpackVerdict(packed: PackedVerdict): CommitInput {
  if (packed.kind !== 'packed') return packed;
  const { decoded, demandes: bytes, ...rest } = packed;
  const { entete, ...identity } = decoded;
  const decoder = new TextDecoder();
  const demandes: DemandeLue[] = [];
  const judgements = new Map<number, Judgement>();
  for (let start = 0; start < bytes.length; ) {
    const end = bytes.indexOf(NEWLINE, start);
    const [lue, judgement] = JSON.parse(decoder.decode(bytes.subarray(start, end))) as [DemandeLue, Judgement | null];
    demandes.push(lue);
    if (judgement !== null) judgements.set(lue.ok ? lue.demande.position : lue.position, judgement);
    start = end + 1;
  }
  return { ...rest, kind: 'decoded', decoded: { ...identity, lot: { entete, demandes } }, judgements };
}

/**
 * Text lines encoded one at a time into one buffer (each line's string is garbage at once). The
 * buffer is sized from the first line, generously: the pages past what is written are never
 * touched, so never resident, while each doubling would leave a written copy behind.
 */
class Lines {
  private buffer: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  private length = 0;
  private readonly encoder = new TextEncoder();

  constructor(private readonly expected: number) {}

  add(line: string): void {
    if (this.buffer.length === 0) this.buffer = new Uint8Array(Math.max(64 * 1024, 2 * this.expected * (line.length + 1)));
    // UTF-8 takes at most 3 bytes per UTF-16 code unit; plus the newline.
    this.reserve(line.length * 3 + 1);
    this.length += this.encoder.encodeInto(line, this.buffer.subarray(this.length)).written;
    this.buffer[this.length] = NEWLINE;
    this.length += 1;
  }

  /**
   * The lines, on a buffer of their own (its memory is transferred). Not copied to its exact
   * length: the tail past it was never written, so its zeroed pages were never made resident.
   */
  bytes(): Uint8Array<ArrayBuffer> {
    return this.buffer.subarray(0, this.length);
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown: Uint8Array<ArrayBuffer> = new Uint8Array(Math.max(this.buffer.length * 2, this.length + bytes));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }
}
