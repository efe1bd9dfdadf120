/**
 * `sne-gateway reference import`: a newer edition from the INSEE COG communes CSV
 * (`v_commune_AAAA.csv`: TYPECOM,COM,REG,DEP,CTCD,ARR,TNCC,NCC,NCCENR,LIBELLE,CAN,COMPARENT) and
 * La Poste's postal-code CSV (the hexaposte `019HexaSmal.csv`, or the "base officielle des codes
 * postaux": #Code_commune_INSEE;Nom_de_la_commune;Code_postal;Libellé_d_acheminement;Ligne_5).
 * The result is checked before it replaces anything, then written to `<home>/reference/` and
 * loaded at start instead of the bundled edition (`loadReference`).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundledData, loadBundledReference } from './bundled.js';
import { columnIndex, decodeText, parseCsv } from './csv.js';
import { ReferenceIndex } from './reference-index.js';
import { isDepartement } from './territory.js';
import type { Commune, ReferenceData, RetiredCode } from './types.js';

export const REFERENCE_DIR = 'reference';
const FILE = 'reference.json';
const FORMAT = 1;
/** A real COG holds ~34,900 communes; fewer than this is a truncated or wrong file. */
export const MIN_COMMUNES = 30_000;
/** Share of current communes that must have a postal code (a few may lag a merger). */
const MIN_WITH_POSTAL_CODE = 0.99;
const CODE_INSEE = /^(?:\d{2}|2[AB])\d{3}$/;

export type ImportResult =
  | { readonly ok: true; readonly data: ReferenceData; readonly notes: readonly string[] }
  | { readonly ok: false; readonly problems: readonly string[] };

export interface ImportOptions {
  /** COG year (`2027`); the edition describes communes at 1 January of that year. */
  readonly millesime: string;
  /** Populations and former codes the COG file does not carry; default: the bundled edition's. */
  readonly complement?: ReferenceData;
  /** Lowered by tests on small files. */
  readonly minCommunes?: number;
  /** Called as rows of the two files are read: `done` of `total` rows (COG then La Poste). */
  readonly onProgress?: (done: number, total: number) => void;
}

