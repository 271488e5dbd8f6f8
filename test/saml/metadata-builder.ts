/**
 * Builds IdP metadata shaped exactly like Auth0's (default md namespace, one signing KeyDescriptor,
 * SLO + NameIDFormat + SSO + saml:Attribute; see fixtures/metadata/auth0-idp-*.xml), so tests can vary
 * one thing at a time: the certificates, the endpoints, the root attributes.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignedXml } from 'xml-crypto';
import { issueSelfSigned, type CertificateSpec, type IssuedCertificate } from '../../src/sandbox/x509.js';

export const FIXTURES = new URL('../../fixtures/metadata/', import.meta.url);
export const NOW = new Date('2026-11-29T00:00:00Z');
export const DAY = 24 * 60 * 60 * 1000;

export function fixture(name: string): Buffer {
  return readFileSync(new URL(name, FIXTURES));
}

export const DOMAIN = 'acme-test.us.auth0.com';
export const CLIENT_ID = 'AbCdEfGhIjKlMnOpQrStUvWxYz012345';

export interface Auth0MetadataOptions {
  domain?: string;
  /** `null` leaves the attribute out. */
  entityId?: string | null;
  /** Base64 text for each `<X509Certificate>`, each in its own signing KeyDescriptor. */
  certificates?: string[];
  /** Replaces the KeyDescriptor elements entirely. */
  keyDescriptors?: string;
  /** Replaces the SingleSignOnService elements. */
  singleSignOn?: string;
  /** Replaces the NameIDFormat elements. */
  nameIdFormats?: string;
  /** Extra attributes on the root and on IDPSSODescriptor, written as is. */
  rootAttributes?: string;
  roleAttributes?: string;
  /** Inserted as the first children of the root (e.g. a ds:Signature). */
  rootPrefix?: string;
}

export function auth0Metadata(options: Auth0MetadataOptions = {}): string {
  const domain = options.domain ?? DOMAIN;
  const entityId = options.entityId === undefined ? `urn:${domain}` : options.entityId;
  const base = `https://${domain}/samlp/${CLIENT_ID}`;
  const keys =
    options.keyDescriptors ??
    (options.certificates ?? [certificate().certBase64])
      .map((c) => `<KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>${c}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>`)
      .join('');
  const sso =
    options.singleSignOn ??
    `<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${base}"/><SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${base}"/>`;
  const formats =
    options.nameIdFormats ??
    ['urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress', 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent', 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient']
      .map((f) => `<NameIDFormat>${f}</NameIDFormat>`)
      .join('');
  return (
    `<EntityDescriptor${entityId === null ? '' : ` entityID="${entityId}"`} xmlns="urn:oasis:names:tc:SAML:2.0:metadata"${options.rootAttributes ? ` ${options.rootAttributes}` : ''}>` +
    (options.rootPrefix ?? '') +
    `<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"${options.roleAttributes ? ` ${options.roleAttributes}` : ''}>` +
    keys +
    `<SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${base}/logout"/>` +
    `<SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${base}/logout"/>` +
    formats +
    sso +
    `<Attribute Name="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri" FriendlyName="E-Mail Address" xmlns="urn:oasis:names:tc:SAML:2.0:assertion"/>` +
    `</IDPSSODescriptor></EntityDescriptor>`
  );
}

let sharedKeys: { privateKey: KeyObject; publicKey: KeyObject } | undefined;

/** One RSA-2048 key pair per test file: key generation is the slow part of issuing a certificate. */
export function sharedRsaKeys(): { privateKey: KeyObject; publicKey: KeyObject } {
  sharedKeys ??= generateKeyPairSync('rsa', { modulusLength: 2048 });
  return sharedKeys;
}

/** A self-signed certificate valid from a year before NOW to ten years after, unless told otherwise. */
export function certificate(spec: Partial<CertificateSpec> & { daysBefore?: number; daysAfter?: number } = {}): IssuedCertificate {
  const { daysBefore = 365, daysAfter = 3650, ...rest } = spec;
  const generated = rest.keys === undefined && rest.rsaBits === undefined && rest.keyType === undefined;
  const full: CertificateSpec = {
    commonName: DOMAIN,
    notBefore: new Date(NOW.getTime() - daysBefore * DAY),
    notAfter: new Date(NOW.getTime() + daysAfter * DAY),
    ...(generated ? { keys: sharedRsaKeys() } : {}),
    ...rest,
  };
  // issueSelfSigned encodes a random serial whose leading zero byte is sometimes not minimal DER
  // (about 1 in 256 calls); its own self-check then throws. Retry: a fresh serial fixes it.
  for (let attempt = 1; ; attempt++) {
    try {
      return issueSelfSigned(full);
    } catch (error) {
      if (attempt >= 8) throw error;
    }
  }
}

export const ALG = {
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  rsaSha1: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  sha1: 'http://www.w3.org/2000/09/xmldsig#sha1',
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  c14n: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
};

let signerCertificate: IssuedCertificate | undefined;

/** The certificate `signMetadata` signs with (and puts in the metadata it builds). */
export function metadataSigner(): IssuedCertificate {
  signerCertificate ??= certificate({ commonName: DOMAIN });
  return signerCertificate;
}

export interface SignSpec {
  signatureAlgorithm?: string;
  digestAlgorithm?: string;
  transforms?: string[];
  /** XPath of the element the Reference covers. */
  target?: string;
  /** The document to sign; default Auth0-shaped metadata with the signer's certificate and root ID `_root1`. */
  xml?: string;
}

/** Signs the way IdPs do: an enveloped signature, first child of the signed element (schema order). */
export function signMetadata(spec: SignSpec = {}): string {
  const signer = metadataSigner();
  const xml = spec.xml ?? auth0Metadata({ certificates: [signer.certBase64], rootAttributes: 'ID="_root1"' });
  const sig = new SignedXml({
    privateKey: signer.privateKeyPem,
    publicCert: signer.certPem,
    signatureAlgorithm: spec.signatureAlgorithm ?? ALG.rsaSha256,
    canonicalizationAlgorithm: ALG.excC14n,
  });
  const target = spec.target ?? '/*';
  sig.addReference({ xpath: target, transforms: spec.transforms ?? [ALG.enveloped, ALG.excC14n], digestAlgorithm: spec.digestAlgorithm ?? ALG.sha256 });
  sig.computeSignature(xml, { location: { reference: target, action: 'prepend' } });
  return sig.getSignedXml();
}

/**
 * The certificate with its RSA public key made unreadable (the key's inner SEQUENCE tag becomes a
 * SET): `X509Certificate` still constructs, and throws only when asked for the key.
 */
export function withCorruptPublicKey(certBase64: string): string {
  const der = Buffer.from(certBase64, 'base64');
  const rsaEncryption = Buffer.from('06092a864886f70d010101', 'hex');
  const oid = der.indexOf(rsaEncryption);
  if (oid < 0) throw new Error('not an RSA certificate');
  // AlgorithmIdentifier ends with NULL (05 00); the BIT STRING follows: 03, length, unused-bits 00, then the key.
  let at = oid + rsaEncryption.length + 2;
  if (der[at] !== 0x03) throw new Error('no BIT STRING after the algorithm');
  const lengthByte = der[at + 1]!;
  at += 2 + (lengthByte & 0x80 ? lengthByte & 0x7f : 0) + 1;
  if (der[at] !== 0x30) throw new Error('the key is not a SEQUENCE');
  der[at] = 0x31;
  return der.toString('base64');
}
