/**
 * The letters' drawing surface: the part of pdfkit 0.20's API the letters use (fonts by face,
 * sizes, colours, wrapped text, moves, a framing rectangle, rotated text, marked content), with
 * pdfkit's own line wrapping and text placement, ported step for step — the same operators at
 * the same coordinates — but without its per-document costs: words are shaped once per process
 * (`Face`), fonts are embedded from prepared subsets (`embed.ts`), and the page content is kept as
 * operators until the file is written (`letter-file.ts`).
 *
 * Coordinates are pdfkit's: points from the page's top left corner, y downwards.
 */
import { lineBreaks, type Chunk, type Face } from './face.js';
import type { EmbeddedFace } from './embed.js';
import { num, pdfText } from './serialize.js';

export const A4 = { width: 595.28, height: 841.89 } as const;

export interface TextOptions {
  /** The column's width: the text is wrapped to it (without, it is one line per `\n`). */
  readonly width?: number;
  readonly lineGap?: number;
  readonly characterSpacing?: number;
  /** Degrees, counter-clockwise about the text's start. */
  readonly rotation?: number;
}

/** Glyphs shown together, then the kerning adjustment that follows them. */
interface Run {
  readonly glyphs: readonly number[];
  readonly adjust: string;
}

/** Glyphs shown with one TJ operator. */
interface ShowGlyphs {
  readonly face: number;
  readonly runs: readonly Run[];
}

export interface Page {
  /** Content operators, glyphs still as glyph ids (their codes depend on the letter's subsets). */
  readonly content: (string | ShowGlyphs)[];
  /** Indexes of the faces the page uses. */
  readonly faces: Set<number>;
}

/** What `state`/`setState` save around drawing that must not disturb the text (a watermark). */
export interface TextState {
  readonly x: number;
  readonly y: number;
  readonly face: number;
  readonly size: number;
  readonly fill: string | undefined;
}

const SOFT_HYPHEN = '\u00AD';
const HYPHEN = '-';

/** pdfkit's `PDFNumber`: the nearest float32 at or below `n` (LineWrapper compares in it). */
function float32Below(n: number): number {
  const rounded = Math.fround(n);
  if (rounded <= n) return rounded;
  FLOAT32[0] = n;
  if (n <= 0) FLOAT32_BITS[0]! += 1;
  else FLOAT32_BITS[0]! -= 1;
  return FLOAT32[0]!;
}
const FLOAT32 = new Float32Array(1);
const FLOAT32_BITS = new Uint32Array(FLOAT32.buffer);

/** pdfkit's flip to its top-down coordinates, written on each page and around each line of text. */
const FLIP = `${[1, 0, 0, -1, 0, A4.height].map(num).join(' ')} cm`;

/** `#rrggbb` as the PDF's DeviceRGB components, written as pdfkit wrote them; a letter's few colours made once. */
function rgb(color: string): string {
  let components = RGB.get(color);
  if (components === undefined) {
    const hex = Number.parseInt(color.slice(1), 16);
    components = [hex >> 16, (hex >> 8) & 0xff, hex & 0xff].map((part) => part / 255).join(' ');
    RGB.set(color, components);
  }
  return components;
}
const RGB = new Map<string, string>();

/** A wrapped line, and whether pdfkit checks for the page's end right after it. */
interface WrappedLine {
  readonly text: string;
  readonly thenCheck: boolean;
}

/** The lines a text wraps to at a size, width and character spacing. */
interface LinesOf {
  readonly size: number;
  readonly width: number;
  readonly characterSpacing: number;
  readonly lines: readonly WrappedLine[];
}

export class Typesetter {
  x = 0;
  y = 0;
  readonly pages: Page[] = [];
  private page!: Page;
  private faceIndex = 0;
  private size = 12;
  private fill: string | undefined;
  private readonly pageListeners: (() => void)[] = [];

  /** `faces[i]` is the page resource `/F${i + 1}`; the first is the current face at start. */
  constructor(
    readonly faces: readonly Face[],
    private readonly margin: number,
  ) {
    this.addPage();
  }

