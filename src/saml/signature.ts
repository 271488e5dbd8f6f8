/**
 * Enveloped XML signatures on metadata (items 21-23). Auth0 never signs its metadata, so this runs
 * only when a `ds:Signature` is present (or the caller pins a signer). The rules are xmlsectool's:
 * one signature, a direct child of the document element, one Reference that resolves to the document
 * element, at most two transforms (enveloped, exclusive c14n), no SHA-1, a key from outside the document.
 *
 * xml-crypto (and its own @xmldom/xmldom) is loaded lazily: ~45 ms that unsigned documents never pay.
 * After a signature verifies, the signed bytes xml-crypto hashed are parsed again with our own parser
 * and compared with the tree every value is read from, so a parser differential cannot make us report
 * values that were not signed (ruby-saml CVE-2025-25291/25292).
 *
 * Cost bound: xml-crypto's DOM (xmldom) and XPath engine do work that grows with the square of the
 * node count (xmldom rebuilds a parent's child list on every append; XPath sorts node sets by document
 * order by walking siblings): a 160 KB document padded with 20,000 comments took 9 s. Nothing is
 * stripped before verifying (what is verified stays exactly the document); a signed document with
 * more than MAX_SIGNED_DOCUMENT_NODES nodes is refused before the verifier sees it instead. Real
 * single-IdP metadata has under 300 (Entra's signed document: 252; ADFS's larger ones are estimated at ~1,000), so
 * the cap leaves room, and the worst document at the cap adds ~0.35 s of CPU (`npm run bench`).
 */
import { createRequire } from 'node:module';
import type { SignedXml as SignedXmlClass } from 'xml-crypto';
import { pemOf, type CertificateFacts } from './certificate.js';
import type { Finding, FindingCode } from './findings.js';
import { XMLDSIG_NS } from './idp-metadata.js';
import { attributeValue, childElements, descendants, parseXmlText, printable, tagName, textContent, type XmlElement, type XmlDocument } from './xml.js';

const ALGORITHMS = {
  envelopedSignature: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  excC14nWithComments: 'http://www.w3.org/2001/10/xml-exc-c14n#WithComments',
  c14n: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
  c14nWithComments: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments',
} as const;

/** What xml-crypto can verify, minus SHA-1 (xml-crypto 6.3 still registers it by default). */
const SIGNATURE_METHODS: Record<string, string> = {
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256': 'rsa-sha256',
  'http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1': 'rsa-pss-sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512': 'rsa-sha512',
};
const DIGEST_METHODS: Record<string, string> = {
  'http://www.w3.org/2001/04/xmlenc#sha256': 'sha256',
  'http://www.w3.org/2001/04/xmlenc#sha512': 'sha512',
};
const CANONICALIZATIONS = new Set<string>([ALGORITHMS.excC14n, ALGORITHMS.excC14nWithComments, ALGORITHMS.c14n, ALGORITHMS.c14nWithComments]);
const EXTRA_TRANSFORMS = new Set<string>([ALGORITHMS.excC14n, ALGORITHMS.excC14nWithComments]);

export interface SignatureInspection {
  /** The document's signature element when it is placed and shaped so that it can be verified. */
  readonly signature: XmlElement | null;
  /** Any ds:Signature anywhere in the document. */
  readonly present: boolean;
  readonly signatureAlgorithm: string | null;
  readonly digestAlgorithm: string | null;
  readonly findings: readonly Finding[];
}

