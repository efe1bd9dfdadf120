/**
 * DejaVu Sans, embedded in every attestation: the 14 standard PDF fonts cannot print Łukasz,
 * Şahin or Nguyễn Thị (FACTS.md). Each face is read and parsed once per process; pdfkit (≥ 0.20)
 * accepts the parsed fontkit font, which cuts ~25 ms of parsing off every document.
 * What remains slow is per-document work pdfkit caches per document only: see shared-font.ts.
 *
 * fontkit is pdfkit's own font engine, loaded from pdfkit's location so that both always agree
 * on the version; nothing outside this folder sees it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { shareCaches, type ParsedFont } from './shared-font.js';

const require = createRequire(import.meta.url);
// The ES module build, which pdfkit itself imports: requiring fontkit's CommonJS build would load
// a second copy of fontkit in every thread that renders (~4 MB each).
const fontkitModule = join(dirname(createRequire(require.resolve('pdfkit')).resolve('fontkit')), 'module.mjs');
const fontkit = (await import(pathToFileURL(fontkitModule).href)) as Fontkit;

export type { ParsedFont };

interface Fontkit {
  create(buffer: Uint8Array): ParsedFont;
}

export interface AttestationFonts {
  readonly regular: ParsedFont;
  readonly bold: ParsedFont;
}

let cached: AttestationFonts | undefined;

export function attestationFonts(): AttestationFonts {
  if (cached === undefined) {
    const ttf = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    cached = {
      regular: shareCaches(fontkit.create(readFileSync(join(ttf, 'DejaVuSans.ttf')))),
      bold: shareCaches(fontkit.create(readFileSync(join(ttf, 'DejaVuSans-Bold.ttf')))),
    };
  }
  return cached;
}
