/**
 * The parts of fontkit 2 (pdfkit's font engine) and linebreak 1 (its UAX #14 line breaker) that
 * src/replies/pdf/ uses; neither package ships types.
 */
declare module 'fontkit' {
  export interface Glyph {
    readonly id: number;
    /** In font units. */
    readonly advanceWidth: number;
    readonly codePoints: readonly number[];
  }
  export interface GlyphPosition {
    readonly xAdvance: number;
    readonly yAdvance: number;
    readonly xOffset: number;
    readonly yOffset: number;
  }
  export interface GlyphRun {
    readonly glyphs: readonly Glyph[];
    readonly positions: readonly GlyphPosition[];
  }
  export interface Subset {
    /** The glyph's id in the subset, the missing glyph being 0. */
    includeGlyph(glyphId: number): number;
    /** The subset as a TrueType file. */
    encode(): Uint8Array;
  }
  export interface Font {
    readonly postscriptName: string;
    readonly unitsPerEm: number;
    readonly ascent: number;
    readonly descent: number;
    readonly lineGap: number;
    readonly capHeight: number;
    readonly xHeight: number;
    readonly italicAngle: number;
    readonly bbox: { readonly minX: number; readonly minY: number; readonly maxX: number; readonly maxY: number };
    readonly characterSet: readonly number[];
    readonly 'OS/2'?: { readonly sFamilyClass?: number };
    readonly post: { readonly isFixedPitch: number | boolean };
    readonly head: { readonly macStyle: { readonly italic: boolean } };
    layout(text: string): GlyphRun;
    glyphForCodePoint(codePoint: number): Glyph;
    getGlyph(glyphId: number): Glyph;
    createSubset(): Subset;
  }
  export function create(buffer: Uint8Array): Font;
}

declare module 'linebreak' {
  export interface Break {
    /** Index in the text after which a line may (or must) end. */
    readonly position: number;
    /** A mandatory break (a newline). */
    readonly required: boolean;
  }
  export default class LineBreaker {
    constructor(text: string);
    nextBreak(): Break | null;
  }
}
