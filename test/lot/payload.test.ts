import { zipSync, type Zippable } from 'fflate';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/limits.js';
import { extractLotXml } from '../../src/lot/payload.js';
import { parseLot } from '../../src/lot/parse.js';
import { bytes, exampleText } from './helpers.js';

const xml = bytes(exampleText());
const zip = (files: Zippable, level: 0 | 1 | 9 = 9) => zipSync(files, { level });

function refused(payload: Uint8Array) {
  const result = extractLotXml(payload);
  if (result.ok) throw new Error('expected a refusal');
  return result.error;
}

/** Overwrite the declared uncompressed size (local header and central directory) with `size`. */
function lieAboutSize(archive: Uint8Array, size: number): Uint8Array {
  const out = archive.slice();
  const view = new DataView(out.buffer);
  for (let i = 0; i + 4 <= out.length; i += 1) {
    const signature = view.getUint32(i, true);
    if (signature === 0x04034b50) view.setUint32(i + 22, size, true);
    if (signature === 0x02014b50) view.setUint32(i + 24, size, true);
  }
  return out;
}

describe('extractLotXml', () => {
  it('passes the lot XML through, with or without BOM and leading blanks', () => {
    expect(extractLotXml(xml)).toEqual({ ok: true, value: xml });
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, 0x0a, 0x20, ...xml]);
    expect(extractLotXml(withBom)).toEqual({ ok: true, value: withBom });
  });

  it('takes the XML out of a ZIP holding exactly one .xml file, deflated or stored', () => {
    for (const level of [9, 0] as const) {
      const result = extractLotXml(zip({ 'lot-2026-11-26.XML': xml }, level));
      expect(result.ok && Buffer.from(result.value).equals(Buffer.from(xml))).toBe(true);
    }
    const nested = extractLotXml(zip({ 'envoi/lot.xml': xml }));
    expect(nested.ok).toBe(true);
  });

  it('parses a lot that came in a ZIP', () => {
    const result = extractLotXml(zip({ 'lot.xml': xml }));
    const lot = result.ok ? parseLot(result.value) : undefined;
    expect(lot?.ok && lot.lot.demandes.length).toBe(3);
  });

  it.each([
    ['an empty ZIP', () => zip({})],
    ['a ZIP with two files', () => zip({ 'a.xml': xml, 'b.xml': xml })],
    ['a ZIP with an XML and a readme', () => zip({ 'lot.xml': xml, 'LISEZMOI.txt': bytes('bonjour') })],
    ['a ZIP with a non-.xml entry', () => zip({ 'lot.txt': xml })],
    ['a ZIP with a ../ path', () => zip({ '../lot.xml': xml })],
    ['a ZIP with a nested ../ path', () => zip({ 'a/../../lot.xml': xml })],
    ['a ZIP with an absolute path', () => zip({ '/etc/lot.xml': xml })],
    ['a ZIP whose entry is not XML', () => zip({ 'lot.xml': bytes('%PDF-1.7 pas du XML') })],
    ['a truncated ZIP', () => zip({ 'lot.xml': xml }).subarray(0, 200)],
    ['a PDF', () => bytes('%PDF-1.7\n%âãÏÓ')],
    ['plain text', () => bytes('Bonjour, voici le lot.')],
    ['nothing', () => new Uint8Array(0)],
    ['a gzip stream', () => new Uint8Array([0x1f, 0x8b, 0x08, 0x00, 0x3c])],
  ])('refuses %s with LOT_FORMAT', (_name, make) => {
    const error = refused(make());
    expect(error.code).toBe('LOT_FORMAT');
    expect(error.message).toMatch(/^Le contenu déchiffré/);
  });

  it('refuses an XML over the size limit with LOT_TAILLE', () => {
    const big = new Uint8Array(LIMITS.xmlBytes + 1).fill(0x20);
    big[0] = 0x3c;
    const error = refused(big);
    expect(error.code).toBe('LOT_TAILLE');
    expect(error.details).toMatchObject({ limit: 'xmlBytes', max: LIMITS.xmlBytes, actual: LIMITS.xmlBytes + 1 });
  });

  it('refuses a ZIP bomb early, by its ratio, whatever size its headers declare', () => {
    // 64 MiB + 1 of blanks after a root tag: deflates to ~65 KB (a ~1,000x ratio).
    const expanded = new Uint8Array(LIMITS.xmlBytes + 1).fill(0x20);
    expanded.set(bytes('<lot>'), 0);
    const bomb = zip({ 'lot.xml': expanded });
    expect(bomb.length).toBeLessThan(200_000);
    for (const archive of [bomb, lieAboutSize(bomb, 1_000)]) {
      const error = refused(archive);
      expect(error.code).toBe('LOT_TAILLE');
      expect(error.details).toMatchObject({ limit: 'compressionRatio', max: LIMITS.compressionRatio });
      expect(Number(error.details?.actual)).toBeGreaterThan(LIMITS.compressionRatio);
      // Stopped within one input slice (≤ ~4 MiB of output) past ratio × archive length.
      expect(Number(error.details?.actual) * archive.length).toBeLessThan(LIMITS.compressionRatio * archive.length + 5 * 1024 * 1024);
    }
  });

  it('refuses an entry expanding past 64 MiB at a plausible ratio, and takes one exactly at the limit', () => {
    // Blanks with a pseudo-random letter every 64 bytes: compresses ~30x, like dull honest XML.
    const sprinkled = (size: number) => {
      const out = new Uint8Array(size).fill(0x20);
      let seed = 42;
      for (let i = 64; i < size; i += 64) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        out[i] = 0x61 + (seed % 26);
      }
      out.set(bytes('<lot>'), 0);
      return out;
    };
    const over = zip({ 'lot.xml': sprinkled(LIMITS.xmlBytes + 1) }, 1);
    expect(LIMITS.xmlBytes / over.length).toBeLessThan(LIMITS.compressionRatio);
    const error = refused(over);
    expect(error).toMatchObject({ code: 'LOT_TAILLE', details: { limit: 'xmlBytes', max: LIMITS.xmlBytes } });
    expect(Number(error.details?.actual)).toBeLessThan(LIMITS.xmlBytes + 5 * 1024 * 1024);
    const result = extractLotXml(zip({ 'lot.xml': sprinkled(LIMITS.xmlBytes) }, 1));
    expect(result.ok && result.value.length).toBe(LIMITS.xmlBytes);
  });

  it('takes a small, very repetitive lot (under the ratio floor)', () => {
    const repetitive = new Uint8Array(512 * 1024).fill(0x20);
    repetitive.set(bytes('<lot>'), 0);
    expect(extractLotXml(zip({ 'lot.xml': repetitive })).ok).toBe(true);
  });
});
