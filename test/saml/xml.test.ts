import {
  attributeValue,
  childElements,
  DEFAULT_MAX_BYTES,
  MAX_BYTES_CEILING,
  MAX_MARKUP_ITEMS,
  parseXmlDocument,
  textContent,
  type XmlDocument,
  type XmlElement,
  type XmlParseResult,
} from '../../src/saml/xml.js';
import { fixture } from './metadata-builder.js';

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';

function parsed(input: string | Uint8Array, limits?: { maxBytes?: number; maxDepth?: number }): XmlDocument {
  const r = parseXmlDocument(input, limits);
  if (!r.ok) throw new Error(`expected a document, got ${r.code}: ${r.message}`);
  return r.document;
}

function rejected(input: string | Uint8Array, limits?: { maxBytes?: number; maxDepth?: number }): Extract<XmlParseResult, { ok: false }> {
  const r = parseXmlDocument(input, limits);
  if (r.ok) throw new Error('expected a rejection');
  return r;
}

describe('parseXmlDocument: encodings', () => {
  const xml = '<?xml version="1.0" encoding="UTF-8"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="urn:x"/>';

  it('strips one UTF-8 byte order mark (Entra ships one)', () => {
    const doc = parsed(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(xml)]));
    expect(doc.root.localName).toBe('EntityDescriptor');
    expect(doc.text.startsWith('<?xml')).toBe(true);
  });

  it.each([
    ['UTF-16LE', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')])],
    ['UTF-16LE', Buffer.from(xml, 'utf16le')],
    ['UTF-16BE', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(xml, 'utf16le').swap16()])],
    ['UTF-32LE', Buffer.from([0xff, 0xfe, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x00])],
  ])('refuses %s input, naming the encoding', (name, bytes) => {
    const r = rejected(bytes);
    expect(r.code).toBe('XML_ENCODING_UNSUPPORTED');
    expect(r.message).toContain(name);
  });

  it('refuses a declared non-UTF-8 encoding by name', () => {
    const r = rejected('<?xml version="1.0" encoding="ISO-8859-1"?><a/>');
    expect(r.code).toBe('XML_ENCODING_UNSUPPORTED');
    expect(r.message).toContain('ISO-8859-1');
  });

  it('accepts US-ASCII declared on pure ASCII text', () => {
    expect(parsed('<?xml version="1.0" encoding="US-ASCII"?><a/>').root.localName).toBe('a');
  });

  it('refuses bytes that are not UTF-8, saying where', () => {
    const r = rejected(Buffer.concat([Buffer.from('<a>caf'), Buffer.from([0xe9]), Buffer.from('</a>')]));
    expect(r.code).toBe('XML_INVALID_UTF8');
    expect(r.message).toContain('0xe9 at offset 6');
  });

  it('refuses XML 1.1 and a declaration that is not at the start', () => {
    expect(rejected('<?xml version="1.1"?><a/>').code).toBe('XML_MALFORMED');
    expect(rejected('\n<?xml version="1.0"?><a/>').code).toBe('XML_MALFORMED');
  });
});

