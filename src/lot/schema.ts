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
// Internals of the same module instance (not a second copy): struct accessors for the fast copy,
// and the raw validation calls, so that errors are collected by our own bounded handler.
import * as libxml2 from 'libxml2-wasm/lib/libxml2.mjs';

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
  /**
   * Validate this element alone against the schema (it must be a global element there): at most
   * `limit` diagnostics, one per node and attribute, the first libxml2 reports.
   */
  readonly validate: (basePath: string, limit: number) => readonly XmlDiagnostic[];
  readonly toPlain: () => PlainElement;
}

export interface ParsedXml {
  readonly rootName: string;
  readonly rootNamespace: string;
  readonly rootAttributes: readonly { readonly name: string; readonly namespace: string; readonly value: string }[];
  /** True when the root holds text other than whitespace between its children. */
  readonly rootHasText: boolean;
  readonly rootChildren: readonly RootChild[];
  /** Validate the whole document at once (the fast path); diagnostics are not located. */
  readonly validate: (limit: number) => readonly XmlDiagnostic[];
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
    validate: (limit) => validateAgainstSchema(doc, undefined, '/lot', limit),
    dispose: () => doc.dispose(),
  };
}

function rootChild(element: XmlElement): RootChild {
  return {
    name: element.name,
    namespace: element.namespaceUri,
    attribute: (name) => element.attr(name)?.value,
    validate: (basePath, limit) => validateAgainstSchema(element, element, basePath, limit),
    toPlain: () => toPlain(element),
  };
}

/**
 * Validate `target`; diagnostics under `base` are located from it. Each diagnostic costs a walk
 * up its node's ancestors and along their siblings, so only the first `limit` are kept and
 * located: a demande with 20,000 faulty elements costs one validation, not 20,000 walks
 * (libxml2-wasm's own handler also builds libxml2's node path for every error, quadratic too).
 */
function validateAgainstSchema(target: XmlDocument | XmlElement, base: XmlElement | undefined, basePath: string, limit: number): readonly XmlDiagnostic[] {
  const targetPointer = pointerOf(target);
  const schemaPointer = (lotValidator() as unknown as { _ptr?: unknown })._ptr;
  const basePointer = base === undefined ? undefined : pointerOf(base);
  if (RAW_VALIDATION && typeof targetPointer === 'number' && typeof schemaPointer === 'number' && basePointer !== null) {
    return validateRaw(target instanceof XmlDocument, targetPointer, schemaPointer, basePointer, basePath, limit);
  }
  return validatePublic(target, base, basePath, limit);
}

function pointerOf(target: XmlDocument | XmlElement): number | null {
  const pointer = target instanceof XmlDocument ? (target as unknown as { _ptr?: unknown })._ptr : (target as unknown as { _nodePtr?: unknown })._nodePtr;
  return typeof pointer === 'number' ? pointer : null;
}

