/**
 * The decrypted lot XML → `ParsedLot` (spec 3, codes of 4.1 and DEM_SCHEMA of 4.2).
 *
 * Safety scan → layout scan (layout.ts) → the first batch document parsed (batches.ts: the head
 * and the first demandes) → envelope (`lot` root, `entete`, then `demande`s) → entete alone
 * against the schema → counts → each batch against the schema (fast path) or, when it fails,
 * each of its demandes alone, so that one malformed demande is rejected alone → walk into
 * `Demande`. libxml2 never holds more than one batch.
 * LOT_GUICHET is the pipeline's (it knows the sender).
 */
import { isTypeFichier } from '../domain.js';
import { demandeError, lotError, type DemandeError, type LotError } from '../errors.js';
import { LIMITS, tooLarge } from '../limits.js';
import { readDemande } from './demande.js';
import { schemaMessage } from './messages.js';
import { LotDocuments, type Batch } from './batches.js';
import { scanLot, type LotLayout } from './layout.js';
import { type ParsedXml, type RootChild, type XmlDiagnostic } from './schema.js';
import type { DemandeLue, Entete, ParseLotResult } from './types.js';
import { demandePath } from './types.js';
import { checkXmlSafety } from './xml-safety.js';

export const LOT_NAMESPACE = 'urn:sne-gateway:lot:1';
const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';
/**
 * Enough to fix a demande; a pathological one must not flood the compte rendu. Only that many
 * diagnostics are located (schema.ts), so that a demande's cost does not grow with its errors.
 */
const MAX_ERRORS_PER_DEMANDE = 20;

const refuse = (error: LotError): ParseLotResult => ({ ok: false, error });

export function parseLot(xml: Uint8Array): ParseLotResult {
  if (xml.length > LIMITS.xmlBytes) return refuse(tooLarge('xmlBytes', xml.length));
  const safe = checkXmlSafety(xml);
  if (!safe.ok) return refuse(safe.error);
  const { bytes, forceUtf8 } = safe.value;
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const layout = scanLot(bytes, bom);
  if ('code' in layout) return refuse(layout);
  const documents = new LotDocuments(bytes, forceUtf8, layout);
  if ('fault' in layout) return refuse(documents.faultAt(layout));
  return readLot(documents, layout);
}

function readLot(documents: LotDocuments, layout: LotLayout): ParseLotResult {
  const [firstBatch, ...otherBatches] = documents.batches;
  const first = documents.parse(firstBatch as Batch);
  if ('code' in first) return refuse(first);
  const lues: DemandeLue[] = [];
  let entete: Entete;
  try {
    const xml = first;
    if (xml.rootName !== 'lot' || xml.rootNamespace !== LOT_NAMESPACE) {
      const received = xml.rootNamespace === '' ? `<${xml.rootName}> sans espace de noms` : `<${xml.rootName}> dans ${xml.rootNamespace}`;
      return refuse(
        lotError('LOT_XML', `L'élément racine doit être <lot> dans l'espace de noms ${LOT_NAMESPACE} (reçu : ${received}).`),
      );
    }
    const envelope = checkEnvelope(xml, layout);
    if (envelope !== undefined) return refuse(envelope);
    const enteteElement = xml.rootChildren[0] as RootChild;
    const count = Math.max(layout.children.length - 1, 0);

    if (count > LIMITS.demandesPerLot) return refuse(tooLarge('demandesPerLot', count));

    const enteteErrors = enteteElement.validate('/lot/entete', 1);
    if (enteteErrors.length > 0) return refuse(enteteSchemaError(enteteErrors));
    entete = readEntete(enteteElement);
    if (entete.nombreDemandes !== count) {
      return refuse(
        lotError('LOT_NOMBRE', `L'en-tête annonce ${entete.nombreDemandes} demande(s) (nombreDemandes) mais le lot en contient ${count}.`, {
          annonce: entete.nombreDemandes,
          lu: count,
        }),
      );
    }
    const fault = readBatch(xml, firstBatch as Batch, lues);
    if (fault !== undefined) return refuse(fault);
  } finally {
    first.dispose();
  }
  // The other batches, one libxml2 document at a time: the entete again, then their demandes.
  for (const batch of otherBatches) {
    const xml = documents.parse(batch);
    if ('code' in xml) return refuse(xml);
    try {
      const fault = readBatch(xml, batch, lues);
      if (fault !== undefined) return refuse(fault);
    } finally {
      xml.dispose();
    }
  }
  return { ok: true, lot: { entete, demandes: lues } };
}

/**
 * The demandes of one batch document, appended to `lues`. libxml2's view of the batch must agree
 * with the scan's: only `demande`s after the entete, as many as planned, no text.
 */
