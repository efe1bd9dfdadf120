/**
 * The only module that touches libxml2-wasm: parse a document, validate it (or one of the root's
 * children on its own) against the lot XSD, and copy elements into plain JS values. Everything
 * it returns is our own types; libxml2 objects live in WASM memory and are freed by `dispose`.
 *
 * libxml2 keeps its DEFAULT parse options (no entity substitution, no DTD loading) and no input
 * provider is registered, so nothing is ever read from the filesystem or the network. Hostile
 * constructs are refused earlier by xml-safety.ts anyway.
 */
import { readFileSync } from 'node:fs';
import { XmlCData, XmlDocument, XmlElement, XmlError, XmlLibError, XmlText, XsdValidator, type ErrorDetail } from 'libxml2-wasm';
// Internals of the same module instance (not a second copy): struct accessors for the fast copy.
import { XmlNodeStruct as NodeStruct, xmlNodeGetContent as nodeContent } from 'libxml2-wasm/lib/libxml2.mjs';

/** A libxml2 diagnostic, located in the document. `message` is libxml2's own (English) text. */
export interface XmlDiagnostic {
  readonly line: number;
  readonly column: number;
  readonly message: string;
  /** Named XPath of the node (`/lot/demande[2]/…/civilite/@code`), when libxml2 gave one. */
  readonly path?: string;
  /** The offending value, when the diagnostic is about a value. */
  readonly value?: string;
}

/** An element copied out of WASM memory: local name, namespace, attributes, children, text. */
export interface PlainElement {
  /** Local name (namespaces were checked by the schema). */
  readonly name: string;
  readonly line: number;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly PlainElement[];
  /** A leaf's text (and CDATA); empty for an element with element children. */
  readonly text: string;
}

/** A child of the root, as the envelope check sees it, without copying its subtree. */
export interface RootChild {
  readonly name: string;
  readonly namespace: string;
  readonly attribute: (name: string) => string | undefined;
  /** Validate this element alone against the schema (it must be a global element there). */
  readonly validate: (basePath: string) => readonly XmlDiagnostic[];
  readonly toPlain: () => PlainElement;
}

export interface ParsedXml {
  readonly rootName: string;
  readonly rootNamespace: string;
  readonly rootAttributes: readonly { readonly name: string; readonly namespace: string; readonly value: string }[];
  /** True when the root holds text other than whitespace between its children. */
  readonly rootHasText: boolean;
  readonly rootChildren: readonly RootChild[];
  /** Validate the whole document at once (the fast path). */
  readonly validate: () => readonly XmlDiagnostic[];
  readonly dispose: () => void;
}

export type ParseXmlResult = { readonly ok: true; readonly xml: ParsedXml } | { readonly ok: false; readonly errors: readonly XmlDiagnostic[] };

// Read once at module load. `../../schemas` is the package root both from src/lot (vitest, tsx)
// and from dist/lot (after `tsc -p tsconfig.build.json`).
const XSD_BYTES = readFileSync(new URL('../../schemas/lot-1.xsd', import.meta.url));

let validator: XsdValidator | undefined;

/** Compiled once per process and reused; the schema document is kept alive with it. */
function lotValidator(): XsdValidator {
  if (validator === undefined) {
    const xsd = XmlDocument.fromBuffer(XSD_BYTES);
    validator = XsdValidator.fromDoc(xsd);
  }
  return validator;
}

/** Compile the lot XSD now (it throws if the schema itself is broken). */
export function loadLotSchema(): void {
  lotValidator();
}

/** Parse bytes; `forceUtf8` overrides the declared encoding (used after transcoding UTF-16). */
export function parseXml(bytes: Uint8Array, forceUtf8 = false): ParseXmlResult {
  let doc: XmlDocument;
  try {
    doc = XmlDocument.fromBuffer(bytes, forceUtf8 ? { encoding: 'UTF-8' } : {});
  } catch (error) {
    return { ok: false, errors: diagnosticsOf(error) };
  }
  try {
    return { ok: true, xml: view(doc) };
  } catch (error) {
    doc.dispose();
    return { ok: false, errors: diagnosticsOf(error) };
  }
}