describe('parseXmlDocument: what is not XML metadata', () => {
  it.each([
    ['', 'INPUT_EMPTY'],
    [' \n\t ', 'INPUT_EMPTY'],
    ['{"statusCode":404,"error":"Not Found","message":"client not found"}', 'INPUT_JSON'],
    ['[1,2]', 'INPUT_JSON'],
    ['<!DOCTYPE html><html><head><title>Log in</title></head><body></body></html>', 'INPUT_HTML'],
    ['<html><body>502 Bad Gateway</body></html>', 'INPUT_HTML'],
    ['Not Found', 'INPUT_NOT_XML'],
  ])('%j is %s', (text, code) => {
    expect(rejected(text).code).toBe(code);
  });

  it('recognises HTML after comments, and stays linear on many comments (no regex backtracking)', () => {
    expect(rejected('<!-- a --><!-- b -->\n<!DOCTYPE html><html></html>').code).toBe('INPUT_HTML');
    const started = performance.now();
    expect(parsed(`${'<!--c-->'.repeat(5000)}<a/>`).root.localName).toBe('a');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('quotes what a JSON error body and an HTML page say', () => {
    expect(rejected('{"statusCode":404,"error":"Not Found","message":"client not found"}').message).toContain('404 Not Found client not found');
    expect(rejected('<!DOCTYPE html><html><head><title>Log in</title></head></html>').message).toContain('"Log in"');
  });

  it('enforces the byte cap before parsing, and never above 1 MiB', () => {
    const big = `<a>${'x'.repeat(DEFAULT_MAX_BYTES)}</a>`;
    expect(rejected(big).code).toBe('INPUT_TOO_LARGE');
    expect(parsed(big, { maxBytes: 512 * 1024 }).root.localName).toBe('a');
    const huge = `<a>${'x'.repeat(MAX_BYTES_CEILING)}</a>`;
    expect(rejected(huge, { maxBytes: 10 * MAX_BYTES_CEILING }).code).toBe('INPUT_TOO_LARGE');
  });
});

describe('parseXmlDocument: hostile XML', () => {
  it.each([
    '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
    '<!DOCTYPE a SYSTEM "http://127.0.0.1:9/x.dtd"><a/>',
    '<a><!ENTITY x "y"></a>',
    '<!doctype a><a/>',
  ])('refuses any DOCTYPE or ENTITY declaration: %s', (text) => {
    expect(rejected(text).code).toBe('XML_DOCTYPE_FORBIDDEN');
  });

  it('refuses entity references that no DTD defines', () => {
    const r = rejected('<a x="&lol9;"/>');
    expect(r.code).toBe('XML_UNDEFINED_ENTITY');
    expect(r.message).toContain('&lol9;');
    expect(rejected('<a>&nbsp;</a>').code).toBe('XML_UNDEFINED_ENTITY');
  });

  it('decodes the five predefined entities and character references, in text and attributes', () => {
    const doc = parsed('<a href="https://x/?a=1&amp;b=2&#38;c=&#x33;">&lt;&gt;&quot;&apos;&amp;&#65;&#x42;</a>');
    expect(attributeValue(doc.root, 'href')).toBe('https://x/?a=1&b=2&c=3');
    expect(textContent(doc.root).text).toBe('<>"\'&AB');
  });

  it('normalises literal whitespace in attribute values, keeps it when written as a reference', () => {
    expect(attributeValue(parsed('<a x="1\n2\t3&#10;4"/>').root, 'x')).toBe('1 2 3\n4');
  });

  it.each([
    ['<a>&</a>', 'XML_MALFORMED'],
    ['<a>&#0;</a>', 'XML_MALFORMED'],
    ['<a x="<"/>', 'XML_MALFORMED'],
    ['<a>\u0001</a>', 'XML_MALFORMED'],
    ['<a><!-- a -- b --></a>', 'XML_MALFORMED'],
    ['<a><b></a></b>', 'XML_MALFORMED'],
    ['<a>]]></a>', 'XML_MALFORMED'],
    ['<a x="1" x="2"/>', 'XML_MALFORMED'],
    ['<a xmlns:p="urn:p" xmlns:q="urn:p" p:x="1" q:x="2"/>', 'XML_MALFORMED'],
    ['<a/>trailing text', 'XML_MALFORMED'],
    ['<a/><b/>', 'XML_MULTIPLE_ROOTS'],
    ['<a/>\n<!-- ok --><b/>', 'XML_MULTIPLE_ROOTS'],
    ['<p:a/>', 'XML_UNBOUND_PREFIX'],
    ['<a p:x="1"/>', 'XML_UNBOUND_PREFIX'],
    ['<a xmlns:p=""/>', 'XML_MALFORMED'],
  ])('%j is %s', (text, code) => {
    expect(rejected(text).code).toBe(code);
  });

  it('allows comments, processing instructions and whitespace around the root', () => {
    expect(parsed('<?xml version="1.0"?>\n<!-- c -->\n<?pi x?><a/>\n<!-- end -->\n').root.localName).toBe('a');
  });

  it('caps the nesting depth', () => {
    const deep = (n: number) => '<a>'.repeat(n) + '</a>'.repeat(n);
    expect(parsed(deep(64)).root.localName).toBe('a');
    expect(rejected(deep(65)).code).toBe('XML_TOO_DEEP');
    expect(rejected(deep(9_000)).code).toBe('XML_TOO_DEEP');
    expect(rejected(deep(10), { maxDepth: 5 }).code).toBe('XML_TOO_DEEP');
  });

  it('caps elements, attributes, comments and processing instructions before parsing', () => {
    // The root and MAX_MARKUP_ITEMS - 1 more items of each kind; end tags do not count.
    const shapes = {
      elements: (n: number) => `<a>${'<b></b>'.repeat(n)}</a>`,
      attributes: (n: number) => `<a${Array.from({ length: n }, (_, i) => ` x${i} = 'v'`).join('')}/>`,
      comments: (n: number) => `<a/>${'<!---->'.repeat(n)}`,
      instructions: (n: number) => `${'<?p?>'.repeat(n)}<a/>`,
    };
    for (const make of Object.values(shapes)) {
      expect(parsed(make(MAX_MARKUP_ITEMS - 1)).root.localName).toBe('a');
      const r = rejected(make(MAX_MARKUP_ITEMS));
      expect(r.code).toBe('XML_TOO_MANY_NODES');
      expect(r.message).toContain('more than 10,000 elements, attributes, comments and processing instructions');
    }
  });

  it('keeps names such as __proto__ and constructor inert: plain names, no prototype touched', () => {
    const doc = parsed('<a __proto__="x" constructor="y" toString="z"><__proto__ polluted="yes"/><constructor/><prototype/><hasOwnProperty/></a>');
    expect(doc.root.attributes.map((a) => a.localName)).toEqual(['__proto__', 'constructor', 'toString']);
    expect(doc.root.children.map((c) => (c as XmlElement).localName)).toEqual(['__proto__', 'constructor', 'prototype', 'hasOwnProperty']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.toString.call([])).toBe('[object Array]');
  });

  it('rejects every truncation of a real document without throwing', () => {
    const text = fixture('auth0-idp-dev-tyj7qyzz-2019-reformatted.xml').toString('utf8');
    let cuts = 0;
    for (let at = 1; at < text.trimEnd().length - 1; at += 37) {
      const r = parseXmlDocument(text.slice(0, at));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(['XML_TRUNCATED', 'XML_MALFORMED', 'INPUT_EMPTY', 'INPUT_NOT_XML']).toContain(r.code);
      cuts++;
    }
    expect(cuts).toBeGreaterThan(80);
    expect(rejected(text.slice(0, Math.floor(text.length / 2))).code).toBe('XML_TRUNCATED');
  });
});

describe('parseXmlDocument: the tree', () => {
  it('matches by namespace URI, whatever the prefix (Auth0: default namespace; Okta: md:)', () => {
    const auth0 = parsed(fixture('auth0-idp-ijin-2016.xml')).root;
    const okta = parsed(fixture('okta-idp.xml')).root;
    for (const root of [auth0, okta]) {
      expect(root.namespaceUri).toBe(MD);
      expect(root.localName).toBe('EntityDescriptor');
      expect(childElements(root, MD, 'IDPSSODescriptor')).toHaveLength(1);
    }
    expect(okta.qualifiedName).toBe('md:EntityDescriptor');
    expect(childElements(okta, null, 'IDPSSODescriptor')).toHaveLength(0);
  });

  it('scopes namespace declarations to their element', () => {
    const doc = parsed('<a xmlns="urn:one"><b xmlns="urn:two"><c/></b><d/><e xmlns=""/></a>');
    const [b, d, e] = doc.root.children as XmlElement[];
    expect((b!.children[0] as XmlElement).namespaceUri).toBe('urn:two');
    expect(d!.namespaceUri).toBe('urn:one');
    expect(e!.namespaceUri).toBeNull();
  });

  it('joins all text and CDATA of an element, and flags a comment among it', () => {
    const doc = parsed('<a>urn:x:<!-- split -->y<![CDATA[<z>]]></a>');
    expect(textContent(doc.root)).toEqual({ text: 'urn:x:y<z>', hasComment: true });
    expect(textContent(parsed('<a> v </a>').root)).toEqual({ text: ' v ', hasComment: false });
  });

  it('records the line of each element', () => {
    const doc = parsed('<a>\n<b/>\r\n\n<c/></a>');
    expect((doc.root.children.filter((c) => c.kind === 'element') as XmlElement[]).map((e) => e.line)).toEqual([2, 4]);
  });

  it('parses every real fixture', () => {
    for (const name of ['entra-azuread-federationmetadata-signed.xml', 'shibboleth-idp-utexas-guest.xml', 'federation-aggregate-samleiki-signed.xml']) {
      expect(parsed(fixture(name)).root.namespaceUri).toBe(MD);
    }
  });
});