  private get face(): Face {
    return this.faces[this.faceIndex]!;
  }

  /** Called on each page added after the first (pdfkit's `pageAdded`). */
  onPageAdded(listener: () => void): void {
    this.pageListeners.push(listener);
  }

  font(face: number): this {
    this.faceIndex = face;
    return this;
  }

  fontSize(size: number): this {
    this.size = size;
    return this;
  }

  fillColor(color: string): this {
    this.op('/DeviceRGB cs', `${rgb(color)} scn`);
    this.fill = color;
    return this;
  }

  strokeColor(color: string): this {
    this.op('/DeviceRGB CS', `${rgb(color)} SCN`);
    return this;
  }

  lineWidth(width: number): this {
    this.op(`${num(width)} w`);
    return this;
  }

  rect(x: number, y: number, width: number, height: number): this {
    this.op(`${num(x)} ${num(y)} ${num(width)} ${num(height)} re`);
    return this;
  }

  stroke(): this {
    this.op('S');
    return this;
  }

  save(): this {
    this.op('q');
    return this;
  }

  restore(): this {
    this.op('Q');
    return this;
  }

  /** Marked content whose text extraction reads `actual` (ISO 32000-1 §14.9.4). */
  markActualText(actual: string): this {
    this.op(`/Span <</ActualText ${pdfText(actual)}>> BDC`);
    return this;
  }

  endMarkedContent(): this {
    this.op('EMC');
    return this;
  }

  state(): TextState {
    return { x: this.x, y: this.y, face: this.faceIndex, size: this.size, fill: this.fill };
  }

  /** Puts the text state back, without drawing anything (the graphics state is `save`/`restore`'s). */
  setState(state: TextState): void {
    ({ x: this.x, y: this.y, face: this.faceIndex, size: this.size, fill: this.fill } = state);
  }

  addPage(): this {
    this.page = { content: [], faces: new Set() };
    this.pages.push(this.page);
    this.x = this.margin;
    this.y = this.margin;
    this.op(FLIP);
    for (const listener of this.pageListeners) listener();
    return this;
  }

  currentLineHeight(includeGap = false): number {
    return this.face.lineHeight(this.size, includeGap);
  }

  moveDown(lines = 1): this {
    this.y += this.currentLineHeight(true) * lines;
    return this;
  }

  widthOfString(text: string, characterSpacing = 0): number {
    // pdfkit's arithmetic to the letter (its horizontal scaling of 100 %), so that widths round
    // as they did and lines break where they did.
    return ((this.face.widthOfString(text, this.size) + characterSpacing * (text.length - 1)) * 100) / 100;
  }

  text(text: string, options?: TextOptions): this;
  text(text: string, x: number, y: number, options?: TextOptions): this;
  text(text: string, xOrOptions?: number | TextOptions, y?: number, options: TextOptions = {}): this {
    if (typeof xOrOptions === 'object') options = xOrOptions;
    else if (xOrOptions !== undefined) {
      this.x = xOrOptions;
      if (y !== undefined) this.y = y;
    }
    const rotation = ((Number(options.rotation ?? 0) % 360) + 360) % 360;
    if (rotation !== 0) {
      this.save();
      this.rotate(-rotation, this.x, this.y);
    }
    if (options.width !== undefined) {
      this.wrap(text, Math.max(options.width, 0), options, (line) => {
        this.fragment(line, this.x, this.y, options);
        this.y += this.currentLineHeight(true) + (options.lineGap || 0);
      });
    } else {
      for (const line of text.split('\n')) {
        this.fragment(line, this.x, this.y, options);
        this.x += this.widthOfString(line, options.characterSpacing);
      }
    }
    if (rotation !== 0) this.restore();
    return this;
  }

  /** pdfkit's `heightOfString`: the height `text` takes when wrapped to `options.width`. */
  heightOfString(text: string, options: TextOptions & { readonly width: number }): number {
    const { x, y } = this;
    const lineGap = options.lineGap || 0;
    this.wrap(text, Math.max(options.width, 0), options, () => {
      this.y += this.currentLineHeight(true) + lineGap;
    }, Infinity);
    const height = this.y - y;
    this.x = x;
    this.y = y;
    return height;
  }

