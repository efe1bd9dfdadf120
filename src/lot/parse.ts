/**
 * The decrypted lot XML → `ParsedLot` (spec 3, codes of 4.1 and DEM_SCHEMA of 4.2).
 *
 * Safety scan → parse → envelope (`lot` root, `entete`, then `demande`s) → entete alone against
 * the schema → counts → the whole lot against the schema (fast path) or, when it fails, each
 * demande alone, so that one malformed demande is rejected alone → walk into `Demande`.
 * LOT_GUICHET is the pipeline's (it knows the sender).
 */
import { demandeError, lotError, type DemandeError, type LotError } from '../errors.js';
import { LIMITS, tooLarge } from '../limits.js';
import { readDemande } from './demande.js';
import { parseMessage, schemaMessage } from './messages.js';
import { parseXml, type ParsedXml, type RootChild, type XmlDiagnostic } from './schema.js';
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
  const parsed = parseXml(safe.value.bytes, safe.value.forceUtf8);
  if (!parsed.ok) {
    const first = parsed.errors[0] ?? { line: 0, column: 0, message: '' };
    return refuse(lotError('LOT_XML', parseMessage(first.message, first.line, first.column), { ligne: first.line }));
  }
  try {
    return readLot(parsed.xml);
  } finally {
    parsed.xml.dispose();
  }
}

function readLot(xml: ParsedXml): ParseLotResult {
  if (xml.rootName !== 'lot' || xml.rootNamespace !== LOT_NAMESPACE) {
    const received = xml.rootNamespace === '' ? `<${xml.rootName}> sans espace de noms` : `<${xml.rootName}> dans ${xml.rootNamespace}`;
    return refuse(
      lotError('LOT_XML', `L'élément racine doit être <lot> dans l'espace de noms ${LOT_NAMESPACE} (reçu : ${received}).`),
    );
  }
  const envelope = checkEnvelope(xml);
  if ('code' in envelope) return refuse(envelope);
  const { entete: enteteElement, demandes } = envelope;

  if (demandes.length > LIMITS.demandesPerLot) return refuse(tooLarge('demandesPerLot', demandes.length));

  const enteteErrors = enteteElement.validate('/lot/entete', 1);
  if (enteteErrors.length > 0) return refuse(enteteSchemaError(enteteErrors));
  const entete = readEntete(enteteElement);
  if (entete.nombreDemandes !== demandes.length) {
    return refuse(
      lotError(
        'LOT_NOMBRE',
        `L'en-tête annonce ${entete.nombreDemandes} demande(s) (nombreDemandes) mais le lot en contient ${demandes.length}.`,
        { annonce: entete.nombreDemandes, lu: demandes.length },
      ),
    );
  }

  // Fast path: a valid lot is validated once; otherwise each demande is judged on its own.
  const allValid = xml.validate(1).length === 0;
  const lues: DemandeLue[] = demandes.map((element, index) => {
    const position = index + 1;
    if (!allValid) {
      const diagnostics = element.validate(demandePath(position), MAX_ERRORS_PER_DEMANDE);
      if (diagnostics.length > 0) return illisible(element, position, diagnostics);
    }
    return readDemande(element.toPlain(), position);
  });
  return { ok: true, lot: { entete, demandes: lues } };
}

interface Envelope {
  readonly entete: RootChild;
  readonly demandes: readonly RootChild[];
}

/** `lot version="1.0"`, then `entete`, then only `demande`s: the part no demande owns. */
function checkEnvelope(xml: ParsedXml): Envelope | LotError {
  const schemaFault = (detail: string) => lotError('LOT_SCHEMA', `Le lot n'est pas conforme au schéma : ${detail}.`);
  const version = xml.rootAttributes.find((a) => a.name === 'version' && a.namespace === '');
  if (version === undefined) return schemaFault('attribut version="1.0" absent de <lot>');
  if (version.value !== '1.0') return schemaFault(`version « ${version.value} » non prise en charge (attendu : 1.0)`);
  const other = xml.rootAttributes.find((a) => a !== version && a.namespace !== XSI_NAMESPACE);
  if (other !== undefined) return schemaFault(`attribut ${other.name} non admis dans <lot>`);
  if (xml.rootHasText) return schemaFault('texte non admis directement dans <lot>');
  const [first, ...rest] = xml.rootChildren;
  if (first === undefined || first.name !== 'entete' || first.namespace !== LOT_NAMESPACE) {
    return schemaFault('le premier élément de <lot> doit être <entete>');
  }
  const stray = rest.find((c) => c.name !== 'demande' || c.namespace !== LOT_NAMESPACE);
  if (stray !== undefined) {
    const where = stray.namespace === LOT_NAMESPACE ? '' : ` (espace de noms « ${stray.namespace} »)`;
    return schemaFault(`élément <${stray.name}>${where} inattendu dans <lot> : seuls des <demande> suivent <entete>`);
  }
  return { entete: first, demandes: rest };
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
    ...(typeFichier !== undefined && ['CRE', 'REN', 'MOD', 'RAD'].includes(typeFichier) ? { typeFichier } : {}),
    errors,
  };
}
