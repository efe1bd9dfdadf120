/**
 * `sne-gateway reference status | import` through the real binary. A full-size edition is written
 * in the real file formats (INSEE COG communes CSV, La Poste hexaposte) from the bundled data, so
 * that the import's completeness checks are met, then changed so the switch is visible.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledData } from '../../src/rules/reference/index.js';
import { BIN, cliEnv } from '../helpers/cli.js';

const fixture = (name: string) => new URL(`../../fixtures/rules/reference/${name}`, import.meta.url).pathname;
const home = mkdtempSync(join(tmpdir(), 'sne-reference-'));

function cli(args: readonly string[]) {
  const result = spawnSync(process.execPath, [BIN, '--home', home, ...args], { encoding: 'utf8', env: cliEnv() });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The bundled edition as INSEE and La Poste publish theirs, plus one new commune: 93999 "Nouvelle-Commune" at 93990. */
function writeFullEdition(): { cog: string; postal: string } {
  const data = bundledData();
  const cog = ['TYPECOM,COM,REG,DEP,CTCD,ARR,TNCC,NCC,NCCENR,LIBELLE,CAN,COMPARENT'];
  const postal = ['#Code_commune_INSEE;Nom_de_la_commune;Code_postal;Libellé_d_acheminement;Ligne_5'];
  const quote = (s: string) => (/[",]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const cities = new Set(data.communes.flatMap((c) => (c.commune === undefined ? [] : [c.commune])));
  const communes = [...data.communes, { code: '93999', nom: 'Nouvelle-Commune', type: 'commune' as const, departement: '93', region: '11', codesPostaux: ['93990'], population: 0 }];
  for (const c of communes) {
    const upper = c.nom.toUpperCase();
    cog.push([c.type === 'commune' ? 'COM' : 'ARM', c.code, c.region, c.departement, '', '', '0', quote(upper), quote(c.nom), quote(c.nom), '', c.commune ?? ''].join(','));
    if (cities.has(c.code)) continue;
    for (const cp of c.codesPostaux) postal.push([c.code, upper, cp, upper, ''].join(';'));
  }
  for (const r of data.retired) {
    if (r.kind !== 'ancien-code' && r.nom !== undefined) cog.push([r.kind === 'commune-deleguee' ? 'COMD' : 'COMA', r.code, '', '', '', '', '0', quote(r.nom.toUpperCase()), quote(r.nom), quote(r.nom), '', r.currentCode].join(','));
  }
  const cogFile = join(home, 'v_commune_2027.csv');
  const postalFile = join(home, '019HexaSmal.csv');
  writeFileSync(cogFile, `${cog.join('\n')}\n`);
  writeFileSync(postalFile, Buffer.from(`${postal.join('\r\n')}\r\n`, 'latin1'));
  return { cog: cogFile, postal: postalFile };
}

// `reference import` saves into a home that has a registry (a mistyped --home is refused).
beforeAll(() => expect(cli(['init']).status).toBe(0), 60_000);
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('sne-gateway reference', () => {
  it('status names the bundled edition, its counts and date', () => {
    const run = cli(['reference', 'status']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('édition livrée avec la passerelle');
    expect(run.stdout).toContain('@etalab/decoupage-administratif');
    expect(run.stdout).toContain('communes au 2026-01-01');
    expect(run.stdout).toMatch(/34 875 communes, 45 arrondissements municipaux/);
    expect(JSON.parse(cli(['reference', 'status', '--json']).stdout)).toMatchObject({ origine: 'livre', version: '6.0.0', communes: 34875 });
  });

  it('import refuses a truncated COG and keeps the current edition', () => {
    const run = cli(['reference', 'import', '--cog', fixture('v_commune_2027.csv'), '--codes-postaux', fixture('019HexaSmal.csv')]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('Import refusé, le référentiel en place est conservé');
    expect(run.stderr).toContain('moins que les 30000 attendues');
    expect(existsSync(join(home, 'reference'))).toBe(false);
    expect(JSON.parse(cli(['reference', 'status', '--json']).stdout)).toMatchObject({ origine: 'livre' });
  });

  it('import loads a full edition, which status then reports and validate then uses', () => {
    const { cog, postal } = writeFullEdition();
    const run = cli(['reference', 'import', '--cog', cog, '--codes-postaux', postal]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('✔ référentiel importé');
    const status = JSON.parse(cli(['reference', 'status', '--json']).stdout) as Record<string, unknown>;
    expect(status).toMatchObject({ origine: 'importe', version: '2027', date: '2027-01-01', communes: 34876, arrondissements: 45, codesPostaux: 6188 });

    const lot = join(home, 'lot.xml');
    const base = new URL('../../fixtures/rules/lot-base.xml', import.meta.url).pathname;
    writeFileSync(lot, readFileSync(base, 'utf8').replace('<commune code="93001"/>', '<commune code="93999"/>'));
    expect(cli(['validate', lot]).status).toBe(0);
  });

  it('answers a usage error with 2', () => {
    expect(cli(['reference', 'import', '--cog', fixture('v_commune_2027.csv')]).status).toBe(2);
    expect(cli(['reference', 'import', '--cog', fixture('019HexaSmal.csv'), '--codes-postaux', fixture('019HexaSmal.csv')]).status).toBe(2);
  });
});
