/** The doublon key (spec 4.2), the calendar of expiry (spec 4.5), and the migrations that (re)compute the key. */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleDoublon, normaliseIdentite } from '../../src/registry/doublon.js';
import { expiryDay, isExpired } from '../../src/registry/lifecycle.js';
import { applyMigration, MIGRATIONS } from '../../src/registry/sqlite/migrations.js';
import { SqliteRegistry } from '../../src/registry/sqlite/store.js';
import { BACKENDS, freshRegistry } from './backends.js';
import { commitDemandes, cre, G1104, sampleDemandeLogement, withDemandeur } from './helpers.js';

/**
 * The same demandeur as `Dupont`, each spelled to evade the doublon check (issue 15), and how a
 * new lot is refused: the character refused outright (DEM_SCHEMA), or the name admitted and
 * found a doublon.
 */
const EVASIONS: readonly (readonly [string, string, 'DEM_SCHEMA' | 'DEM_DOUBLON'])[] = [
  ['a zero-width space (U+200B)', 'Dup\u200Bont', 'DEM_SCHEMA'],
  ['a soft hyphen (U+00AD)', 'Dup\u00ADont', 'DEM_SCHEMA'],
  ['a non-breaking hyphen (U+2011)', 'Du\u2011pont', 'DEM_DOUBLON'],
  ['a right-to-left override (U+202E)', '\u202EDupont', 'DEM_SCHEMA'],
  ['a Cyrillic « о » (U+043E)', 'Dup\u043Ent', 'DEM_SCHEMA'],
  ['a Greek capital omicron (U+039F)', 'DUP\u039FNT', 'DEM_SCHEMA'],
  ['full-width letters', '\uFF24\uFF55\uFF50\uFF4F\uFF4E\uFF54', 'DEM_DOUBLON'],
];

describe('doublon key', () => {
  it.each([
    ['Jean-Pierre', 'jean pierre'],
    ['LEFÈVRE', 'lefevre'],
    ['Œuvray', 'oeuvray'],
    ["N'Diaye", 'ndiaye'],
    ['  Le  Gall ', 'legall'],
    ['Nguyễn', 'nguyen'],
  ])('%s compares as %s', (a, b) => {
    expect(normaliseIdentite(a)).toBe(normaliseIdentite(b));
  });

  it.each(EVASIONS)('a name with %s compares as the plain name', (_, nom) => {
    expect(normaliseIdentite(nom)).toBe('dupont');
  });

  it.each([
    ['Łukasz', 'lukasz'],
    ['Nguyễn Thị', 'nguyenthi'],
    ['Şahin', 'sahin'],
    ["O'Brien", 'obrien'],
    ['O’Brien', 'obrien'],
    ['Le Goff', 'legoff'],
    ["N'Diaye", 'ndiaye'],
    ['Øster', 'oster'],
    ['Straße', 'strasse'],
    ['İlker', 'ilker'],
  ])('a genuine name %s compares as %s', (nom, cle) => {
    expect(normaliseIdentite(nom)).toBe(cle);
  });

  it('keeps names that differ by more than that apart, and needs a birth date', () => {
    expect(normaliseIdentite('Martin')).not.toBe(normaliseIdentite('Martine'));
    const base = sampleDemandeLogement();
    expect(cleDoublon(withDemandeur(base, { nom: 'Le Gall', prenom: 'Anne-Marie', dateNaissance: '1990-01-01' }))).toBe('legall|annemarie|1990-01-01');
    expect(cleDoublon(withDemandeur(base, { dateNaissance: undefined }))).toBeUndefined();
  });
});

describe.each(BACKENDS)('doublons evaded with invisible or look-alike characters (issue 15) on $name', (backend) => {
  it('refuses each spelling of a registered demandeur, as DEM_SCHEMA or DEM_DOUBLON', async () => {
    const registry = await freshRegistry(backend);
    try {
      await registry.addGuichet(G1104);
      const identite = { prenom: 'Zoé', dateNaissance: '1975-06-30' };
      const now = new Date('2026-11-26T10:00:00Z');
      const first = await commitDemandes(registry, 'G1104', [cre('R-0', withDemandeur(sampleDemandeLogement(), { nom: 'Dupont', ...identite }))], now);
      const numero = (await registry.lotResultats(first.lot.id))[0]!.numeroUnique!;
      const lot = await commitDemandes(
        registry,
        'G1104',
        EVASIONS.map(([, nom], i) => cre(`R-${i + 1}`, withDemandeur(sampleDemandeLogement(), { nom, ...identite }))),
        now,
      );
      expect((await registry.lotResultats(lot.lot.id)).map((r) => [r.statut, r.erreurs.map((e) => e.code)])).toEqual(
        EVASIONS.map(([, , code]) => ['REJETEE', [code]]),
      );
      const doublons = (await registry.lotResultats(lot.lot.id)).filter((r) => r.erreurs[0]?.code === 'DEM_DOUBLON');
      expect(doublons.map((r) => r.erreurs[0]?.suggestion)).toEqual([numero, numero]);
    } finally {
      await registry.close();
    }
  });
});

