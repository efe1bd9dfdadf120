/**
 * French messages for libxml2's English diagnostics: the guichet's developer reads them in the
 * compte rendu, so each names the element (or attribute) and the expected form. Unknown
 * diagnostics fall back to a generic French sentence quoting libxml2.
 */

const NAMESPACE = 'urn:sne-gateway:lot:1';

/** Expected forms of the schema's patterns, keyed by the pattern text of schemas/lot-1.xsd. */
const PATTERN_FORMS: Readonly<Record<string, string>> = {
  '[A-Z][A-Z0-9]{4}': 'un code guichet de 5 caractères, une majuscule puis 4 majuscules ou chiffres (p. ex. G1104)',
  '[A-Za-z0-9._\\-]{1,40}': '1 à 40 caractères parmi lettres, chiffres, « . », « _ » et « - »',
  '[A-Za-z0-9._/\\-]{1,50}': '1 à 50 caractères parmi lettres, chiffres, « . », « _ », « / » et « - »',
  '(0[0-9]{2}|02[AB]|97[1-6]|111)(0[1-9]|1[0-2])[0-9]{2}[0-9]{6}[A-Z][A-Z0-9]{4}':
    'un numéro unique de 18 caractères : territoire (3), mois et année MMAA (4), numéro d’ordre (6), code guichet (5), p. ex. 1110318016982G1104',
  '[0-9]{5}|2[AB][0-9]{3}': 'un code INSEE de commune de 5 caractères (p. ex. 93066 ou 2A004)',
  '[0-9]{4}-[0-9]{2}-[0-9]{2}': 'une date AAAA-MM-JJ sans fuseau horaire (p. ex. 1988-03-14)',
  '[0-9+. ()\\-]{1,20}': 'un numéro de téléphone de 20 caractères au plus (chiffres, espaces, points, tirets, parenthèses, +)',
};

/** Expected forms of the atomic types, keyed by libxml2's type name (namespace stripped). */
const TYPE_FORMS: Readonly<Record<string, string>> = {
  'xs:boolean': 'true ou false',
  'xs:dateTime': 'une date et heure AAAA-MM-JJThh:mm:ss, fuseau facultatif (p. ex. 2026-11-26T09:30:00+01:00)',
  'xs:date': 'une date réelle AAAA-MM-JJ (p. ex. 1988-03-14)',
  Date: 'une date réelle AAAA-MM-JJ sans fuseau horaire (p. ex. 1988-03-14)',
  Montant: 'un montant positif ou nul, deux décimales au plus, point décimal (p. ex. 1620 ou 1620.50)',
  'xs:decimal': 'un nombre décimal avec point décimal (p. ex. 1620.50)',
  Annee: 'une année sur 4 chiffres, de 1900 à 2100',
  NombreHabitant: 'un nombre entier de 1 à 99',
  NombreDemandes: 'un nombre entier positif ou nul',
  'xs:nonNegativeInteger': 'un nombre entier positif ou nul',
  'xs:int': 'un nombre entier',
  'xs:integer': 'un nombre entier',
};

const stripNamespace = (name: string): string => name.replace(/^\{[^}]*\}/, '');
const namespaceOf = (name: string): string | undefined => /^\{([^}]*)\}/.exec(name)?.[1];

/** `<civilite>` or `<nom>`, with a hint when the element is not in the lot's namespace. */
function elementLabel(qualified: string): string {
  const namespace = namespaceOf(qualified);
  const label = `<${stripNamespace(qualified)}>`;
  if (namespace === NAMESPACE) return label;
  return namespace === undefined
    ? `${label} (sans espace de noms ; attendu : ${NAMESPACE})`
    : `${label} (espace de noms ${namespace} ; attendu : ${NAMESPACE})`;
}

/** `( {ns}a, {ns}b )` → `<a> ou <b>` */
function expectedList(list: string): string {
  return list
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '' && name !== '##other')
    .map((name) => `<${stripNamespace(name)}>`)
    .join(' ou ');
}

const quote = (value: string): string => `« ${value} »`;

/**
 * The lists of a demande and their `maxOccurs` in schemas/lot-1.xsd (test/lot/schema.test.ts
 * keeps them in step): each is the only element of its list, so that libxml2's "not expected"
 * with nothing else expected means one too many.
 */
export const MAX_OCCURS: Readonly<Record<string, number>> = {
  detailRessource: 30,
  personneACharge: 30,
  modeleLogement: 17,
  motif: 23,
  typeLogement: 7,
  localisationSouhaite: 10,
};

