/**
 * What a thread's result moves instead of copying: only memory the result's view covers whole.
 * A small Buffer lives in Node's shared pool, which moving would take from every other Buffer in it.
 */
import { describe, expect, it } from 'vitest';
import { wholeBuffer } from '../src/threads.js';

describe('wholeBuffer', () => {
  it('moves a reply-sized Buffer made for its bytes', () => {
    const bytes = Buffer.from('x'.repeat(45_000), 'latin1');
    expect(wholeBuffer(bytes)).toEqual([bytes.buffer]);
  });

  it('copies a small Buffer of the shared pool and a view on part of a larger memory', () => {
    const small = Buffer.from('petit');
    expect(small.buffer.byteLength).toBeGreaterThan(small.byteLength);
    expect(wholeBuffer(small)).toEqual([]);
    expect(wholeBuffer(new Uint8Array(64).subarray(8))).toEqual([]);
  });
});
