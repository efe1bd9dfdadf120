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

/** A list under a heading: the annex's next steps (numbered) and pièces justificatives (bulleted). */
export interface Liste {
  /** Absent: the list continues the one before it. */
  readonly titre?: string;
  readonly introduction?: string;
  readonly numerotee: boolean;
  readonly elements: readonly string[];
}

/** What follows the attestation proper (R.441-2-4: the pièces justificatives of the arrêté). */
export interface Annexe {
  readonly titre: string;
  readonly listes: readonly Liste[];
  readonly source: string;
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
  /** Next steps and pièces justificatives (the attestation); a préavis has none. */
  readonly annexe?: Annexe;
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

// The words every attestation says the same, set in French typography once.
const SUIVRE = typo(
  'Avec votre numéro unique, vous pouvez consulter votre demande, la mettre à jour et la renouveler en ligne, sur le portail de la demande de logement social ; votre guichet enregistreur peut aussi vous renseigner.',
);
const LIBELLE_NUMERO = typo('Numéro unique national :');

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
          : // No bailleur registered for these communes: where the demandeur can get the list
            // (docs/decisions.md, 5. Replies). Every guichet enregistreur must inform demandeurs.
            typo(
              `La liste des bailleurs sociaux disposant de logements dans les communes souhaitées vous est remise sur demande par votre guichet enregistreur, ${nomGuichet}, à l’adresse indiquée en tête de cette attestation, ou par le service de la préfecture chargé du logement social dans votre département.`,
            ),
      ],
    },
  ];

  blocs.push({ titre: 'Commission de médiation', paragraphes: [mediation(data)] });

  blocs.push({
    titre: 'Suivre votre demande',
    paragraphes: [SUIVRE],
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
      libelle: LIBELLE_NUMERO,
      valeur: data.numeroUnique,
      reference: typo(`Référence du guichet : ${nfc(data.reference)}`),
    },
    blocs,
    piedDePage: typo(
      `Attestation délivrée en application de l’article R. 441-2-4 du code de la construction et de l’habitation. Conservez-la : elle prouve la date de dépôt de votre demande. Guichet enregistreur ${guichet.code}.`,
    ),
    annexe: annexe(radiation),
  };
}

/**
 * The annex: what happens next, and the pièces justificatives of the arrêté du 22 décembre 2020
 * (CERFA 14069*04, notice 51423*04), abridged to its headings so that the whole document stays
 * within two pages (docs/decisions.md, 5. Replies). Only the date of radiation changes from one
 * attestation to the next: the rest is set in French typography once.
 */
function annexe(radiation: string): Annexe {
  const [etapes, ...pieces] = ANNEXE_FIXE.listes;
  return {
    ...ANNEXE_FIXE,
    listes: [
      {
        ...etapes!,
        elements: [
          ...etapes!.elements,
          typo(`Signalez tout changement de situation et renouvelez votre demande chaque année (cette année, au plus tard le ${radiation}).`),
        ],
      },
      ...pieces,
    ],
  };
}

/** The annex but its last next step (`annexe`), which holds the date of radiation. */
const ANNEXE_FIXE: Annexe = {
  titre: 'Annexe : les prochaines étapes et les pièces justificatives',
  listes: [
    {
      titre: 'Les prochaines étapes',
      numerotee: true,
      elements: [
        'Votre demande est transmise à tous les bailleurs sociaux disposant de logements dans les communes souhaitées : vous n’avez pas à la déposer auprès de chacun.',
        // The portal by name: its address, cut at a hyphen, would mislead (it is on page 1).
        'Vous fournissez vos pièces justificatives une seule fois, en ligne sur le portail de la demande de logement social ou auprès d’un guichet enregistreur : elles sont partagées entre tous les bailleurs et guichets.',
        'Lorsqu’un logement adapté se libère, un bailleur peut vous demander de compléter votre dossier, puis présente votre demande à sa commission d’attribution, qui vous informe de sa décision.',
      ].map(typo),
    },
    {
      titre: 'Les pièces justificatives',
      introduction: typo('Des copies suffisent. Pour enregistrer la demande (obligatoires) :'),
      numerotee: false,
      elements: [
        'une pièce d’identité du demandeur (carte nationale d’identité ou passeport) et, pour un ressortissant d’un pays hors de l’Union européenne, de l’Espace économique européen et de la Suisse, un titre de séjour en cours de validité.',
      ].map(typo),
    },
    {
      introduction: typo('Pour instruire la demande (obligatoires) :'),
      numerotee: false,
      elements: [
        'les pièces d’identité ou titres de séjour de toutes les personnes à loger (livret de famille ou acte de naissance pour les enfants mineurs) ;',
        'l’avis d’imposition de l’avant-dernière année (et de la dernière année si besoin) de chaque personne appelée à vivre dans le logement.',
      ].map(typo),
    },
    {
      introduction: typo('Pièces que le bailleur peut vous demander en complément, selon votre situation :'),
      numerotee: false,
      elements: [
        'situation familiale : livret de famille, acte de mariage ou de PACS, jugement de divorce ou de séparation, certificat de grossesse ;',
        'situation professionnelle et ressources : contrat de travail ou attestation de l’employeur, trois derniers bulletins de salaire, avis de paiement des allocations, pensions et prestations ;',
        'logement actuel : bail et dernière quittance, attestation d’hébergement, ou tout document prouvant l’absence de logement ou son état ;',
        'motif de la demande : tout document justifiant le motif indiqué (handicap, violences, expulsion, rapprochement du lieu de travail…).',
      ].map(typo),
    },
  ],
  source: typo(
    'Liste établie d’après l’arrêté du 22 décembre 2020 relatif au formulaire de demande de logement locatif social et aux pièces justificatives fournies pour l’instruction de la demande. Aucune autre pièce ne peut être exigée.',
  ),
};