/** One schema-validation diagnostic of libxml2, in French. */
export function schemaMessage(raw: string): string {
  const head = /^Element '([^']+)'(?:, attribute '([^']+)')?: ([\s\S]*)$/.exec(raw.trim());
  if (head === null || head[1] === undefined || head[3] === undefined) {
    if (/No matching global declaration/.test(raw)) return "L'élément n'est pas déclaré par le schéma du lot.";
    return `Non conforme au schéma du lot (${raw.trim()}).`;
  }
  const element = elementLabel(head[1]);
  const subject = head[2] === undefined ? `de ${element}` : `de l'attribut ${head[2]} de ${element}`;
  const body = head[3];
  let m: RegExpExecArray | null;

  if ((m = /^\[facet 'enumeration'\] The value '([^']*)' is not an element of the set \{(.*)\}/.exec(body))) {
    const allowed = (m[2] ?? '').replace(/'/g, '').split(',').map((v) => v.trim()).join(', ');
    return `Valeur ${quote(m[1] ?? '')} ${subject} non admise : valeurs attendues ${allowed}.`;
  }
  if ((m = /^\[facet 'pattern'\] The value '([^']*)' is not accepted by the pattern '(.*)'/.exec(body))) {
    const form = PATTERN_FORMS[m[2] ?? ''] ?? `une valeur conforme au motif ${m[2] ?? ''}`;
    return `Valeur ${quote(m[1] ?? '')} ${subject} non conforme : attendu ${form}.`;
  }
  if ((m = /^'([^']*)' is not a valid value of the (?:local )?(?:atomic|union|list) type(?: '([^']*)')?/.exec(body))) {
    const type = stripNamespace(m[2] ?? '');
    const form = TYPE_FORMS[type];
    return form === undefined
      ? `Valeur ${quote(m[1] ?? '')} ${subject} non admise.`
      : `Valeur ${quote(m[1] ?? '')} ${subject} non conforme : attendu ${form}.`;
  }
  if ((m = /^\[facet 'minInclusive'\] The value '([^']*)' is less than the minimum value allowed \('([^']*)'\)/.exec(body))) {
    return `Valeur ${quote(m[1] ?? '')} ${subject} trop petite : minimum ${m[2] ?? ''}.`;
  }
  if ((m = /^\[facet 'maxInclusive'\] The value '([^']*)' is greater than the maximum value allowed \('([^']*)'\)/.exec(body))) {
    return `Valeur ${quote(m[1] ?? '')} ${subject} trop grande : maximum ${m[2] ?? ''}.`;
  }
  if ((m = /^\[facet 'maxLength'\] The value has a length of '(\d+)'; this exceeds the allowed maximum length of '(\d+)'/.exec(body))) {
    return `Valeur ${subject} trop longue : ${m[2] ?? ''} caractères au plus (${m[1] ?? ''} reçus).`;
  }
  if ((m = /^\[facet 'minLength'\] The value has a length of '(\d+)'; this underruns the allowed minimum length of '(\d+)'/.exec(body))) {
    return m[2] === '1' ? `Valeur ${subject} vide : un texte est attendu.` : `Valeur ${subject} trop courte : ${m[2] ?? ''} caractères au moins.`;
  }
  if ((m = /^\[facet 'fractionDigits'\] The value '([^']*)' has more fractional digits than are allowed \('(\d+)'\)/.exec(body))) {
    return `Valeur ${quote(m[1] ?? '')} ${subject} : ${m[2] ?? ''} décimales au plus.`;
  }
  if ((m = /^\[facet 'totalDigits'\] The value '([^']*)' has more digits than are allowed \('(\d+)'\)/.exec(body))) {
    return `Valeur ${quote(m[1] ?? '')} ${subject} : ${m[2] ?? ''} chiffres au plus.`;
  }
  if ((m = /^This element is not expected\.(?: Expected is (?:one of )?\((.*)\))?/.exec(body))) {
    const max = MAX_OCCURS[stripNamespace(head[1])];
    if (m[1] === undefined && max !== undefined) return `Élément ${element} en trop : ${max} au plus dans une demande.`;
    return m[1] === undefined
      ? `Élément ${element} inattendu à cet endroit : aucun autre élément n'est admis ici.`
      : `Élément ${element} inattendu à cet endroit : attendu ${expectedList(m[1])}.`;
  }
  if ((m = /^Missing child element\(s\)\.(?: Expected is (?:one of )?\((.*)\))?/.exec(body))) {
    return m[1] === undefined
      ? `Élément(s) manquant(s) dans ${element}.`
      : `Élément manquant dans ${element} : attendu ${expectedList(m[1])}.`;
  }
  if ((m = /^The attribute '([^']+)' is required but missing/.exec(body))) {
    return `Attribut ${m[1] ?? ''} obligatoire absent de ${element}.`;
  }
  if ((m = /^The attribute '([^']+)' is not allowed/.exec(body))) {
    return `Attribut ${m[1] ?? ''} non admis dans ${element}.`;
  }
  if (/^Character content other than whitespace is not allowed/.test(body)) {
    return `Texte non admis dans ${element} : cet élément ne contient que des éléments.`;
  }
  if (/content type is empty/.test(body)) {
    return `L'élément ${element} doit être vide : sa valeur se donne dans son attribut code (p. ex. <civilite code="2"/>).`;
  }
  if (/type definition is simple|content type is a simple type/.test(body)) {
    return `L'élément ${element} ne peut contenir que du texte, pas d'éléments.`;
  }
  return `${element} non conforme au schéma du lot (${body.trim()}).`;
}

