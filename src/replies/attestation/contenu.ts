/**
 * The words of the attestation, apart from their layout: every mention CCH R.441-2-4 requires,
 * in French, with French typography. Pure, so the wording is testable without a PDF.
 */
import { addMonths, parisDate } from '../../clock.js';
import { renewalWindow } from '../../registry/lifecycle.js';
import type { AttestationData } from '../types.js';
import {
  communesSouhaitees,
  dateLongue,
  guillemets,
  NBSP,
  lignesAdresse,
  nomComplet,
  tailleFoyer,
  typesLogement,
  typo,
} from './francais.js';

export const PORTAIL_PAR_DEFAUT = 'https://www.demande-logement-social.gouv.fr';

export interface Bloc {
  readonly titre: string;
  readonly paragraphes: readonly string[];
  /** A web address printed on a line of its own, after the paragraphs. */
  readonly lien?: string;
}

export interface ContenuAttestation {
  readonly titre: string;
  readonly sousTitre: string;
  readonly guichet: { readonly nom: string; readonly adresse: readonly string[] };
  readonly demandeur: { readonly nom: string; readonly adresse: readonly string[] };
  readonly faitLe: string;
  readonly numero: { readonly libelle: string; readonly valeur: string; readonly reference: string };
  readonly blocs: readonly Bloc[];
  readonly piedDePage: string;
}

const nfc = (text: string): string => text.normalize('NFC');

/**
 * When and how the commission de médiation may be seized. Without the territory's settings, the
 * délai is not invented: the paragraph says who fixes it and where to ask (see territoires.ts).
 */
function mediation(data: AttestationData): string {
  const depot = dateLongue(data.dateDepot);
  const sansProposition = 'Si vous n’avez reçu aucune proposition de logement adaptée à vos besoins';
  if (data.commissionMediation === undefined) {
    return typo(
      `${sansProposition} dans un délai ${guillemets('anormalement long')}, fixé par arrêté du préfet de votre département et compté à partir du dépôt de votre demande le ${depot}, vous pouvez saisir par écrit la commission de médiation de votre département. Votre guichet enregistreur et la préfecture vous indiquent ce délai et l’adresse de la commission.`,
    );
  }
  const { delaiAnormalementLongMois: mois, adresse } = data.commissionMediation;
  return typo(
    `${sansProposition} dans un délai de ${mois}${NBSP}mois à compter du dépôt de votre demande le ${depot} (le délai ${guillemets(
      'anormalement long',
    )} fixé par arrêté préfectoral pour votre territoire), soit à partir du ${dateLongue(addMonths(data.dateDepot, mois))}, vous pouvez saisir par écrit la commission de médiation, à l’adresse suivante : ${nfc(
      adresse,
    ).replace(/\s*\n\s*/g, ', ')}.`,
  );
}

export function contenuAttestation(data: AttestationData): ContenuAttestation {
  const { demande, guichet } = data;
  const nomGuichet = nfc(guichet.nom);
  const depot = dateLongue(data.dateDepot);
  const echeance = dateLongue(data.dateEcheance);
  const window = renewalWindow(data.dateEcheance);
  const ouverture = dateLongue(window.from);
  const radiation = dateLongue(window.to);
  const portail = data.portailUrl ?? PORTAIL_PAR_DEFAUT;
  const portailAffiche = portail.replace(/^https?:\/\//, '').replace(/\/$/, '');
  const renouvellement = data.kind === 'REN';

  const enregistrement = renouvellement
    ? typo(
        `Votre demande de logement social, enregistrée pour la première fois le ${depot}, a été renouvelée le ${dateLongue(
          data.dateRenouvellement ?? parisDate(data.issuedAt),
        )} par ${nomGuichet}. Elle conserve son numéro unique et son ancienneté : la date de dépôt prise en compte pour l’attribution d’un logement reste le ${depot}.`,
      )
    : typo(
        `Votre demande de logement social a été enregistrée le ${depot} par ${nomGuichet}. Cette date de dépôt fixe l’ancienneté de votre demande.`,
      );

  const blocs: Bloc[] = [
    { titre: renouvellement ? 'Renouvellement de votre demande' : 'Enregistrement de votre demande', paragraphes: [enregistrement] },
    {
      titre: 'Validité, renouvellement et radiation',
      paragraphes: [
        typo(
          `Votre demande est valable un an, jusqu’au ${echeance}. Pour la conserver, vous devez la renouveler chaque année, entre le ${ouverture} et le ${radiation} (un mois avant à un mois après sa date d’échéance), auprès d’un guichet enregistreur ou en ligne (voir ${guillemets('Suivre votre demande')}).`,
        ),
        typo(
          `Si elle n’est pas renouvelée au plus tard le ${radiation}, votre demande sera radiée et vous perdrez son ancienneté. Signalez tout changement de votre situation (adresse, composition du foyer, ressources) pour qu’elle reste à jour.`,
        ),
      ],
    },
    {
      titre: 'Résumé de votre demande',
      paragraphes: [
        typo(`Composition du foyer : ${tailleFoyer(demande)}.`),
        typo(`Logement recherché : ${typesLogement(demande)}.`),
        typo(
          `Communes souhaitées, par ordre de préférence : ${communesSouhaitees(demande, data.communesSouhaitees)
            .map((commune, i) => `${i + 1}.${NBSP}${nfc(commune)}`)
            .join(' ; ')}.`,
        ),
      ],
    },
    {
      titre: 'Bailleurs sociaux',
      paragraphes: [
        data.bailleurs !== undefined && data.bailleurs.length > 0
          ? typo(`Bailleurs disposant de logements dans les communes souhaitées : ${data.bailleurs.map(nfc).join(', ')}.`)
          : typo(
              `La liste des bailleurs disposant de logements dans les communes souhaitées est disponible en ligne (voir ${guillemets('Suivre votre demande')}) et auprès de votre guichet enregistreur.`,
            ),
      ],
    },
  ];

  blocs.push({ titre: 'Commission de médiation', paragraphes: [mediation(data)] });

  blocs.push({
    titre: 'Suivre votre demande',
    paragraphes: [
      typo(
        `Avec votre numéro unique, vous pouvez consulter votre demande, la mettre à jour et la renouveler en ligne, sur le portail de la demande de logement social ; votre guichet enregistreur peut aussi vous renseigner.`,
      ),
    ],
    // On its own line: a web address must not be cut at its hyphens.
    lien: portailAffiche,
  });

  return {
    titre: renouvellement ? 'Attestation de renouvellement' : 'Attestation d’enregistrement',
    sousTitre: 'de votre demande de logement social',
    guichet: { nom: nomGuichet, adresse: nfc(guichet.adresse).split(/\r?\n/).filter((l) => l.trim() !== '') },
    demandeur: { nom: nfc(nomComplet(demande.demandeur)), adresse: lignesAdresse(demande.demandeur.adressePostale).map(nfc) },
    faitLe: `Le ${dateLongue(parisDate(data.issuedAt))}`,
    numero: {
      libelle: typo('Numéro unique départemental ou régional :'),
      valeur: data.numeroUnique,
      reference: typo(`Référence du guichet : ${nfc(data.reference)}`),
    },
    blocs,
    piedDePage: typo(
      `Attestation délivrée en application de l’article R. 441-2-4 du code de la construction et de l’habitation. Conservez-la : elle prouve la date de dépôt de votre demande. Guichet enregistreur ${guichet.code}.`,
    ),
  };
}
