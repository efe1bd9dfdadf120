/** The guichet of the fixtures' lots (`fixtures/lots/lot-g1104-*.xml`), as the demo enrols it. */
import type { GuichetIdentity } from '../../src/demo/guichet.js';

export const G1104: GuichetIdentity = {
  code: 'G1104',
  nom: 'Bailleur',
  adresse: '1 rue A\n93200 Saint-Denis',
  expediteur: 'lots@g1104.example',
  destinataire: 'retours@g1104.example',
  departements: ['93'],
};