  private op(...operators: string[]): void {
    this.page.content.push(...operators);
  }

  private transform(a: number, b: number, c: number, d: number, e: number, f: number): void {
    this.op(`${[a, b, c, d, e, f].map(num).join(' ')} cm`);
  }

  private rotate(angle: number, originX: number, originY: number): void {
    const rad = (angle * Math.PI) / 180;
    const cos = Math.cos(rad);
    const sin = Math.sin(rad);
    const x = originX - (originX * cos - originY * sin);
    const y = originY - (originX * sin + originY * cos);
    this.transform(cos, sin, -sin, cos, x, y);
  }

  /**
   * pdfkit's `LineWrapper.wrap` for one column, left-aligned: `onLine` called per line, a page
   * added where the next line would pass the bottom margin (or `y + height`).
   */
  private wrap(text: string, width: number, options: TextOptions, onLine: (line: string) => void, height?: number): void {
    const startX = this.x;
    let maxY = float32Below(height === undefined ? A4.height - this.margin : this.y + height);
    const nextSection = (): void => {
      this.addPage();
      maxY = A4.height - this.margin;
      this.x = startX;
      if (this.fill !== undefined) this.fillColor(this.fill);
    };
    if (this.y > maxY || this.y + this.currentLineHeight(true) > maxY) nextSection();
    const lh = this.currentLineHeight(true);
    for (const line of this.lines(text, width, options.characterSpacing || 0)) {
      onLine(line.text);
      if (line.thenCheck && float32Below(this.y + lh) > maxY) nextSection();
    }
    this.x = startX;
  }

  /**
   * The lines `text` wraps to in the current face and size: what lines are made of does not depend
   * on where they fall on the page, so they are worked out once per text, width and size.
   */
  private lines(text: string, width: number, characterSpacingOption: number): readonly WrappedLine[] {
    // By text, then size, width and spacing: a text is nearly always set one way, and a key
    // joining them all would be a new string to hash at each lookup.
    const cache = this.face.cache<readonly LinesOf[]>('lines');
    const size = this.size;
    const known = cache.get(text);
    const cached = known?.find((set) => set.size === size && set.width === width && set.characterSpacing === characterSpacingOption);
    if (cached !== undefined) return cached.lines;

    // pdfkit's LineWrapper arithmetic (100 % scaling, one column, 18 pt column gap), kept as is.
    const characterSpacing = (characterSpacingOption * 100) / 100;
    const lineWidth = ((width * 100) / 100 - 18 * 0) / 1;
    let spaceLeft = lineWidth;
    const wordWidth = (word: string): number => float32Below(this.widthOfString(word, characterSpacing) + characterSpacing + 0);
    const canFit = (word: string, w: number): boolean =>
      word[word.length - 1] !== SOFT_HYPHEN ? w <= spaceLeft : w + wordWidth(HYPHEN) <= spaceLeft;
    const lines: WrappedLine[] = [];
    let buffer = '';
    let wordCount = 0;
    const emitLine = (): void => {
      lines.push({ text: buffer, thenCheck: false });
    };

    this.eachWord(text, lineWidth, () => spaceLeft, wordWidth, (word, w, required, last) => {
      if (last === null || last.required) spaceLeft = lineWidth;
      if (canFit(word, w)) {
        buffer += word;
        wordCount++;
      }
      if (required || !canFit(word, w)) {
        if (required && w > spaceLeft) {
          emitLine();
          buffer = word;
          wordCount = 1;
        }
        if (buffer[buffer.length - 1] === SOFT_HYPHEN) {
          buffer = buffer.slice(0, -1) + HYPHEN;
          spaceLeft -= wordWidth(HYPHEN);
        }
        emitLine();
        lines[lines.length - 1] = { text: buffer, thenCheck: true };
        if (required) {
          spaceLeft = lineWidth;
          buffer = '';
          wordCount = 0;
        } else {
          spaceLeft = lineWidth - w;
          buffer = word;
          wordCount = 1;
        }
      } else {
        spaceLeft -= w;
      }
    });
    if (wordCount > 0) emitLine();
    cache.remember(text, [...(known ?? []), { size, width, characterSpacing: characterSpacingOption, lines }]);
    return lines;
  }

