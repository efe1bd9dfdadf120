/**
 * Commune reference (spec 4.3, 4.4): the one entry point of `src/rules/reference/`.
 */
export { ReferenceIndex } from './reference-index.js';
export { loadBundledReference, fromDecoupageAdministratif, bundledData } from './bundled.js';
export {
  importReference,
  saveReference,
  loadReference,
  loadReferenceWithOrigin,
  forgetReference,
  referenceFile,
  MIN_COMMUNES,
  type ImportResult,
  type LoadedReference,
} from './imported.js';
export { normalizeCommuneName } from './normalize.js';
export { territoryOf, departementOfCode, isDepartement, ILE_DE_FRANCE_TERRITORY } from './territory.js';
export type {
  Commune,
  CommuneSuggestion,
  Edition,
  ReferenceData,
  RetiredCode,
  SuggestOptions,
} from './types.js';
