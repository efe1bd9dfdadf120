/**
 * Checks run on the raw lot bytes before libxml2 sees them (spec 3: no DTD). A cheap scan
 * refuses any `<!DOCTYPE`, `<!ENTITY` (any `<!` that is not a comment or CDATA), nesting deeper
 * than LIMITS.xmlDepth, and an encoding that is unsupported or lies about the bytes.
 *
 * The scan relies on markup being ASCII, so only ASCII-compatible encodings are scanned as
 * they are; UTF-16 is transcoded to UTF-8 first and then parsed as UTF-8.
 */
import { isUtf8 } from 'node:buffer';
import { lotError, type LotError, type LotResult, ok, fail } from '../errors.js';
import { LIMITS } from '../limits.js';

export interface SafeXml {
  /** The bytes to parse: the input, or its UTF-8 transcoding. */
  readonly bytes: Uint8Array;
  /** True when `bytes` were transcoded: the parser must ignore the declared encoding. */
  readonly forceUtf8: boolean;
}

/** Encodings accepted in the XML declaration, by normalised name. */
const SINGLE_BYTE = new Set([
  'ISO-8859-1', 'LATIN1', 'ISO-LATIN-1', 'ISO-8859-15', 'LATIN-9', 'LATIN9', 'WINDOWS-1252', 'CP1252',
]);
const ASCII = new Set(['US-ASCII', 'ASCII']);
const UTF8 = new Set(['UTF-8', 'UTF8']);
const UTF16 = new Set(['UTF-16', 'UTF-16LE', 'UTF-16BE', 'UTF16']);

const xmlError = (detail: string, details?: LotError['details']): LotError =>
  lotError('LOT_XML', `Le fichier du lot n'est pas un document XML admis : ${detail}.`, details);

export function checkXmlSafety(input: Uint8Array): LotResult<SafeXml> {
  const decoded = toScannable(input);
  if (!decoded.ok) return decoded;
  const { bytes, start, forceUtf8, bomUtf8, utf16 } = decoded.value;
  const declared = declaredEncoding(bytes, start);
  const encodingError = checkEncoding(bytes, start, declared, bomUtf8, utf16);
  if (encodingError !== undefined) return fail(encodingError);
  const markupError = scanMarkup(bytes, start);
  if (markupError !== undefined) return fail(markupError);
  return ok({ bytes, forceUtf8 });
}

interface Scannable {
  readonly bytes: Uint8Array;
  /** Offset after a UTF-8 BOM. */
  readonly start: number;
  readonly forceUtf8: boolean;
  readonly bomUtf8: boolean;
  readonly utf16: boolean;
}

function toScannable(input: Uint8Array): LotResult<Scannable> {
  const [b0, b1, b2, b3] = [input[0], input[1], input[2], input[3]];
  if ((b0 === 0x00 && b1 === 0x00) || (b0 === 0xff && b1 === 0xfe && b2 === 0x00 && b3 === 0x00)) {
    return fail(xmlError('encodage UTF-32 ou inconnu non admis (utilisez UTF-8)'));
  }
  let utf16: 'utf-16le' | 'utf-16be' | undefined;
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0x3c && b1 === 0x00 && b2 === 0x3f && b3 === 0x00)) utf16 = 'utf-16le';
  if ((b0 === 0xfe && b1 === 0xff) || (b0 === 0x00 && b1 === 0x3c && b2 === 0x00 && b3 === 0x3f)) utf16 = 'utf-16be';
  if (utf16 !== undefined) {
    let text: string;
    try {
      text = new TextDecoder(utf16, { fatal: true }).decode(input);
    } catch {
      return fail(xmlError('octets invalides pour l’encodage UTF-16'));
    }
    return ok({ bytes: new TextEncoder().encode(text), start: 0, forceUtf8: true, bomUtf8: false, utf16: true });
  }
  const bomUtf8 = b0 === 0xef && b1 === 0xbb && b2 === 0xbf;
  return ok({ bytes: input, start: bomUtf8 ? 3 : 0, forceUtf8: false, bomUtf8, utf16: false });
}

/** The `encoding` of a leading XML declaration, upper-cased, or undefined. */
function declaredEncoding(bytes: Uint8Array, start: number): string | undefined {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset + start, Math.min(200, bytes.length - start)).toString('latin1');
  const declaration = /^<\?xml\s[^?]*\?>/.exec(head)?.[0];
  if (declaration === undefined) return undefined;
  return /\sencoding\s*=\s*["']([^"']*)["']/.exec(declaration)?.[1]?.toUpperCase();
}