/** Structural rules of items 21-22, on our tree; pure and synchronous. */
export function inspectSignature(document: XmlDocument): SignatureInspection {
  const root = document.root;
  const findings: Finding[] = [];
  const add = (code: FindingCode, message: string) => findings.push({ code, message });
  const all = [...descendants(root)].filter(isSignature);
  const none = { signature: null, present: all.length > 0, signatureAlgorithm: null, digestAlgorithm: null, findings };
  if (all.length === 0) return none;

  const direct = childElements(root, XMLDSIG_NS, 'Signature');
  const nested = all.filter((s) => !direct.includes(s));
  if (nested.length > 0) {
    const first = nested[0]!;
    add(
      'SIGNATURE_MISPLACED',
      `A ds:Signature on line ${first.line} is nested inside the document instead of being a direct child of ${tagName(root)}: only a signature over the whole document counts, and a nested one is the shape of a signature-wrapping attack.`,
    );
    return none;
  }
  if (direct.length > 1) {
    add('SIGNATURE_MULTIPLE', `The document element has ${direct.length} ds:Signature children (lines ${direct.map((s) => s.line).join(', ')}); exactly one is allowed.`);
    return none;
  }
  const signature = direct[0]!;
  const where = `the ds:Signature on line ${signature.line}`;
  const signedInfos = childElements(signature, XMLDSIG_NS, 'SignedInfo');
  if (signedInfos.length !== 1 || childElements(signature, XMLDSIG_NS, 'SignatureValue').length !== 1) {
    add('SIGNATURE_MALFORMED', `${capital(where)} must have exactly one SignedInfo and one SignatureValue.`);
    return none;
  }
  if (childElements(signature, XMLDSIG_NS, 'Object').length > 0) {
    add('SIGNATURE_MALFORMED', `${capital(where)} contains a ds:Object; signed metadata must not carry one.`);
    return none;
  }
  const signedInfo = signedInfos[0]!;
  const c14n = algorithmOf(childElements(signedInfo, XMLDSIG_NS, 'CanonicalizationMethod'));
  const method = algorithmOf(childElements(signedInfo, XMLDSIG_NS, 'SignatureMethod'));
  const references = childElements(signedInfo, XMLDSIG_NS, 'Reference');
  let ok = true;
  if (c14n === null || !CANONICALIZATIONS.has(c14n)) {
    add('SIGNATURE_ALGORITHM_FORBIDDEN', `${capital(where)} uses the canonicalization method "${printable(c14n ?? '(none)')}"; allowed are exclusive or inclusive XML c14n 1.0.`);
    ok = false;
  }
  if (method === null || SIGNATURE_METHODS[method] === undefined) {
    add('SIGNATURE_ALGORITHM_FORBIDDEN', `${capital(where)} uses the signature method "${printable(method ?? '(none)')}"${weak(method)}; allowed are ${Object.values(SIGNATURE_METHODS).join(', ')}.`);
    ok = false;
  }
  if (references.length !== 1) {
    add('SIGNATURE_REFERENCE_INVALID', `${capital(where)} has ${references.length} References; exactly one, covering the whole document, is allowed.`);
    return { ...none, signatureAlgorithm: method, findings };
  }
  const reference = references[0]!;
  const uri = attributeValue(reference, 'URI');
  const rootId = attributeValue(root, 'ID');
  if (uri === null || (uri !== '' && !(uri.startsWith('#') && rootId !== null && uri.slice(1) === rootId))) {
    const target = uri === null ? 'has no URI' : `points to "${printable(uri)}"`;
    add(
      'SIGNATURE_REFERENCE_INVALID',
      `${capital(where)} ${target}, which is not the document element${rootId ? ` (its ID is "${printable(rootId)}")` : ' (it has no ID)'}: the signature must cover the whole document (URI="" or "#<root ID>").`,
    );
    ok = false;
  }
  const transforms = childElements(reference, XMLDSIG_NS, 'Transforms').flatMap((t) => childElements(t, XMLDSIG_NS, 'Transform'));
  const transformAlgorithms = transforms.map((t) => attributeValue(t, 'Algorithm') ?? '(none)');
  const extras = transformAlgorithms.filter((a) => a !== ALGORITHMS.envelopedSignature);
  if (transforms.length > 2 || !transformAlgorithms.includes(ALGORITHMS.envelopedSignature) || extras.some((a) => !EXTRA_TRANSFORMS.has(a))) {
    add(
      'SIGNATURE_TRANSFORM_FORBIDDEN',
      `${capital(where)} has the transforms [${printable(transformAlgorithms.join(', '), 400) || 'none'}]; allowed are the enveloped-signature transform (required) plus at most exclusive c14n.`,
    );
    ok = false;
  }
  const digest = algorithmOf(childElements(reference, XMLDSIG_NS, 'DigestMethod'));
  if (digest === null || DIGEST_METHODS[digest] === undefined) {
    add('SIGNATURE_ALGORITHM_FORBIDDEN', `${capital(where)} uses the digest method "${printable(digest ?? '(none)')}"${weak(digest)}; allowed are sha256, sha512.`);
    ok = false;
  }
  return {
    signature: ok ? signature : null,
    present: true,
    signatureAlgorithm: method === null ? null : (SIGNATURE_METHODS[method] ?? method),
    digestAlgorithm: digest === null ? null : (DIGEST_METHODS[digest] ?? digest),
    findings,
  };
}

