/**
 * Just enough CSV for the INSEE COG and La Poste files (RFC 4180 quoting, `,` or `;`), decoded as
 * UTF-8, or as Latin-1 when the bytes are not UTF-8 (La Poste's older hexaposte files are).
 */

export interface CsvTable {
  /** Header names as written, `#` and BOM removed. */
  readonly header: readonly string[];
  readonly rows: readonly string[][];
}

export function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    return new TextDecoder('latin1').decode(bytes);
  }
}

export function parseCsv(text: string): CsvTable {
  const firstLine = text.slice(0, text.indexOf('\n') >>> 0);
  const separator = (firstLine.match(/;/g) ?? []).length > (firstLine.match(/,/g) ?? []).length ? ';' : ',';
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === separator) {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
    } else field += c;
  }
  row.push(field);
  if (row.some((f) => f !== '')) rows.push(row);
  const [header = [], ...body] = rows;
  return { header: header.map((h) => h.replace(/^[\uFEFF#\s]+/, '').trim()), rows: body };
}

/** A column's index by its name, compared without case, accents, `_` or spaces; -1 when absent. */
export function columnIndex(header: readonly string[], ...names: string[]): number {
  const key = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^a-z0-9]/gi, '').toLowerCase();
  const wanted = new Set(names.map(key));
  return header.findIndex((h) => wanted.has(key(h)));
}
