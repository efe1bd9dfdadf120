/** `demandes history` and `expire` through the real binary, on a registry filled by the real commitLot. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initHome } from '../../src/cli/commands/init.js';
import { sqlitePath } from '../../src/config/registry-location.js';
import { SqliteRegistry } from '../../src/registry/sqlite/store.js';
import { commitDemandes, cre, G1104, mod, sampleDemandeLogement, withDemandeur } from '../registry/helpers.js';
import { cliIn } from '../helpers/cli.js';

const home = mkdtempSync(join(tmpdir(), 'sne-cli-demandes-'));

const cli = cliIn(home);

let numero: string;
let identifiantLot: string;

beforeAll(async () => {
  const { config } = await initHome(home);
  const registry = new SqliteRegistry(sqlitePath(config)!);
  try {
    await registry.addGuichet(G1104);
    const martin = withDemandeur(sampleDemandeLogement(), { nom: 'Martin', prenom: 'Élodie', dateNaissance: '1988-03-14' });
    const created = await commitDemandes(registry, 'G1104', [cre('DOS-1', martin)], new Date('2026-01-31T10:00:00+01:00'), 'LOT-CRE-1');
    numero = (await registry.lotResultats(created.lot.id))[0]!.numeroUnique!;
    identifiantLot = created.lot.identifiantLot!;
    await commitDemandes(registry, 'G1104', [mod('DOS-1', numero, withDemandeur(martin, { telPortable: '0700000000' }))], new Date('2026-06-01T10:00:00+02:00'), 'LOT-MOD-1');
  } finally {
    await registry.close();
  }
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('sne-gateway demandes history', () => {
  it('lists who changed the demande, by which lot, when and what, in French', () => {
    const run = cli('demandes', 'history', numero);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe(`Demande ${numero} — territoire 111, guichet G1104, déposée le 2026-01-31 ; active, échéance 2027-01-31.`);
    expect(lines[1]).toMatch(new RegExp(`^31/01/2026 10:00 +enregistrement \\(CRE\\) +guichet G1104 +lot 1 ${identifiantLot} +référence DOS-1 ; territoire 111 ; dépôt 2026-01-31 ; échéance 2027-01-31$`));
    expect(lines[2]).toMatch(/^01\/06\/2026 10:00 +modification \(MOD\) +guichet G1104 +lot 2 LOT-MOD-1 +référence DOS-1 ; parties modifiées demandeur\.telPortable$/);
    expect(run.stdout).not.toMatch(/Martin|Élodie|1988-03-14|0700000000/);
  });

  it('gives the same as JSON, without the demande’s personal data', () => {
    const run = cli('demandes', 'history', numero, '--json');
    expect(run.status).toBe(0);
    const json = JSON.parse(run.stdout) as { numeroUnique: string; demande: Record<string, unknown>; evenements: { action: string; identifiantLot?: string }[] };
    expect(json.numeroUnique).toBe(numero);
    expect(json.demande).toMatchObject({ statut: 'ACTIVE', territoire: '111' });
    expect(json.demande).not.toHaveProperty('donnees');
    expect(json.evenements.map((e) => [e.action, e.identifiantLot])).toEqual([['CRE', identifiantLot], ['MOD', 'LOT-MOD-1']]);
  });

  it('exits 1 for an unknown numéro and 2 for something that is not one', () => {
    expect(cli('demandes', 'history', '1111126999999G1104')).toMatchObject({ status: 1, stderr: expect.stringContaining('inconnue') });
    expect(cli('demandes', 'history', 'DOS-1')).toMatchObject({ status: 2, stderr: expect.stringContaining("n'est pas un numéro unique") });
  });
});

describe('sne-gateway expire', () => {
  it('refuses an impossible date with status 2', () => {
    expect(cli('expire', '--date', '2027-02-30').status).toBe(2);
  });

  it('issues the préavis once, by hand; the history shows its issue and its acceptance', async () => {
    expect(cli('preavis', '--date', '2026-12-30', '--dry-run').stdout).toMatch(/^0 préavis/);
    expect(cli('preavis', '--date', '2026-12-31', '--dry-run').stdout).toMatch(/^1 préavis de renouvellement seraient émis au 2026-12-31 \(simulation/);
    expect(JSON.parse(cli('preavis', '--date', '2026-12-31', '--json').stdout)).toEqual({ date: '2026-12-31', simulation: false, emis: 1 });
    expect(JSON.parse(cli('preavis', '--date', '2027-01-02', '--json').stdout)).toMatchObject({ emis: 0 });
    // A server's acceptance, as deliver.ts records it (the gpg end-to-end test sends it for real).
    const registry = new SqliteRegistry(join(home, 'registry.sqlite'));
    try {
      const [item] = (await registry.outboxByStatut('A_PREPARER')).filter((i) => i.kind === 'preavis');
      await registry.transaction(async (tx) => {
        const accepted = await tx.markPreavisAccepted(item!.id, '2026-12-31T09:00:00.000Z');
        await tx.insertEvent({ numeroUnique: numero, action: 'PREAVIS_ACCEPTE', acteur: 'passerelle', at: '2026-12-31T09:00:00.000Z', details: { anniversaire: accepted!.preavis.anniversaire, destinataire: accepted!.copie, canal: 'mail' } });
      });
    } finally {
      await registry.close();
    }
    const history = cli('demandes', 'history', numero).stdout;
    expect(history).toMatch(/préavis émis \(PREAVIS\) +gestionnaire \S+ +sans lot +anniversaire 2027-01-31 ; guichet G1104 ; copie au demandeur non/);
    expect(history).toMatch(/31\/12\/2026 10:00 +préavis accepté \(PREAVIS_ACCEPTE\) +passerelle \(automatique\) +sans lot +anniversaire 2027-01-31 ; destinataire guichet ; canal mail/);
  });

  it('shows, then radiates with RADREN, the demandes past their renewal window; the history names the gestionnaire', () => {
    expect(cli('expire', '--date', '2027-02-28').stdout).toMatch(/^0 demande\(s\) radiée\(s\)/);
    const dry = cli('expire', '--date', '2027-03-01', '--dry-run');
    expect(dry.status).toBe(0);
    expect(dry.stdout).toMatch(/^1 demande\(s\) seraient radiées .* au 2027-03-01 \(simulation/);
    expect(cli('demandes', 'history', numero, '--json').stdout).not.toContain('RADREN');

    const run = cli('expire', '--date', '2027-03-01', '--json');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ date: '2027-03-01', simulation: false, radiees: 1 });
    const history = cli('demandes', 'history', numero).stdout;
    expect(history).toContain('radiée le 2027-03-01 (motif RADREN)');
    expect(history).toMatch(/radiation \(RAD\) +gestionnaire \S+ +sans lot +motif RADREN ; date d'effet 2027-03-01 ; échéance 2027-01-31/);
    expect(cli('expire', '--date', '2027-03-01').stdout).toMatch(/^0 demande\(s\) radiée\(s\)/);
  });
});
