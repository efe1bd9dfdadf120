/**
 * A face embedded in a letter (PDF/A: every font in the file): a Type 0 font over a TrueType
 * subset, its widths and its ToUnicode map (so that text can be extracted), as five objects.
 *
 * Subsetting and deflating a face costs more than laying out a whole page, and nearly every
 * letter needs the same glyphs: so the subset is prepared once per process for a base repertoire
 * (printable ASCII, the French letters and typography's signs), and a letter whose
 * text needs more (Łukasz, Nguyễn Thị, Şahin) gets the base plus its extra glyphs, built once per
 * set of extras and kept. Character codes are the glyphs' places in the subset: the base glyphs'
 * never change; extras follow them in glyph order, so the same letter always gets the same bytes.
 */
import { createHash } from 'node:crypto';
import { BoundedMap, type Face } from './face.js';
import { deflate, hex4, indirect, num, streamObject } from './serialize.js';
import { withoutHinting } from './unhinted.js';

/**
 * Characters whose glyphs every subset holds: printable ASCII and what French writes beyond it
 * (~8 kB deflated per face without hinting; all of Latin-1 would add a third). Other letters are
 * extras.
 */
const BASE_REPERTOIRE = [
  ...range(0x20, 0x7e),
  ...Array.from('àâäçéèêëîïôöùûüÿæœÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸÆŒ«»’‘“”–—…°€§²', (c) => c.codePointAt(0)!),
  0xa0, // no-break space
  0x202f, // narrow no-break space (before ; : ! ?)
];

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

export interface EmbeddedFace {
  /** The character code of a glyph of the face (its place in the subset). */
  readonly codes: ReadonlyMap<number, number>;
  /** The codes of the base glyphs, the same in every subset of the face. */
  readonly baseCodes: ReadonlyMap<number, number>;
  /** The five objects, numbered from `first`: Type 0 font (the one pages name), CID font, descriptor, font file, ToUnicode. */
  objects(first: number): Buffer[];
}

/**
 * Distinct sets of extra glyphs kept per face (in two generations, `BoundedMap`: the sets many
 * letters need stay while one-off sets come and go): each holds its font file
 * (~25 kB with its objects), and a reply worker's heap is capped at 64 MB.
 */
const EXTRA_SETS_KEPT = 64;

interface FaceSubsets {
  readonly base: readonly number[];
  readonly baseCodes: ReadonlyMap<number, number>;
  readonly byExtras: BoundedMap<EmbeddedFace>;
  /** Per line's glyph runs (the same array each time the typesetter shows that line): its extras. */
  readonly extrasOfRuns: WeakMap<object, readonly number[]>;
}

const subsets = new WeakMap<Face, FaceSubsets>();

function subsetsOf(face: Face): FaceSubsets {
  let found = subsets.get(face);
  if (found === undefined) {
    const base = [...new Set(BASE_REPERTOIRE.map((cp) => face.font.glyphForCodePoint(cp).id))].filter((id) => id !== 0).sort((a, b) => a - b);
    found = { base, baseCodes: new Map(base.map((id, i) => [id, i + 1])), byExtras: new BoundedMap(EXTRA_SETS_KEPT), extrasOfRuns: new WeakMap() };
    subsets.set(face, found);
  }
  return found;
}

const NO_EXTRAS: readonly number[] = [];

/**
 * The glyphs of `runs` the base subset lacks (to pass to `embedFace`), worked out once per runs
 * array: a letter's lines are nearly all cached, so it costs a lookup per line instead of a look
 * at every glyph of the page.
 */
export function extraGlyphs(face: Face, runs: readonly { readonly glyphs: readonly number[] }[]): readonly number[] {
  const { baseCodes, extrasOfRuns } = subsetsOf(face);
  let extras = extrasOfRuns.get(runs);
  if (extras === undefined) {
    let found: number[] | undefined;
    for (const run of runs) for (const id of run.glyphs) if (id !== 0 && !baseCodes.has(id)) (found ??= []).push(id);
    extras = found ?? NO_EXTRAS;
    extrasOfRuns.set(runs, extras);
  }
  return extras;
}

/** The face embedded for a letter that needs `extraGlyphs` beyond the base (as `extraGlyphs` finds them). */
export function embedFace(face: Face, extraGlyphs: ReadonlySet<number>): EmbeddedFace {
  const { base, baseCodes, byExtras } = subsetsOf(face);
  const extras = [...extraGlyphs].sort((a, b) => a - b);
  const key = extras.join(',');
  let embedded = byExtras.get(key);
  if (embedded === undefined) {
    embedded = byExtras.remember(key, build(face, [...base, ...extras], baseCodes));
  }
  return embedded;
}