function view(doc: XmlDocument): ParsedXml {
  const root = doc.root;
  const children: RootChild[] = [];
  let hasText = false;
  for (let node = root.firstChild; node !== null; node = node.next) {
    if (node instanceof XmlElement) children.push(rootChild(node));
    else if ((node instanceof XmlText || node instanceof XmlCData) && node.content.trim() !== '') hasText = true;
  }
  return {
    rootName: root.name,
    rootNamespace: root.namespaceUri,
    rootAttributes: root.attrs.map((a) => ({ name: a.name, namespace: a.namespaceUri, value: a.value })),
    rootHasText: hasText,
    rootChildren: children,
    validate: () => runValidation(() => lotValidator().validate(doc), undefined, '/lot'),
    dispose: () => doc.dispose(),
  };
}

function rootChild(element: XmlElement): RootChild {
  return {
    name: element.name,
    namespace: element.namespaceUri,
    attribute: (name) => element.attr(name)?.value,
    validate: (basePath) => runValidation(() => lotValidator().validate(element), element, basePath),
    toPlain: () => toPlain(element),
  };
}

function runValidation(run: () => void, base: XmlElement | undefined, basePath: string): readonly XmlDiagnostic[] {
  try {
    run();
    return [];
  } catch (error) {
    if (!(error instanceof XmlError)) throw error;
    const details = error instanceof XmlLibError ? error.details : [];
    // Invalid must never read as valid: an error without details still counts as one.
    if (details.length === 0) return [{ line: 0, column: 0, message: error.message.trim(), path: basePath }];
    return details.map((detail) => locate(detail, base, basePath));
  }
}

function diagnosticsOf(error: unknown): readonly XmlDiagnostic[] {
  if (error instanceof XmlLibError && error.details.length > 0) {
    return error.details.filter((d) => d.level >= 2).map((d) => ({ line: d.line, column: d.col, message: d.message.trim() }));
  }
  return [{ line: 0, column: 0, message: error instanceof Error ? error.message : String(error) }];
}

