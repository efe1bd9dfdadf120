/** The doublon key (spec 4.2), the calendar of expiry (spec 4.5), and the migration that backfills the key. */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleDoublon, normaliseIdentite } from '../../src/registry/doublon.js';
import { expiryDay, isExpired } from '../../src/registry/lifecycle.js';
import { MIGRATIONS } from '../../src/registry/sqlite/migrations.js';
import { SqliteRegistry } from '../../src/registry/sqlite/store.js';
import { sampleDemandeLogement, withDemandeur } from './helpers.js';

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

  it('keeps names that differ by more than that apart, and needs a birth date', () => {
    expect(normaliseIdentite('Martin')).not.toBe(normaliseIdentite('Martine'));
    const base = sampleDemandeLogement();
    expect(cleDoublon(withDemandeur(base, { nom: 'Le Gall', prenom: 'Anne-Marie', dateNaissance: '1990-01-01' }))).toBe('legall|annemarie|1990-01-01');
    expect(cleDoublon(withDemandeur(base, { dateNaissance: undefined }))).toBeUndefined();
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

  it('backfills the doublon key and splits the old motif/sous-motif column', () => {
    dir = mkdtempSync(join(tmpdir(), 'sne-migration-'));
    const file = join(dir, 'registry.sqlite');
    const old = new Database(file);
    old.exec(MIGRATIONS[0]!);
    old.exec(MIGRATIONS[1]!);
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
      expect(registry.findDoublon('111', 'dupont|zoe|1975-06-30')).toEqual({ numeroUnique: '1110126000001G1104', guichet: 'G1104' });
      expect(registry.findDoublon('111', 'dupont|zoe|1975-06-30', '1110126000001G1104')).toBeUndefined();
      expect(registry.getDemande('1110126000002G1104')).toMatchObject({ motifRadiation: 'RADIRR', sousMotifRadiation: 'IRRRES' });
    } finally {
      registry.close();
    }
  });
});