function build(face: Face, glyphs: readonly number[], baseCodes: ReadonlyMap<number, number>): EmbeddedFace {
  const { font, scale } = face;
  const subset = font.createSubset();
  const codes = new Map<number, number>();
  for (const id of glyphs) codes.set(id, subset.includeGlyph(id));
  for (const [id, code] of baseCodes) if (codes.get(id) !== code) throw new Error(`glyph ${id}: code ${codes.get(id)}, base ${code}`);
  // Compressed now, once: only the object numbers differ from one letter to the next.
  const fontFile = deflate(withoutHinting(subset.encode()), true);
  const toUnicode = deflate(Buffer.from(toUnicodeCmap(face, glyphs), 'latin1'), true);
  const widths = [font.getGlyph(0).advanceWidth * scale, ...glyphs.map((id) => font.getGlyph(id).advanceWidth * scale)];
  const name = `${subsetTag(face.postscriptName, glyphs)}+${face.postscriptName.replaceAll(' ', '_')}`;
  const familyClass = (font['OS/2']?.sFamilyClass ?? 0) >> 8;
  let flags = 1 << 2; // symbolic: the glyphs are reached by glyph index, not by a standard encoding
  if (font.post.isFixedPitch) flags |= 1 << 0;
  if (familyClass >= 1 && familyClass <= 7) flags |= 1 << 1;
  if (familyClass === 10) flags |= 1 << 3;
  if (font.head.macStyle.italic) flags |= 1 << 6;
  const { bbox } = font;
  // Letters place a face at the same object numbers each time: its objects are made once.
  const placedAt = new Map<number, Buffer[]>();
  const descriptor = [
    '/Type /FontDescriptor',
    `/FontName /${name}`,
    `/Flags ${flags}`,
    `/FontBBox [${[bbox.minX, bbox.minY, bbox.maxX, bbox.maxY].map((v) => num(v * scale)).join(' ')}]`,
    `/ItalicAngle ${num(font.italicAngle)}`,
    `/Ascent ${num(face.ascender)}`,
    `/Descent ${num(face.descender)}`,
    `/CapHeight ${num((font.capHeight || font.ascent) * scale)}`,
    `/XHeight ${num((font.xHeight || 0) * scale)}`,
    '/StemV 0',
  ].join(' ');
  return {
    codes,
    baseCodes,
    objects(first) {
      const placed = placedAt.get(first);
      if (placed !== undefined) return placed;
      const [type0, cidFont, fontDescriptor, file, cmap] = [first, first + 1, first + 2, first + 3, first + 4] as const;
      const objects = [
        indirect(type0, `<< /Type /Font /Subtype /Type0 /BaseFont /${name} /Encoding /Identity-H /DescendantFonts [${cidFont} 0 R] /ToUnicode ${cmap} 0 R >>`),
        indirect(
          cidFont,
          `<< /Type /Font /Subtype /CIDFontType2 /BaseFont /${name} /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor ${fontDescriptor} 0 R /W [0 [${widths.map(num).join(' ')}]] /CIDToGIDMap /Identity >>`,
        ),
        indirect(fontDescriptor, `<< ${descriptor} /FontFile2 ${file} 0 R >>`),
        streamObject(file, '', fontFile, true),
        streamObject(cmap, '', toUnicode, true),
      ];
      placedAt.set(first, objects);
      return objects;
    },
  };
}

/** Six capital letters naming the subset (ISO 32000-1 §9.6.4), the same for the same glyphs. */
function subsetTag(postscriptName: string, glyphs: readonly number[]): string {
  const digest = createHash('sha256').update(`${postscriptName}:${glyphs.join(',')}`).digest();
  return Array.from(digest.subarray(0, 6), (byte) => String.fromCharCode(65 + (byte % 26))).join('');
}

/** The ToUnicode CMap of the subset's codes: 0 the missing glyph, then `glyphs` in order. */
function toUnicodeCmap(face: Face, glyphs: readonly number[]): string {
  const entries = [[0], ...glyphs.map((id) => face.unicodeOf(id))].map((codePoints) => {
    const units: string[] = [];
    for (const codePoint of codePoints) {
      if (codePoint > 0xffff) {
        const value = codePoint - 0x10000;
        units.push(hex4(((value >>> 10) & 0x3ff) | 0xd800), hex4(0xdc00 | (value & 0x3ff)));
      } else {
        units.push(hex4(codePoint));
      }
    }
    return `<${units.join(' ')}>`;
  });
  const ranges: string[] = [];
  for (let start = 0; start < entries.length; start += 256) {
    const end = Math.min(start + 256, entries.length);
    ranges.push(`<${hex4(start)}> <${hex4(end - 1)}> [${entries.slice(start, end).join(' ')}]`);
  }
  return `/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo <<
  /Registry (Adobe)
  /Ordering (UCS)
  /Supplement 0
>> def
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<0000><ffff>
endcodespacerange
${ranges.length} beginbfrange
${ranges.join('\n')}
endbfrange
endcmap
CMapName currentdict /CMap defineresource pop
end
end`;
}
