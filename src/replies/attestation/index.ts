/** The attestation of a registered (CRE) or renewed (REN) demande: `renderAttestation(data)`. */
export { renderAttestation } from './render.js';
export { contenuAttestation, PORTAIL_PAR_DEFAUT, type ContenuAttestation } from './contenu.js';
