/**
 * The words of the préavis de renouvellement (spec 5.3), apart from their layout: numéro unique,
 * anniversary, renewal window, how to renew, what happens otherwise. Pure; laid out as the
 * attestation is (src/replies/attestation/render.ts `renderLettre`).
 */
import { parisDate } from '../../clock.js';
import { expiryDay, renewalWindow } from '../../registry/lifecycle.js';
import { dateLongue, guillemets, lignesAdresse, nomComplet, PORTAIL_PAR_DEFAUT, typo, type ContenuAttestation } from '../attestation/index.js';
import type { PreavisData } from '../types.js';

const nfc = (text: string): string => text.normalize('NFC');

export function contenuPreavis(data: PreavisData): ContenuAttestation {
  const nomGuichet = nfc(data.guichet.nom);
  const window = renewalWindow(data.anniversaire);
  const portail = (data.portailUrl ?? PORTAIL_PAR_DEFAUT).replace(/^https?:\/\//, '').replace(/\/$/, '');
  return {
    titre: 'Préavis de renouvellement',
    sousTitre: 'de votre demande de logement social',
    guichet: { nom: nomGuichet, adresse: nfc(data.guichet.adresse).split(/\r?\n/).filter((l) => l.trim() !== '') },
    demandeur: { nom: nfc(nomComplet(data.demandeur)), adresse: lignesAdresse(data.demandeur.adressePostale).map(nfc) },
    faitLe: `Le ${dateLongue(parisDate(data.issuedAt))}`,
    numero: {
      libelle: typo('Numéro unique de votre demande :'),
      valeur: data.numeroUnique,
      reference: typo(`Référence du guichet : ${nfc(data.reference)}`),
    },
    blocs: [
      {
        titre: 'Votre demande arrive à échéance',
        paragraphes: [
          typo(
            `Votre demande de logement social, déposée le ${dateLongue(data.dateDepot)}, est valable jusqu’au ${dateLongue(data.anniversaire)}. Pour la conserver, vous devez la renouveler entre le ${dateLongue(window.from)} et le ${dateLongue(window.to)}.`,
          ),
        ],
      },
      {
        titre: 'Comment la renouveler',
        paragraphes: [
          typo(
            `Adressez-vous à n’importe quel guichet enregistreur (par exemple ${nomGuichet}, qui a enregistré ou renouvelé votre demande) avec votre numéro unique, ou renouvelez-la en ligne sur le portail de la demande de logement social. Signalez en même temps tout changement de votre situation (adresse, composition du foyer, ressources).`,
          ),
        ],
        lien: portail,
      },
      {
        titre: 'Si vous ne la renouvelez pas',
        paragraphes: [
          typo(
            `Sans renouvellement au plus tard le ${dateLongue(window.to)}, votre demande sera radiée à compter du ${dateLongue(expiryDay(data.anniversaire))} (motif ${guillemets('non-renouvellement')}) : vous perdrez son ancienneté, et une nouvelle demande prendrait la date de son nouveau dépôt.`,
          ),
        ],
      },
    ],
    piedDePage: typo(
      `Préavis adressé avant la radiation d’une demande non renouvelée, en application de l’article R. 441-2-7 du code de la construction et de l’habitation. Guichet enregistreur ${data.guichet.code}.`,
    ),
  };
}