describe('expiry calendar', () => {
  it.each([
    ['2027-01-31', '2027-02-28', false, '2027-03-01'],
    ['2027-01-31', '2027-03-01', true, '2027-03-01'],
    ['2027-11-26', '2027-12-26', false, '2027-12-27'],
    ['2027-11-26', '2027-12-27', true, '2027-12-27'],
    ['2028-01-29', '2028-02-29', false, '2028-03-01'],
  ])('anniversary %s, on %s: expired %s, radiated as of %s', (anniversaire, today, expired, day) => {
    expect(isExpired(anniversaire, today)).toBe(expired);
    expect(expiryDay(anniversaire)).toBe(day);
  });
});

describe('migration of an existing registry', () => {
  let dir: string | undefined;
  afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('backfills the doublon key and splits the old motif/sous-motif column', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sne-migration-'));
    const file = join(dir, 'registry.sqlite');
    const old = new Database(file);
    applyMigration(old, MIGRATIONS[0]!);
    applyMigration(old, MIGRATIONS[1]!);
    old.pragma('user_version = 2');
    const donnees = JSON.stringify(withDemandeur(sampleDemandeLogement(), { nom: 'Dupont', prenom: 'Zoé', dateNaissance: '1975-06-30' }));
    const insert = old.prepare(
      `INSERT INTO demandes (numero_unique, territoire, guichet, statut, date_depot, date_echeance, motif_radiation, donnees)
       VALUES (?, '111', 'G1104', ?, '2026-01-05', '2027-01-05', ?, ?)`,
    );
    insert.run('1110126000001G1104', 'ACTIVE', null, donnees);
    insert.run('1110126000002G1104', 'RADIEE', 'RADIRR/IRRRES', donnees);
    old.close();

    const registry = new SqliteRegistry(file);
    try {
      expect(registry.schemaVersion).toBe(MIGRATIONS.length);
      expect(await registry.findDoublon('111', 'dupont|zoe|1975-06-30')).toEqual({ numeroUnique: '1110126000001G1104', guichet: 'G1104' });
      expect(await registry.findDoublon('111', 'dupont|zoe|1975-06-30', '1110126000001G1104')).toBeUndefined();
      expect(await registry.getDemande('1110126000002G1104')).toMatchObject({ motifRadiation: 'RADIRR', sousMotifRadiation: 'IRRRES' });
    } finally {
      await registry.close();
    }
  });

  it('recomputes the keys stored by the earlier key function, so that old evasions are found', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sne-migration-'));
    const file = join(dir, 'registry.sqlite');
    const old = new Database(file);
    MIGRATIONS.slice(0, 6).forEach((step) => applyMigration(old, step));
    old.pragma('user_version = 6');
    const insert = old.prepare(
      `INSERT INTO demandes (numero_unique, territoire, guichet, statut, date_depot, date_echeance, donnees, cle_doublon)
       VALUES (?, '111', 'G1104', 'ACTIVE', '2026-01-05', '2027-01-05', ?, ?)`,
    );
    const donnees = (nom: string) => JSON.stringify(withDemandeur(sampleDemandeLogement(), { nom, prenom: 'Zoé', dateNaissance: '1975-06-30' }));
    // The keys the key function of schema version 6 stored: the invisible character kept.
    insert.run('1110126000001G1104', donnees('Dup\u200Bont'), 'dup\u200bont|zoe|1975-06-30');
    insert.run('1110126000002G1104', donnees('Martin'), 'martin|zoe|1975-06-30');
    old.close();

    const registry = new SqliteRegistry(file);
    try {
      expect(registry.schemaVersion).toBe(MIGRATIONS.length);
      expect(await registry.findDoublon('111', 'dupont|zoe|1975-06-30')).toEqual({ numeroUnique: '1110126000001G1104', guichet: 'G1104' });
      expect(await registry.findDoublon('111', 'martin|zoe|1975-06-30')).toEqual({ numeroUnique: '1110126000002G1104', guichet: 'G1104' });
    } finally {
      await registry.close();
    }
  });
});
