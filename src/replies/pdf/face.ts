/**
 * A font face as the letters' typesetter measures it: metrics in thousandths of the em (PDF's
 * glyph space), words shaped by fontkit once per process, line-break opportunities (UAX #14) once
 * per text. Shaping and measuring follow pdfkit 0.20 step for step — the same split at spaces, the
 * same floating-point operations in the same order — so that letters keep the exact layout they
 * had when pdfkit drew them (test/replies/golden.test.ts compares pixels).
 */
import type { Font } from 'fontkit';
import LineBreaker, { type Break } from 'linebreak';

/** A piece of text up to and including a space or tab, shaped (pdfkit's unit of layout). */
export interface Chunk {
  readonly glyphs: readonly number[];
  /** Per glyph, in thousandths of the em: the advance after kerning, and the glyph's own. */
  readonly xAdvance: readonly number[];
  readonly advanceWidth: readonly number[];
  /** Per glyph offsets (mark positioning); `offsets` tells whether any is not zero. */
  readonly xOffset: readonly number[];
  readonly yOffset: readonly number[];
  readonly offsets: boolean;
  /** Sum of `xAdvance`, summed as fontkit's GlyphRun does. */
  readonly width: number;
}

/**
 * Entries kept per cache at most. A letter holds a few hundred distinct words and lines, most of
 * them the same from one letter to the next, and a few of its own (names, numéro unique) that
 * never come back: the bound keeps a long lot's one-off words from growing the process. At 4,000
 * the caches of both faces reached ~35 MB of heap, enough to exhaust a reply worker's 64 MB; at
 * 1,000 they stay under ~10 MB.
 */
export const FACE_CACHE_ENTRIES = 1_000;

/**
 * A cache by text holding at most `entries` values, in two generations of half as many: new
 * values go to the young one; when it is full it becomes the old one and the old one is dropped;
 * a value found in the old one is put back in the young one. What every letter uses (the fixed
 * wording's words and lines) thus stays, as long as a generation holds more than one letter's
 * new entries (a few dozen), and only what no letter used for a generation (a one-off name) is
 * dropped — emptying the whole cache when full, as before, made every ~50th letter shape its
 * fixed wording again.
 */
export class BoundedMap<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();
  private readonly generation: number;

  constructor(entries = FACE_CACHE_ENTRIES) {
    this.generation = Math.max(1, entries >> 1);
  }

  /** Values held (one put back in the young generation may count twice: both stay under the bound). */
  get size(): number {
    return this.young.size + this.old.size;
  }

  get(key: string): V | undefined {
    const value = this.young.get(key);
    if (value !== undefined) return value;
    const old = this.old.get(key);
    if (old !== undefined) this.set(key, old);
    return old;
  }

  remember(key: string, value: V): V {
    this.set(key, value);
    return value;
  }

  private set(key: string, value: V): void {
    if (this.young.size >= this.generation) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }
}

/** Breaks of paragraphs, shared by every face: they depend on the text only. */
const breakCache = new BoundedMap<readonly Break[]>();

/** Where a line may end in `text` (pdfkit's LineBreaker), computed once per text. */
export function lineBreaks(text: string): readonly Break[] {
  let breaks = breakCache.get(text);
  if (breaks === undefined) {
    const found: Break[] = [];
    const breaker = new LineBreaker(text);
    for (let bk = breaker.nextBreak(); bk !== null; bk = breaker.nextBreak()) found.push({ position: bk.position, required: bk.required });
    breaks = breakCache.remember(text, found);
  }
  return breaks;
}

/** A chunk's per-glyph arrays, empty, to be filled glyph by glyph. */
function perGlyph(): { [K in 'glyphs' | 'xAdvance' | 'advanceWidth' | 'xOffset' | 'yOffset']: number[] } {
  return { glyphs: [], xAdvance: [], advanceWidth: [], xOffset: [], yOffset: [] };
}

export class Face {
  readonly postscriptName: string;
  /** Font units to thousandths of the em. */
  readonly scale: number;
  readonly ascender: number;
  readonly descender: number;
  readonly lineGap: number;
  private readonly caches = new Map<string, BoundedMap<unknown>>();
  private readonly chunkCache = this.cache<Chunk>('chunks');
  private readonly advanceCache = this.cache<number>('advances');
  private unicodes: Map<number, readonly number[]> | undefined;

  constructor(readonly font: Font) {
    this.postscriptName = font.postscriptName;
    this.scale = 1000 / font.unitsPerEm;
    this.ascender = font.ascent * this.scale;
    this.descender = font.descent * this.scale;
    this.lineGap = font.lineGap * this.scale;
  }

