/**
 * `sne-gateway dispatch --dry-run`, `dispatch` and `dispatch list` through the real binary, on
 * the demo's home (clock fixed by SNE_GATEWAY_NOW): French text, the same in JSON, control
 * characters of what a gestionnaire typed escaped before they reach the terminal.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliIn } from '../helpers/cli.js';

const home = mkdtempSync(join(tmpdir(), 'sne-cli-dispatch-'));
const sne = cliIn(home);

beforeAll(() => {
  expect(sne('demo').status).toBe(0);
  // G1301 has stock where G1104's demo demandes want to live: it is their bailleur.
  expect(sne('guichets', 'communes', 'G1301', '--set', '93066,75111').status).toBe(0);
}, 120_000);
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('dispatch', () => {
  it('--dry-run says what the day would send, changing nothing, in French and in JSON', () => {
    const dry = sne('dispatch', '--dry-run');
    expect(dry.status).toBe(0);
    expect(dry.stdout).toMatch(/^Dispatching du 2026-11-26 \(simulation : rien n'a changé\) : (\d+) événement\(s\), 1 bailleur\(s\) destinataire\(s\)\.\n {2}G1301 {2}\d+ événement\(s\)\n$/);
    const json = JSON.parse(sne('dispatch', '--dry-run', '--json').stdout) as { jour: string; simulation: boolean; evenements: number; digests: { guichet: string; evenements: number }[] };
    expect(json).toMatchObject({ jour: '2026-11-26', simulation: true });
    expect(json.digests).toEqual([{ guichet: 'G1301', evenements: expect.any(Number) }]);
    expect(json.digests[0]!.evenements).toBeGreaterThan(0);
    expect(dry.stdout).toContain(`G1301  ${json.digests[0]!.evenements} événement(s)`);
    // Nothing was queued.
    expect(sne('dispatch', 'list').stdout).toBe('Aucun dispatching.\n');
  });

  it('queues the day once, refuses an earlier day, and lists what it queued', () => {
    const done = sne('dispatch');
    expect(done.status).toBe(0);
    expect(done.stdout).toMatch(/^Dispatching du 2026-11-26 : \d+ événement\(s\), 1 envoi\(s\) mis en file \(envoyés par le démon ou « run --once »\)\.\n {2}G1301 {2}n° 1 {2}\d+ événement\(s\)\n$/);
    const again = sne('dispatch', '--json');
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ jour: '2026-11-26', deja: true, digests: [{ guichet: 'G1301', sequence: 1 }] });
    expect(sne('dispatch').stdout).toMatch(/^Dispatching du 2026-11-26 déjà fait : 1 envoi\(s\), rien de nouveau\.\n/);
    const earlier = sne('dispatch', '--date', '2026-11-25');
    expect(earlier.status).toBe(1);
    expect(earlier.stderr).toContain('Le dispatching du 2026-11-26, postérieur au 2026-11-25, a déjà été fait');

    const list = sne('dispatch', 'list');
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/^jour {8}bailleur {2}séq\. {2}événements {2}envoi {7}Message-ID\n2026-11-26 {2}G1301 +1 +\d+ {2}A_PREPARER {2}<dispatching\.G1301\.1@[^>]+>\n$/);
    const rows = JSON.parse(sne('dispatch', 'list', '--json').stdout) as { guichet: string; sequence: number; jour: string; envoi: string }[];
    expect(rows).toEqual([expect.objectContaining({ guichet: 'G1301', sequence: 1, jour: '2026-11-26', envoi: 'A_PREPARER' })]);
    expect(sne('dispatch', 'list', '--guichet', 'G1104').stdout).toBe('Aucun dispatching.\n');
    // Sealed and sent by the outbox pass: the list says so.
    expect(sne('run', '--once').status).toBe(0);
    expect(sne('dispatch', 'list').stdout).toMatch(/ ENVOYE {4}/);
  }, 60_000);

  it('escapes the control characters of a date it refuses', () => {
    const refused = sne('dispatch', '--date', '2026-11-2\u001b[2J');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toBe('Date « 2026-11-2\\u001b[2J » invalide : attendu AAAA-MM-JJ.\n');
  });
});
