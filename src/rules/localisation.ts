/**
 * The communes souhaitées (spec 4.2, 4.3): each a current INSEE commune (DEM_COMMUNE_INCONNUE),
 * all in one territory (DEM_LOCALISATION_TERRITOIRE), each in a département the guichet is
 * habilitated for (DEM_GUICHET_NON_HABILITE).
 */
import { demandeError, type DemandeError } from '../errors.js';
import { demandePath, hasDemandeLogement, type Demande } from '../lot/types.js';
import { territoryOf, type ReferenceIndex } from './reference/index.js';
import { describeSuggestion } from './adresse.js';
import type { DemandeRule } from './types.js';

const communePath = (position: number, index: number) =>
  `${demandePath(position)}/demandeLogement/logementRecherche/listeLocalisationSouhaite/localisationSouhaite[${index + 1}]/commune/@code`;

/** The territory of the communes souhaitées, when they are all known and lie in one. */
export function territoireOf(demande: Demande, reference: ReferenceIndex): string | undefined {
  if (!hasDemandeLogement(demande)) return undefined;
  const territories = new Set(
    demande.demandeLogement.logementRecherche.communesSouhaitees.map((c) => {
      const commune = c.code === undefined ? undefined : reference.communeByCode(c.code);
      return commune && territoryOf(commune.departement);
    }),
  );
  const [only] = territories;
  return territories.size === 1 ? only : undefined;
}

function unknownCommune(code: string | undefined, nom: string | undefined, chemin: string, reference: ReferenceIndex): DemandeError {
  if (code === undefined) {
    return demandeError('DEM_COMMUNE_INCONNUE', chemin, {
      message: 'Commune souhaitée sans code INSEE : donnez le code INSEE (5 caractères) de chaque commune souhaitée.',
    });
  }
  const retired = reference.retiredCode(code);
  if (retired) {
    return demandeError('DEM_COMMUNE_INCONNUE', chemin, {
      valeur: code,
      message: `Le code ${code}${retired.nom ? ` (${retired.nom})` : ''} n'est plus celui d'une commune actuelle : il relève aujourd'hui de ${retired.currentNom} (${retired.currentCode}).`,
      suggestion: retired.currentCode,
    });
  }
  // A name given beside an unknown code tells which commune was meant.
  const near = nom === undefined ? [] : reference.suggestCommuneNames(nom);
  return demandeError('DEM_COMMUNE_INCONNUE', chemin, {
    valeur: code,
    message:
      `Le code ${code} n'est celui d'aucune commune actuelle du référentiel INSEE` +
      (near.length > 0 ? ` ; communes proches de « ${nom} » : ${near.map(describeSuggestion).join(', ')}.` : '.'),
    suggestion: near.length > 0 ? near.map((c) => c.code).join(', ') : undefined,
  });
}

export const localisation: DemandeRule = (demande, { guichet, reference }) => {
  if (!hasDemandeLogement(demande)) return [];
  const errors: DemandeError[] = [];
  let first: { code: string; territoire: string } | undefined;

  demande.demandeLogement.logementRecherche.communesSouhaitees.forEach((souhaitee, index) => {
    const chemin = communePath(demande.position, index);
    const commune = souhaitee.code === undefined ? undefined : reference.communeByCode(souhaitee.code);
    const territoire = commune && territoryOf(commune.departement);
    if (!commune || !territoire) {
      errors.push(unknownCommune(souhaitee.code, souhaitee.nom, chemin, reference));
      return;
    }
    if (souhaitee.nom !== undefined && !reference.nameMatchesCode(souhaitee.nom, commune.code)) {
      errors.push(
        demandeError('DEM_COMMUNE_INCONNUE', chemin.replace(/\/@code$/, ''), {
          valeur: souhaitee.nom,
          message: `Le nom « ${souhaitee.nom} » n'est pas celui de la commune ${commune.code} (${commune.nom}) : donnez le nom INSEE, ou le seul code.`,
          suggestion: commune.nom,
        }),
      );
    }
    first ??= { code: commune.code, territoire };
    if (territoire !== first.territoire) {
      errors.push(
        demandeError('DEM_LOCALISATION_TERRITOIRE', chemin, {
          valeur: commune.code,
          message: `La commune ${commune.nom} (${commune.code}, département ${commune.departement}) n'est pas dans le territoire de la première commune souhaitée (${first.code}) : une demande porte sur un seul département, ou sur la seule Île-de-France.`,
          suggestion: 'Déposez une demande distincte par territoire.',
        }),
      );
    } else if (guichet !== undefined && !guichet.departements.includes(commune.departement)) {
      errors.push(
        demandeError('DEM_GUICHET_NON_HABILITE', chemin, {
          valeur: commune.code,
          message: `Le guichet ${guichet.code} n'est pas habilité pour le département ${commune.departement} (${commune.nom}) ; habilitations : ${guichet.departements.join(', ') || 'aucune'}.`,
          suggestion: `Demandez l'habilitation pour le département ${commune.departement} à votre gestionnaire territorial, ou orientez le demandeur vers un guichet habilité.`,
        }),
      );
    }
  });
  return errors;
};
