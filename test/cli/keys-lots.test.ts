/** `keys national …` and `lots …` through the real binary, on a home the demo filled. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliIn } from '../helpers/cli.js';

const home = mkdtempSync(join(tmpdir(), 'sne-cli-lots-'));

const cli = cliIn(home);

beforeAll(() => {
  expect(cli('demo').status).toBe(0);
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('lots', () => {
  it('lists the lots, filtered by status, and as JSON', () => {
    const all = cli('lots', 'list');
    expect(all.status).toBe(0);
    expect(all.stdout).toMatch(/G1104-DEMO-001\s+ACCEPTE/);
    expect(all.stdout).toMatch(/G1301-DEMO-001\s+PARTIEL/);
    const partial = JSON.parse(cli('lots', 'list', '--status', 'partial', '--json').stdout) as { identifiantLot: string }[];
    expect(partial.map((l) => l.identifiantLot)).toEqual(['G1301-DEMO-001']);
    expect(cli('lots', 'list', '--status', 'perdu').status).toBe(2);
  });

  it('shows each demande with its numéro or its errors, path and suggestion, and the replies', () => {
    const show = cli('lots', 'show', 'G1301-DEMO-001');
    expect(show.status).toBe(0);
    expect(show.stdout).toMatch(/MRS-2026-0101 CRE ENREGISTREE 0131126\d{6}G1301/);
    expect(show.stdout).toContain('DEM_GUICHET_NON_HABILITE à /lot/demande[3]/demandeLogement/logementRecherche');
    expect(show.stdout).toMatch(/→ Demandez l'habilitation pour le département 06/);
    expect(show.stdout).toMatch(/compte-rendu <compte-rendu\.G1301\.G1301-DEMO-001\.lot\d+\.v1@[^>]+> — envoyée/);
    const json = JSON.parse(cli('lots', 'show', 'G1301-DEMO-001', '--json').stdout) as { resultats: unknown[] };
    expect(json.resultats).toHaveLength(3);
  });

  it('exports the original encrypted message, and says what to do for an unknown lot', () => {
    const original = cli('lots', 'export', 'G1104-DEMO-001', '--original');
    expect(original.status).toBe(0);
    expect(original.stdout).toMatch(/^From: .*lots@g1104\.demo\.localhost/m);
    expect(original.stdout).toContain('.gpg');
    const missing = cli('lots', 'show', 'NIMPORTE-QUOI');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('sne-gateway lots list');
  });
});

describe('keys national', () => {
  it('rotates: a new key signs, the old one is retired but never the last', () => {
    const before = cli('keys', 'national', 'list', '--json');
    const [first] = JSON.parse(before.stdout) as { fingerprint: string }[];
    const created = cli('keys', 'national', 'create', '--expire-dans', '10');
    expect(created.status).toBe(0);
    const fingerprint = /créée : ([0-9A-F]{40})/.exec(created.stdout)![1]!;

    const list = cli('keys', 'national', 'list');
    expect(list.stdout.split('\n')[0]).toContain(fingerprint);
    expect(list.stdout).toMatch(/⚠ expire le .* \(dans 9 jours\)/);
    expect(cli('keys', 'national', 'export').stdout).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    expect(cli('keys', 'national', 'export', '--toutes').stdout.match(/BEGIN PGP PUBLIC KEY BLOCK/g)).toHaveLength(2);

    expect(cli('keys', 'national', 'retire', first!.fingerprint).status).toBe(0);
    const last = cli('keys', 'national', 'retire', fingerprint);
    expect(last.status).toBe(1);
    expect(last.stderr).toContain('dernière clé');
    expect(cli('keys', 'national', 'export').stdout).not.toContain('PRIVATE');
  });
});