const PARSE_MESSAGES: readonly (readonly [RegExp, (m: RegExpExecArray) => string])[] = [
  [/^Opening and ending tag mismatch: (\S+) line (\d+) and (\S+)/, (m) => `balise de fin </${m[3]}> inattendue : <${m[1]}>, ouvert ligne ${m[2]}, n'est pas fermé`],
  [/^Premature end of data in tag (\S+) line (\d+)/, (m) => `fin du document prématurée : <${m[1]}>, ouvert ligne ${m[2]}, n'est pas fermé`],
  [/^Extra content at the end of the document/, () => "contenu après la fin de l'élément racine"],
  [/^Start tag expected, '<' not found/, () => 'balise ouvrante attendue, « < » introuvable'],
  [/^Document is empty/, () => 'document vide'],
  [/^Entity '([^']+)' not defined/, (m) => `entité « &${m[1]}; » non définie (seules &lt; &gt; &amp; &quot; &apos; et les références numériques sont admises)`],
  [/^(?:Input is not proper UTF-8|Invalid bytes in character encoding)/, () => "octets invalides pour l'encodage du document"],
  [/^Unsupported encoding:? ?(.*)/, (m) => `encodage « ${m[1]} » non pris en charge`],
  [/invalid element name/, () => "nom d'élément invalide"],
  [/^Couldn't find end of Start Tag (\S+)/, (m) => `balise ouvrante <${m[1]}> non terminée`],
  [/^AttValue: " or ' expected/, () => "valeur d'attribut attendue entre guillemets"],
  [/^attributes construct error/, () => 'attributs mal formés'],
  [/^Attribute (\S+) redefined/, (m) => `attribut « ${m[1]} » répété`],
  [/^(?:xmlParseEntityRef: no name|EntityRef: expecting ';')/, () => '« & » doit commencer une référence d’entité (écrire &amp;)'],
  [/^Namespace prefix (\S+)(?: on (\S+))? is not defined/, (m) => `préfixe d'espace de noms « ${m[1]} » non déclaré`],
  [/^Excessive depth in document/, () => 'imbrication trop profonde'],
  [/^Comment not terminated/, () => 'commentaire non terminé'],
  [/^CData section not finished/, () => 'section CDATA non terminée'],
  [/(?:invalid Char value|out of allowed range|invalid character)/i, () => 'caractère interdit en XML'],
  [/^Specification mandates value for attribute (\S+)/, (m) => `valeur manquante pour l'attribut « ${m[1]} »`],
  [/^error parsing attribute name/, () => "nom d'attribut invalide"],
  [/(?:XML declaration|Blank needed here|'\?>' expected|XML_ERR_RESERVED_XML_NAME|xmlParsePI)/, () => 'déclaration <?xml …?> ou instruction de traitement invalide ou mal placée'],
];

/** One well-formedness diagnostic of libxml2, in French, with its position. */
export function parseMessage(raw: string, line: number, column: number): string {
  const text = raw.trim();
  let french = `erreur de syntaxe (libxml2 : ${text})`;
  for (const [pattern, render] of PARSE_MESSAGES) {
    const m = pattern.exec(text);
    if (m !== null) {
      french = render(m);
      break;
    }
  }
  const where = line > 0 ? ` (ligne ${line}${column > 0 ? `, colonne ${column}` : ''})` : '';
  return `Le fichier du lot n'est pas un document XML bien formé${where} : ${french}.`;
}