  /**
   * pdfkit's `LineWrapper.eachWord`: the text cut at its break opportunities, a word wider than
   * the whole line cut where the space left ends.
   */
  private eachWord(
    text: string,
    lineWidth: number,
    spaceLeft: () => number,
    wordWidth: (word: string) => number,
    fn: (word: string, w: number, required: boolean, last: { readonly required: boolean } | null) => void,
  ): void {
    let last: { readonly position: number; readonly required: boolean } | null = null;
    for (const bk of lineBreaks(text)) {
      let word = text.slice(last?.position || 0, bk.position);
      let w = wordWidth(word);
      if (w > lineWidth) {
        let lastBreak: { readonly required: boolean } | null = last;
        while (word.length > 0) {
          let length: number;
          let mightGrow = false;
          if (w > spaceLeft()) {
            length = Math.ceil(spaceLeft() / (w / word.length));
            w = wordWidth(word.slice(0, length));
            mightGrow = w <= spaceLeft() && length < word.length;
          } else {
            length = word.length;
          }
          let mustShrink = w > spaceLeft() && length > 0;
          while (mustShrink || mightGrow) {
            if (mustShrink) {
              w = wordWidth(word.slice(0, --length));
              mustShrink = w > spaceLeft() && length > 0;
            } else {
              w = wordWidth(word.slice(0, ++length));
              mustShrink = w > spaceLeft() && length > 0;
              mightGrow = w <= spaceLeft() && length < word.length;
            }
          }
          if (length === 0 && spaceLeft() === lineWidth) length = 1;
          fn(word.slice(0, length), w, bk.required || length < word.length, lastBreak);
          lastBreak = { required: false };
          word = word.slice(length);
          w = wordWidth(word);
        }
      } else {
        fn(word, w, bk.required, last);
      }
      last = bk;
    }
  }

  /** pdfkit's `_fragment` for left-aligned text: one line of glyphs at (x, y), kerning kept. */
  private fragment(line: string, x: number, y: number, options: TextOptions): void {
    const text = line.replace(/\n/g, '');
    if (text.length === 0) return;
    const characterSpacing = options.characterSpacing || 0;
    const { face, size } = this;
    const dy = (face.ascender / 1000) * size;
    this.save();
    this.op(FLIP);
    y = A4.height - y - dy;
    this.page.faces.add(this.faceIndex);
    this.op('BT', `1 0 0 1 ${num(x)} ${num(y)} Tm`, `/F${this.faceIndex + 1} ${num(size)} Tf`);
    if (characterSpacing) this.op(`${num(characterSpacing)} Tc`);

    const shaped = shapeLine(face, text);
    if (shaped.runs !== null) {
      if (shaped.runs.length > 0) this.page.content.push({ face: this.faceIndex, runs: shaped.runs });
    } else {
      this.placeGlyphs(shaped.line, x, y);
    }
    this.op('ET');
    this.restore();
  }

  /**
   * `fragment`'s general case, for glyphs placed off the line (marks), as pdfkit places them: the
   * glyphs between two such are shown together, each mark alone at its own position.
   */
  private placeGlyphs(line: Chunk, x: number, y: number): void {
    const scale = this.size / 1000;
    const show = (from: number, to: number): void => {
      if (from < to) this.page.content.push({ face: this.faceIndex, runs: kernedRuns(line, from, to) });
    };
    let start = 0;
    let hadOffset = false;
    for (let i = 0; i < line.glyphs.length; i++) {
      if (line.xOffset[i] || line.yOffset[i]) {
        show(start, i);
        this.op(`1 0 0 1 ${num(x + line.xOffset[i]! * scale)} ${num(y + line.yOffset[i]! * scale)} Tm`);
        show(i, i + 1);
        start = i + 1;
        hadOffset = true;
      } else if (hadOffset) {
        this.op(`1 0 0 1 ${num(x)} ${num(y)} Tm`);
        hadOffset = false;
      }
      x += line.xAdvance[i]! * scale;
    }
    show(start, line.glyphs.length);
  }
}

