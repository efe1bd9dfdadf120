/** `demandes history`, `demandes search` and `expire` through the real binary, on a registry filled by the real commitLot. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initHome } from '../../src/cli/commands/init.js';
import { sqlitePath } from '../../src/config/registry-location.js';
import { SqliteRegistry } from '../../src/registry/sqlite/store.js';
import { commitDemandes, cre, G1104, mod, rad, sampleDemandeLogement, withDemandeur } from '../registry/helpers.js';
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
    // A demandeur with a radiated demande and an active one in Île-de-France, and one in Bouches-du-Rhône.
    const lefevre = withDemandeur(sampleDemandeLogement(), { nom: 'Lefèvre-Dubois', prenom: 'Zoé', dateNaissance: '1990-02-01' });
    const first = await commitDemandes(registry, 'G1104', [cre('DOS-L1', lefevre)], new Date('2025-03-03T10:00:00+01:00'), 'LOT-L1');
    const radiee = (await registry.lotResultats(first.lot.id))[0]!.numeroUnique!;
    await commitDemandes(registry, 'G1104', [rad('DOS-L1', { numUnique: radiee, motif: 'RADABA', dateEffet: '2025-09-01' })], new Date('2025-09-01T10:00:00+02:00'), 'LOT-L2');
    await commitDemandes(registry, 'G1104', [cre('DOS-L3', lefevre)], new Date('2026-02-02T10:00:00+01:00'), 'LOT-L3');
    await registry.transaction((tx) =>
      tx.insertDemande(
        { numeroUnique: '0130426000009G1301', territoire: '013', guichet: 'G1301', statut: 'ACTIVE', dateDepot: '2026-04-10', dateEcheance: '2027-04-10', donnees: lefevre },
        { guichet: 'G1301', identifiantLot: 'LOT-M1', reference: 'MRS-1' },
      ),
    );
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

describe('sne-gateway demandes search', () => {
  const search = (...args: string[]) => cli('demandes', 'search', '--nom', 'LEFEVRE DUBOIS', '--prenom', 'zoe', '--naissance', '1990-02-01', ...args);

  it('lists the demandeur’s demandes, active and radiated, compared without case, accents, spaces or hyphens', () => {
    const run = search();
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual([
      '3 demande(s) pour ce demandeur (tous territoires), dont 2 active(s) :',
      'numéro unique       statut  territoire  guichet  dépôt       renouvellement  échéance    radiation',
      '1110325000001G1104  RADIEE  111         G1104    2025-03-03                  2026-03-03  2025-09-01 (RADABA)',
      '1110226000001G1104  ACTIVE  111         G1104    2026-02-02                  2027-02-02',
      '0130426000009G1301  ACTIVE  013         G1301    2026-04-10                  2027-04-10',
    ]);
    // Nothing of the demandeur's data beyond what was asked, which is not echoed either.
    expect(run.stdout).not.toMatch(/Lef|Zo|1990/i);
  });

  it('keeps to one territory, given as a département or a territory code', () => {
    expect(search('--territoire', '13').stdout).toMatch(/^1 demande\(s\) pour ce demandeur \(territoire 013\), dont 1 active\(s\) :\n.*\n0130426000009G1301 /);
    expect(search('--territoire', '111').stdout).toMatch(/^2 demande\(s\) pour ce demandeur \(territoire 111\)/);
    expect(search('--territoire', '971').stdout.trim()).toBe('Aucune demande pour ce demandeur (territoire 971).');
  });

  it('gives the same as JSON: numéro, statut, territory, guichet and dates, no personal data', () => {
    const run = search('--territoire', '93', '--json');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      territoire: '111',
      demandes: [
        { numeroUnique: '1110325000001G1104', statut: 'RADIEE', territoire: '111', guichet: 'G1104', dateDepot: '2025-03-03', dateEcheance: '2026-03-03', dateRadiation: '2025-09-01', motifRadiation: 'RADABA' },
        { numeroUnique: '1110226000001G1104', statut: 'ACTIVE', territoire: '111', guichet: 'G1104', dateDepot: '2026-02-02', dateEcheance: '2027-02-02' },
      ],
    });
  });

  it('finds nobody for another birth date, and refuses a malformed date, territory or empty name with status 2', () => {
    expect(cli('demandes', 'search', '--nom', 'Lefèvre-Dubois', '--prenom', 'Zoé', '--naissance', '1990-02-02').stdout.trim()).toBe('Aucune demande pour ce demandeur (tous territoires).');
    expect(cli('demandes', 'search', '--nom', 'Lefèvre', '--prenom', 'Zoé', '--naissance', '1990-02-30')).toMatchObject({ status: 2, stderr: expect.stringContaining('--naissance') });
    const bad = cli('demandes', 'search', '--nom', 'Lefèvre', '--prenom', 'Zoé', '--naissance', '1990-02-01', '--territoire', '9\u001b[31m');
    expect(bad).toMatchObject({ status: 2, stderr: expect.stringContaining('--territoire') });
    expect(bad.stderr).not.toContain('\u001b');
    expect(cli('demandes', 'search', '--nom=-', '--prenom', 'Zoé', '--naissance', '1990-02-01')).toMatchObject({ status: 2, stderr: expect.stringContaining('au moins une lettre') });
    expect(cli('demandes', 'search', '--nom', 'Lefèvre', '--naissance', '1990-02-01')).toMatchObject({ status: 2, stderr: expect.stringContaining('--prenom') });
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
    expect(JSON.parse(cli('preavis', '--date', '2027-01-01', '--json').stdout)).toMatchObject({ emis: 0 });
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
    // The longest action label, then the column's two spaces: the actor column stays aligned on every line.
    expect(history).toMatch(/31\/12\/2026 10:00  préavis accepté \(PREAVIS_ACCEPTE\)  passerelle \(automatique\) +sans lot +anniversaire 2027-01-31 ; destinataire guichet ; canal mail/);
    const acteurs = history.trim().split('\n').slice(1).map((line) => {
      const before = /^.*?\)  +(?=(?:guichet|gestionnaire|passerelle) )/.exec(line);
      return before?.[0].length;
    });
    expect(acteurs).not.toContain(undefined);
    expect(new Set(acteurs).size).toBe(1);
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
