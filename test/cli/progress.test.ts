/** The progress of long commands: count, rate and time left on a terminal; nothing otherwise. */
import { describe, expect, it } from 'vitest';
import { progressLine, startProgress } from '../../src/cli/progress.js';

/** A fake terminal: says it is one, and collects what is written. */
function terminal(isTTY = true) {
  const written: string[] = [];
  return { stream: { isTTY, write: (text: string) => written.push(text) }, written };
}

describe('progress', () => {
  it('shows count, rate and time left on a terminal, redrawn in place, and ends the line', () => {
    const { stream, written } = terminal();
    let ms = 0;
    const progress = startProgress('lots rejoués', { stream, now: () => ms, intervalMs: 100 });
    ms = 2_000;
    progress.update(10, 40);
    ms = 2_050; // within the interval: not redrawn
    progress.update(11, 40);
    ms = 4_000;
    progress.update(20, 40);
    ms = 8_000;
    progress.update(40, 40);
    progress.end();
    expect(written).toHaveLength(4);
    expect(written[0]).toBe('\rlots rejoués : 10/40 (25 %) — 5,0/s — reste 6 s');
    expect(written[1]).toMatch(/^\rlots rejoués : 20\/40 \(50 %\) — 5,0\/s — reste 4 s/);
    expect(written[2]).toMatch(/^\rlots rejoués : 40\/40 \(100 %\) — 5,0\/s — terminé/);
    expect(written[3]).toBe('\n');
  });

  it('wipes its line before the command prints one of its own', () => {
    const { stream, written } = terminal();
    const progress = startProgress('x', { stream, now: () => 1_000 });
    progress.update(1, 3);
    progress.clear();
    expect(written[1]).toMatch(/^\r +\r$/);
  });

  it('writes nothing when the stream is no terminal, or with --json', () => {
    for (const [isTTY, quiet] of [[false, false], [true, true]] as const) {
      const { stream, written } = terminal(isTTY);
      const progress = startProgress('x', { stream, quiet, now: () => 1_000 });
      progress.update(1, 2);
      progress.update(2, 2);
      progress.end();
      expect(written).toEqual([]);
    }
  });

  it('counts time left in minutes and hours', () => {
    expect(progressLine('x', 1, 100, 5)).toContain('reste 8 min 15 s');
    expect(progressLine('x', 1, 10_000, 5)).toContain('reste 13 h 53 min');
  });
});
