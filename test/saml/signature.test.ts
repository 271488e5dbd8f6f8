import { checkMetadata, type MetadataCheckOptions, type MetadataReport } from '../../src/saml/check-metadata.js';
import { parseCertificateElementText } from '../../src/saml/certificate.js';
import { compareSignedContent, inspectSignature, verifySignature } from '../../src/saml/signature.js';
import { parseXmlDocument, type XmlDocument } from '../../src/saml/xml.js';
import { ALG, auth0Metadata, certificate, DOMAIN, fixture, metadataSigner, NOW, signMetadata as sign } from './metadata-builder.js';

const signer = metadataSigner();

// rsaBits forces a fresh key pair: the default certificates share one.
const stranger = certificate({ commonName: 'someone-else', rsaBits: 2048 });


const BASE: MetadataCheckOptions = { now: NOW, warnDays: 30 };
const check = (xml: string | Buffer, options: Partial<MetadataCheckOptions> = {}): Promise<MetadataReport> => checkMetadata(xml, { ...BASE, ...options });
const codes = (r: MetadataReport) => ({ errors: r.errors.map((f) => f.code), warnings: r.warnings.map((f) => f.code) });

function doc(xml: string): XmlDocument {
  const r = parseXmlDocument(xml);
  if (!r.ok) throw new Error(r.message);
  return r.document;
}

