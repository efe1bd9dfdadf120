/**
 * The reference bundled with the gateway: `@etalab/decoupage-administratif` (INSEE COG, with
 * La Poste distribution postal codes). The only module reading that package. Only
 * `data/communes.json` is needed: it holds names, départements, régions, postal codes, former
 * codes and communes déléguées; the other files (EPCI, arrondissements départementaux…) are not.
 *
 * `codes-postaux` (4.1.2) is deliberately not used, not even as a complement: it is built from an
 * older COG and the DGFiP FIMOCT file (frozen since 2023); against the current communes it
 * disagrees with La Poste on 319 (commune, code) pairs, and its 22 codes La Poste does not list
 * (30998, 31998, 33090, 33693, 83998…) are not distribution codes in La Poste's own list:
 * adding them would let such addresses pass DEM_CEDEX.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ReferenceIndex } from './reference-index.js';
import type { Commune, ReferenceData } from './types.js';

const PACKAGE = '@etalab/decoupage-administratif';

/** Package major version → COG year (the package README's "millésimes" table). */
const COG_YEAR_BY_MAJOR: Readonly<Record<string, string>> = { '4': '2024', '5': '2025', '6': '2026' };

/** One row of `communes.json`; only the fields the index uses are checked. */
interface RawCommune {
  code: string;
  nom: string;
  type: string;
  zone?: string;
  departement: string;
  region: string;
  commune?: string;
  chefLieu?: string;
  codesPostaux?: string[];
  anciensCodes?: string[];
  population?: number;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function isRawCommune(value: unknown): value is RawCommune {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.code === 'string' &&
    typeof r.nom === 'string' &&
    typeof r.type === 'string' &&
    typeof r.departement === 'string' &&
    typeof r.region === 'string' &&
    (r.codesPostaux === undefined || isStringArray(r.codesPostaux)) &&
    (r.anciensCodes === undefined || isStringArray(r.anciensCodes)) &&
    (r.population === undefined || typeof r.population === 'number')
  );
}

/** Turns `communes.json` rows into index data. Exported for tests of the conversion. */
export function fromDecoupageAdministratif(rows: unknown, version: string): ReferenceData {
  if (!Array.isArray(rows)) throw new Error(`${PACKAGE}: communes.json is not an array`);
  const communes: Commune[] = [];
  const retired: { code: string; nom?: string; kind: 'commune-deleguee' | 'commune-associee' | 'ancien-code'; currentCode: string }[] = [];
  for (const row of rows) {
    if (!isRawCommune(row)) throw new Error(`${PACKAGE}: unexpected row ${JSON.stringify(row).slice(0, 120)}`);
    // Collectivités d'outre-mer (975, 977, 978, 984…989) are outside the COG "communes actuelles"
    // and outside the SNE.
    if (row.zone === 'com') continue;
    if (row.type === 'commune-actuelle' || row.type === 'arrondissement-municipal') {
      const codesPostaux = row.codesPostaux ?? [];
      const commune: { -readonly [K in keyof Commune]: Commune[K] } = {
        code: row.code,
        nom: row.nom,
        type: row.type === 'commune-actuelle' ? 'commune' : 'arrondissement-municipal',
        departement: row.departement,
        region: row.region,
        codesPostaux: codesPostaux.length > 1 ? [...new Set(codesPostaux)].sort() : codesPostaux,
        population: row.population ?? 0,
      };
      if (row.type === 'arrondissement-municipal' && row.commune !== undefined) commune.commune = row.commune;
      communes.push(commune);
      for (const code of row.anciensCodes ?? []) retired.push({ code, kind: 'ancien-code', currentCode: row.code });
    } else if ((row.type === 'commune-deleguee' || row.type === 'commune-associee') && row.chefLieu !== undefined) {
      // Codes equal to their commune nouvelle's are dropped by the index (the code is current).
      retired.push({ code: row.code, nom: row.nom, kind: row.type, currentCode: row.chefLieu });
    }
  }
  const year = COG_YEAR_BY_MAJOR[version.split('.')[0] ?? ''];
  return {
    edition: { source: `${PACKAGE} (INSEE COG, codes postaux La Poste)`, version, ...(year ? { date: `${year}-01-01` } : {}) },
    communes,
    retired,
  };
}

function readJson(require: NodeRequire, specifier: string): unknown {
  return JSON.parse(readFileSync(require.resolve(specifier), 'utf8'));
}

/** The bundled package's data, read afresh (an import borrows its populations and former codes). */
export function bundledData(): ReferenceData {
  const require = createRequire(import.meta.url);
  const pkg = readJson(require, `${PACKAGE}/package.json`);
  const version =
    typeof pkg === 'object' && pkg !== null && typeof (pkg as { version?: unknown }).version === 'string'
      ? (pkg as { version: string }).version
      : 'unknown';
  return fromDecoupageAdministratif(readJson(require, `${PACKAGE}/data/communes.json`), version);
}

let bundled: ReferenceIndex | undefined;

/**
 * The bundled reference, built on first use and kept for the process (~150 ms, ~20 MB of heap).
 * Read with fs rather than `require` so the 8 MB of parsed JSON is not kept in the module cache.
 */
export function loadBundledReference(): ReferenceIndex {
  bundled ??= new ReferenceIndex(bundledData());
  return bundled;
}
