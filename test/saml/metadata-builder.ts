/**
 * Builds IdP metadata shaped exactly like Auth0's (default md namespace, one signing KeyDescriptor,
 * SLO + NameIDFormat + SSO + saml:Attribute; see fixtures/metadata/auth0-idp-*.xml), so tests can vary
 * one thing at a time: the certificates, the endpoints, the root attributes.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