export function importReference(cogCsv: Uint8Array, postalCsv: Uint8Array, options: ImportOptions): ImportResult {
  const problems: string[] = [];
  const notes: string[] = [];
  const cog = parseCsv(decodeText(cogCsv));
  const col = (name: string) => columnIndex(cog.header, name);
  const [typecom, com, reg, dep, libelle, comparent] = ['TYPECOM', 'COM', 'REG', 'DEP', 'LIBELLE', 'COMPARENT'].map(col) as number[];
  const missing = ['TYPECOM', 'COM', 'REG', 'DEP', 'LIBELLE', 'COMPARENT'].filter((_, i) => [typecom, com, reg, dep, libelle, comparent][i]! < 0);
  if (missing.length > 0) return { ok: false, problems: [`fichier COG : colonne(s) absente(s) : ${missing.join(', ')}`] };

  const poste = parseCsv(decodeText(postalCsv));
  const pInsee = columnIndex(poste.header, 'Code_commune_INSEE', 'code_commune_insee', 'codeCommune');
  const pCode = columnIndex(poste.header, 'Code_postal', 'code_postal', 'codePostal');
  if (pInsee < 0 || pCode < 0) return { ok: false, problems: ['fichier La Poste : colonnes Code_commune_INSEE et Code_postal attendues'] };

  const communes = new Map<string, Commune & { codesPostaux: string[] }>();
  const parents = new Map<string, string>();
  const retired: { code: string; nom?: string; kind: RetiredCode['kind']; currentCode: string }[] = [];
  const rows = cog.rows.length + poste.rows.length;
  cog.rows.forEach((row, i) => {
    options.onProgress?.(i + 1, rows);
    const line = i + 2;
    const [type, code, nom, departement, parent] = [row[typecom!], row[com!], row[libelle!], row[dep!], row[comparent!]].map((v) => v?.trim() ?? '');
    if (!CODE_INSEE.test(code!)) return void problems.push(`fichier COG, ligne ${line} : code commune « ${code} » invalide`);
    if (nom === '') return void problems.push(`fichier COG, ligne ${line} : libellé absent`);
    if (type === 'COM' || type === 'ARM') {
      // Collectivités d'outre-mer are outside the SNE (as in the bundled edition).
      if (!isDepartement(departement!)) return void (departement!.startsWith('97') || problems.push(`fichier COG, ligne ${line} : département « ${departement} » invalide`));
      if (type === 'ARM' && !CODE_INSEE.test(parent!)) return void problems.push(`fichier COG, ligne ${line} : arrondissement sans commune parente`);
      communes.set(code!, {
        code: code!,
        nom: nom!,
        type: type === 'COM' ? 'commune' : 'arrondissement-municipal',
        departement: departement!,
        region: row[reg!]?.trim() ?? '',
        ...(type === 'ARM' ? { commune: parent! } : {}),
        codesPostaux: [],
        population: 0,
      });
    } else if (type === 'COMD' || type === 'COMA') {
      if (!CODE_INSEE.test(parent!)) return void problems.push(`fichier COG, ligne ${line} : commune ${type === 'COMD' ? 'déléguée' : 'associée'} sans commune parente`);
      parents.set(code!, parent!);
      retired.push({ code: code!, nom: nom!, kind: type === 'COMD' ? 'commune-deleguee' : 'commune-associee', currentCode: parent! });
    } else problems.push(`fichier COG, ligne ${line} : TYPECOM « ${type} » inconnu`);
  });
  if (problems.length > 0) return { ok: false, problems: problems.slice(0, 20) };
  const current = [...communes.values()].filter((c) => c.type === 'commune').length;
  const min = options.minCommunes ?? MIN_COMMUNES;
  if (current < min) return { ok: false, problems: [`fichier COG : ${current} commune(s) actuelle(s), moins que les ${min} attendues d'un COG complet`] };

  let unknown = 0;
  poste.rows.forEach((row, i) => {
    options.onProgress?.(cog.rows.length + i + 1, rows);
    const insee = row[pInsee]?.trim() ?? '';
    const cp = (row[pCode]?.trim() ?? '').padStart(5, '0');
    if (!/^\d{5}$/.test(cp)) return void problems.push(`fichier La Poste, ligne ${i + 2} : code postal « ${row[pCode]} » invalide`);
    // La Poste lists some communes déléguées under their own code: their codes serve the commune nouvelle.
    const commune = communes.get(insee) ?? communes.get(parents.get(insee) ?? '');
    if (commune === undefined) return void (unknown += 1);
    if (!commune.codesPostaux.includes(cp)) commune.codesPostaux.push(cp);
  });
  if (problems.length > 0) return { ok: false, problems: problems.slice(0, 20) };
  if (unknown > poste.rows.length * 0.01) {
    return { ok: false, problems: [`fichier La Poste : ${unknown} ligne(s) sur ${poste.rows.length} désignent une commune absente du COG : les deux fichiers ne sont pas du même millésime`] };
  }
  if (unknown > 0) notes.push(`${unknown} ligne(s) La Poste sur une commune absente du COG, ignorée(s)`);

  // A city split into arrondissements is served by its arrondissements' codes.
  for (const c of communes.values()) {
    if (c.commune === undefined) continue;
    const city = communes.get(c.commune);
    if (city) for (const cp of c.codesPostaux) if (!city.codesPostaux.includes(cp)) city.codesPostaux.push(cp);
  }
  const withCode = [...communes.values()].filter((c) => c.codesPostaux.length > 0).length;
  if (withCode < communes.size * MIN_WITH_POSTAL_CODE) {
    return { ok: false, problems: [`fichier La Poste : ${communes.size - withCode} commune(s) sur ${communes.size} sans code postal`] };
  }

  const complement = options.complement ?? bundledData();
  const population = new Map(complement.communes.map((c) => [c.code, c.population]));
  const merged: Commune[] = [...communes.values()].map((c) => ({ ...c, codesPostaux: [...c.codesPostaux].sort(), population: population.get(c.code) ?? 0 }));
  // Former codes come from the COG's events file, which is not imported: the complement's are kept.
  const formerCodes = complement.retired.filter((r) => r.kind === 'ancien-code' && !communes.has(r.code) && communes.has(r.currentCode));
  return {
    ok: true,
    data: {
      edition: { source: 'INSEE COG + La Poste (importé)', version: options.millesime, date: `${options.millesime}-01-01` },
      communes: merged,
      retired: [...retired, ...formerCodes],
    },
    notes,
  };
}

interface StoredReference {
  readonly format: number;
  readonly importedAt: string;
  readonly data: ReferenceData;
}

export const referenceFile = (home: string): string => join(home, REFERENCE_DIR, FILE);

/** Writes the edition beside the registry; the rename makes the switch atomic. */
export function saveReference(home: string, data: ReferenceData, importedAt: Date): string {
  const dir = join(home, REFERENCE_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = referenceFile(home);
  const stored: StoredReference = { format: FORMAT, importedAt: importedAt.toISOString(), data };
  writeFileSync(`${file}.tmp`, JSON.stringify(stored), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
  return file;
}

export interface LoadedReference {
  readonly index: ReferenceIndex;
  /** The imported file, or undefined for the bundled edition. */
  readonly file?: string;
  readonly importedAt?: string;
}

const loaded = new Map<string, LoadedReference>();

/**
 * The reference the gateway runs on: the edition imported into `<home>/reference/` when there is
 * one, else the bundled one. Built once per home and process. A damaged file is an error, never a
 * silent fall back to older data.
 */
export function loadReferenceWithOrigin(home: string): LoadedReference {
  const file = referenceFile(home);
  const known = loaded.get(file);
  if (known) return known;
  let result: LoadedReference;
  if (!existsSync(file)) result = { index: loadBundledReference() };
  else {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<StoredReference>;
    if (stored.format !== FORMAT || !Array.isArray(stored.data?.communes) || !Array.isArray(stored.data?.retired)) {
      throw new Error(`référentiel importé illisible : ${file} (réimportez-le avec « sne-gateway reference import »)`);
    }
    result = { index: new ReferenceIndex(stored.data), file, ...(stored.importedAt ? { importedAt: stored.importedAt } : {}) };
  }
  loaded.set(file, result);
  return result;
}

export function loadReference(home: string): ReferenceIndex {
  return loadReferenceWithOrigin(home).index;
}

/** Forgets what was loaded for `home` (after an import in the same process). */
export function forgetReference(home: string): void {
  loaded.delete(referenceFile(home));
}
