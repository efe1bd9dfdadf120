/**
 * The attestation as a reader sees it: each page (the attestation, then its annex) rasterised by
 * poppler's `pdftoppm` must equal its golden image pixel for pixel (no tolerance: any change to
 * layout, font or text shows).
 *
 * After an intended change to the layout, regenerate and look at the new image before
 * committing it:   UPDATE_GOLDEN=1 npx vitest run test/replies/golden.test.ts
 * (A poppler upgrade may change anti-aliasing: regenerate then too, after looking.)
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderAttestation } from '../../src/replies/attestation/index.js';
import { attestationCre } from './fixtures.js';

const run = promisify(execFile);
const golden = (page: number): string => new URL(`./golden/attestation-cre-page${page}.png`, import.meta.url).pathname;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'golden-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Image {
  readonly width: number;
  readonly height: number;
  /** Bytes per pixel. */
  readonly channels: number;
  readonly pixels: Buffer;
}

/** Decodes the 8-bit, non-interlaced grey or RGB PNG pdftoppm writes (filters 0–4). */
function decodePng(png: Buffer): Image {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const data: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      expect({ depth: body[8], interlace: body[12] }).toEqual({ depth: 8, interlace: 0 });
      channels = ({ 0: 1, 2: 3, 6: 4 } as Record<number, number>)[body[9]!]!;
    } else if (type === 'IDAT') data.push(body);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[y * stride + x - channels]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels]! : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter]!;
      pixels[y * stride + x] = (line[x]! + predictor) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

describe('the attestation, rendered', () => {
  it.each([1, 2])('matches the golden image of page %i pixel for pixel', async (page) => {
    const GOLDEN = golden(page);
    const pdf = join(dir, `attestation-${page}.pdf`);
    await writeFile(pdf, await renderAttestation(attestationCre));
    await run('pdftoppm', ['-png', '-r', '60', '-f', `${page}`, '-l', `${page}`, '-singlefile', pdf, join(dir, `page${page}`)]);
    const rendered = readFileSync(join(dir, `page${page}.png`));
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(GOLDEN)) {
      // Regenerating is deliberate: without the variable, a missing golden file fails the test.
      expect(process.env.UPDATE_GOLDEN, `no golden image: run UPDATE_GOLDEN=1 to create ${GOLDEN}`).toBe('1');
      writeFileSync(GOLDEN, rendered);
    }
    const actual = decodePng(rendered);
    // The decoder itself is checked against poppler's raw pixels (PPM: a header, then RGB bytes).
    await run('pdftoppm', ['-r', '60', '-f', `${page}`, '-l', `${page}`, '-singlefile', pdf, join(dir, `page${page}`)]);
    const ppm = readFileSync(join(dir, `page${page}.ppm`));
    expect(ppm.subarray(ppm.length - actual.pixels.length).equals(actual.pixels)).toBe(true);
    const expected = decodePng(readFileSync(GOLDEN));
    expect({ width: actual.width, height: actual.height, channels: actual.channels }).toEqual({
      width: expected.width,
      height: expected.height,
      channels: expected.channels,
    });
    let differing = 0;
    for (let i = 0; i < actual.pixels.length; i += actual.channels) {
      if (!actual.pixels.subarray(i, i + actual.channels).equals(expected.pixels.subarray(i, i + expected.channels))) differing++;
    }
    expect(differing, 'pixels differing from the golden image').toBe(0);
  });
});
