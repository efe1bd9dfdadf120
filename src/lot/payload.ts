/**
 * The decrypted payload → the lot XML bytes (spec 2): either the XML itself, or a ZIP holding
 * exactly one `.xml` file. The only module importing fflate.
 *
 * A ZIP entry is inflated from small input slices and counted as it comes out, whatever sizes
 * the headers declare. It stops as soon as it passes `inflationCap` of the archive's real length
 * (LIMITS.xmlBytes or, beyond a small floor, LIMITS.compressionRatio times it): a bomb is
 * refused after a few MiB of output, not after 64 MiB.
 */
import { Unzip, UnzipInflate, UnzipPassThrough, unzipSync, type UnzipFileInfo } from 'fflate';
import { fail, lotError, ok, type LotError, type LotResult } from '../errors.js';
import { inflationCap, LIMITS, tooInflated, tooLarge } from '../limits.js';

/** Input slice fed to the inflater: deflate expands ≤ ~1032×, so ≤ ~4 MiB out per slice. */
const SLICE = 4096;

const formatError = (detail: string): LotError =>
  lotError('LOT_FORMAT', `Le contenu déchiffré n'est ni un fichier XML ni une archive ZIP contenant exactement un fichier XML : ${detail}.`);

export function extractLotXml(payload: Uint8Array): LotResult<Uint8Array> {
  if (isZip(payload)) return extractFromZip(payload);
  if (!looksLikeXml(payload)) return fail(formatError('le contenu ne commence pas par « < »'));
  if (payload.length > LIMITS.xmlBytes) return fail(tooLarge('xmlBytes', payload.length));
  return ok(payload);
}

function isZip(bytes: Uint8Array): boolean {
  // Local file header, or the end record of an empty archive.
  return bytes[0] === 0x50 && bytes[1] === 0x4b && ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
}

/** An optional BOM (UTF-8 or UTF-16), optional whitespace, then `<`. */
export function looksLikeXml(bytes: Uint8Array): boolean {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return true;
  if ((bytes[0] === 0x3c && bytes[1] === 0x00) || (bytes[0] === 0x00 && bytes[1] === 0x3c)) return true;
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i += 1;
  return bytes[i] === 0x3c;
}

/** A safe relative `.xml` name: no absolute path, drive letter or `..` segment. */
function entryNameProblem(name: string): string | undefined {
  if (name.endsWith('/')) return `l'archive contient un dossier (${name})`;
  if (/^[/\\]/.test(name) || /^[A-Za-z]:/.test(name)) return `chemin absolu interdit dans l'archive (${name})`;
  if (name.split(/[/\\]/).includes('..')) return `chemin « .. » interdit dans l'archive (${name})`;
  if (!/\.xml$/i.test(name)) return `le fichier de l'archive n'est pas un fichier .xml (${name})`;
  return undefined;
}

function extractFromZip(zip: Uint8Array): LotResult<Uint8Array> {
  // The central directory, read without inflating anything (the filter refuses every entry).
  const entries: UnzipFileInfo[] = [];
  try {
    unzipSync(zip, {
      filter: (info) => {
        entries.push(info);
        return false;
      },
    });
  } catch {
    return fail(formatError('archive ZIP illisible'));
  }
  if (entries.length !== 1) return fail(formatError(`l'archive contient ${entries.length} fichier(s) au lieu d'un seul`));
  const entry = entries[0] as UnzipFileInfo;
  const problem = entryNameProblem(entry.name);
  if (problem !== undefined) return fail(formatError(problem));
  if (entry.compression !== 0 && entry.compression !== 8) {
    return fail(formatError(`méthode de compression ${entry.compression} non prise en charge (utilisez Deflate)`));
  }
  return inflateEntry(zip, entry);
}

/**
 * Stream the local entries; stop at the first byte past the limit. The output is written into one
 * buffer sized from the central directory's declared size (grown if the entry lies), not kept as
 * chunks then concatenated: a 35 MB lot would otherwise hold its XML twice (docs/PERFORMANCE.md).
 */
function inflateEntry(zip: Uint8Array, entry: UnzipFileInfo): LotResult<Uint8Array> {
  const cap = inflationCap(zip.length);
  const output = new GrowingBuffer(Math.min(entry.originalSize, cap));
  let files = 0;
  let done = false;
  let outcome: LotError | undefined;
  const stop = (error: LotError) => {
    outcome ??= error;
  };

  const unzip = new Unzip((file) => {
    files += 1;
    // Local headers must agree with the central directory: no hidden second entry.
    if (files > 1 || file.name !== entry.name) {
      stop(formatError("les en-têtes de l'archive ne correspondent pas à son répertoire central"));
      return;
    }
    file.ondata = (error, chunk, final) => {
      if (outcome !== undefined) return;
      if (error !== null) {
        stop(formatError('données compressées illisibles'));
        return;
      }
      if (output.length + chunk.length > cap) {
        stop(tooInflated(zip.length, output.length + chunk.length));
        file.terminate();
        return;
      }
      output.append(chunk, cap);
      if (final) done = true;
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  unzip.register(UnzipPassThrough);

  try {
    for (let offset = 0; offset < zip.length && outcome === undefined; offset += SLICE) {
      const end = Math.min(offset + SLICE, zip.length);
      unzip.push(zip.subarray(offset, end), end === zip.length);
    }
  } catch {
    stop(formatError('archive ZIP illisible'));
  }
  if (outcome !== undefined) return fail(outcome);
  if (!done) return fail(formatError('archive ZIP tronquée'));
  const xml = output.bytes();
  if (!looksLikeXml(xml)) return fail(formatError("le fichier de l'archive n'est pas un document XML"));
  return ok(xml);
}

/** Bytes appended into one buffer, which doubles (up to a cap) only when the declared size was short. */
class GrowingBuffer {
  private buffer: Uint8Array;
  length = 0;

  constructor(expected: number) {
    this.buffer = new Uint8Array(Math.max(expected, 0));
  }

  append(chunk: Uint8Array, cap: number): void {
    const needed = this.length + chunk.length;
    if (needed > this.buffer.length) {
      const grown = new Uint8Array(Math.min(Math.max(needed, this.buffer.length * 2, 64 * 1024), cap));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    this.buffer.set(chunk, this.length);
    this.length = needed;
  }

  /** What was written: the buffer itself when the declared size was right (no copy). */
  bytes(): Uint8Array {
    return this.length === this.buffer.length ? this.buffer : this.buffer.slice(0, this.length);
  }
}