  /** A cache by text kept with the face, for what is worked out from it (shapes, wrapped lines). */
  cache<V>(name: string): BoundedMap<V> {
    let cache = this.caches.get(name);
    if (cache === undefined) this.caches.set(name, (cache = new BoundedMap()));
    return cache as BoundedMap<V>;
  }

  /** Entries held by each cache (they stay under `FACE_CACHE_ENTRIES`). */
  cacheSizes(): Record<string, number> {
    return Object.fromEntries([...this.caches].map(([name, cache]) => [name, cache.size]));
  }

  /** pdfkit's `lineHeight`: ascender to descender, with the font's line gap if asked. */
  lineHeight(size: number, includeGap = false): number {
    const gap = includeGap ? this.lineGap : 0;
    return ((this.ascender + gap - this.descender) / 1000) * size;
  }

  /** `text` cut after each space or tab, each piece shaped (pdfkit's `EmbeddedFont.layout`). */
  chunks(text: string): Chunk[] {
    const chunks: Chunk[] = [];
    let last = 0;
    let index = 0;
    while (index <= text.length) {
      const char = text.charAt(index);
      if ((index === text.length && last < index) || char === ' ' || char === '\t') {
        chunks.push(this.chunk(text.slice(last, ++index)));
        last = index;
      } else {
        index++;
      }
    }
    return chunks;
  }

  /** `text` shaped whole: its chunks' glyphs end to end. */
  shapeText(text: string): Chunk {
    const line = perGlyph();
    let offsets = false;
    // Summed chunk by chunk, in order, as `advance` sums.
    let width = 0;
    for (const chunk of this.chunks(text)) {
      for (let i = 0; i < chunk.glyphs.length; i++) {
        line.glyphs.push(chunk.glyphs[i]!);
        line.xAdvance.push(chunk.xAdvance[i]!);
        line.advanceWidth.push(chunk.advanceWidth[i]!);
        line.xOffset.push(chunk.xOffset[i]!);
        line.yOffset.push(chunk.yOffset[i]!);
      }
      offsets ||= chunk.offsets;
      width += chunk.width;
    }
    return { ...line, offsets, width };
  }

  /** The advance of `text` in thousandths of the em, summed chunk by chunk as pdfkit does. */
  advance(text: string): number {
    let width = this.advanceCache.get(text);
    if (width === undefined) {
      width = 0;
      for (const chunk of this.chunks(text)) width += chunk.width;
      this.advanceCache.remember(text, width);
    }
    return width;
  }

  /** pdfkit's `EmbeddedFont.widthOfString`. */
  widthOfString(text: string, size: number): number {
    const width = this.advance(text);
    const scale = size / 1000;
    return width * scale;
  }

  private chunk(text: string): Chunk {
    return this.chunkCache.get(text) ?? this.chunkCache.remember(text, this.shape(text));
  }

  private shape(text: string): Chunk {
    const run = this.font.layout(text);
    const chunk = perGlyph();
    let offsets = false;
    let width = 0;
    run.positions.forEach((position, i) => {
      const glyph = run.glyphs[i]!;
      chunk.glyphs.push(glyph.id);
      const advance = position.xAdvance * this.scale;
      chunk.xAdvance.push(advance);
      chunk.advanceWidth.push(glyph.advanceWidth * this.scale);
      chunk.xOffset.push(position.xOffset * this.scale);
      chunk.yOffset.push(position.yOffset * this.scale);
      if (position.xOffset !== 0 || position.yOffset !== 0) offsets = true;
      width += advance;
    });
    return { ...chunk, offsets, width };
  }

  /**
   * The characters a glyph stands for, for text extraction: the smallest code point the font maps
   * to it, a Latin ligature (ﬁ) as its letters, which is what shaping made it from; or, for a glyph
   * the font maps no code point to, what shaping made it from. The same whatever was shaped before.
   */
  unicodeOf(glyphId: number): readonly number[] {
    if (this.unicodes === undefined) {
      this.unicodes = new Map();
      for (const codePoint of this.font.characterSet) {
        const id = this.font.glyphForCodePoint(codePoint).id;
        const known = this.unicodes.get(id);
        if (known === undefined || codePoint < known[0]!) this.unicodes.set(id, [codePoint]);
      }
      for (const [id, [codePoint]] of this.unicodes) {
        if (codePoint! >= 0xfb00 && codePoint! <= 0xfb06) {
          this.unicodes.set(id, Array.from(String.fromCodePoint(codePoint!).normalize('NFKD'), (c) => c.codePointAt(0)!));
        }
      }
    }
    return this.unicodes.get(glyphId) ?? this.font.getGlyph(glyphId).codePoints;
  }
}
