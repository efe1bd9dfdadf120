/**
 * `territories set|list` and `guichets communes` through the real binary (run `npm run build`
 * first): French output, `--json`, exit status 0 / 1 / 2, and what lands in the registry.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteRegistry } from '../../src/registry/sqlite/store.js';
import { cliIn } from '../helpers/cli.js';

const home = mkdtempSync(join(tmpdir(), 'sne-territories-'));

const cli = cliIn(home, { SNE_GATEWAY_HOME: '' });

async function withRegistry<T>(work: (registry: SqliteRegistry) => Promise<T> | T): Promise<T> {
  const registry = new SqliteRegistry(join(home, 'registry.sqlite'));
  try {
    return await work(registry);
  } finally {
    await registry.close();
  }
}

beforeAll(async () => {
  expect(cli('init').status).toBe(0);
  await withRegistry(async (registry) =>
    registry.addGuichet({
      code: 'G1104',
      nom: 'Plaine Commune Habitat',
      adresse: '4 rue de la Poterie\n93200 Saint-Denis',
      expediteurs: ['lots@g1104.example'],
      destinataires: ['retours@g1104.example'],
      cles: [],
      departements: ['93', '13', '2A'],
    }),
  );
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('territories', () => {
  it('lists the départements of active guichets left on the default text, naming the command', () => {
    const list = cli('territories', 'list');
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/^13\t⚠ non paramétré/m);
    expect(list.stdout).toMatch(/^2A\t⚠ non paramétré/m);
    expect(list.stdout).toMatch(/^93\t⚠ non paramétré.*sne-gateway territories set 93 --delai-anormalement-long MOIS/m);
  });

  it('sets one département only, even in Île-de-France: 93 is not Paris', async () => {
    const set = cli('territories', 'set', '93', '--delai-anormalement-long', '36', '--commission-adresse', 'Commission de médiation\n1 esplanade Jean Moulin\n93000 Bobigny');
    expect(set.status).toBe(0);
    expect(set.stdout).toBe('✔ département 93 : délai anormalement long 36 mois ; commission de médiation : Commission de médiation, 1 esplanade Jean Moulin, 93000 Bobigny ; préavis aux demandeurs : non\n');
    expect(cli('territories', 'set', '75', '--delai-anormalement-long', '120', '--commission-adresse', 'Commission de Paris').status).toBe(0);
    expect(cli('territories', 'set', '2a', '--delai-anormalement-long', '24', '--commission-adresse', 'Préfecture de Corse-du-Sud, Ajaccio').status).toBe(0);
    // Once set, one value may change alone; the préavis to demandeurs is opt-in.
    expect(cli('territories', 'set', '93', '--delai-anormalement-long', '40').status).toBe(0);
    expect(cli('territories', 'set', '93', '--preavis-demandeur', 'oui').status).toBe(0);
    await withRegistry(async (registry) => {
      expect(await registry.getTerritory('93')).toMatchObject({ delaiAnormalementLongMois: 40, commissionAdresse: 'Commission de médiation\n1 esplanade Jean Moulin\n93000 Bobigny', preavisDemandeur: true });
      expect(await registry.getTerritory('75')).toMatchObject({ delaiAnormalementLongMois: 120, commissionAdresse: 'Commission de Paris', preavisDemandeur: false });
      expect(await registry.getTerritory('2A')).toMatchObject({ delaiAnormalementLongMois: 24 });
    });
    const json = JSON.parse(cli('territories', 'list', '--json').stdout) as { departement: string; parDefaut: boolean; delaiAnormalementLongMois?: number }[];
    expect(json.map((t) => [t.departement, t.parDefaut, t.delaiAnormalementLongMois])).toEqual([
      ['13', true, undefined],
      ['2A', false, 24],
      ['75', false, 120],
      ['93', false, 40],
    ]);
  });

  it('answers bad arguments with status 2 in French, and changes nothing', async () => {
    for (const args of [
      ['99', '--delai-anormalement-long', '12', '--commission-adresse', 'x'],
      ['111', '--delai-anormalement-long', '12', '--commission-adresse', 'x'],
      ['13', '--delai-anormalement-long', '0', '--commission-adresse', 'x'],
      ['13', '--delai-anormalement-long', '121', '--commission-adresse', 'x'],
      ['13', '--delai-anormalement-long', '12.5', '--commission-adresse', 'x'],
      ['13', '--delai-anormalement-long', '12', '--commission-adresse', '  '],
      ['13', '--delai-anormalement-long', '12', '--commission-adresse', 'x', '--preavis-demandeur', 'peut-être'],
      // A département not set yet needs both values.
      ['13', '--delai-anormalement-long', '12'],
    ]) {
      const result = cli('territories', 'set', ...args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/^erreur : /);
    }
    await withRegistry(async (registry) => expect(await registry.getTerritory('13')).toBeUndefined());
  });

  it('warns on habilitation about each département left unset, naming the command', () => {
    const result = cli('guichets', 'habilitate', 'G1104', '94', '75');
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('⚠ département 94 : délai anormalement long et commission de médiation non paramétrés');
    expect(result.stderr).toContain('→ sne-gateway territories set 94 --delai-anormalement-long MOIS --commission-adresse "ADRESSE"');
    expect(result.stderr).toContain('→ sne-gateway territories set 13 ');
    expect(result.stderr).not.toContain('territories set 75 ');
  });
});

describe('guichets communes', () => {
  it('sets, adds and removes INSEE codes, shown with their names', async () => {
    const set = cli('guichets', 'communes', 'G1104', '--set', '93066,93001');
    expect(set.status).toBe(0);
    expect(set.stdout).toContain('✔ G1104 : 2 commune(s) (0 avant)');
    expect(set.stdout).toContain('93066\tSaint-Denis');
    expect(cli('guichets', 'communes', 'G1104', '--add', '93072, 2A004', '--remove', '93001').status).toBe(0);
    const json = JSON.parse(cli('guichets', 'communes', 'G1104', '--json').stdout) as { guichet: string; communes: { code: string; nom: string }[] };
    expect(json.communes).toEqual([
      { code: '2A004', nom: 'Ajaccio' },
      { code: '93066', nom: 'Saint-Denis' },
      { code: '93072', nom: 'Stains' },
    ]);
    await withRegistry(async (registry) => expect(await registry.bailleursIn(['93072'])).toEqual(['Plaine Commune Habitat']));
  });

  it('refuses unknown and retired codes with status 2, naming the current commune', async () => {
    const result = cli('guichets', 'communes', 'G1104', '--add', '93999,50173,93066');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('93999 : commune inconnue du référentiel INSEE');
    expect(result.stderr).toContain('50173 n’est plus une commune : utilisez 50129 (Cherbourg-en-Cotentin)');
    await withRegistry(async (registry) => expect(await registry.guichetCommunes('G1104')).toEqual(['2A004', '93066', '93072']));
    expect(cli('guichets', 'communes', 'G1104', '--set', '93066', '--add', '93001').status).toBe(2);
  });

  it('fails with status 1 for an unknown guichet', () => {
    const result = cli('guichets', 'communes', 'G9999');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('guichet inconnu : G9999');
  });
});
