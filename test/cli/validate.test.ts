/** `sne-gateway validate`: the real binary on plain lot files, text and JSON, exit 0 / 1 / 2. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteRegistry } from '../../src/registry/sqlite/store.js';
import { BIN, cliEnv } from '../helpers/cli.js';

const fixture = (path: string) => new URL(`../../fixtures/${path}`, import.meta.url).pathname;
const home = mkdtempSync(join(tmpdir(), 'sne-validate-'));

function cli(args: readonly string[]) {
  const result = spawnSync(process.execPath, [BIN, '--home', home, ...args], { encoding: 'utf8', env: cliEnv() });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A lot file written for one test: the rule fixture with one edit. */
function lotFile(name: string, from?: string, to?: string): string {
  const base = readFileSync(fixture('rules/lot-base.xml'), 'utf8');
  const file = join(home, name);
  writeFileSync(file, from === undefined ? base : base.replace(from, to!));
  return file;
}

beforeAll(async () => {
  const registry = new SqliteRegistry(join(home, 'registry.sqlite'));
  await registry.addGuichet({ code: 'G1104', nom: 'Bailleur 93', adresse: '1 rue de Paris, 93000 Bobigny', expediteurs: ['g1104@exemple.fr'], destinataires: ['g1104@exemple.fr'], cles: [], departements: ['93'] });
  await registry.close();
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('sne-gateway validate', () => {
  it('exits 0 on a lot whose demandes are all valid, saying habilitation was not checked', () => {
    const run = cli(['validate', lotFile('ok.xml')]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Lot : ACCEPTE');
    expect(run.stdout).toContain('✔ demande 1 REGLE-1 : VALIDE');
    expect(run.stdout).toContain('Habilitation du guichet non vérifiée');
  });

  it('prints the exact JSON shape, one object, and exits 1 when a demande is rejected', () => {
    const run = cli(['validate', lotFile('cedex.xml', '<codePostal>93200</codePostal>', '<codePostal>93736</codePostal>'), '--json']);
    expect(run.status).toBe(1);
    const parsed: unknown = JSON.parse(run.stdout);
    expect(parsed).toEqual({
      lot: { statut: 'REJETE' },
      erreurs: [],
      resultats: [
        {
          reference: 'REGLE-1',
          statut: 'REJETEE',
          erreurs: [
            {
              code: 'DEM_CEDEX',
              chemin: '/lot/demande[1]/demandeLogement/personnePhysique/demandeur/adressePostale/codePostal',
              valeur: '93736',
              suggestion: '93200, 93210, 93380',
              message: expect.stringContaining('Code postal Cedex non admis') as unknown as string,
            },
          ],
        },
      ],
    });
  });

  it('checks habilitation for a registered guichet, in French text', () => {
    const run = cli(['validate', lotFile('paris.xml'), '--guichet', 'G1104']);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('DEM_GUICHET_NON_HABILITE /lot/demande[1]/demandeLogement/logementRecherche/listeLocalisationSouhaite/localisationSouhaite[3]/commune/@code');
    expect(run.stdout).not.toContain('non vérifiée');
  });

  it('refuses a lot from another guichet with LOT_GUICHET, and a lot with a DOCTYPE with LOT_XML', () => {
    const other = JSON.parse(cli(['validate', lotFile('autre.xml', '<guichet>G1104</guichet>', '<guichet>G9999</guichet>'), '--guichet', 'G1104', '--json']).stdout) as { lot: unknown; erreurs: { code: string }[] };
    expect(other.lot).toEqual({ statut: 'REJETE' });
    expect(other.erreurs.map((e) => e.code)).toEqual(['LOT_GUICHET']);
    const doctype = cli(['validate', lotFile('dtd.xml', '<lot ', '<!DOCTYPE lot [<!ENTITY x "y">]>\n<lot '), '--json']);
    expect(doctype.status).toBe(1);
    expect((JSON.parse(doctype.stdout) as { erreurs: { code: string }[] }).erreurs[0]!.code).toBe('LOT_XML');
  });

  it('answers a usage error (no file) with 2, and what is not found (a file, a guichet) with 1', () => {
    expect(cli(['validate']).status).toBe(2);
    const missing = cli(['validate', join(home, 'absent.xml')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/fichier illisible/);
    const unknown = cli(['validate', lotFile('ok2.xml'), '--guichet', 'G0000']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("le guichet G0000 n'est pas enregistré");
  });
});
