/**
 * Hostile-input XML parsing: bytes in, a small namespace-aware element tree out, or one finding saying
 * why not. Metadata arrives from the network and from users, so nothing is trusted until every gate
 * below has passed (saml-metadata-checks.md §3 items 2-5, 24, 25; §4 for the parser settings):
 *
 * 1. a byte cap before anything else; 2. strict UTF-8 (one BOM stripped; UTF-16/32 and other declared
 * encodings refused by name); 3. HTML/JSON/plain-text bodies recognised and named; 4. any DOCTYPE or
 * ENTITY declaration refused by a pre-scan, so no parser ever sees one; 5. fast-xml-parser's validator for
 * tag balance; 6. our own tree builder for what that validator misses: one root element, no undefined
 * entity references (without a DTD only the five predefined ones and character references exist),
 * resolvable namespace prefixes, unique attributes, a depth cap. Entity and character references are
 * decoded here (the parser's entity processing is off), so their meaning cannot depend on parser options.
 *
 * fast-xml-parser is loaded through its CommonJS bundle: its ESM entry loads ~40 files (~76 ms), the
 * bundle one (~15 ms), and `metadata check` must start fast.
 */
import { XMLParser, XMLValidator, type X2jOptions } from 'fast-xml-parser';
import type { FindingCode } from './findings.js';

export const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';
export const XMLNS_NAMESPACE = 'http://www.w3.org/2000/xmlns/';

/** Google accepts metadata up to 128K characters; Entra's largest real documents are ~20 KB. */
export const DEFAULT_MAX_BYTES = 256 * 1024;
/** No caller may raise the cap beyond this: the parsers' cost grows with size (§4: 50 MB = 1.7 s). */
export const MAX_BYTES_CEILING = 1024 * 1024;
/** Metadata nests ~8 deep (EntityDescriptor/IDPSSODescriptor/KeyDescriptor/KeyInfo/X509Data/…). */
export const DEFAULT_MAX_DEPTH = 64;
/**
 * Elements, attributes, comments and processing instructions one document may hold (a pre-scan
 * counts them before any parser runs). Real metadata for one IdP has under 300, a 140 KB federation
 * aggregate ~2,000. The byte cap alone lets 60,000 empty elements or 24,000 attributes through,
 * which cost the parsers ~1 s; this bounds them to ~0.2 s.
 */
export const MAX_MARKUP_ITEMS = 10_000;

export interface XmlAttribute {
  readonly namespaceUri: string | null;
  readonly localName: string;
  readonly qualifiedName: string;
  readonly value: string;
}

export interface XmlElement {
  readonly kind: 'element';
  readonly namespaceUri: string | null;
  readonly localName: string;
  readonly qualifiedName: string;
  /** Namespace declarations (`xmlns`, `xmlns:*`) are not listed here. */
  readonly attributes: readonly XmlAttribute[];
  readonly children: readonly XmlNode[];
  /** 1-based line of the start tag, for messages. */
  readonly line: number;
}

export interface XmlText {
  readonly kind: 'text';
  readonly value: string;
}

export interface XmlComment {
  readonly kind: 'comment';
  readonly value: string;
}

export type XmlNode = XmlElement | XmlText | XmlComment;

export interface XmlDocument {
  readonly root: XmlElement;
  /**
   * The decoded document text (BOM removed, line ends normalised): exactly what was parsed, and what
   * the signature verifier and the schema validator must see, so all readers agree on one input.
   */
  readonly text: string;
  /**
   * Every node a DOM parser builds for this text: elements, attributes (namespace declarations
   * included), text and CDATA runs, comments and processing instructions, inside and outside the
   * root. What a DOM-based verifier's cost grows with (signature.ts caps it).
   */
  readonly nodeCount: number;
}

export interface XmlLimits {
  maxBytes?: number;
  maxDepth?: number;
}

/** A document refused at the XML layer: one finding, since nothing after it can be trusted. */
export interface XmlRejection {
  readonly ok: false;
  readonly code: FindingCode;
  readonly message: string;
}

export type XmlParseResult = { readonly ok: true; readonly document: XmlDocument } | XmlRejection;