function readBatch(xml: ParsedXml, batch: Batch, lues: DemandeLue[]): LotError | undefined {
  const elements = xml.rootChildren.slice(1);
  if (xml.rootHasText) return schemaFault('texte non admis directement dans <lot>');
  const stray = elements.find((c) => c.name !== 'demande' || c.namespace !== LOT_NAMESPACE);
  if (stray !== undefined) return strayFault(stray.name, stray.namespace);
  if (elements.length !== batch.last - batch.first + 1) return unrecognised();
  // Fast path: a valid batch is validated once; otherwise each demande is judged on its own.
  const allValid = xml.validate(1).length === 0;
  elements.forEach((element, index) => {
    const position = batch.first + index;
    if (!allValid) {
      const diagnostics = element.validate(demandePath(position), MAX_ERRORS_PER_DEMANDE);
      if (diagnostics.length > 0) {
        lues.push(illisible(element, position, diagnostics));
        return;
      }
    }
    lues.push(readDemande(element.toPlain(), position));
  });
  return undefined;
}

const schemaFault = (detail: string): LotError => lotError('LOT_SCHEMA', `Le lot n'est pas conforme au schéma : ${detail}.`);

function strayFault(name: string, namespace: string): LotError {
  const where = namespace === LOT_NAMESPACE ? '' : ` (espace de noms « ${namespace} »)`;
  return schemaFault(`élément <${name}>${where} inattendu dans <lot> : seuls des <demande> suivent <entete>`);
}

/** The scan and libxml2 disagree on the structure: never expected, refused rather than guessed. */
const unrecognised = (): LotError =>
  lotError('LOT_XML', "Le fichier du lot n'est pas un document XML bien formé : structure des éléments de <lot> non reconnue.");

/**
 * `lot version="1.0"`, then `entete`, then only `demande`s: the part no demande owns. The root is
 * libxml2's (first batch), the children the scan's (all of them, before any demande is judged).
 */
function checkEnvelope(xml: ParsedXml, layout: LotLayout): LotError | undefined {
  const version = xml.rootAttributes.find((a) => a.name === 'version' && a.namespace === '');
  if (version === undefined) return schemaFault('attribut version="1.0" absent de <lot>');
  if (version.value !== '1.0') return schemaFault(`version « ${version.value} » non prise en charge (attendu : 1.0)`);
  const other = xml.rootAttributes.find((a) => a !== version && a.namespace !== XSI_NAMESPACE);
  if (other !== undefined) return schemaFault(`attribut ${other.name} non admis dans <lot>`);
  if (xml.rootHasText || layout.rootHasText) return schemaFault('texte non admis directement dans <lot>');
  const first = xml.rootChildren[0];
  if (first === undefined || first.name !== 'entete' || first.namespace !== LOT_NAMESPACE) {
    return schemaFault('le premier élément de <lot> doit être <entete>');
  }
  const stray = layout.children.slice(1).find((c) => c.localName !== 'demande' || c.namespace !== LOT_NAMESPACE);
  return stray === undefined ? undefined : strayFault(stray.localName, stray.namespace);
}

function enteteSchemaError(diagnostics: readonly XmlDiagnostic[]): LotError {
  const first = diagnostics[0] as XmlDiagnostic;
  const details: Record<string, string | number> = { ligne: first.line };
  if (first.path !== undefined) details.chemin = first.path;
  return lotError('LOT_SCHEMA', `L'en-tête du lot n'est pas conforme au schéma (ligne ${first.line}) : ${schemaMessage(first.message)}`, details);
}

function readEntete(element: RootChild): Entete {
  const plain = element.toPlain();
  const field = (name: string) => plain.children.find((c) => c.name === name)?.text.trim() ?? '';
  return {
    guichet: field('guichet'),
    identifiantLot: field('identifiantLot'),
    dateFichier: field('dateFichier'),
    nombreDemandes: Number(field('nombreDemandes')),
  };
}

/** A demande that broke the schema: one DEM_SCHEMA per distinct chemin, first diagnostic wins. */
function illisible(element: RootChild, position: number, diagnostics: readonly XmlDiagnostic[]): DemandeLue {
  const errors: DemandeError[] = [];
  const seen = new Set<string>();
  for (const diagnostic of diagnostics) {
    const chemin = diagnostic.path ?? demandePath(position);
    if (seen.has(chemin)) continue;
    seen.add(chemin);
    errors.push(demandeError('DEM_SCHEMA', chemin, { message: schemaMessage(diagnostic.message), valeur: diagnostic.value }));
    if (errors.length === MAX_ERRORS_PER_DEMANDE) break;
  }
  const reference = element.attribute('reference')?.trim();
  const typeFichier = element.attribute('typeFichier');
  return {
    ok: false,
    position,
    // Kept when readable, so that the compte rendu can name the demande.
    ...(reference !== undefined && reference !== '' && reference.length <= 100 ? { reference } : {}),
    ...(typeFichier !== undefined && isTypeFichier(typeFichier) ? { typeFichier } : {}),
    errors,
  };
}