/** The same validation through libxml2-wasm's public API (fallback, and the reference in tests). */
function validatePublic(target: XmlDocument | XmlElement, base: XmlElement | undefined, basePath: string, limit: number): readonly XmlDiagnostic[] {
  try {
    if (target instanceof XmlDocument) lotValidator().validate(target);
    else lotValidator().validate(target);
    return [];
  } catch (error) {
    if (!(error instanceof XmlError)) throw error;
    const details = error instanceof XmlLibError ? error.details : [];
    // Invalid must never read as valid: an error without details still counts as one.
    if (details.length === 0) return [{ line: 0, column: 0, message: error.message.trim(), path: basePath }];
    const located: XmlDiagnostic[] = [];
    const seen = new Set<string>();
    for (const detail of details) {
      const key = `${detail.xpath ?? ''}|${attributeIn(detail.message) ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      located.push(locate(detail, base, basePath));
      if (located.length >= limit) break;
    }
    return located;
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
const LENGTH_FACET = /\[facet '(?:minLength|maxLength|length)'\]/;
const MAX_VALUE_LENGTH = 200;

function attributeIn(message: string): string | undefined {
  const named = ATTRIBUTE_IN_MESSAGE.exec(message.trim());
  return named?.[1] ?? named?.[2];
}

function valueIn(message: string): string | undefined {
  const quoted = VALUE_IN_MESSAGE.exec(message);
  return quoted?.[1] ?? quoted?.[2];
}

function diagnostic(line: number, column: number, message: string, path: string, attribute: string | undefined, value: string | undefined): XmlDiagnostic {
  const located = { line, column, message, path: attribute === undefined ? path : `${path}/@${attribute}` };
  return value === undefined ? located : { ...located, value: value.slice(0, MAX_VALUE_LENGTH) };
}

/**
 * Turn libxml2's node path into ours. libxml2 cannot name elements of a default namespace and
 * writes `/*\/*[2]/*…` (positions among element siblings); we walk those positions from the
 * validated element and name each step, indexing only repeated names (always `demande`).
 */
function locate(detail: ErrorDetail, base: XmlElement | undefined, basePath: string): XmlDiagnostic {
  const message = detail.message.trim();
  const attribute = attributeIn(message);
  let value = valueIn(message);
  let path = basePath;
  if (base !== undefined && detail.xpath !== undefined) {
    const node = resolve(base, detail.xpath.split('/').slice(3));
    if (node !== undefined) {
      path = basePath + relativePath(base, node);
      if (value === undefined && LENGTH_FACET.test(message)) {
        value = attribute !== undefined ? node.attr(attribute)?.value : node.content;
      }
    }
  }
  return diagnostic(detail.line, detail.col, message, path, attribute, value);
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

// The raw path: libxml2-wasm's internals (struct accessors, validation calls, `addFunction`).
const NodeStruct = libxml2.XmlNodeStruct;
const ErrorStruct = libxml2.XmlErrorStruct;
const nodeContent = libxml2.xmlNodeGetContent;
const addFunction = (libxml2 as unknown as { addFunction?: (handler: (data: number, error: number) => void, signature: string) => number }).addFunction;

const RAW_ACCESS =
  typeof NodeStruct?.children === 'function' &&
  typeof NodeStruct.next === 'function' &&
  typeof NodeStruct.type === 'function' &&
  typeof NodeStruct.name_ === 'function' &&
  typeof NodeStruct.properties === 'function' &&
  typeof NodeStruct.line === 'function' &&
  typeof nodeContent === 'function';

const RAW_VALIDATION =
  RAW_ACCESS &&
  typeof NodeStruct.parent === 'function' &&
  typeof NodeStruct.prev === 'function' &&
  typeof ErrorStruct?.message === 'function' &&
  typeof ErrorStruct.line === 'function' &&
  typeof ErrorStruct.col === 'function' &&
  typeof ErrorStruct.node === 'function' &&
  typeof addFunction === 'function' &&
  typeof libxml2.xmlSchemaNewValidCtxt === 'function' &&
  typeof libxml2.xmlSchemaSetValidStructuredErrors === 'function' &&
  typeof libxml2.xmlSchemaValidateDoc === 'function' &&
  typeof libxml2.xmlSchemaValidateOneElement === 'function' &&
  typeof libxml2.xmlSchemaFreeValidCtxt === 'function';

const ELEMENT_NODE = 1;
const ATTRIBUTE_NODE = 2;
const TEXT_NODE = 3;
const CDATA_NODE = 4;

interface RawDiagnostic {
  readonly message: string;
  readonly line: number;
  readonly column: number;
  /** The element (or attribute) libxml2 named, 0 when none. */
  readonly node: number;
  readonly attribute: string | undefined;
}

/** Where the handler puts what one validation reports; validation is synchronous, so one at a time. */
let sink: { readonly limit: number; readonly seen: Set<string>; readonly found: RawDiagnostic[]; errors: number } | undefined;

let rawHandler: number | undefined;

/** Registered once: keeps the first `limit` diagnostics of distinct node and attribute, counts the rest. */
function errorHandler(): number {
  rawHandler ??= (addFunction as NonNullable<typeof addFunction>)((_data, error) => {
    const into = sink;
    if (into === undefined) return;
    into.errors += 1;
    if (into.found.length >= into.limit) return;
    const message = ErrorStruct.message(error).trim();
    const node = ErrorStruct.node(error);
    const attribute = attributeIn(message);
    const key = `${node}|${attribute ?? ''}`;
    if (into.seen.has(key)) return;
    into.seen.add(key);
    into.found.push({ message, line: ErrorStruct.line(error), column: ErrorStruct.col(error), node, attribute });
  }, 'vii');
  return rawHandler;
}

function validateRaw(isDocument: boolean, target: number, schema: number, base: number | undefined, basePath: string, limit: number): readonly XmlDiagnostic[] {
  const context = libxml2.xmlSchemaNewValidCtxt(schema);
  if (context === 0) throw new XmlError('libxml2: no schema validation context');
  const into = { limit, seen: new Set<string>(), found: [] as RawDiagnostic[], errors: 0 };
  let result: number;
  sink = into;
  try {
    libxml2.xmlSchemaSetValidStructuredErrors(context, errorHandler(), 0);
    result = isDocument ? libxml2.xmlSchemaValidateDoc(context, target) : libxml2.xmlSchemaValidateOneElement(context, target);
  } finally {
    sink = undefined;
    libxml2.xmlSchemaFreeValidCtxt(context);
  }
  if (result < 0) throw new XmlError('libxml2: invalid input or internal error during validation');
  if (result === 0) return [];
  // Invalid must never read as valid: an error without details still counts as one.
  if (into.found.length === 0) return [{ line: 0, column: 0, message: 'Invalid document', path: basePath }];
  return into.found.map((raw) => locateRaw(raw, base, basePath));
}

function locateRaw(raw: RawDiagnostic, base: number | undefined, basePath: string): XmlDiagnostic {
  let value = valueIn(raw.message);
  let path = basePath;
  const element = raw.node !== 0 && NodeStruct.type(raw.node) === ATTRIBUTE_NODE ? NodeStruct.parent(raw.node) : raw.node;
  const relative = base === undefined || element === 0 ? undefined : rawRelativePath(base, element);
  if (relative !== undefined) {
    path = basePath + relative;
    if (value === undefined && LENGTH_FACET.test(raw.message)) {
      value = raw.attribute !== undefined ? rawAttribute(element, raw.attribute) : nodeContent(element);
    }
  }
  return diagnostic(raw.line, raw.column, raw.message, path, raw.attribute, value);
}

/** `/a/b[2]/c` from `base` (excluded) down to `node`; undefined when `node` is not below `base`. */
function rawRelativePath(base: number, node: number): string | undefined {
  const steps: string[] = [];
  for (let current = node; current !== base; current = NodeStruct.parent(current)) {
    if (current === 0 || NodeStruct.type(current) !== ELEMENT_NODE) return undefined;
    steps.push(NodeStruct.name_(current) + rawSiblingIndex(current));
  }
  return steps.length === 0 ? '' : `/${steps.reverse().join('/')}`;
}

function rawSiblingIndex(element: number): string {
  const name = NodeStruct.name_(element);
  const same = (node: number): boolean => NodeStruct.type(node) === ELEMENT_NODE && NodeStruct.name_(node) === name;
  let before = 0;
  for (let node = NodeStruct.prev(element); node !== 0; node = NodeStruct.prev(node)) if (same(node)) before += 1;
  if (before > 0) return `[${before + 1}]`;
  for (let node = NodeStruct.next(element); node !== 0; node = NodeStruct.next(node)) if (same(node)) return '[1]';
  return '';
}

function rawAttribute(element: number, name: string): string | undefined {
  for (let attribute = NodeStruct.properties(element); attribute !== 0; attribute = NodeStruct.next(attribute)) {
    if (NodeStruct.name_(attribute) === name) return nodeContent(attribute);
  }
  return undefined;
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
    return { wellFormed: true, errors: parsed.xml.validate(Number.POSITIVE_INFINITY) };
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

/** @internal For tests: each child of the root validated by both ways, which must agree. */
export function validateChildrenBothWays(bytes: Uint8Array, limit: number): { readonly fast: XmlDiagnostic[][]; readonly reference: XmlDiagnostic[][] } {
  const doc = XmlDocument.fromBuffer(bytes);
  try {
    const children: XmlElement[] = [];
    for (let node = doc.root.firstChild; node !== null; node = node.next) if (node instanceof XmlElement) children.push(node);
    return {
      fast: children.map((child, i) => [...validateAgainstSchema(child, child, `/lot/*[${i + 1}]`, limit)]),
      reference: children.map((child, i) => [...validatePublic(child, child, `/lot/*[${i + 1}]`, limit)]),
    };
  } finally {
    doc.dispose();
  }
}