/**
 * Most XML nodes (elements, attributes, text, comments, processing instructions; doc.nodeCount) a
 * signed document may have for its signature to be verified. See the cost bound above.
 */
export const MAX_SIGNED_DOCUMENT_NODES = 3000;

export interface SignatureVerification {
  readonly verified: boolean;
  /** The certificate that verified it (SHA-256 fingerprint). */
  readonly signerSha256: string | null;
  readonly findings: readonly Finding[];
}

/**
 * Verifies the inspected signature with each candidate key in turn (never the KeyInfo certificate),
 * then checks that what was signed is what our tree holds.
 */
export async function verifySignature(
  document: XmlDocument,
  candidates: readonly CertificateFacts[],
  describeCandidates: string,
): Promise<SignatureVerification> {
  const findings: Finding[] = [];
  const fail = (code: FindingCode, message: string): SignatureVerification => {
    findings.push({ code, message });
    return { verified: false, signerSha256: null, findings };
  };
  if (candidates.length === 0) {
    return fail('SIGNATURE_INVALID', `The document is signed, but there is no usable certificate to verify it with (${describeCandidates}).`);
  }
  if (document.nodeCount > MAX_SIGNED_DOCUMENT_NODES) {
    return fail(
      'SIGNATURE_TOO_COMPLEX',
      `The document is signed but has ${document.nodeCount.toLocaleString('en-US')} XML nodes (elements, attributes, text, comments); signatures are verified only on documents of at most ${MAX_SIGNED_DOCUMENT_NODES.toLocaleString('en-US')} nodes (real IdP metadata has a few hundred), because the verifier's cost grows with the square of that number. Metadata padded like this is hostile: get the IdP's own document again.`,
    );
  }
  const { SignedXml, DOMParser } = loadXmlCrypto();

  let dom: XmldomDocument;
  try {
    dom = new DOMParser({
      errorHandler: { warning: () => undefined, error: throwIt, fatalError: throwIt },
      onError: (level: string, message: string) => {
        if (level !== 'warning') throw new Error(message);
      },
    }).parseFromString(document.text, 'text/xml');
  } catch (error) {
    return fail('XML_PARSER_DIFFERENTIAL', `The signature verifier's XML parser rejects the document that ours accepted (${oneLine(error)}); refusing to trust either.`);
  }
  const signatureNodes = childNodes(dom.documentElement).filter((n) => n.localName === 'Signature' && n.namespaceURI === XMLDSIG_NS);
  if (signatureNodes.length !== 1) {
    return fail('XML_PARSER_DIFFERENTIAL', `The signature verifier's XML parser sees ${signatureNodes.length} signatures under the document element where ours sees one.`);
  }

  const reasons: string[] = [];
  for (const certificate of candidates) {
    const signed = new SignedXml({ publicCert: pemOf(certificate), getCertFromKeyInfo: () => null });
    withoutSha1(signed);
    let verified = false;
    try {
      signed.loadSignature(signatureNodes[0] as never);
      verified = signed.checkSignature(document.text);
      if (!verified) reasons.push('the digest does not match: the document was changed after it was signed');
    } catch (error) {
      reasons.push(/signature value .* is incorrect/.test(oneLine(error)) ? `the signature value does not match the key of ${certificate.sha256.slice(0, 23)}…` : oneLine(error));
    }
    if (!verified) continue;
    const signedXml = signed.getSignedReferences();
    if (signedXml.length !== 1) {
      return fail('SIGNATURE_REFERENCE_INVALID', `The verifier reports ${signedXml.length} signed references; exactly one, the whole document, is allowed.`);
    }
    const difference = compareSignedContent(document.root, signedXml[0]!);
    if (difference) return fail('XML_PARSER_DIFFERENTIAL', `What the signature covers differs from what was parsed: ${difference}.`);
    return { verified: true, signerSha256: certificate.sha256, findings };
  }
  const unique = [...new Set(reasons)];
  return fail('SIGNATURE_INVALID', `The document's signature does not verify with ${describeCandidates}: ${unique.join('; ')}.`);
}