/** Parses untrusted bytes (or text) into an element tree. Never throws on bad input. */
export function parseXmlDocument(input: Uint8Array | string, limits: XmlLimits = {}): XmlParseResult {
  const maxBytes = Math.min(limits.maxBytes ?? DEFAULT_MAX_BYTES, MAX_BYTES_CEILING);
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  const decoded = decodeDocumentText(input, maxBytes);
  if (!decoded.ok) return decoded;
  return parseXmlText(decoded.text, { maxDepth });
}

/**
 * Parses text that is already decoded and within size (every gate but 1-2). Also used to re-read the
 * canonical XML a signature verifier hashed, which may be larger than the original.
 */
export function parseXmlText(text: string, limits: { maxDepth?: number } = {}): XmlParseResult {
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  const rejected = sniffNonXml(text) ?? scanDeclarations(text) ?? scanXmlDeclaration(text) ?? scanCharacters(text) ?? scanMarkupCount(text);
  if (rejected) return rejected;
  try {
    const { root, nodeCount } = buildTree(text, maxDepth);
    return { ok: true, document: { root, text, nodeCount } };
  } catch (error) {
    if (error instanceof XmlSyntaxError) return reject(error.code, error.message);
    throw error;
  }
}

/** Bytes to text, refusing anything but UTF-8 (items 2, 3). */
function decodeDocumentText(input: Uint8Array | string, maxBytes: number = DEFAULT_MAX_BYTES): { ok: true; text: string } | XmlRejection {
  const cap = Math.min(maxBytes, MAX_BYTES_CEILING);
  let text: string;
  if (typeof input === 'string') {
    const size = Buffer.byteLength(input, 'utf8');
    if (size > cap) return tooLarge(size, cap);
    text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  } else {
    if (input.byteLength > cap) return tooLarge(input.byteLength, cap);
    if (input.byteLength === 0) return reject('INPUT_EMPTY', 'The document is empty (0 bytes).');
    const wide = wideEncodingOf(input);
    if (wide) {
      return reject(
        'XML_ENCODING_UNSUPPORTED',
        `The document is encoded as ${wide}; only UTF-8 is accepted. Convert it first, e.g. \`iconv -f ${wide} -t UTF-8\`.`,
      );
    }
    let bytes = input;
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch {
      const at = firstInvalidUtf8(bytes);
      const declared = declaredEncoding(new TextDecoder('latin1').decode(bytes.subarray(0, 200)));
      const which = declared ? ` (it declares encoding "${declared}")` : '';
      return reject(
        'XML_INVALID_UTF8',
        `The document is not valid UTF-8${which}: byte 0x${(bytes[at] ?? 0).toString(16).padStart(2, '0')} at offset ${at}. Only UTF-8 is accepted; convert it first.`,
      );
    }
  }
  if (text.trim() === '') return reject('INPUT_EMPTY', 'The document is empty (whitespace only).');
  // XML 1.0 §2.11: parsers see every line end as LF. Doing it once here keeps offsets and line
  // numbers identical for every reader of `text`.
  return { ok: true, text: text.replace(/\r\n?/g, '\n') };
}

function tooLarge(size: number, cap: number): XmlRejection {
  return reject('INPUT_TOO_LARGE', `The document is over the ${formatBytes(cap)} size limit (at least ${size} bytes); SAML metadata for one IdP or SP is a few KiB.`);
}

