/**
 * The cost bound on signature verification (issue 10, point 3). xml-crypto's DOM and XPath work grows
 * with the square of the node count, so documents padded under the byte cap used to stall the
 * checker for seconds (20,000 comments: ~9 s). Each adversarial shape below is refused with
 * SIGNATURE_TOO_COMPLEX before the verifier runs; documents at the cap still verify. Verdicts only:
 * timings live in `npm run bench` ("signed metadata padded to the node cap").
 */
import { checkMetadata, DEFAULT_MAX_BYTES, type MetadataReport } from '../../src/saml/check-metadata.js';
import { MAX_SIGNED_DOCUMENT_NODES } from '../../src/saml/signature.js';
import { MAX_MARKUP_ITEMS, parseXmlDocument } from '../../src/saml/xml.js';
import { auth0Metadata, fixture, metadataSigner, NOW, signMetadata } from './metadata-builder.js';

const signer = metadataSigner();
const check = (xml: string, pinned = true): Promise<MetadataReport> =>
  checkMetadata(xml, { now: NOW, warnDays: 30, ...(pinned ? { trustedCertificates: [signer.certPem] } : {}) });
const errorCodes = (r: MetadataReport) => r.errors.map((f) => f.code);

const ROLE_END = '</IDPSSODescriptor>';
const signed = signMetadata();
/** Comments are not signed (exclusive c14n drops them): padding a signed document keeps its signature valid. */
const padInside = (xml: string, padding: string) => xml.replace(ROLE_END, `${padding}${ROLE_END}`);
const range = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join('');
const withRoleAttributes = (attributes: string) => signed.replace('<IDPSSODescriptor ', `<IDPSSODescriptor${attributes} `);
const nested = (depth: number) => range(depth, (i) => `<x:e xmlns:x="urn:x:${i}">`) + '</x:e>'.repeat(depth);

function nodeCount(xml: string): number {
  const r = parseXmlDocument(xml);
  if (!r.ok) throw new Error(r.message);
  return r.document.nodeCount;
}

/** A document with the padding repeated as often as fits under the byte cap (the most the cap allows). */
function fill(make: (n: number) => string, unit: number): string {
  let n = Math.floor(DEFAULT_MAX_BYTES / unit);
  let xml = make(n);
  while (Buffer.byteLength(xml) > DEFAULT_MAX_BYTES) xml = make((n = Math.floor(n * 0.95)));
  return xml;
}