const ATTRIBUTE_IN_MESSAGE = /^Element '[^']*'(?:, attribute '([^']+)'|: The attribute '([^']+)' is required)/;
const VALUE_IN_MESSAGE = /(?:The value '([^']*)'|^Element '[^']*'(?:, attribute '[^']*')?: '([^']*)' is not a valid value)/;
const MAX_VALUE_LENGTH = 200;

/**
 * Turn libxml2's node path into ours. libxml2 cannot name elements of a default namespace and
 * writes `/*\/*[2]/*…` (positions among element siblings); we walk those positions from the
 * validated element and name each step, indexing only repeated names (always `demande`).
 */
function locate(detail: ErrorDetail, base: XmlElement | undefined, basePath: string): XmlDiagnostic {
  const message = detail.message.trim();
  const named = ATTRIBUTE_IN_MESSAGE.exec(message);
  const attribute = named?.[1] ?? named?.[2];
  const quoted = VALUE_IN_MESSAGE.exec(message);
  let value = quoted?.[1] ?? quoted?.[2];
  let path = basePath;
  if (base !== undefined && detail.xpath !== undefined) {
    const node = resolve(base, detail.xpath.split('/').slice(3));
    if (node !== undefined) {
      path = basePath + relativePath(base, node);
      if (value === undefined && /\[facet '(?:minLength|maxLength|length)'\]/.test(message)) {
        value = attribute !== undefined ? node.attr(attribute)?.value : node.content;
      }
    }
  }
  if (attribute !== undefined) path += `/@${attribute}`;
  const located = { line: detail.line, column: detail.col, message, path };
  return value === undefined ? located : { ...located, value: value.slice(0, MAX_VALUE_LENGTH) };
}

/** Follow libxml2 steps (`*`, `*[3]`, `p:name[2]`) below `from`; undefined if one is lost. */
function resolve(from: XmlElement, steps: readonly string[]): XmlElement | undefined {
  let current = from;
  for (const step of steps) {
    const match = /^([^[\]]+)(?:\[(\d+)\])?$/.exec(step);
    if (match === null || match[1] === undefined || match[1].startsWith('@')) return current;
    const name = match[1];
    const wanted = Number(match[2] ?? '1');
    let seen = 0;
    let found: XmlElement | undefined;
    for (let node = current.firstChild; node !== null; node = node.next) {
      if (!(node instanceof XmlElement)) continue;
      const qualified = node.prefix ? `${node.prefix}:${node.name}` : node.name;
      if (name === '*' || name === qualified) {
        seen += 1;
        if (seen === wanted) {
          found = node;
          break;
        }
      }
    }
    if (found === undefined) return undefined;
    current = found;
  }
  return current;
}

/** `/a/b[2]/c` from `base` (excluded) down to `node`. */
function relativePath(base: XmlElement, node: XmlElement): string {
  const steps: string[] = [];
  for (let current: XmlElement | null = node; current !== null && !current.isSameNode(base); current = current.parent) {
    steps.push(current.name + siblingIndex(current));
  }
  return steps.length === 0 ? '' : `/${steps.reverse().join('/')}`;
}

function siblingIndex(element: XmlElement): string {
  let before = 0;
  let after = 0;
  for (let node = element.prev; node !== null; node = node.prev) {
    if (node instanceof XmlElement && node.name === element.name) before += 1;
  }
  for (let node = element.next; node !== null && after === 0; node = node.next) {
    if (node instanceof XmlElement && node.name === element.name) after += 1;
  }
  return before + after === 0 ? '' : `[${before + 1}]`;
}

/**
 * Copy an element out of WASM memory. libxml2-wasm's public node API allocates a wrapper per
 * node and per string, ~15x slower than reading its struct accessors directly (~600 ms vs
 * ~40 ms for 1,000 demandes); so when those internals are present we use them, and the public
 * API otherwise (same result, checked by test/lot/schema.test.ts).
 */
function toPlain(element: XmlElement): PlainElement {
  const pointer = (element as unknown as { _nodePtr?: unknown })._nodePtr;
  return RAW_ACCESS && typeof pointer === 'number' ? toPlainRaw(pointer) : toPlainPublic(element);
}

const RAW_ACCESS =
  typeof NodeStruct?.children === 'function' &&
  typeof NodeStruct.next === 'function' &&
  typeof NodeStruct.type === 'function' &&
  typeof NodeStruct.name_ === 'function' &&
  typeof NodeStruct.properties === 'function' &&
  typeof NodeStruct.line === 'function' &&
  typeof nodeContent === 'function';

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_NODE = 4;

function toPlainRaw(pointer: number): PlainElement {
  const children: PlainElement[] = [];
  let text = '';
  for (let node = NodeStruct.children(pointer); node !== 0; node = NodeStruct.next(node)) {
    const type = NodeStruct.type(node);
    if (type === ELEMENT_NODE) children.push(toPlainRaw(node));
    // Text between child elements is indentation: only a leaf's text is read.
    else if ((type === TEXT_NODE || type === CDATA_NODE) && children.length === 0) text += nodeContent(node);
  }
  const attributes: Record<string, string> = {};
  for (let attribute = NodeStruct.properties(pointer); attribute !== 0; attribute = NodeStruct.next(attribute)) {
    attributes[NodeStruct.name_(attribute)] = nodeContent(attribute);
  }
  return { name: NodeStruct.name_(pointer), line: NodeStruct.line(pointer), attributes, children, text: children.length > 0 ? '' : text };
}

/** The same copy through the public API (fallback, and the reference in tests). */
function toPlainPublic(element: XmlElement): PlainElement {
  const children: PlainElement[] = [];
  let text = '';
  for (let node = element.firstChild; node !== null; node = node.next) {
    if (node instanceof XmlElement) children.push(toPlainPublic(node));
    else if ((node instanceof XmlText || node instanceof XmlCData) && children.length === 0) text += node.content;
  }
  const attributes: Record<string, string> = {};
  for (const attribute of element.attrs) attributes[attribute.name] = attribute.value;
  return { name: element.name, line: element.line, attributes, children, text: children.length > 0 ? '' : text };
}

/** Validate a whole document against the lot XSD (tests, tools): parse errors or schema errors. */
export function validateDocument(bytes: Uint8Array): { readonly wellFormed: boolean; readonly errors: readonly XmlDiagnostic[] } {
  const parsed = parseXml(bytes);
  if (!parsed.ok) return { wellFormed: false, errors: parsed.errors };
  try {
    return { wellFormed: true, errors: parsed.xml.validate() };
  } finally {
    parsed.xml.dispose();
  }
}

/** @internal For tests: the root copied by both walkers, which must agree. */
export function copyRootBothWays(bytes: Uint8Array): { readonly fast: PlainElement; readonly reference: PlainElement } {
  const doc = XmlDocument.fromBuffer(bytes);
  try {
    return { fast: toPlain(doc.root), reference: toPlainPublic(doc.root) };
  } finally {
    doc.dispose();
  }
}
