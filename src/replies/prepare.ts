/**
 * After the lot's transaction, each queued reply is rendered (compte rendu XML or attestation
 * PDF, completed with the registry's territory settings and bailleurs), signed and encrypted to
 * its guichet, built into a message and stored, ready for `deliver.ts`. The demandeur's copy of
 * an attestation is the plain PDF (they hold no key). Resumes after a crash from what the
 * registry still holds as A_PREPARER.
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
import { courrielAttestation, courrielCompteRendu, courrielCopieDemandeur, type Courriel } from './courriels.js';
import { decodeDocument, type ReplyDocument } from './documents.js';
import { withTerritoryData } from './territoires.js';
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

interface Rendered extends Courriel {
  readonly content: Uint8Array;
  /** The demandeur's copy: plain PDF, not threaded under the guichet's lot message. */
  readonly pourDemandeur: boolean;
}

async function renderDocument(document: ReplyDocument, deps: PrepareDeps): Promise<Rendered> {
  if (document.kind === 'compte-rendu') {
    return { ...courrielCompteRendu(document.data.lot), content: new TextEncoder().encode(buildCompteRendu(document.data)), pourDemandeur: false };
  }
  const { data } = document;
  const content = await renderAttestation(withTerritoryData(withCommuneNames(data, deps.reference), deps.registry));
  if (document.pour === 'demandeur') return { ...courrielCopieDemandeur(data.kind), content, pourDemandeur: true };
  return { ...courrielAttestation(data.kind, data.reference), content, pourDemandeur: false };
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

  const document = await renderDocument(decodeDocument(item.document), deps);
  const attachment = document.pourDemandeur
    ? { filename: document.filename, content: document.content, contentType: 'application/pdf' }
    : {
        filename: document.filename,
        content: await signAndEncrypt(document.content, deps.keyring, guichet.cles.map((c) => c.armored), {
          filename: document.filename.replace(/\.gpg$/, ''),
        }),
        contentType: 'application/octet-stream',
      };
  // The guichet's lot message means nothing to the demandeur: the copy is not threaded under it.
  const thread = lot.messageId && !document.pourDemandeur ? { inReplyTo: lot.messageId, references: [lot.messageId] } : {};
  const message = await buildReplyMessage({
    from: deps.from,
    to: item.destinataires,
    subject: document.subject,
    text: document.text,
    messageId: item.messageId,
    ...thread,
    date: deps.clock.now(),
    attachment,
  });
  deps.registry.markPrepared(item.id, message.raw);
  deps.logger.debug({ outbox: item.id, lotId: item.lotId, kind: item.kind }, 'reply prepared');
}
