import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { parseCertificateElementText, parseTrustedCertificate, pemOf, readCertificateDer, type CertificateFacts } from '../../src/saml/certificate.js';
import { certificate, DAY, fixture, NOW, withCorruptPublicKey } from './metadata-builder.js';

function facts(text: string | Uint8Array): CertificateFacts {
  const r = typeof text === 'string' ? parseCertificateElementText(text) : readCertificateDer(text);
  if (!r.ok) throw new Error(r.message);
  return r.certificate;
}

describe('certificate facts', () => {
  it('reads an RSA-2048 SHA-256 certificate exactly', () => {
    const notBefore = new Date('2025-07-31T10:11:12Z');
    const notAfter = new Date('2039-04-09T01:02:03Z');
    const issued = certificate({ commonName: 'acme.us.auth0.com', notBefore, notAfter });
    const f = facts(issued.certBase64);
    expect(f.sha256).toBe(new X509Certificate(issued.certPem).fingerprint256);
    expect(f.sha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(f.subject).toBe('CN=acme.us.auth0.com');
    expect(f.issuer).toBe('CN=acme.us.auth0.com');
    expect(f.notBefore.toISOString()).toBe(notBefore.toISOString());
    expect(f.notAfter.toISOString()).toBe(notAfter.toISOString());
    expect([f.keyAlgorithm, f.keyBits, f.signatureAlgorithm, f.signatureHash]).toEqual(['RSA', 2048, 'sha256WithRSAEncryption', 'sha256']);
    expect(f.base64).toBe(issued.certBase64);
  });

  it('reads GeneralizedTime validity (2050 and later)', () => {
    const notAfter = new Date('2061-01-02T03:04:05Z');
    expect(facts(certificate({ notAfter }).certBase64).notAfter.toISOString()).toBe(notAfter.toISOString());
  });

  it('names the signature algorithm Node 20 does not expose: SHA-1, SHA-512, ECDSA', () => {
    expect(facts(certificate({ hash: 'sha1' }).certBase64)).toMatchObject({ signatureAlgorithm: 'sha1WithRSAEncryption', signatureHash: 'sha1' });
    expect(facts(certificate({ hash: 'sha512' }).certBase64)).toMatchObject({ signatureAlgorithm: 'sha512WithRSAEncryption', signatureHash: 'sha512' });
    expect(facts(certificate({ keyType: 'ec' }).certBase64)).toMatchObject({ keyAlgorithm: 'EC', keyBits: 256, signatureAlgorithm: 'ecdsa-with-SHA256' });
  });

  it('reads an empty subject as an empty string (2016 Auth0 tenant)', () => {
    expect(facts(certificate({ commonName: '' }).certBase64).subject).toBe('');
  });

  it('reads the real Auth0 2016 certificate: SHA-1 signed, RSA-2048', () => {
    const text = /<X509Certificate>([^<]+)</.exec(fixture('auth0-idp-ijin-2016.xml').toString('utf8'))![1]!;
    expect(facts(text)).toMatchObject({ subject: 'CN=ijin.auth0.com', keyBits: 2048, signatureHash: 'sha1' });
  });

  it('allows whitespace inside the base64 (xs:base64Binary)', () => {
    const b64 = certificate().certBase64;
    expect(facts(`\n\t\t${b64.match(/.{1,40}/g)!.join('\n\t\t')}\n`).base64).toBe(b64);
  });

  it.each([
    ['PEM armour', (b64: string) => `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----`, 'base64', /PEM armour/],
    ['garbage', () => 'not*base64!', 'base64', /not valid base64/],
    ['bad length', (b64: string) => b64.slice(0, -1), 'base64', /not valid base64/],
    ['empty', () => '   ', 'base64', /empty/],
    ['valid base64, not DER', () => Buffer.from('hello world, not a certificate').toString('base64'), 'der', /not a DER-encoded/],
    ['truncated DER', (b64: string) => Buffer.from(b64, 'base64').subarray(0, 300).toString('base64'), 'der', /not a DER-encoded/],
    // X509Certificate constructs; only reading the key throws (it used to escape as an exception).
    ['a corrupt public key', (b64: string) => withCorruptPublicKey(b64), 'der', /public key that cannot be read/],
  ])('refuses %s with a reason', (_name, make, problem, message) => {
    const r = parseCertificateElementText(make(certificate().certBase64));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problem).toBe(problem);
      expect(r.message).toMatch(message);
    }
  });

  it('reads a trusted certificate as PEM, base64 or DER bytes, and refuses a key', () => {
    const issued = certificate({ daysAfter: 10 });
    const sha = new X509Certificate(issued.certPem).fingerprint256;
    for (const input of [issued.certPem, issued.certBase64, Buffer.from(issued.certPem), Buffer.from(issued.certBase64, 'base64')]) {
      const r = parseTrustedCertificate(input);
      expect(r.ok && r.certificate.sha256).toBe(sha);
    }
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(parseTrustedCertificate(key)).toMatchObject({ ok: false, problem: 'base64' });
  });

  it('round-trips through pemOf', () => {
    const f = facts(certificate({ notAfter: new Date(NOW.getTime() + DAY) }).certBase64);
    expect(new X509Certificate(pemOf(f)).fingerprint256).toBe(f.sha256);
  });
});