function checkEncoding(
  bytes: Uint8Array,
  start: number,
  declared: string | undefined,
  bomUtf8: boolean,
  utf16: boolean,
): LotError | undefined {
  const liar = (why: string) => xmlError(`l'encodage déclaré (${declared ?? 'UTF-8'}) ne correspond pas au contenu : ${why}`);
  if (utf16) {
    return declared === undefined || UTF16.has(declared) ? undefined : liar('le fichier est en UTF-16');
  }
  if (declared !== undefined && UTF16.has(declared)) return liar("le fichier n'est pas en UTF-16");
  if (declared === undefined || UTF8.has(declared)) {
    return isUtf8(bytes.subarray(start)) ? undefined : liar("le contenu n'est pas de l'UTF-8 valide");
  }
  if (bomUtf8) return liar("le fichier commence par la marque d'ordre d'octets UTF-8");
  const nonAscii = bytes.subarray(start).some((b) => b >= 0x80);
  if (ASCII.has(declared)) return nonAscii ? liar('le contenu a des caractères non ASCII') : undefined;
  if (SINGLE_BYTE.has(declared)) {
    // Latin-1 text with accents is almost never valid UTF-8 (é = E9 then ASCII): if it is, the
    // file is UTF-8 declared as Latin-1, and its names would silently turn into mojibake.
    return nonAscii && isUtf8(bytes.subarray(start)) ? liar('le contenu est en UTF-8') : undefined;
  }
  return xmlError(`encodage « ${declared} » non admis (utilisez UTF-8, ISO-8859-1, ISO-8859-15, windows-1252 ou UTF-16)`);
}

const LT = 0x3c;
const GT = 0x3e;
const startsWith = (buffer: Buffer, at: number, text: string): boolean =>
  buffer.toString('latin1', at, at + text.length) === text;

/**
 * One pass over the markup: `<!` other than comments and CDATA is refused (DOCTYPE, ENTITY,
 * ELEMENT, ATTLIST…) and element depth is counted. Attribute values may hold `>`, so start
 * tags are read with their quotes. Malformed input just ends the scan: libxml2 rejects it.
 */
function scanMarkup(bytes: Uint8Array, start: number): LotError | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let depth = 0;
  let i = start;
  const length = buffer.length;
  for (;;) {
    // A loop rather than indexOf: text between tags is short, a native call per tag costs more.
    let lt = i;
    while (lt < length && buffer[lt] !== LT) lt += 1;
    if (lt + 1 >= length) return undefined;
    const next = buffer[lt + 1];
    if (next === 0x21 /* ! */) {
      if (startsWith(buffer, lt, '<!--')) i = skipPast(buffer, '-->', lt + 4);
      else if (startsWith(buffer, lt, '<![CDATA[')) i = skipPast(buffer, ']]>', lt + 9);
      else return forbiddenDeclaration(buffer, lt);
    } else if (next === 0x3f /* ? */) {
      i = skipPast(buffer, '?>', lt + 2);
    } else if (next === 0x2f /* / */) {
      depth -= 1;
      i = skipPast(buffer, '>', lt + 2);
    } else {
      const end = endOfStartTag(buffer, lt + 1);
      if (end < 0) return undefined;
      if (buffer[end - 1] !== 0x2f /* / */) {
        depth += 1;
        if (depth > LIMITS.xmlDepth) {
          return xmlError(`imbrication des éléments trop profonde (plus de ${LIMITS.xmlDepth} niveaux)`, {
            limit: 'xmlDepth',
            max: LIMITS.xmlDepth,
            actual: depth,
          });
        }
      }
      i = end + 1;
    }
    if (i < 0) return undefined;
  }
}

function skipPast(buffer: Buffer, marker: string, from: number): number {
  const at = buffer.indexOf(marker, from, 'latin1');
  return at < 0 ? -1 : at + marker.length;
}

function endOfStartTag(buffer: Buffer, from: number): number {
  let quote = 0;
  for (let j = from; j < buffer.length; j += 1) {
    const c = buffer[j];
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) {
      quote = c;
    } else if (c === GT) {
      return j;
    } else if (c === LT) {
      return -1;
    }
  }
  return -1;
}

function forbiddenDeclaration(buffer: Buffer, at: number): LotError {
  const keyword = /^<!\s*([A-Za-z]*)/.exec(buffer.toString('latin1', at, at + 20))?.[1]?.toUpperCase() ?? '';
  if (keyword === 'DOCTYPE') return xmlError('les DTD (<!DOCTYPE …>) sont interdites');
  if (keyword === 'ENTITY') return xmlError("les déclarations d'entités (<!ENTITY …>) sont interdites");
  return xmlError(`déclaration « <!${keyword} » interdite (seuls les commentaires et les sections CDATA sont admis)`);
}
