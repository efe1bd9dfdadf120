/**
 * The numéro unique (spec 4.4): territory (3), MMYY of first registration (4), sequence per
 * territory and month (6), registering guichet (5). Pure formatting and parsing.
 */

export const NUMERO_UNIQUE = /^(0[0-9]{2}|02[AB]|97[1-6]|111)(0[1-9]|1[0-2])[0-9]{2}[0-9]{6}[A-Z][A-Z0-9]{4}$/;

/** `MMYY` of an ISO date. */
export function monthKey(isoDate: string): string {
  return `${isoDate.slice(5, 7)}${isoDate.slice(2, 4)}`;
}

export function formatNumeroUnique(parts: { territoire: string; mmyy: string; sequence: number; guichet: string }): string {
  if (parts.sequence < 1 || parts.sequence > 999_999) {
    throw new RangeError(`sequence ${parts.sequence} out of range for territory ${parts.territoire} ${parts.mmyy}`);
  }
  const numero = `${parts.territoire}${parts.mmyy}${String(parts.sequence).padStart(6, '0')}${parts.guichet}`;
  if (!NUMERO_UNIQUE.test(numero)) throw new RangeError(`malformed numéro unique for territory ${parts.territoire}`);
  return numero;
}

export function parseNumeroUnique(
  numero: string,
): { territoire: string; mmyy: string; sequence: number; guichet: string } | undefined {
  if (!NUMERO_UNIQUE.test(numero)) return undefined;
  return {
    territoire: numero.slice(0, 3),
    mmyy: numero.slice(3, 7),
    sequence: Number(numero.slice(7, 13)),
    guichet: numero.slice(13),
  };
}
