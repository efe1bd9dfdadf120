/**
 * One reply from its completed document to the bytes of its mail: rendered (compte rendu XML or
 * attestation PDF), signed and encrypted to the guichet (the demandeur's copy stays a plain PDF:
 * they hold no key), built into a MIME message. A pure function of the job and the national
 * keyring, with no registry: the same code runs on the main thread and in the worker threads.
 */
import { signAndEncrypt, type PrivateKeyring } from '../../crypto/index.js';
import { buildReplyMessage } from '../../mail/mime-out.js';
import { courrielAttestation, courrielCompteRendu, courrielCopie, courrielCopieDemandeur, courrielDispatching, courrielDuMode, courrielPreavis, courrielPreavisDemandeur, type Courriel } from '../courriels.js';
import type { ReplyDocument } from '../documents.js';
import type { ReplyMode } from '../ecole.js';

/**
 * Everything a reply needs, as plain data (it crosses to a worker by structured clone); `ecole`:
 * the gateway is a base école (spec 9), carried from the composition root through `PrepareDeps`.
 */
export interface ReplyJob extends ReplyMode {
  /** Completed with the registry's territory data and the INSEE names (see prepare.ts). */
  readonly document: ReplyDocument;
  /** The guichet's armored public keys. */
  readonly recipientKeys: readonly string[];
  readonly from: string;
  readonly to: readonly string[];
  readonly messageId: string;
  /** The guichet's lot message, to thread the reply under it. */
  readonly inReplyTo?: string;
  readonly date: Date;
}

interface Rendered extends Courriel {
  readonly content: Uint8Array;
  /** The demandeur's copy: plain PDF, not threaded under the guichet's lot message. */
  readonly pourDemandeur: boolean;
}

/** The document itself, in clear: XML or PDF bytes. Deterministic for a given document and mode. */
export async function renderDocument(document: ReplyDocument, mode: ReplyMode = {}): Promise<Uint8Array> {
  return (await rendered(document, mode)).content;
}

/** The document rendered and its mail's words, both as the mode wants them (spec 9). */
async function rendered(document: ReplyDocument, mode: ReplyMode): Promise<Rendered> {
  const { content, pourDemandeur, ...courriel } = await renderedAsIs(document, mode);
  return { ...courrielDuMode(courriel, mode), content, pourDemandeur };
}

/** A module imported on first use, its promise kept: `import()` resolves its specifier again at every call. */
function onFirstUse<M>(load: () => Promise<M>): () => Promise<M> {
  let module: Promise<M> | undefined;
  return () => (module ??= load());
}

// Renderers are imported on first use: a worker never builds a compte rendu (xmlbuilder2), and the
// main thread renders attestations only for small batches (the letters' writer and DejaVu).
const renderers = {
  compteRendu: onFirstUse(() => import('../compte-rendu.js')),
  preavis: onFirstUse(() => import('../preavis/index.js')),
  dispatching: onFirstUse(() => import('../dispatching.js')),
  attestation: onFirstUse(() => import('../attestation/index.js')),
};

async function renderedAsIs(document: ReplyDocument, mode: ReplyMode): Promise<Rendered> {
  if (document.kind === 'compte-rendu') {
    const { buildCompteRendu } = await renderers.compteRendu();
    return { ...courrielCompteRendu(document.data.lot), content: new TextEncoder().encode(buildCompteRendu(document.data, mode)), pourDemandeur: false };
  }
  if (document.kind === 'preavis') {
    const { renderPreavis } = await renderers.preavis();
    const content = await renderPreavis(document.data, mode);
    if (document.pour === 'demandeur') return { ...courrielPreavisDemandeur(), content, pourDemandeur: true };
    return { ...courrielPreavis(document.data.reference), content, pourDemandeur: false };
  }
  if (document.kind === 'dispatching') {
    const { buildDispatching } = await renderers.dispatching();
    return { ...courrielDispatching(document.data), content: new TextEncoder().encode(buildDispatching(document.data, mode)), pourDemandeur: false };
  }
  if (document.kind === 'copie') {
    const { buildCopie } = await renderers.dispatching();
    return { ...courrielCopie(document.data.reference), content: new TextEncoder().encode(buildCopie(document.data, mode)), pourDemandeur: false };
  }
  const { data } = document;
  const { renderAttestation } = await renderers.attestation();
  const content = await renderAttestation(data, mode);
  if (document.pour === 'demandeur') return { ...courrielCopieDemandeur(data.kind), content, pourDemandeur: true };
  return { ...courrielAttestation(data.kind, data.reference), content, pourDemandeur: false };
}

/** The reply's raw MIME message, ready for the sender. */
export async function sealReply(job: ReplyJob, keyring: PrivateKeyring): Promise<Buffer> {
  const document = await rendered(job.document, job);
  const attachment = document.pourDemandeur
    ? { filename: document.filename, content: document.content, contentType: 'application/pdf' }
    : {
        filename: document.filename,
        content: await signAndEncrypt(document.content, keyring, job.recipientKeys, { filename: document.filename.replace(/\.gpg$/, '') }),
        contentType: 'application/octet-stream',
      };
  // The guichet's lot message means nothing to the demandeur: the copy is not threaded under it.
  const thread = job.inReplyTo && !document.pourDemandeur ? { inReplyTo: job.inReplyTo, references: [job.inReplyTo] } : {};
  const message = await buildReplyMessage({
    from: job.from,
    to: job.to,
    subject: document.subject,
    text: document.text,
    messageId: job.messageId,
    ...thread,
    date: job.date,
    attachment,
  });
  return message.raw;
}
