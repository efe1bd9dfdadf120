/**
 * The words of the reply mails (spec 5): subject, French body and attachment name. Pure. Neither
 * the subject nor the body holds personal data — no name, numéro unique, date of birth or address,
 * nor the guichet's reference of the demande (a guichet may build it from a name): that stays in
 * the attachment's name, as the spec fixes it, and in the encrypted document.
 */
import { replySubject, type ReplyMode } from './ecole.js';
import type { CompteRenduLot, DispatchingData } from './types.js';

export interface Courriel {
  readonly subject: string;
  readonly text: string;
  readonly filename: string;
}

const SIGNATURE =
  '\n\nCe message est envoyé automatiquement par la passerelle d’enregistrement des demandes de logement social. Merci de ne pas y répondre ; pour toute question, adressez-vous à votre gestionnaire territorial.\n';

/** A filename safe on every system, from a guichet's own identifiers. */
const safeName = (value: string) => value.replace(/[^A-Za-z0-9._-]/g, '_');

export function courrielCompteRendu(lot: CompteRenduLot): Courriel {
  const name = lot.identifiantLot ?? `envoi-${lot.recu.toISOString().slice(0, 10)}`;
  const subject = lot.identifiantLot ? `Compte rendu du lot ${lot.identifiantLot}` : 'Compte rendu de votre envoi';
  return {
    subject: lot.version > 1 ? `${subject} (version ${lot.version})` : subject,
    text: `Bonjour,\n\nVous trouverez ci-joint le compte rendu de traitement ${lot.identifiantLot ? `du lot ${lot.identifiantLot}` : 'de votre envoi'} (statut ${lot.statut}, version ${lot.version}), signé par le système national et chiffré pour votre guichet.${SIGNATURE}`,
    filename: `compte-rendu-${safeName(name)}.xml.gpg`,
  };
}

const TITRES = { CRE: 'Attestation d’enregistrement', REN: 'Attestation de renouvellement' } as const;

/** To the guichet, encrypted: `attestation-<reference>.pdf.gpg` (spec 5.2) names the demande. */
export function courrielAttestation(kind: 'CRE' | 'REN', reference: string): Courriel {
  const titre = TITRES[kind];
  return {
    subject: `${titre} d’une demande de logement social`,
    text: `Bonjour,\n\nVous trouverez ci-joint l’${titre.toLowerCase()} d’une demande de votre guichet, à remettre au demandeur ; la demande est désignée par le nom du fichier joint (votre référence). Le document est signé par le système national et chiffré pour votre guichet.${SIGNATURE}`,
    filename: `attestation-${safeName(reference)}.pdf.gpg`,
  };
}

/**
 * The copy to the demandeur, who has no OpenPGP key: the PDF itself, unencrypted (see
 * docs/decisions.md). The demandeur's own address in `To` is the only personal data outside it.
 */
export function courrielCopieDemandeur(kind: 'CRE' | 'REN'): Courriel {
  const titre = TITRES[kind];
  const fait = kind === 'CRE' ? 'a été enregistrée' : 'a été renouvelée';
  return {
    subject: `Votre ${titre.charAt(0).toLowerCase()}${titre.slice(1)} de demande de logement social`,
    text: `Bonjour,\n\nVotre demande de logement social ${fait}. Vous trouverez ci-joint votre ${titre.toLowerCase()} (document PDF) : conservez-la, elle prouve la date de dépôt de votre demande et indique votre numéro unique.\n\nVous recevez ce message parce que votre adresse électronique figure dans votre demande. Ce message est envoyé automatiquement : merci de ne pas y répondre ; pour toute question, adressez-vous au guichet qui a enregistré votre demande.\n`,
    filename: kind === 'CRE' ? 'attestation-enregistrement.pdf' : 'attestation-renouvellement.pdf',
  };
}

/** The préavis de renouvellement to the guichet, encrypted: `preavis-<reference>.pdf.gpg` (spec 5.3). */
export function courrielPreavis(reference: string): Courriel {
  return {
    subject: 'Préavis de renouvellement d’une demande de logement social',
    text: `Bonjour,\n\nUne demande enregistrée ou renouvelée par votre guichet arrive à sa date anniversaire dans un mois. Vous trouverez ci-joint le préavis de renouvellement adressé au demandeur, à lui transmettre ; la demande est désignée par le nom du fichier joint (votre référence). Sans renouvellement dans le délai indiqué, la demande sera radiée. Le document est signé par le système national et chiffré pour votre guichet.${SIGNATURE}`,
    filename: `preavis-${safeName(reference)}.pdf.gpg`,
  };
}

/** The préavis to the demandeur (the département's setting allows it): the PDF itself, as the attestation's copy. */
export function courrielPreavisDemandeur(): Courriel {
  return {
    subject: 'Votre demande de logement social arrive à échéance : pensez à la renouveler',
    text: `Bonjour,\n\nVotre demande de logement social arrive à sa date anniversaire dans un mois. Vous trouverez ci-joint votre préavis de renouvellement (document PDF) : il indique jusqu’à quand et comment renouveler votre demande pour ne pas perdre son ancienneté.\n\nVous recevez ce message parce que votre adresse électronique figure dans votre demande. Ce message est envoyé automatiquement : merci de ne pas y répondre ; pour toute question, adressez-vous à un guichet enregistreur.\n`,
    filename: 'preavis-renouvellement.pdf',
  };
}

/** A reply's words as mailed by this gateway: a base école's subject starts with `[ÉCOLE]` (spec 9). */
export function courrielDuMode(courriel: Courriel, mode: ReplyMode): Courriel {
  return { ...courriel, subject: replySubject(courriel.subject, mode) };
}

/** A bailleur's daily digest (spec 8): `dispatching-<guichet>-<YYYYMMDD>.xml.gpg`. */
export function courrielDispatching(data: Pick<DispatchingData, 'guichet' | 'sequence' | 'jour' | 'evenements'>): Courriel {
  return {
    subject: `Dispatching du ${data.jour} (n° ${data.sequence})`,
    text: `Bonjour,\n\nVous trouverez ci-joint le dispatching n° ${data.sequence} du ${data.jour} : ${data.evenements.length} événement(s) (créations, renouvellements, modifications, radiations) de demandes portant sur des communes où votre organisme dispose de logements. Le document est signé par le système national et chiffré pour votre guichet.${SIGNATURE}`,
    filename: `dispatching-${safeName(data.guichet)}-${data.jour.replaceAll('-', '')}.xml.gpg`,
  };
}

/** A copie numérique (spec 8): `copie-<reference>.xml.gpg`, named by the guichet's own reference. */
export function courrielCopie(reference: string): Courriel {
  return {
    subject: 'Copie numérique d’une demande',
    text: `Bonjour,\n\nVous trouverez ci-joint la copie numérique demandée dans votre lot : les données de la demande telles qu’elles sont enregistrées, avec son statut et ses dates ; la demande est désignée par le nom du fichier joint (votre référence). Le document est signé par le système national et chiffré pour votre guichet.${SIGNATURE}`,
    filename: `copie-${safeName(reference)}.xml.gpg`,
  };
}
