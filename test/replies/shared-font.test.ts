import { describe, expect, it } from 'vitest';
import { attestationFonts, type ParsedFont } from '../../src/replies/attestation/fonts.js';
import { renderAttestation } from '../../src/replies/attestation/index.js';
import { cachedLayouts, LAYOUT_CACHE_ENTRIES } from '../../src/replies/attestation/shared-font.js';
import { attestationCre } from './fixtures.js';

/** The fontkit font behind the cached one: its prototype. */
const plain = (font: ParsedFont): ParsedFont => Object.getPrototypeOf(font) as ParsedFont;

const subsetBytes = (font: ParsedFont, glyphIds: readonly number[]): Buffer => {
  const subset = font.createSubset();
  for (const id of glyphIds) subset.includeGlyph(id);
  return Buffer.from(subset.encode());
};

const glyphIdsOf = (font: ParsedFont, text: string): number[] =>
  (plain(font).layout(text).glyphs as { id: number }[]).map((glyph) => glyph.id);

describe('fonts shared across attestations', () => {
  const sample = 'Nguyễn Thị Łukasz-Şahin Œuvray « 26 novembre » ÀÉÎÕÜ àéîõü ǅ ß 0123456789 — 王';

  it('are parsed once per process', () => {
    expect(attestationFonts()).toBe(attestationFonts());
    expect(attestationFonts().regular.postscriptName).toBe('DejaVuSans');
    expect(attestationFonts().bold.postscriptName).toBe('DejaVuSans-Bold');
    expect(attestationFonts().regular.hasGlyphForCodePoint('ễ'.codePointAt(0) ?? 0)).toBe(true);
  });

  it('subset to the same bytes as fontkit, compound glyphs included, on first and later use', () => {
    for (const font of [attestationFonts().regular, attestationFonts().bold]) {
      const ids = glyphIdsOf(font, sample);
      const glyph = (id: number) => (plain(font) as unknown as { getGlyph(id: number): { _decode(): { numberOfContours: number } | null } }).getGlyph(id);
      // Accented letters are compound glyphs in DejaVu: the renumbering path is exercised.
      expect(ids.filter((id) => (glyph(id)._decode()?.numberOfContours ?? 0) < 0).length).toBeGreaterThan(5);
      const expected = subsetBytes(plain(font), ids);
      expect(subsetBytes(font, ids).equals(expected)).toBe(true);
      expect(subsetBytes(font, [...ids].reverse()).equals(subsetBytes(plain(font), [...ids].reverse()))).toBe(true);
      expect(subsetBytes(font, ids).equals(expected)).toBe(true);
    }
  });

  it('lay out text as fontkit does, and hand out runs the caller may scale', () => {
    const font = attestationFonts().regular;
    const expected = plain(font).layout(sample);
    const first = font.layout(sample);
    for (const position of first.positions) position.xAdvance *= 1000;
    const second = font.layout(sample);
    expect(second.positions).toEqual(expected.positions.map((p) => ({ ...p })));
    expect(second.glyphs).toEqual(expected.glyphs);
    expect((second as unknown as { advanceWidth: number }).advanceWidth).toBe(
      (expected as unknown as { advanceWidth: number }).advanceWidth,
    );
  });

  it('keep a bounded number of word layouts, however many one-off words the attestations hold', async () => {
    const font = attestationFonts().regular;
    // Each attestation brings words never seen again (numéro unique, reference, names): a reply
    // worker lays out tens of thousands over a 10,000-demande lot, ~1.6 KB each once cached.
    for (let i = 0; i < 2_500; i++) font.layout(`1111126${String(i).padStart(6, '0')}G1104`);
    expect(cachedLayouts(font)).toBeLessThanOrEqual(2_000);
    // …while an attestation's own words fit several times over: the cache is not emptied per document.
    const { regular, bold } = attestationFonts();
    const before = cachedLayouts(regular) + cachedLayouts(bold);
    await renderAttestation({ ...attestationCre, numeroUnique: '1111126999999G1104' });
    const words = cachedLayouts(regular) + cachedLayouts(bold) - before;
    expect(words).toBeGreaterThan(0);
    expect(words).toBeLessThan(LAYOUT_CACHE_ENTRIES / 4);
  });
});
