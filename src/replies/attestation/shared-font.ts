/**
 * A parsed fontkit font whose costly per-document work is cached across documents.
 *
 * pdfkit caches word layouts per document only, and fontkit's subsetter decodes every glyph
 * again for each document: with one font shared by every attestation, both are done once per
 * process instead. Profiled on an attestation page: shaping was ~40 % of the time, subsetting
 * ~30 %. This leans on fontkit 2 internals (`GlyphRun`, `TTFSubset._addGlyph`); the tests check
 * that the subset bytes equal fontkit's own, so an upgrade that changes them fails loudly.
 */

interface GlyphPosition {
  xAdvance: number;
  yAdvance: number;
  xOffset: number;
  yOffset: number;
}

/** fontkit's GlyphRun, as far as this module touches it. */
interface GlyphRun {
  glyphs: unknown[];
  positions: GlyphPosition[];
}

/** fontkit's TTFSubset fields that `_addGlyph` fills. */
interface TtfSubset {
  font: FontInternals;
  glyf: Uint8Array[];
  loca: { offsets: number[] };
  hmtx: { metrics: { advance: number; bearing: number }[] };
  offset: number;
  includeGlyph(glyphId: number): number;
  _addGlyph(glyphId: number): number;
  encode(): Uint8Array;
}

interface FontInternals {
  readonly loca?: { readonly offsets: readonly number[] };
  readonly _variationProcessor?: unknown;
  _getTableStream(tag: string): { pos: number; readBuffer(length: number): Uint8Array } | null;
  getGlyph(glyphId: number): {
    readonly advanceWidth: number;
    _decode(): { readonly numberOfContours: number; readonly components?: readonly { glyphID: number; pos: number }[] } | null;
    _getMetrics(): { readonly leftBearing: number };
  };
}

/** The part of a fontkit font this folder relies on; pdfkit uses the rest. */
export interface ParsedFont {
  readonly postscriptName: string;
  hasGlyphForCodePoint(codePoint: number): boolean;
  layout(text: string, features?: unknown, ...rest: unknown[]): GlyphRun;
  createSubset(): TtfSubset;
}

/**
 * Distinct words kept per face (emptied when full). An attestation holds a few hundred, mostly the
 * same ones, and a few of its own (numéro unique, names, address) that never come back: with
 * ~1.6 KB per laid-out word, 20,000 entries grew each reply worker by ~30 MB over a 10,000-demande
 * lot (docs/PERFORMANCE.md, "Memory"); 2,000 hold the common words for a few hundred attestations.
 */
export const LAYOUT_CACHE_ENTRIES = 2_000;

/** Each shared font's layout cache, for `cachedLayouts`. */
const layoutCaches = new WeakMap<ParsedFont, ReadonlyMap<string, GlyphRun>>();

/** Words whose layout `font` (from `shareCaches`) holds now. */
export function cachedLayouts(font: ParsedFont): number {
  return layoutCaches.get(font)?.size ?? 0;
}

interface GlyphData {
  readonly bytes: Uint8Array;
  readonly components: readonly { readonly glyphID: number; readonly pos: number }[] | null;
  readonly advance: number;
  readonly bearing: number;
}

/** The font itself as prototype (tables, glyph cache, metrics), with the two caches added. */
export function shareCaches(font: ParsedFont): ParsedFont {
  const runs = new Map<string, GlyphRun>();
  const glyphs = new Map<number, GlyphData>();
  const internals = font as unknown as FontInternals;
  // Only plain TrueType outlines are copied as stored; anything else keeps fontkit's own path.
  const cacheSubset = internals.loca !== undefined && internals._variationProcessor == null;

  const shared = Object.create(font, {
    layout: {
      value(text: string, features?: unknown, ...rest: unknown[]): GlyphRun {
        if (features !== undefined || rest.length > 0) return font.layout(text, features, ...rest);
        let run = runs.get(text);
        if (run === undefined) {
          run = font.layout(text);
          if (runs.size >= LAYOUT_CACHE_ENTRIES) runs.clear();
          runs.set(text, run);
        }
        // pdfkit scales the positions it receives in place: each caller gets its own. The
        // prototype is kept so fontkit's getters (advanceWidth…) read the copied positions.
        const copy = Object.assign(Object.create(Object.getPrototypeOf(run) as object) as GlyphRun, run);
        copy.glyphs = run.glyphs.slice();
        copy.positions = run.positions.map(({ xAdvance, yAdvance, xOffset, yOffset }) => ({ xAdvance, yAdvance, xOffset, yOffset }));
        return copy;
      },
    },
    createSubset: {
      value(this: ParsedFont): TtfSubset {
        const subset = font.createSubset.call(this);
        if (cacheSubset) subset._addGlyph = (glyphId) => addGlyph(subset, glyphData(glyphs, internals, glyphId));
        return subset;
      },
    },
  }) as ParsedFont;
  layoutCaches.set(shared, runs);
  return shared;
}

/** What fontkit's `TTFSubset._addGlyph` reads from the font for one glyph, read once. */
function glyphData(cache: Map<number, GlyphData>, font: FontInternals, glyphId: number): GlyphData {
  let data = cache.get(glyphId);
  if (data === undefined) {
    const glyph = font.getGlyph(glyphId);
    const glyf = glyph._decode();
    const offsets = font.loca?.offsets ?? [];
    const start = offsets[glyphId] ?? 0;
    const end = offsets[glyphId + 1] ?? start;
    const stream = font._getTableStream('glyf');
    if (stream === null) throw new Error(`${glyphId}: no glyf table`);
    stream.pos += start;
    data = {
      bytes: Uint8Array.from(stream.readBuffer(end - start)),
      components: glyf !== null && glyf.numberOfContours < 0 ? (glyf.components ?? []).map(({ glyphID, pos }) => ({ glyphID, pos })) : null,
      advance: glyph.advanceWidth,
      bearing: glyph._getMetrics().leftBearing,
    };
    cache.set(glyphId, data);
  }
  return data;
}

/** fontkit's `TTFSubset._addGlyph`, from cached glyph data. */
function addGlyph(subset: TtfSubset, data: GlyphData): number {
  let bytes = data.bytes;
  if (data.components !== null) {
    // A compound glyph names its parts by glyph id: renumber them into this subset.
    bytes = Uint8Array.from(data.bytes);
    const view = new DataView(bytes.buffer);
    for (const { glyphID, pos } of data.components) view.setUint16(pos, subset.includeGlyph(glyphID));
  }
  subset.glyf.push(bytes);
  subset.loca.offsets.push(subset.offset);
  subset.hmtx.metrics.push({ advance: data.advance, bearing: data.bearing });
  subset.offset += bytes.length;
  return subset.glyf.length - 1;
}