function formatBytes(n: number): string {
  return n >= 1024 && n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`;
}

/** UTF-16/UTF-32, with or without a byte order mark (XML 1.0 Appendix F). */
function wideEncodingOf(b: Uint8Array): string | undefined {
  const [b0, b1, b2, b3] = [b[0], b[1], b[2], b[3]];
  if (b0 === 0x00 && b1 === 0x00 && b2 === 0xfe && b3 === 0xff) return 'UTF-32BE';
  if (b0 === 0xff && b1 === 0xfe && b2 === 0x00 && b3 === 0x00) return 'UTF-32LE';
  if (b0 === 0xfe && b1 === 0xff) return 'UTF-16BE';
  if (b0 === 0xff && b1 === 0xfe) return 'UTF-16LE';
  if (b0 === 0x00 && b1 === 0x3c) return 'UTF-16BE';
  if (b0 === 0x3c && b1 === 0x00) return b2 === 0x00 ? 'UTF-32LE' : 'UTF-16LE';
  return undefined;
}

/** Offset of the first byte that does not start a valid UTF-8 sequence (RFC 3629 §4). */
function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const need = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (need === 0) return i;
    // The second byte's range excludes overlong forms, surrogates and code points past U+10FFFF.
    const low = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const high = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    const second = b[i + 1];
    if (second === undefined || second < low || second > high) return i;
    for (let k = 2; k <= need; k++) {
      const next = b[i + k];
      if (next === undefined || next < 0x80 || next > 0xbf) return i;
    }
    i += need + 1;
  }
  return 0;
}

function declaredEncoding(head: string): string | undefined {
  const decl = /^<\?xml\s[^?]*?\bencoding\s*=\s*(["'])([^"']*)\1/.exec(head);
  return decl?.[2];
}

/** HTML error pages, JSON error bodies and plain text get a message that names what they are. */
function sniffNonXml(text: string): XmlRejection | undefined {
  const head = text.trimStart();
  if (head.startsWith('{') || head.startsWith('[')) {
    return reject('INPUT_JSON', `The document is JSON, not XML${jsonErrorSummary(head)}. Expected SAML metadata (an <EntityDescriptor> XML document).`);
  }
  const start = afterProlog(head);
  const first = head.slice(start, start + 15);
  if (/^<!doctype\s+html\b/i.test(first) || /^<html[\s>]/i.test(first)) {
    const title = /<title[^>]*>([^<]{0,120})/i.exec(head)?.[1]?.trim();
    return reject(
      'INPUT_HTML',
      `The document is an HTML page${title ? ` ("${title}")` : ''}, not SAML metadata: the URL or file is probably a login or error page.`,
    );
  }
  if (!head.startsWith('<')) {
    return reject('INPUT_NOT_XML', `The document is not XML: it starts with "${printable(head, 40)}".`);
  }
  return undefined;
}

/** Index of the first thing after the XML declaration, comments, processing instructions and whitespace. */
function afterProlog(text: string): number {
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    const close = text.startsWith('<!--', i) ? text.indexOf('-->', i + 4) : text.startsWith('<?', i) ? text.indexOf('?>', i + 2) : -2;
    if (close === -2) return i;
    if (close < 0) return text.length;
    i = close + (text[close] === '-' ? 3 : 2);
  }
}

function jsonErrorSummary(text: string): string {
  try {
    const body = JSON.parse(text) as unknown;
    if (body && typeof body === 'object' && !Array.isArray(body)) {
      const b = body as Record<string, unknown>;
      const parts = [b.statusCode, b.error, b.message, b.error_description].filter((v) => typeof v === 'string' || typeof v === 'number');
      if (parts.length > 0) return ` (it says: ${printable(parts.join(' '), 160)})`;
    }
  } catch {
    // Not even valid JSON; the start of it is enough to recognise.
  }
  return '';
}

/** Item 4: refused before parsing, whatever a parser would do with it (entity expansion, XXE, SSRF). */
function scanDeclarations(text: string): XmlRejection | undefined {
  const m = /<!\s*(DOCTYPE|ENTITY)/i.exec(text);
  if (!m) return undefined;
  return reject(
    'XML_DOCTYPE_FORBIDDEN',
    `The document contains a ${m[1]!.toUpperCase()} declaration (line ${lineAt(text, m.index)}); DTDs and entity declarations are refused because they enable entity-expansion and external-entity attacks.`,
  );
}

function scanXmlDeclaration(text: string): XmlRejection | undefined {
  if (!text.startsWith('<?xml')) {
    if (/^\s+<\?xml[\s?]/.test(text)) {
      return reject('XML_MALFORMED', 'The XML declaration must be at the very start of the document; here whitespace precedes it. Remove the leading blank lines.');
    }
    return undefined;
  }
  const end = text.indexOf('?>');
  const decl = end < 0 ? text : text.slice(0, end);
  const version = /\bversion\s*=\s*(["'])([^"']*)\1/.exec(decl)?.[2];
  if (version !== undefined && version !== '1.0') {
    return reject('XML_MALFORMED', `The XML declaration says version "${printable(version)}"; only XML 1.0 is accepted.`);
  }
  const encoding = declaredEncoding(decl);
  if (encoding !== undefined && !/^utf-?8$/i.test(encoding) && !(/^(us-)?ascii$/i.test(encoding) && /^[\x00-\x7f]*$/.test(text))) {
    return reject(
      'XML_ENCODING_UNSUPPORTED',
      `The XML declaration says encoding "${printable(encoding)}"; only UTF-8 is accepted. Convert the file to UTF-8 and change the declaration to encoding="UTF-8".`,
    );
  }
  return undefined;
}

/** XML 1.0 §2.2 Char: no C0 controls except tab, LF, CR; no U+FFFE/U+FFFF. */
function scanCharacters(text: string): XmlRejection | undefined {
  const m = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.exec(text);
  if (!m) return undefined;
  const code = m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  return reject('XML_MALFORMED', `The document contains the character U+${code}, which XML does not allow (line ${lineAt(text, m.index)}).`);
}

/**
 * Counts every `<` that does not start an end tag and every `=` before a quote: an upper bound of
 * the elements, comments, processing instructions and attributes, found without parsing.
 */
function scanMarkupCount(text: string): XmlRejection | undefined {
  const item = /<(?!\/)|=[ \t\n]*["']/g;
  let count = 0;
  for (let m = item.exec(text); m; m = item.exec(text)) {
    if (++count > MAX_MARKUP_ITEMS) {
      return reject(
        'XML_TOO_MANY_NODES',
        `The document has more than ${MAX_MARKUP_ITEMS.toLocaleString('en-US')} elements, attributes, comments and processing instructions (line ${lineAt(text, m.index)}); SAML metadata for one IdP or SP has a few hundred.`,
      );
    }
  }
  return undefined;
}

class XmlSyntaxError extends Error {
  constructor(
    readonly code: FindingCode,
    message: string,
  ) {
    super(message);
  }
}

/** Element names that are special in JavaScript objects; fast-xml-parser refuses them, we keep them inert. */
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);
const RESERVED_MARK = '#';

function parserOptions(maxDepth: number): X2jOptions {
  return {
    preserveOrder: true,
    captureMetaData: true,
    ignoreAttributes: false,
    // Never '': with a prefix, attribute names such as __proto__ stay ordinary keys (§4).
    attributeNamePrefix: '@_',
    removeNSPrefix: false,
    allowBooleanAttributes: false,
    // References are decoded by us (decodeReferences); the limits are set anyway because the
    // library's documented and actual defaults disagree (§4), so nothing depends on them.
    processEntities: { enabled: false, maxEntityCount: 1, maxEntitySize: 1, maxExpansionDepth: 1, maxTotalExpansions: 1, maxExpandedLength: 1 },
    htmlEntities: false,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    commentPropName: '#comment',
    cdataPropName: '#cdata',
    textNodeName: '#text',
    maxNestedTags: maxDepth + 1,
    strictReservedNames: true,
    jPath: true,
    // The library renames `toString`-like names by default; a renamed element would be a parser
    // differential, and our own code never uses these objects as prototypes, so keep names as written.
    onDangerousProperty: (name: string) => name,
    transformTagName: (name: string) => (RESERVED_NAMES.has(name) ? RESERVED_MARK + name : name),
  };
}

type FxpNode = Record<string, unknown>;

function buildTree(text: string, maxDepth: number): { root: XmlElement; nodeCount: number } {
  const valid = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (valid !== true) throw validatorError(text, valid.err);

  let top: FxpNode[];
  try {
    top = new XMLParser(parserOptions(maxDepth)).parse(text) as FxpNode[];
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/nested tags/i.test(message)) {
      throw new XmlSyntaxError('XML_TOO_DEEP', `The document nests elements more than ${maxDepth} deep.`);
    }
    throw new XmlSyntaxError('XML_MALFORMED', `The document is not well-formed XML: ${printable(message)}.`);
  }

  const meta = XMLParser.getMetaDataSymbol() as unknown as symbol;
  const lines = lineIndex(text);
  const roots = top.filter((n) => isElementKey(nodeName(n)));
  if (roots.length > 1) {
    const second = positionOf(roots[1]!, meta);
    throw new XmlSyntaxError(
      'XML_MULTIPLE_ROOTS',
      `The document has ${roots.length} root elements (the second starts on line ${lines(second?.startIndex ?? 0)}); XML allows exactly one.`,
    );
  }
  const rootNode = roots[0];
  if (!rootNode) throw new XmlSyntaxError('INPUT_NOT_XML', 'The document has no root element.');
  const where = positionOf(rootNode, meta);
  if (where) {
    checkMisc(text, 0, where.startIndex, 'before', lines);
    if (where.endIndex !== undefined) checkMisc(text, where.endIndex, text.length, 'after', lines);
  }

  const scope = new Map<string, string | null>([
    ['xml', XML_NAMESPACE],
    ['xmlns', XMLNS_NAMESPACE],
  ]);
  // The root and the comments, processing instructions and whitespace around it; each element
  // then adds its attributes and children.
  const ctx: BuildContext = { maxDepth, meta, lines, nodeCount: top.length };
  const root = buildElement(rootNode, scope, 1, ctx);
  return { root, nodeCount: ctx.nodeCount };
}

function validatorError(text: string, err: { code: string; msg: string; line: number; col?: number }): XmlSyntaxError {
  const unclosed = /^Invalid '\[(.*)\]' found\.$/s.exec(err.msg);
  if (unclosed || /^Unclosed tag/.test(err.msg) || !text.trimEnd().endsWith('>')) {
    const names = unclosed ? [...unclosed[1]!.matchAll(/"([^"]+)"/g)].map((m) => `<${m[1]}>`) : [];
    const open = names.length > 0 ? `: ${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} never closed` : '';
    return new XmlSyntaxError('XML_TRUNCATED', `The document ends before it is complete${open}; it looks truncated (an interrupted download or a partial copy).`);
  }
  if (/multiple possible root/i.test(err.msg)) {
    return new XmlSyntaxError('XML_MULTIPLE_ROOTS', `The document has more than one root element (the second near line ${err.line}); XML allows exactly one.`);
  }
  const at = err.col === undefined ? `line ${err.line}` : `line ${err.line}, column ${err.col}`;
  return new XmlSyntaxError('XML_MALFORMED', `The document is not well-formed XML (${at}): ${printable(err.msg)}`);
}

/** Between the root element and either end only whitespace, comments and processing instructions may appear. */
function checkMisc(text: string, from: number, to: number, side: 'before' | 'after', lines: (i: number) => number): void {
  let i = from;
  while (i < to) {
    const c = text[i]!;
    if (c === ' ' || c === '\n' || c === '\t' || c === '\r') {
      i++;
    } else if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0 || end >= to) break;
      i = end + 3;
    } else if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2);
      if (end < 0 || end >= to) break;
      i = end + 2;
    } else {
      break;
    }
  }
  if (i >= to) return;
  if (side === 'after' && /^<[A-Za-z_:\u00c0-\uffff]/.test(text.slice(i, i + 2))) {
    throw new XmlSyntaxError('XML_MULTIPLE_ROOTS', `The document has a second root element on line ${lines(i)}; XML allows exactly one.`);
  }
  throw new XmlSyntaxError(
    'XML_MALFORMED',
    `The document has content ${side} its root element (line ${lines(i)}: "${printable(text.slice(i, i + 30))}"); only comments and whitespace may appear there.`,
  );
}

interface BuildContext {
  maxDepth: number;
  meta: symbol;
  lines: (index: number) => number;
  nodeCount: number;
}

function buildElement(node: FxpNode, parentScope: Map<string, string | null>, depth: number, ctx: BuildContext): XmlElement {
  if (depth > ctx.maxDepth) throw new XmlSyntaxError('XML_TOO_DEEP', `The document nests elements more than ${ctx.maxDepth} deep.`);
  const key = nodeName(node);
  const qualifiedName = key.startsWith(RESERVED_MARK) ? key.slice(1) : key;
  const line = ctx.lines(positionOf(node, ctx.meta)?.startIndex ?? 0);
  const raw = (node[':@'] ?? null) as Record<string, unknown> | null;
  const childNodes = (node[key] ?? []) as FxpNode[];
  ctx.nodeCount += (raw ? Object.keys(raw).length : 0) + childNodes.length;

  // Namespace declarations first: they apply to the element's own name and attributes.
  let scope = parentScope;
  const plain: { name: string; value: string }[] = [];
  if (raw) {
    for (const attrKey of Object.keys(raw)) {
      const name = attrKey.slice(2);
      const value = decodeReferences(String(raw[attrKey]), true, line);
      if (name === 'xmlns' || name.startsWith('xmlns:')) {
        if (scope === parentScope) scope = new Map(parentScope);
        declareNamespace(scope, name, value, line);
      } else {
        plain.push({ name, value });
      }
    }
  }

  const [prefix, localName] = splitName(qualifiedName, line);
  const namespaceUri = prefix === null ? (scope.get('') ?? null) : resolvePrefix(scope, prefix, qualifiedName, line);
  const attributes: XmlAttribute[] = [];
  const seen = new Set<string>();
  for (const { name, value } of plain) {
    const [attrPrefix, attrLocal] = splitName(name, line);
    const attrNs = attrPrefix === null ? null : resolvePrefix(scope, attrPrefix, name, line);
    const expanded = `${attrNs ?? ''}\u0000${attrLocal}`;
    if (seen.has(expanded)) {
      throw new XmlSyntaxError('XML_MALFORMED', `The element <${qualifiedName}> on line ${line} has the attribute ${attrLocal} twice (through two prefixes for one namespace).`);
    }
    seen.add(expanded);
    attributes.push({ namespaceUri: attrNs, localName: attrLocal, qualifiedName: name, value });
  }

  const children: XmlNode[] = [];
  for (const child of childNodes) {
    const childKey = nodeName(child);
    if (childKey === '#text') {
      const raw = String(child['#text']);
      if (raw.includes(']]>')) throw new XmlSyntaxError('XML_MALFORMED', `The text of <${qualifiedName}> (line ${line}) contains "]]>", which XML does not allow outside CDATA.`);
      children.push({ kind: 'text', value: decodeReferences(raw, false, line) });
    } else if (childKey === '#cdata') {
      children.push({ kind: 'text', value: innerText(child['#cdata']) });
    } else if (childKey === '#comment') {
      const value = innerText(child['#comment']);
      if (value.includes('--') || value.endsWith('-')) {
        throw new XmlSyntaxError('XML_MALFORMED', `A comment inside <${qualifiedName}> (line ${line}) contains "--", which XML does not allow.`);
      }
      children.push({ kind: 'comment', value });
    } else if (childKey.startsWith('?')) {
      // Processing instructions carry nothing metadata needs.
    } else {
      children.push(buildElement(child, scope, depth + 1, ctx));
    }
  }
  return { kind: 'element', namespaceUri, localName, qualifiedName, attributes, children, line };
}

function declareNamespace(scope: Map<string, string | null>, name: string, value: string, line: number): void {
  if (name === 'xmlns') {
    if (value === XML_NAMESPACE || value === XMLNS_NAMESPACE) {
      throw new XmlSyntaxError('XML_MALFORMED', `Line ${line} binds the default namespace to the reserved name ${value}.`);
    }
    scope.set('', value === '' ? null : value);
    return;
  }
  const prefix = name.slice('xmlns:'.length);
  if (prefix === '' || prefix.includes(':')) throw new XmlSyntaxError('XML_MALFORMED', `Line ${line} declares the invalid namespace prefix "${printable(prefix)}".`);
  if (value === '') throw new XmlSyntaxError('XML_MALFORMED', `Line ${line} un-declares the prefix "${prefix}", which XML 1.0 namespaces do not allow.`);
  if (prefix === 'xmlns' || (prefix === 'xml') !== (value === XML_NAMESPACE) || value === XMLNS_NAMESPACE) {
    throw new XmlSyntaxError('XML_MALFORMED', `Line ${line} binds the reserved prefix or namespace "${printable(prefix)}" = "${printable(value)}".`);
  }
  scope.set(prefix, value);
}

function resolvePrefix(scope: Map<string, string | null>, prefix: string, name: string, line: number): string {
  const uri = scope.get(prefix);
  if (typeof uri !== 'string' || prefix === 'xmlns') {
    throw new XmlSyntaxError('XML_UNBOUND_PREFIX', `The name ${name} on line ${line} uses the prefix "${prefix}", which is not declared (no xmlns:${prefix}="…" in scope).`);
  }
  return uri;
}

function splitName(name: string, line: number): [string | null, string] {
  const colon = name.indexOf(':');
  if (colon < 0) return [null, name];
  const prefix = name.slice(0, colon);
  const local = name.slice(colon + 1);
  if (prefix === '' || local === '' || local.includes(':')) {
    throw new XmlSyntaxError('XML_MALFORMED', `The name "${printable(name)}" on line ${line} is not a valid namespaced name.`);
  }
  return [prefix, local];
}

const PREDEFINED: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
});
const REFERENCE = /&(?:#([0-9]+)|#x([0-9a-fA-F]+)|([A-Za-z_:\u00c0-\uffff][\w.:\u00b7\u00c0-\uffff-]*));/y;

/**
 * Decodes entity and character references in raw text or attribute values. Without a DTD only the
 * five predefined entities exist; anything else is an error, never left as literal text.
 */
function decodeReferences(raw: string, isAttribute: boolean, line: number): string {
  let source = raw;
  if (isAttribute) {
    if (source.includes('<')) throw new XmlSyntaxError('XML_MALFORMED', `An attribute value on line ${line} contains "<", which must be written &lt;.`);
    // XML 1.0 §3.3.3: literal whitespace in attribute values becomes a space (references keep theirs).
    source = source.replace(/[\t\n\r]/g, ' ');
  }
  if (!source.includes('&')) return source;
  let out = '';
  let last = 0;
  for (let at = source.indexOf('&'); at >= 0; at = source.indexOf('&', last)) {
    out += source.slice(last, at);
    REFERENCE.lastIndex = at;
    const m = REFERENCE.exec(source);
    if (!m) throw new XmlSyntaxError('XML_MALFORMED', `A bare "&" on line ${line} is not a valid reference; write &amp;.`);
    if (m[3] !== undefined) {
      const replacement = PREDEFINED[m[3]];
      if (replacement === undefined) {
        throw new XmlSyntaxError(
          'XML_UNDEFINED_ENTITY',
          `The entity reference &${printable(m[3], 40)}; (line ${line}) is not defined: documents without a DTD may use only &amp; &lt; &gt; &quot; &apos; and character references.`,
        );
      }
      out += replacement;
    } else {
      const code = m[1] !== undefined ? Number.parseInt(m[1], 10) : Number.parseInt(m[2]!, 16);
      if (!isXmlChar(code)) throw new XmlSyntaxError('XML_MALFORMED', `The character reference ${m[0]} on line ${line} is not an allowed XML character.`);
      out += String.fromCodePoint(code);
    }
    last = at + m[0].length;
  }
  return out + source.slice(last);
}

function isXmlChar(c: number): boolean {
  return c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

function nodeName(node: FxpNode): string {
  for (const key of Object.keys(node)) if (key !== ':@') return key;
  return '';
}

function isElementKey(key: string): boolean {
  return key !== '' && key !== '#text' && key !== '#comment' && key !== '#cdata' && !key.startsWith('?');
}

function innerText(value: unknown): string {
  if (!Array.isArray(value)) return '';
  return value.map((part) => String((part as FxpNode)['#text'] ?? '')).join('');
}

function positionOf(node: FxpNode, meta: symbol): { startIndex: number; endIndex?: number } | undefined {
  return (node as Record<symbol, { startIndex: number; endIndex?: number } | undefined>)[meta];
}

function lineIndex(text: string): (index: number) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (index) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function reject(code: FindingCode, message: string): XmlRejection {
  return { ok: false, code, message };
}

/** Untrusted text shown in a message: one line, no control characters, at most `max` characters. */
export function printable(text: string, max = 200): string {
  const line = text.slice(0, max * 2).replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

// ---- Reading the tree -------------------------------------------------------------------------

/** Child elements with this namespace URI and local name, in document order. */
export function childElements(parent: XmlElement, namespaceUri: string | null, localName: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of parent.children) {
    if (c.kind === 'element' && c.localName === localName && c.namespaceUri === namespaceUri) out.push(c);
  }
  return out;
}

/** Every element below `root` (inclusive), depth first in document order. */
export function* descendants(root: XmlElement): Generator<XmlElement> {
  yield root;
  for (const c of root.children) if (c.kind === 'element') yield* descendants(c);
}

/** An attribute's value by namespace URI (null for unprefixed attributes) and local name. */
export function attributeValue(element: XmlElement, localName: string, namespaceUri: string | null = null): string | null {
  for (const a of element.attributes) if (a.localName === localName && a.namespaceUri === namespaceUri) return a.value;
  return null;
}

/**
 * The element's text: every text and CDATA child joined (item 24: never just the first text node).
 * `hasComment` says a comment sits among them, which is how comment-injection attacks split a value.
 */
export function textContent(element: XmlElement): { text: string; hasComment: boolean } {
  let text = '';
  let hasComment = false;
  for (const c of element.children) {
    if (c.kind === 'text') text += c.value;
    else if (c.kind === 'comment') hasComment = true;
  }
  return { text, hasComment };
}

/** `<prefix:Local>` as written, for messages. */
export function tagName(element: XmlElement): string {
  return `<${element.qualifiedName}>`;
}