describe('signed metadata padded to stall the verifier', () => {
  it.each([
    // Signed, then padded: the signature is genuinely valid, only the padding is hostile. Tens of
    // thousands of items are refused by the parser's markup cap before any tree is built ...
    ['30,000+ comments inside the root', () => fill((n) => padInside(signed, '<!---->'.repeat(n)), 7), 'XML_TOO_MANY_NODES'],
    ['30,000+ comments after the root', () => fill((n) => signed + '<!---->'.repeat(n), 7), 'XML_TOO_MANY_NODES'],
    ['30,000+ comments before the root', () => fill((n) => '<!---->'.repeat(n) + signed, 7), 'XML_TOO_MANY_NODES'],
    ['50,000 processing instructions after the root', () => fill((n) => signed + '<?p?>'.repeat(n), 5), 'XML_TOO_MANY_NODES'],
    // ... and the thousands below that cap by the verifier's node cap.
    ['9,000 comments inside the root', () => padInside(signed, '<!---->'.repeat(9_000)), 'SIGNATURE_TOO_COMPLEX'],
    ['9,000 comments after the root', () => signed + '<!---->'.repeat(9_000), 'SIGNATURE_TOO_COMPLEX'],
    ['4,000 comments splitting text into 8,000 nodes', () => padInside(signed, ' <!---->'.repeat(4_000)), 'SIGNATURE_TOO_COMPLEX'],
    // Padding inside what is signed, inserted after signing (signing 60,000 elements would itself take
    // minutes in xml-crypto): the digest no longer matches, but the verdict comes before any
    // verification, so a valid signature is refused alike.
    ['60,000 empty elements', () => padInside(signed, '<a/>'.repeat(60_000)), 'XML_TOO_MANY_NODES'],
    ['9,000 empty elements', () => padInside(signed, '<a/>'.repeat(9_000)), 'SIGNATURE_TOO_COMPLEX'],
    ['24,000 attributes on one element', () => fill((n) => withRoleAttributes(range(n, (i) => ` a${i}=""`)), 9), 'XML_TOO_MANY_NODES'],
    ['9,000 attributes on one element', () => withRoleAttributes(range(9_000, (i) => ` a${i}=""`)), 'SIGNATURE_TOO_COMPLEX'],
    ['9,000 namespace declarations', () => withRoleAttributes(range(9_000, (i) => ` xmlns:p${i}="urn:${i}"`)), 'SIGNATURE_TOO_COMPLEX'],
    ['nesting 60 deep (the cap is 64) repeated 40 times, each level declaring a namespace', () => padInside(signed, nested(60).repeat(40)), 'SIGNATURE_TOO_COMPLEX'],
  ])('%s: refused before the verifier runs', async (_name, build, code) => {
    const xml = build();
    expect(Buffer.byteLength(xml)).toBeLessThanOrEqual(DEFAULT_MAX_BYTES);
    if (code === 'SIGNATURE_TOO_COMPLEX') expect(nodeCount(xml)).toBeGreaterThan(MAX_SIGNED_DOCUMENT_NODES);
    for (const pinned of [true, false]) {
      const r = await check(xml, pinned);
      expect(r.valid).toBe(false);
      expect(errorCodes(r)).toEqual([code]);
      if (code === 'SIGNATURE_TOO_COMPLEX') {
        expect(r.signature).toMatchObject({ verified: false });
        expect(r.errors[0]!.message).toMatch(/has [\d,]+ XML nodes .* at most 3,000/);
      } else {
        expect(r.errors[0]!.message).toContain(`more than ${MAX_MARKUP_ITEMS.toLocaleString('en-US')} elements, attributes, comments and processing instructions`);
      }
    }
  });

  it('counts every node a DOM builds, inside and outside the root', () => {
    // root, comment before, comment after (3 top-level) + 2 attributes + 4 children (b, text, comment, PI)
    expect(nodeCount('<!--x--><a xmlns="urn:a" k="1"><b/>t<!--c--><?p?></a><!--y-->')).toBe(9);
  });

  it('still verifies a signed document exactly at the cap, and refuses one node more', async () => {
    const base = nodeCount(signed);
    const atCap = signed + '<!---->'.repeat(MAX_SIGNED_DOCUMENT_NODES - base);
    expect(nodeCount(atCap)).toBe(MAX_SIGNED_DOCUMENT_NODES);
    const ok = await check(atCap);
    expect(errorCodes(ok)).toEqual([]);
    expect(ok.signature).toMatchObject({ verified: true, pinned: true });

    const over = await check(`${atCap}<!---->`);
    expect(errorCodes(over)).toEqual(['SIGNATURE_TOO_COMPLEX']);
  });

  it('still refuses a tampered document under the cap, and does not let padding hide tampering', async () => {
    const tampered = signed.replace('https://acme-test.us.auth0.com/samlp/', 'https://evil.example/samlp/');
    expect(errorCodes(await check(tampered))).toEqual(['SIGNATURE_INVALID']);
    expect(errorCodes(await check(padInside(tampered, '<!---->'.repeat(1000))))).toEqual(['SIGNATURE_INVALID']);
  });

  it('leaves real signed metadata far below the cap: Entra still verifies, authentik (changed after signing) still fails', async () => {
    const entra = fixture('entra-azuread-federationmetadata-signed.xml').toString('utf8');
    const authentik = fixture('authentik-idp-signed.xml').toString('utf8');
    for (const xml of [entra, authentik]) expect(nodeCount(xml) * 10).toBeLessThan(MAX_SIGNED_DOCUMENT_NODES);
    expect((await checkMetadata(entra, { now: NOW, warnDays: 30 })).signature).toMatchObject({ verified: true });
    const broken = await checkMetadata(authentik, { now: NOW, warnDays: 30 });
    expect(errorCodes(broken)).toContain('SIGNATURE_INVALID');
    expect(errorCodes(broken)).not.toContain('SIGNATURE_TOO_COMPLEX');
  });

  it('applies the node cap to signed documents only (nothing quadratic runs on unsigned ones)', async () => {
    const padded = padInside(auth0Metadata(), '<!---->'.repeat(9_000));
    expect(nodeCount(padded)).toBeGreaterThan(MAX_SIGNED_DOCUMENT_NODES);
    const r = await checkMetadata(padded, { now: NOW, warnDays: 30 });
    expect(errorCodes(r)).toEqual([]);
  });
});
