/**
 * PDF syntax (ISO 32000-1 §7.3) for the letters' writer: numbers as pdfkit wrote them (rounded
 * to the millionth), text strings, dates, indirect objects and the file with its cross-reference
 * table. Everything here is a pure function of its arguments: the same letter gives the same bytes.
 */
import { deflateSync } from 'node:zlib';

/** A number as pdfkit 0.20 wrote it (`PDFObject.number`): rounded to the millionth. */
export function num(n: number): string {
  return String(Math.round(n * 1e6) / 1e6);
}

/** A text string: literal when ASCII, else UTF-16BE with its byte order mark (§7.9.2.2). */
export function pdfText(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text)) return `(${text.replace(/[\\()]/g, (c) => `\\${c}`)})`;
  return `<FEFF${Buffer.from(text, 'utf16le').swap16().toString('hex').toUpperCase()}>`;
}

/** A date string in UTC (§7.9.4). */
export function pdfDate(date: Date): string {
  const iso = date.toISOString();
  return `(D:${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z)`;
}

/** Four hexadecimal digits: a two-byte character code of an Identity-H font. */
export function hex4(code: number): string {
  return (0x10000 + code).toString(16).slice(1);
}

/** An indirect object whose body is a dictionary or any other value. */
export function indirect(id: number, body: string): Buffer {
  return Buffer.from(`${id} 0 obj\n${body}\nendobj\n`, 'latin1');
}

/**
 * Data for a FlateDecode stream. A letter's page content takes level 1, zlib's fast matcher: on a
 * 15 kB page it takes 40 µs where level 4 (the lazy matcher) took 82 and the default 6 took 122,
 * for 3.4 kB instead of 2.8 and 2.4 — 2 % of a 32 kB attestation, and the page deflate was 10 % of
 * a reply worker's time at level 4. Data compressed once per process (fonts, colour profile)
 * takes level 9.
 */
export function deflate(data: Uint8Array, once = false): Buffer {
  return deflateSync(data, { level: once ? 9 : 1 });
}

/** A stream object; `deflated`: the data is FlateDecode's (from `deflate`). */
export function streamObject(id: number, entries: string, data: Uint8Array, deflated: boolean): Buffer {
  const filter = deflated ? '/Filter /FlateDecode ' : '';
  return Buffer.concat([
    Buffer.from(`${id} 0 obj\n<< ${entries}${entries === '' ? '' : ' '}${filter}/Length ${data.length} >>\nstream\n`, 'latin1'),
    data,
    Buffer.from('\nendstream\nendobj\n', 'latin1'),
  ]);
}

const HEADER = Buffer.from('%PDF-1.7\n%\xff\xff\xff\xff\n', 'latin1');

/**
 * The whole file: `objects[i]` is object number i + 1, serialised by `indirect`/`streamObject`.
 * `id` is the file identifier (§14.4), given twice as for a file never updated.
 */
export function pdfFile(objects: readonly Buffer[], root: number, info: number, id: Uint8Array): Buffer {
  const offsets: number[] = [];
  let offset = HEADER.length;
  for (const object of objects) {
    offsets.push(offset);
    offset += object.length;
  }
  const hex = Buffer.from(id).toString('hex');
  const xref = [
    'xref',
    `0 ${objects.length + 1}`,
    '0000000000 65535 f ',
    ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n `),
    'trailer',
    `<< /Size ${objects.length + 1} /Root ${root} 0 R /Info ${info} 0 R /ID [<${hex}> <${hex}>] >>`,
    'startxref',
    String(offset),
    '%%EOF',
    '',
  ].join('\n');
  return Buffer.concat([HEADER, ...objects, Buffer.from(xref, 'latin1')]);
}
