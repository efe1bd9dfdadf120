/** The attestation of a registered (CRE) or renewed (REN) demande: `renderAttestation(data)`. */
export { renderAttestation } from './render.js';
export { contenuAttestation, PORTAIL_PAR_DEFAUT, type ContenuAttestation } from './contenu.js';
export { renderLettre, fileId, type LettreMeta } from './render.js';
export { dateLongue, typo, guillemets, nomComplet, lignesAdresse } from './francais.js';
export type { Bloc } from './contenu.js';
