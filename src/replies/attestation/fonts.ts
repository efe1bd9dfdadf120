/**
 * DejaVu Sans, embedded in every letter: the 14 standard PDF fonts cannot print Łukasz,
 * Şahin or Nguyễn Thị (FACTS.md). Each face is read and parsed once per process.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { create } from 'fontkit';
import { Face } from '../pdf/face.js';

export interface LetterFaces {
  readonly regular: Face;
  readonly bold: Face;
}

let cached: LetterFaces | undefined;

export function letterFaces(): LetterFaces {
  if (cached === undefined) {
    const ttf = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
    cached = {
      regular: new Face(create(readFileSync(join(ttf, 'DejaVuSans.ttf')))),
      bold: new Face(create(readFileSync(join(ttf, 'DejaVuSans-Bold.ttf')))),
    };
  }
  return cached;
}
