/**
 * The README's worked example ("Guide du gestionnaire territorial"), run as written: each
 * `npx sne-gateway` line of its first shell block, on a home the demo filled.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const home = mkdtempSync(join(tmpdir(), 'sne-guide-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function guideCommands(): string[][] {
  const section = README.slice(README.indexOf('## Guide du gestionnaire territorial'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  expect(block).toContain('export SNE_GATEWAY_HOME=var/demo');
  return block
    .split('\n')
    .filter((line) => line.startsWith('npx sne-gateway '))
    .map((line) => line.split(' ').slice(2));
}

const cli = (args: readonly string[]) => runCli(args, { SNE_GATEWAY_HOME: home });

describe('the README worked example', () => {
  it('finds the rejection, habilitates, replays, and the demande gets its numéro and attestation', () => {
    expect(cli(['demo']).status).toBe(0);
    const outputs = guideCommands().map((args) => {
      const run = cli(args);
      // `habilitate` reminds that the new département has no settings yet (README says so).
      const reminder = args[1] === 'habilitate' ? /^⚠ département 06 : .*\n {2}→ sne-gateway territories set 06 .*\n/ : /^$/;
      expect(run.stderr.replace(reminder, ''), args.join(' ')).toBe('');
      expect(run.status, args.join(' ')).toBe(0);
      return run.stdout;
    });
    const [list, showBefore, habilitate, dryRun, replay, showAfter] = outputs as [string, string, string, string, string, string];
    expect(outputs).toHaveLength(6);
    expect(list).toMatch(/G1301-DEMO-001\s+PARTIEL/);
    expect(showBefore).toContain('DEM_GUICHET_NON_HABILITE à /lot/demande[3]/');
    expect(showBefore).toContain("→ Demandez l'habilitation pour le département 06");
    expect(habilitate).toContain('06, 13');
    expect(dryRun).toContain('[3] MRS-2026-0103 : REJETEE (DEM_GUICHET_NON_HABILITE) → passerait : ENREGISTREE');
    expect(dryRun).toContain('simulation');
    expect(replay).toMatch(/\[3\] MRS-2026-0103 : REJETEE \(DEM_GUICHET_NON_HABILITE\) → passe : ENREGISTREE 006\d{4}000001G1301/);
    expect(replay).toContain('[2] MRS-2026-0102 : échoue encore — DEM_SCHEMA');
    expect(replay).toContain('1 attestation(s) à envoyer');
    expect(replay).toContain('2 réponse(s) envoyée(s).');
    expect(showAfter).toMatch(/\[1\] MRS-2026-0101 CRE ENREGISTREE 013\d{10}G1301/); // kept its numéro
    expect(showAfter).toMatch(/compte-rendu <compte-rendu\.G1301\.G1301-DEMO-001\.lot\d+\.v2@[^>]+> — envoyée/);
    expect(showAfter.match(/attestation <[^>]+> — envoyée/g)).toHaveLength(2);
  });

  it('registers nothing on a second replay', () => {
    const again = cli(['replay', 'G1301-DEMO-001']);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('0 attestation(s) à envoyer');
    expect(again.stdout).not.toContain('→ passe');
  });
});