describe('signed metadata', () => {
  it('verifies against the document’s own certificate, warning that the signer is not pinned', async () => {
    const r = await check(sign());
    expect(codes(r)).toEqual({ errors: [], warnings: ['SIGNATURE_SIGNER_NOT_PINNED'] });
    expect(r.signed).toBe(true);
    expect(r.signature).toEqual({ verified: true, pinned: false, signerSha256: r.certificates[0]!.sha256, signatureAlgorithm: 'rsa-sha256', digestAlgorithm: 'sha256' });
  });

  it('verifies against a pinned certificate without a warning, in PEM or base64', async () => {
    for (const pinned of [signer.certPem, signer.certBase64]) {
      const r = await check(sign(), { trustedCertificates: [pinned] });
      expect(codes(r)).toEqual({ errors: [], warnings: [] });
      expect(r.signature).toMatchObject({ verified: true, pinned: true });
    }
  });

  it('never falls back to the document’s certificates when a pinned one does not match', async () => {
    const r = await check(sign(), { trustedCertificates: [stranger.certPem] });
    expect(codes(r).errors).toEqual(['SIGNATURE_INVALID']);
    expect(r.errors[0]!.message).toContain('pinned certificate');
    expect(r.signature).toMatchObject({ verified: false, pinned: true });
  });

  it('refuses a document changed after signing', async () => {
    const tampered = sign().replace(`https://${DOMAIN}/samlp/`, 'https://evil.example/samlp/');
    const r = await check(tampered);
    expect(codes(r).errors).toEqual(['SIGNATURE_INVALID']);
    expect(r.errors[0]!.message).toContain('changed after it was signed');
  });

  it('refuses a signature value that does not match the key', async () => {
    const forged = sign().replace(/<SignatureValue>([A-Za-z0-9+/])/, (_m, c: string) => `<SignatureValue>${c === 'A' ? 'B' : 'A'}`);
    expect(codes(await check(forged)).errors).toEqual(['SIGNATURE_INVALID']);
  });

  it('requires a signature when a signer is pinned', async () => {
    const r = await check(auth0Metadata(), { trustedCertificates: [signer.certPem] });
    expect(codes(r).errors).toEqual(['SIGNATURE_MISSING']);
  });

  it('reports an unusable pinned certificate', async () => {
    expect(codes(await check(sign(), { trustedCertificates: ['not a certificate'] })).errors).toEqual(['TRUSTED_CERT_INVALID']);
  });

  it.each([
    ['an RSA-SHA1 signature', { signatureAlgorithm: ALG.rsaSha1 }, 'SIGNATURE_ALGORITHM_FORBIDDEN'],
    ['a SHA-1 digest', { digestAlgorithm: ALG.sha1 }, 'SIGNATURE_ALGORITHM_FORBIDDEN'],
    ['an inclusive c14n transform', { transforms: [ALG.enveloped, ALG.c14n] }, 'SIGNATURE_TRANSFORM_FORBIDDEN'],
    ['no enveloped-signature transform', { transforms: [ALG.excC14n] }, 'SIGNATURE_TRANSFORM_FORBIDDEN'],
  ])('refuses %s', async (_name, spec, code) => {
    const r = await check(sign(spec));
    expect(codes(r).errors).toEqual([code]);
    expect(r.signature?.verified).toBe(false);
  });

  it('refuses a signature over a part of the document (Reference not the root)', async () => {
    const xml = auth0Metadata({ certificates: [signer.certBase64], roleAttributes: 'ID="_role"' });
    const r = await check(sign({ xml, target: "//*[local-name(.)='IDPSSODescriptor']" }));
    expect(codes(r).errors).toContain('SIGNATURE_MISPLACED');
  });

  it('refuses a root signature whose Reference points elsewhere', async () => {
    const signed = sign().replace('URI="#_root1"', 'URI="#_other"');
    const r = await check(signed);
    expect(codes(r).errors).toEqual(['SIGNATURE_REFERENCE_INVALID']);
  });

  it('refuses two signatures and a ds:Object', async () => {
    const signed = sign();
    const signature = /<Signature[\s\S]*<\/Signature>/.exec(signed)![0];
    expect(codes(await check(signed.replace(signature, signature + signature))).errors).toEqual(['SIGNATURE_MULTIPLE']);
    const withObject = signed.replace('</Signature>', '<Object>x</Object></Signature>');
    expect(codes(await check(withObject)).errors).toEqual(['SIGNATURE_MALFORMED']);
  });

  it('catches the real signature-wrapping sample before any verification', () => {
    const inspection = inspectSignature(doc(fixture('attacks/xsw-entra-signed-entity-wrapped-in-extensions.xml').toString('utf8')));
    expect(inspection.present).toBe(true);
    expect(inspection.signature).toBeNull();
    expect(inspection.findings.map((f) => f.code)).toEqual(['SIGNATURE_MISPLACED']);
  });

  it('verifies real Entra metadata only with the certificate that signed it', async () => {
    const xml = fixture('entra-azuread-federationmetadata-signed.xml');
    const open = await check(xml);
    const signerSha = open.signature!.signerSha256!;
    const certs = [...xml.toString('utf8').matchAll(/<X509Certificate>([^<]+)</g)].map((m) => m[1]!);
    const parsed = [...new Set(certs)].map((c) => parseCertificateElementText(c)).flatMap((p) => (p.ok ? [p.certificate] : []));
    const right = parsed.find((c) => c.sha256 === signerSha)!;
    const wrong = parsed.find((c) => c.sha256 !== signerSha)!;
    expect((await check(xml, { trustedCertificates: [right.base64] })).signature).toMatchObject({ verified: true, pinned: true });
    expect(codes(await check(xml, { trustedCertificates: [wrong.base64] })).errors).toEqual(['SIGNATURE_INVALID']);
  });

  it('has SHA-1 removed from the verifier itself, not only from the structural rules', async () => {
    const signed = sign({ signatureAlgorithm: ALG.rsaSha1 });
    const facts = parseCertificateElementText(signer.certBase64);
    if (!facts.ok) throw new Error(facts.message);
    const outcome = await verifySignature(doc(signed), [facts.certificate], 'the test certificate');
    expect(outcome.verified).toBe(false);
    expect(outcome.findings.map((f) => f.code)).toEqual(['SIGNATURE_INVALID']);
    expect(outcome.findings[0]!.message).toContain('is not supported');
  });
});

describe('compareSignedContent (the parser-differential guard)', () => {
  const ours = doc('<a xmlns="urn:x" k="1"><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/><b>text<!-- c --> more</b><c/></a>').root;

  it('accepts the canonical form of the same content (signature removed, comments dropped, attributes reordered)', () => {
    expect(compareSignedContent(ours, '<a xmlns="urn:x" k="1"><b>text more</b><c></c></a>')).toBeNull();
  });

  it.each([
    ['a changed attribute', '<a xmlns="urn:x" k="2"><b>text more</b><c></c></a>', 'attributes'],
    ['changed text', '<a xmlns="urn:x" k="1"><b>text</b><c></c></a>', 'text'],
    ['another namespace', '<a xmlns="urn:y" k="1"><b>text more</b><c></c></a>', 'is <a>'],
    ['an extra element', '<a xmlns="urn:x" k="1"><b>text more</b><c></c><d></d></a>', 'child elements'],
  ])('reports %s', (_name, canonical, words) => {
    expect(compareSignedContent(ours, canonical)).toContain(words);
  });
});
