/**
 * A TrueType font without its hinting: the glyphs' instructions and the `fpgm`, `prep` and `cvt `
 * tables go, the outlines stay. In DejaVu's subsets the instructions are more than half of the
 * glyph data (12 of 22 kB for the base repertoire); PDF viewers and printers rasterise without
 * them (poppler, for one, never runs them), so an attestation carries ~20 kB less for the same
 * page. The file is otherwise rewritten as it was: same tables, loca in long form, checksums.
 */

const HINTING_TABLES = new Set(['fpgm', 'prep', 'cvt ']);

/** Compound glyph component flags (OpenType `glyf`). */
const ARG_1_AND_2_ARE_WORDS = 0x0001;
const WE_HAVE_A_SCALE = 0x0008;
const MORE_COMPONENTS = 0x0020;
const WE_HAVE_AN_X_AND_Y_SCALE = 0x0040;
const WE_HAVE_A_TWO_BY_TWO = 0x0080;
const WE_HAVE_INSTRUCTIONS = 0x0100;

export function withoutHinting(font: Uint8Array): Buffer {
  const ttf = Buffer.from(font.buffer, font.byteOffset, font.byteLength);
  const tables = new Map<string, Buffer>();
  for (let i = 0; i < ttf.readUInt16BE(4); i++) {
    const entry = 12 + 16 * i;
    const offset = ttf.readUInt32BE(entry + 8);
    tables.set(ttf.toString('latin1', entry, entry + 4), ttf.subarray(offset, offset + ttf.readUInt32BE(entry + 12)));
  }
  const head = Buffer.from(tables.get('head')!);
  const loca = tables.get('loca')!;
  const glyf = tables.get('glyf')!;
  const longLoca = head.readInt16BE(50) === 1;
  const glyphCount = loca.length / (longLoca ? 4 : 2) - 1;
  const at = (i: number): number => (longLoca ? loca.readUInt32BE(4 * i) : 2 * loca.readUInt16BE(2 * i));

  const glyphs: Buffer[] = [];
  const locations = Buffer.alloc(4 * (glyphCount + 1));
  let offset = 0;
  for (let i = 0; i < glyphCount; i++) {
    const glyph = stripGlyph(glyf.subarray(at(i), at(i + 1)));
    const padded = Buffer.concat([glyph, Buffer.alloc((4 - (glyph.length % 4)) % 4)]);
    locations.writeUInt32BE(offset, 4 * i);
    glyphs.push(padded);
    offset += padded.length;
  }
  locations.writeUInt32BE(offset, 4 * glyphCount);
  head.writeInt16BE(1, 50); // indexToLocFormat: long
  head.writeUInt32BE(0, 8); // checkSumAdjustment, set below

  for (const tag of HINTING_TABLES) tables.delete(tag);
  tables.set('head', head);
  tables.set('loca', locations);
  tables.set('glyf', Buffer.concat(glyphs));
  const { file, offsets: tableAt } = assemble(ttf.readUInt32BE(0), tables);
  file.writeUInt32BE((0xb1b0afba - checksum(file)) >>> 0, tableAt.get('head')! + 8);
  return file;
}

/** One glyph's record without its instructions. */
function stripGlyph(glyph: Buffer): Buffer {
  if (glyph.length === 0) return glyph;
  const contours = glyph.readInt16BE(0);
  if (contours >= 0) {
    const lengthAt = 10 + 2 * contours;
    const instructions = glyph.readUInt16BE(lengthAt);
    return Buffer.concat([glyph.subarray(0, lengthAt), Buffer.alloc(2), glyph.subarray(lengthAt + 2 + instructions)]);
  }
  // A compound glyph: its components, the instruction flag cleared, and nothing after them.
  const out = Buffer.from(glyph);
  let at = 10;
  for (;;) {
    const flags = out.readUInt16BE(at);
    out.writeUInt16BE(flags & ~WE_HAVE_INSTRUCTIONS, at);
    at += 4 + (flags & ARG_1_AND_2_ARE_WORDS ? 4 : 2);
    if (flags & WE_HAVE_A_SCALE) at += 2;
    else if (flags & WE_HAVE_AN_X_AND_Y_SCALE) at += 4;
    else if (flags & WE_HAVE_A_TWO_BY_TWO) at += 8;
    if (!(flags & MORE_COMPONENTS)) break;
  }
  return out.subarray(0, at);
}

/** The font file: table directory (tags in order) and tables, each padded to four bytes. */
function assemble(version: number, tables: ReadonlyMap<string, Buffer>): { file: Buffer; offsets: Map<string, number> } {
  const tags = [...tables.keys()].sort();
  const count = tags.length;
  const power = 2 ** Math.floor(Math.log2(count));
  const header = Buffer.alloc(12 + 16 * count);
  header.writeUInt32BE(version, 0);
  header.writeUInt16BE(count, 4);
  header.writeUInt16BE(power * 16, 6);
  header.writeUInt16BE(Math.log2(power), 8);
  header.writeUInt16BE(count * 16 - power * 16, 10);
  const bodies: Buffer[] = [];
  const offsets = new Map<string, number>();
  let offset = header.length;
  tags.forEach((tag, i) => {
    const table = tables.get(tag)!;
    const entry = 12 + 16 * i;
    header.write(tag, entry, 'latin1');
    header.writeUInt32BE(checksum(table), entry + 4);
    header.writeUInt32BE(offset, entry + 8);
    offsets.set(tag, offset);
    header.writeUInt32BE(table.length, entry + 12);
    const padded = Buffer.concat([table, Buffer.alloc((4 - (table.length % 4)) % 4)]);
    bodies.push(padded);
    offset += padded.length;
  });
  return { file: Buffer.concat([header, ...bodies]), offsets };
}

/** The sum of a table's big-endian 32-bit words, modulo 2³² (a short tail padded with zeros). */
function checksum(data: Buffer): number {
  let sum = 0;
  for (let i = 0; i < data.length; i += 4) {
    const word = i + 4 <= data.length ? data.readUInt32BE(i) : Buffer.concat([data.subarray(i), Buffer.alloc(4)]).readUInt32BE(0);
    sum = (sum + word) >>> 0;
  }
  return sum;
}