/**
 * A line of text shaped: its glyphs in runs for one TJ, or, when some are placed off the line
 * (marks), the shaped glyphs `placeGlyphs` positions. Only what drawing it needs is kept: a line
 * of runs keeps no per-glyph arrays (they made most of the cache in a reply worker's capped heap).
 */
type ShapedLine = { readonly runs: readonly Run[] } | { readonly runs: null; readonly line: Chunk };

/** A line's glyphs, kerning and offsets, worked out once per face and text. */
function shapeLine(face: Face, text: string): ShapedLine {
  const cache = face.cache<ShapedLine>('shapes');
  const cached = cache.get(text);
  if (cached !== undefined) return cached;
  const line = face.shapeText(text);
  return cache.remember(text, line.offsets ? { runs: null, line } : { runs: kernedRuns(line, 0, line.glyphs.length) });
}

/** Glyphs `from` to `to` in pdfkit's runs: a run ends after each kerned glyph, and at the end. */
function kernedRuns(line: Chunk, from: number, to: number): Run[] {
  const runs: Run[] = [];
  let last = from;
  for (let i = from; i < to; i++) {
    const kerning = line.xAdvance[i]! - line.advanceWidth[i]!;
    if (kerning !== 0 || i === to - 1) {
      runs.push({ glyphs: line.glyphs.slice(last, i + 1), adjust: num(-kerning) });
      last = i + 1;
    }
  }
  return runs;
}

/** TJ operators already written, for runs of base glyphs only (their codes never change). */
const shownInBase = new WeakMap<readonly Run[], string>();

/**
 * A page's content stream, glyphs written as their codes in the letter's subsets: latin1 bytes in
 * a buffer this module reuses (valid until the next call). The page's ~700 pieces are joined
 * once, then written in one call: appended one by one to a string, they made a reply's largest
 * heap garbage (~70 kB); written one by one into the buffer, ~0.35 µs each.
 */
export function contentStream(page: Page, faces: readonly EmbeddedFace[]): Buffer {
  const lines = page.content.map((item) => (typeof item === 'string' ? item : shownGlyphs(item, faces)));
  lines.push('');
  const text = lines.join('\n');
  if (text.length > scratch.length) scratch = Buffer.allocUnsafe(2 * text.length);
  return scratch.subarray(0, scratch.write(text, 0, 'latin1'));
}
let scratch = Buffer.allocUnsafe(64 * 1024);
let codeBytes = Buffer.allocUnsafe(512);

/** A TJ operator: glyphs written as their codes in the letter's subsets. */
function shownGlyphs(item: ShowGlyphs, faces: readonly EmbeddedFace[]): string {
  let shown = shownInBase.get(item.runs);
  if (shown === undefined) {
    const { baseCodes, codes } = faces[item.face]!;
    let base = true;
    const runs = item.runs.map(({ glyphs, adjust }) => {
      // Two bytes per code, big-endian, then hexadecimal in one call (lowercase, as serialize.ts `hex4` writes).
      if (2 * glyphs.length > codeBytes.length) codeBytes = Buffer.allocUnsafe(4 * glyphs.length);
      let at = 0;
      for (const id of glyphs) {
        let code = baseCodes.get(id);
        if (code === undefined) {
          base = false;
          code = codes.get(id) ?? 0;
        }
        codeBytes[at++] = code >> 8;
        codeBytes[at++] = code & 0xff;
      }
      return `<${codeBytes.toString('hex', 0, at)}> ${adjust}`;
    });
    shown = `[${runs.join(' ')}] TJ`;
    if (base) shownInBase.set(item.runs, shown);
  }
  return shown;
}
