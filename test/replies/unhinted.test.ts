/**
 * The letters' fonts without hinting (src/replies/pdf/unhinted.ts): the same outlines, simple and
 * compound glyphs alike, no instructions or hinting tables, and a well-formed file (checksums).
 */
import { create } from 'fontkit';
import { describe, expect, it } from 'vitest';
import { letterFaces } from '../../src/replies/attestation/fonts.js';
import { withoutHinting } from '../../src/replies/pdf/unhinted.js';

/** The subset of `text`'s glyphs, as fontkit writes it (hinted). */
function subset(text: string): Uint8Array {
  const { font } = letterFaces().bold;
  const sub = font.createSubset();
  for (const char of text) sub.includeGlyph(font.glyphForCodePoint(char.codePointAt(0)!).id);
  return sub.encode();
}

function tableTags(ttf: Buffer): string[] {
  return Array.from({ length: ttf.readUInt16BE(4) }, (_, i) => ttf.toString('latin1', 12 + 16 * i, 16 + 16 * i));
}

function sum(data: Buffer): number {
  let total = 0;
  for (let i = 0; i < data.length; i += 4) total = (total + Buffer.concat([data.subarray(i, i + 4), Buffer.alloc(4)]).readUInt32BE(0)) >>> 0;
  return total;
}

describe('withoutHinting', () => {
  // É, é, à, ç and ễ are compound glyphs in DejaVu (a base letter and its marks).
  const text = 'AÉéàçŁ«»ễ ';
  const hinted = subset(text);
  const unhinted = withoutHinting(hinted);

  it('keeps every glyph outline and advance, simple and compound', () => {
    const before = create(hinted) as unknown as { numGlyphs: number; getGlyph(id: number): { path: { toSVG(): string }; advanceWidth: number } };
    const after = create(unhinted) as unknown as typeof before;
    expect(after.numGlyphs).toBe(before.numGlyphs);
    for (let id = 0; id < before.numGlyphs; id++) {
      expect(after.getGlyph(id).path.toSVG()).toBe(before.getGlyph(id).path.toSVG());
      expect(after.getGlyph(id).advanceWidth).toBe(before.getGlyph(id).advanceWidth);
    }
  });

  it('drops the instructions and hinting tables, and is smaller by half', () => {
    expect(tableTags(Buffer.from(hinted))).toEqual(expect.arrayContaining(['fpgm', 'prep', 'cvt ']));
    const tags = tableTags(unhinted);
    for (const tag of ['fpgm', 'prep', 'cvt ']) expect(tags).not.toContain(tag);
    expect(tags).toEqual([...tags].sort());
    expect(unhinted.length).toBeLessThan(hinted.length * 0.6);
  });

  it('writes each table’s checksum and the file’s adjustment', () => {
    for (let i = 0; i < unhinted.readUInt16BE(4); i++) {
      const entry = 12 + 16 * i;
      const table = unhinted.subarray(unhinted.readUInt32BE(entry + 8), unhinted.readUInt32BE(entry + 8) + unhinted.readUInt32BE(entry + 12));
      if (unhinted.toString('latin1', entry, entry + 4) === 'head') continue; // its own checksum excludes the adjustment
      expect(unhinted.readUInt32BE(entry + 4)).toBe(sum(table));
    }
    expect(sum(unhinted)).toBe(0xb1b0afba);
  });
});
