/**
 * The numéro-unique territory (spec 4.4): the département on 3 characters, or `111` for the whole
 * Île-de-France region, where registration is regional.
 */

export const ILE_DE_FRANCE_TERRITORY = '111';

const ILE_DE_FRANCE = new Set(['75', '77', '78', '91', '92', '93', '94', '95']);

/** Départements of the COG communes actuelles: metropolitan (Corsica as 2A/2B) and DROM (not 975, a COM). */
const DEPARTEMENT = /^(?:0[1-9]|1\d|2[1-9AB]|[3-8]\d|9[0-5]|97[1-46])$/;

export function isDepartement(departement: string): boolean {
  return DEPARTEMENT.test(departement);
}

/** `13` → `013`, `2A` → `02A`, `971` → `971`, `93` → `111`; undefined for no département. */
export function territoryOf(departement: string): string | undefined {
  if (!isDepartement(departement)) return undefined;
  if (ILE_DE_FRANCE.has(departement)) return ILE_DE_FRANCE_TERRITORY;
  return departement.padStart(3, '0');
}

/**
 * The département an INSEE code's shape implies (`2A004` → `2A`, `97411` → `974`), whether or not
 * the code exists; the index's `departementOf` answers for existing communes only.
 */
export function departementOfCode(code: string): string | undefined {
  if (!/^(?:\d{2}|2[AB])\d{3}$/.test(code)) return undefined;
  const departement = code.startsWith('97') ? code.slice(0, 3) : code.slice(0, 2);
  return isDepartement(departement) ? departement : undefined;
}
