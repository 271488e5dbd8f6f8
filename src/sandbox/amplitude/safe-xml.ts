/**
 * The emulated SP's own XML gate, deliberately independent of sso-setup's metadata checker (a real
 * SP does not share our code): strict UTF-8, no DOCTYPE or entity declarations, @xmldom/xmldom 0.9
 * with every warning and error fatal, and a nesting-depth cap.
 */
import { DOMParser, type Document, type Element, type Node } from '@xmldom/xmldom';

export const MAX_XML_DEPTH = 64;

const ELEMENT_NODE = 1;
const DOCUMENT_TYPE_NODE = 10;

export type XmlParseResult = { ok: true; doc: Document; root: Element } | { ok: false; reason: 'encoding' | 'doctype' | 'malformed' | 'depth'; detail: string };

/** Parses untrusted XML bytes or text. Never throws. */
export function parseUntrustedXml(input: Buffer | string): XmlParseResult {
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      return { ok: false, reason: 'encoding', detail: 'the document is not valid UTF-8' };
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // Pre-scan as well as checking the parsed tree: a DTD must never reach a parser.
  if (/<!DOCTYPE/i.test(text) || /<!ENTITY/i.test(text)) {
    return { ok: false, reason: 'doctype', detail: 'the document has a DOCTYPE or an entity declaration' };
  }
  let doc: Document;
  try {
    doc = new DOMParser({
      onError: (level, message) => {
        throw new Error(`${level}: ${message}`);
      },
    }).parseFromString(text, 'text/xml');
  } catch (e) {
    return { ok: false, reason: 'malformed', detail: firstLine(e instanceof Error ? e.message : String(e)) };
  }
  for (let n = doc.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === DOCUMENT_TYPE_NODE) return { ok: false, reason: 'doctype', detail: 'the document has a DOCTYPE' };
  }
  const root = doc.documentElement;
  if (!root) return { ok: false, reason: 'malformed', detail: 'the document has no root element' };
  if (depthExceeds(root, MAX_XML_DEPTH)) {
    return { ok: false, reason: 'depth', detail: `elements are nested deeper than ${MAX_XML_DEPTH} levels` };
  }
  return { ok: true, doc, root };
}

/** Element children of `parent` in namespace `ns` with local name `name`. */
export function childElements(parent: Element, ns: string, name: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (isElement(n) && n.namespaceURI === ns && n.localName === name) out.push(n);
  }
  return out;
}

/** All descendant elements named `{ns}name`, in document order. */
export function descendantElements(parent: Element | Document, ns: string, name: string): Element[] {
  return Array.from(parent.getElementsByTagNameNS(ns, name));
}

/** The whole text of an element (every text node, comments skipped), so a comment cannot truncate a value. */
export function wholeText(el: Element): string {
  return el.textContent ?? '';
}

export function isElement(n: Node): n is Element {
  return n.nodeType === ELEMENT_NODE;
}

function depthExceeds(root: Element, max: number): boolean {
  // Iterative walk: recursion on hostile input is how a depth cap gets bypassed.
  const stack: { el: Element; depth: number }[] = [{ el: root, depth: 1 }];
  while (stack.length > 0) {
    const { el, depth } = stack.pop()!;
    if (depth > max) return true;
    for (let n = el.firstChild; n; n = n.nextSibling) {
      if (isElement(n)) stack.push({ el: n, depth: depth + 1 });
    }
  }
  return false;
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? text).slice(0, 300);
}