/**
 * Compares our tree (minus the enveloped signature) with the canonical XML the verifier hashed:
 * names by namespace URI, attributes as sets, text as the concatenation of each element's text.
 * Returns a description of the first difference, or null.
 */
export function compareSignedContent(root: XmlElement, canonicalXml: string): string | null {
  const parsed = parseXmlText(canonicalXml, { maxDepth: 256 });
  if (!parsed.ok) return `the signed bytes do not parse (${parsed.message})`;
  return difference(root, parsed.document.root);
}

function difference(ours: XmlElement, signed: XmlElement): string | null {
  const at = `${tagName(ours)} on line ${ours.line}`;
  if (ours.namespaceUri !== signed.namespaceUri || ours.localName !== signed.localName) return `${at} is ${tagName(signed)} in the signed bytes`;
  const attrs = (e: XmlElement) =>
    e.attributes
      .map((a) => `${a.namespaceUri ?? ''} ${a.localName}=${JSON.stringify(a.value)}`)
      .sort()
      .join('\n');
  if (attrs(ours) !== attrs(signed)) return `the attributes of ${at} differ`;
  if (textContent(ours).text !== textContent(signed).text) return `the text of ${at} differs`;
  // The enveloped-signature transform removed the signature itself from the signed bytes.
  const kids = (e: XmlElement, skipSignature: boolean) =>
    e.children.filter((c): c is XmlElement => c.kind === 'element' && !(skipSignature && isSignature(c)));
  const a = kids(ours, true);
  const b = kids(signed, false);
  if (a.length !== b.length) return `${at} has ${a.length} child elements, the signed bytes ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    const d = difference(a[i]!, b[i]!);
    if (d) return d;
  }
  return null;
}

function isSignature(e: XmlElement): boolean {
  return e.namespaceUri === XMLDSIG_NS && e.localName === 'Signature';
}

function algorithmOf(elements: XmlElement[]): string | null {
  return elements.length === 1 ? attributeValue(elements[0]!, 'Algorithm') : null;
}

function weak(algorithm: string | null): string {
  return algorithm && /sha1\b|#sha1|md5/i.test(algorithm) ? ' (SHA-1/MD5 are broken for signatures)' : '';
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').slice(0, 200);
}

function throwIt(message: string): never {
  throw new Error(message);
}

function withoutSha1(signed: SignedXmlClass): void {
  signed.SignatureAlgorithms = Object.fromEntries(Object.entries(signed.SignatureAlgorithms).filter(([uri]) => SIGNATURE_METHODS[uri] !== undefined));
  signed.HashAlgorithms = Object.fromEntries(Object.entries(signed.HashAlgorithms).filter(([uri]) => DIGEST_METHODS[uri] !== undefined));
}

// ---- xml-crypto and its xmldom, loaded on first use ------------------------------------------

interface XmldomNode {
  readonly nodeType: number;
  readonly localName: string | null;
  readonly namespaceURI: string | null;
  readonly firstChild: XmldomNode | null;
  readonly nextSibling: XmldomNode | null;
}

interface XmldomDocument {
  readonly documentElement: XmldomNode | null;
}

interface XmlCrypto {
  SignedXml: typeof SignedXmlClass;
  DOMParser: new (options: Record<string, unknown>) => { parseFromString(text: string, mime: string): XmldomDocument };
}

let xmlCrypto: XmlCrypto | undefined;

function loadXmlCrypto(): XmlCrypto {
  if (!xmlCrypto) {
    const require = createRequire(import.meta.url);
    const { SignedXml } = require('xml-crypto') as { SignedXml: typeof SignedXmlClass };
    // The DOM must come from the xmldom xml-crypto itself uses (it nests 0.8.x), so both see one parse.
    const { DOMParser } = createRequire(require.resolve('xml-crypto'))('@xmldom/xmldom') as Pick<XmlCrypto, 'DOMParser'>;
    xmlCrypto = { SignedXml, DOMParser };
  }
  return xmlCrypto;
}

function childNodes(node: XmldomNode | null): XmldomNode[] {
  const out: XmldomNode[] = [];
  for (let n = node?.firstChild ?? null; n; n = n.nextSibling) if (n.nodeType === 1) out.push(n);
  return out;
}
