/**
 * After the lot's transaction, each queued reply is rendered (compte rendu XML or attestation
 * PDF), signed and encrypted to its guichet, built into a message and stored, ready for
 * `deliver.ts`. Resumes after a crash from what the registry still holds as A_PREPARER.
 */
import type { Clock } from '../clock.js';
import { signAndEncrypt, type PrivateKeyring } from '../crypto/index.js';
import type { Logger } from '../log.js';
import { buildReplyMessage } from '../mail/mime-out.js';
import type { OutboxItem, Registry } from '../registry/types.js';
import { renderAttestation } from './attestation/index.js';
import { buildCompteRendu } from './compte-rendu.js';
import type { CommuneRef } from '../lot/types.js';
import type { ReferenceIndex } from '../rules/reference/index.js';
import { decodeDocument, type ReplyDocument } from './documents.js';
import type { AttestationData } from './types.js';

export interface PrepareDeps {
  readonly registry: Registry;
  readonly keyring: PrivateKeyring;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The gateway's address: the `From` of every reply. */
  readonly from: string;
  readonly reference: ReferenceIndex;
}

const SIGNATURE = "\n\nCe message est envoyé automatiquement par la passerelle d'enregistrement des demandes de logement social. Merci de ne pas y répondre ; pour toute question, adressez-vous à votre gestionnaire territorial.\n";

/** A filename safe on every system, from a guichet's own identifiers. */
const safeName = (value: string) => value.replace(/[^A-Za-z0-9._-]/g, '_');

/** The INSEE names the attestation prints where the guichet gave only codes or a postal code. */
export function withCommuneNames(data: AttestationData, reference: ReferenceIndex): AttestationData {
  const nameOf = (commune: CommuneRef, codePostal?: string): string | undefined => {
    if (commune.code !== undefined) return reference.communeByCode(commune.code)?.nom;
    const [only, ...others] = codePostal === undefined ? [] : reference.communesByPostalCode(codePostal);
    return others.length === 0 ? only?.nom : undefined;
  };
  const { demandeur } = data.demande;
  const adresse = demandeur.adressePostale;
  const nom = adresse && !adresse.etranger && !adresse.commune.nom ? nameOf(adresse.commune, adresse.codePostal) : undefined;
  return {
    ...data,
    demande: nom && adresse
      ? { ...data.demande, demandeur: { ...demandeur, adressePostale: { ...adresse, commune: { ...adresse.commune, nom } } } }
      : data.demande,
    communesSouhaitees: data.demande.logementRecherche.communesSouhaitees.map((c) => {
      const name = nameOf(c);
      return name ? `${name} (${c.code})` : (c.code ?? c.nom ?? '');
    }),
  };
}

async function renderDocument(document: ReplyDocument, reference: ReferenceIndex): Promise<{ subject: string; text: string; filename: string; content: Uint8Array }> {
  if (document.kind === 'compte-rendu') {
    const { lot } = document.data;
    const name = lot.identifiantLot ?? `envoi-${lot.recu.toISOString().slice(0, 10)}`;
    const subject = lot.identifiantLot ? `Compte rendu du lot ${lot.identifiantLot}` : 'Compte rendu de votre envoi';
    return {
      subject: lot.version > 1 ? `${subject} (version ${lot.version})` : subject,
      text: `Bonjour,\n\nVous trouverez ci-joint le compte rendu de traitement ${lot.identifiantLot ? `du lot ${lot.identifiantLot}` : 'de votre envoi'} (statut ${lot.statut}, version ${lot.version}), signé par le système national et chiffré pour votre guichet.${SIGNATURE}`,
      filename: `compte-rendu-${safeName(name)}.xml.gpg`,
      content: new TextEncoder().encode(buildCompteRendu(document.data)),
    };
  }
  const { data } = document;
  const title = data.kind === 'CRE' ? "Attestation d'enregistrement" : 'Attestation de renouvellement';
  return {
    subject: `${title} — demande ${data.reference}`,
    text: `Bonjour,\n\nVous trouverez ci-joint l'${title.toLowerCase()} de la demande ${data.reference}, à remettre au demandeur. Le document est signé par le système national et chiffré pour votre guichet.${SIGNATURE}`,
    filename: `attestation-${safeName(data.reference)}.pdf.gpg`,
    content: await renderAttestation(withCommuneNames(data, reference)),
  };
}

/** Renders, encrypts and stores every reply still waiting for it; returns how many. */
export async function prepareReplies(deps: PrepareDeps): Promise<number> {
  const items = deps.registry.outboxToPrepare();
  for (const item of items) await prepareOne(item, deps);
  return items.length;
}

async function prepareOne(item: OutboxItem, deps: PrepareDeps): Promise<void> {
  const lot = deps.registry.getLot(item.lotId);
  const guichet = lot?.guichet === undefined ? undefined : deps.registry.getGuichet(lot.guichet);
  if (!lot || !guichet) throw new Error(`outbox item ${item.id}: lot ${item.lotId} or its guichet is missing`);

  const document = await renderDocument(decodeDocument(item.document), deps.reference);
  const encrypted = await signAndEncrypt(
    document.content,
    deps.keyring,
    guichet.cles.map((c) => c.armored),
    { filename: document.filename.replace(/\.gpg$/, '') },
  );
  const message = await buildReplyMessage({
    from: deps.from,
    to: item.destinataires,
    subject: document.subject,
    text: document.text,
    messageId: item.messageId,
    ...(lot.messageId ? { inReplyTo: lot.messageId, references: [lot.messageId] } : {}),
    date: deps.clock.now(),
    attachment: { filename: document.filename, content: encrypted, contentType: 'application/octet-stream' },
  });
  deps.registry.markPrepared(item.id, message.raw);
  deps.logger.debug({ outbox: item.id, lotId: item.lotId, kind: item.kind }, 'reply prepared');
}
