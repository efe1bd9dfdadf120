/** Helpers shared by the SQLite parts to turn rows into entities. */

export const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

/** Builds an object without the keys whose value is undefined (rows map NULL to absent). */
export function compact<T extends object>(value: { [K in keyof T]: T[K] | undefined }): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
