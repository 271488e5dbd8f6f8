/**
 * The sandbox's certificates carry what real Auth0 signing certificates carry, compared byte for
 * byte with one from fixtures/metadata (a 2025 tenant): basicConstraints CA:TRUE and keyUsage
 * (both critical), a subject key identifier made the same way, in the same order, and the CN as a
 * PrintableString. And the TLS certificates of `sandbox --tls` are what a TLS client needs.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { issueSelfSigned } from '../../src/sandbox/x509.js';
import { createSandboxCertificates } from '../../src/sandbox/tls.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const OID = { basicConstraints: '0603551d13', subjectKeyIdentifier: '0603551d0e', keyUsage: '0603551d0f', commonName: '0603550403' };

function realAuth0Certificate(): Buffer {
  const xml = readFileSync(fileURLToPath(new URL('../../fixtures/metadata/auth0-idp-aws-security-project-0an-2025-repo-unknown.xml', import.meta.url)), 'utf8');
  return Buffer.from(/<(?:\w+:)?X509Certificate>([^<]+)</.exec(xml)![1]!.replace(/\s/g, ''), 'base64');
}

/** The whole Extension SEQUENCE whose extnID is `oidHex` (these are short: one length byte). */
function extension(der: Buffer, oidHex: string): Buffer {
  const at = der.indexOf(Buffer.from(oidHex, 'hex'));
  expect(at).toBeGreaterThan(2);
  expect(der[at - 2]).toBe(0x30);
  return der.subarray(at - 2, at + der[at - 1]!);
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the public key BIT STRING's value (RSA-2048: after `03 82 01 0f 00`). */
function keyIdMethod1(cert: X509Certificate): Buffer {
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  const header = Buffer.from('0382010f00', 'hex');
  expect(spki.indexOf(header)).toBe(19);
  return createHash('sha1').update(spki.subarray(19 + header.length)).digest();
}

describe('signing certificates, as Auth0 makes them', () => {
  const real = realAuth0Certificate();
  const ours = Buffer.from(issueSelfSigned({ commonName: 'localhost:4010', notBefore: NOW, notAfter: new Date(NOW.getTime() + 4999 * 86_400_000) }).certBase64, 'base64');

  test('basicConstraints CA:TRUE and keyUsage digitalSignature+keyCertSign, critical, byte for byte', () => {
    expect(extension(ours, OID.basicConstraints).toString('hex')).toBe(extension(real, OID.basicConstraints).toString('hex'));
    expect(extension(ours, OID.keyUsage).toString('hex')).toBe(extension(real, OID.keyUsage).toString('hex'));
    expect(new X509Certificate(ours).ca).toBe(true);
  });

  test('a subject key identifier made like the real one (SHA-1 of the key), same extension order', () => {
    for (const der of [real, ours]) {
      const ski = extension(der, OID.subjectKeyIdentifier);
      // Not critical: extnID, then the OCTET STRING holding an OCTET STRING of 20 bytes.
      expect(ski.subarray(7, 11).toString('hex')).toBe('04160414');
      expect(ski.subarray(11)).toEqual(keyIdMethod1(new X509Certificate(der)));
      const order = [OID.basicConstraints, OID.subjectKeyIdentifier, OID.keyUsage].map((o) => der.indexOf(Buffer.from(o, 'hex')));
      expect([...order].sort((a, b) => a - b)).toEqual(order);
    }
  });

  test('the CN is a PrintableString, as in real Auth0 certificates', () => {
    for (const der of [real, ours]) {
      const at = der.indexOf(Buffer.from(OID.commonName, 'hex'));
      expect(der[at + 5]).toBe(0x13);
    }
    // A name PrintableString cannot hold falls back to UTF8String.
    const accented = Buffer.from(issueSelfSigned({ commonName: 'tenant_é', notBefore: NOW, notAfter: new Date(NOW.getTime() + 86_400_000) }).certBase64, 'base64');
    expect(accented[accented.indexOf(Buffer.from(OID.commonName, 'hex')) + 5]).toBe(0x0c);
    expect(new X509Certificate(accented).subject).toBe('CN=tenant_é');
  });

  test("extensions: 'none' gives a certificate without any (old tenants, checker tests)", () => {
    const bare = Buffer.from(issueSelfSigned({ commonName: 'old', notBefore: NOW, notAfter: new Date(NOW.getTime() + 86_400_000), extensions: 'none' }).certBase64, 'base64');
    expect(bare.indexOf(Buffer.from(OID.basicConstraints, 'hex'))).toBe(-1);
    expect(new X509Certificate(bare).ca).toBe(false);
  });
});

describe('sandbox --tls certificates', () => {
  const { caPem, server } = createSandboxCertificates(NOW);
  const ca = new X509Certificate(caPem);
  const leaf = new X509Certificate(server.cert);

  test('a CA that signs a server certificate for localhost, 127.0.0.1 and ::1', () => {
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkHost('localhost')).toBe('localhost');
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkIP('::1')).toBe('::1');
    expect(leaf.checkHost('example.com')).toBeUndefined();
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // extendedKeyUsage serverAuth
    // The chain the server presents ends with the CA.
    expect(server.cert.endsWith(caPem)).toBe(true);
  });

  test('valid from a day before the process clock to a year after it', () => {
    expect(new Date(leaf.validFrom).getTime()).toBe(Math.floor(NOW.getTime() / 1000) * 1000 - 86_400_000);
    expect(new Date(leaf.validTo).getTime()).toBe(NOW.getTime() + 365 * 86_400_000);
  });
});
