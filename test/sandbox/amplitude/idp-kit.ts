/**
 * The IdP side for the Amplitude emulator's tests, built with Auth0's own packages (`samlp`, which
 * wraps `saml`) so responses have the shape Auth0 emits, plus Auth0-shaped metadata made from a real
 * Auth0 document (fixtures/amplitude/auth0-idp-metadata.xml) with our tenant, client and certificate.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { issueSelfSigned, type IssuedCertificate } from '../../../src/sandbox/x509.js';

const require = createRequire(import.meta.url);

export const FIXTURES = new URL('../../../fixtures/amplitude/', import.meta.url);
export const fixture = (name: string): string => readFileSync(new URL(name, FIXTURES), 'utf8');

export const NAMEID_EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
export const EMAIL_CLAIM = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress';

/** The parts of samlp 8 we call (it ships no types). */
interface Samlp {
  getSamlResponse(options: Record<string, unknown>, user: unknown, callback: (err: Error | null, xml?: string) => void): void;
}
const samlp = require('samlp') as Samlp;

/** The fixture's own tenant and client, replaced in `auth0Metadata`. */
const FIXTURE_DOMAIN = 'aws-security-project-0an.us.auth0.com';
const FIXTURE_CLIENT = 'MQz6OQsZNq64hNIsjQ9mTteDFL3iLKgS';

export interface TestIdp {
  domain: string;
  clientId: string;
  entityId: string;
  ssoUrl: string;
  cert: IssuedCertificate;
}

const DAY = 24 * 60 * 60 * 1000;

/**
 * A self-signed signing certificate valid from a day before `now` for a year. Tests that judge it at a
 * fixed instant pass that instant as `now`, so the verdict never depends on the wall clock.
 */
export function signingCert(opts: { notBefore?: Date; notAfter?: Date; commonName?: string; now?: Date } = {}): IssuedCertificate {
  const now = (opts.now ?? new Date()).getTime();
  return issueSelfSigned({
    commonName: opts.commonName ?? 'example-tenant.us.auth0.com',
    notBefore: opts.notBefore ?? new Date(now - DAY),
    notAfter: opts.notAfter ?? new Date(now + 365 * DAY),
  });
}

export function testIdp(cert: IssuedCertificate = signingCert(), domain = 'example-tenant.us.auth0.com', clientId = 'k3T9sBq1ZxAmpl1tudeSandb0xC1ient'): TestIdp {
  return { domain, clientId, entityId: `urn:${domain}`, ssoUrl: `https://${domain}/samlp/${clientId}`, cert };
}

/** Auth0's metadata document for `idp`, with one `KeyDescriptor use="signing"` per certificate given. */
export function auth0Metadata(idp: TestIdp, certs: IssuedCertificate[] = [idp.cert]): string {
  const template = fixture('auth0-idp-metadata.xml');
  const keyDescriptor = /<KeyDescriptor use="signing">[\s\S]*?<\/KeyDescriptor>/.exec(template)![0];
  const original = /<X509Certificate>([^<]+)<\/X509Certificate>/.exec(keyDescriptor)![1]!;
  const keys = certs.map((c) => keyDescriptor.replace(original, c.certBase64)).join('');
  return template.replace(keyDescriptor, keys).split(FIXTURE_DOMAIN).join(idp.domain).split(FIXTURE_CLIENT).join(idp.clientId);
}

export interface ResponseOptions {
  idp: TestIdp;
  /** The SP's entity ID (Audience) and ACS (Recipient, Destination), unless overridden below. */
  audience: string;
  acsUrl: string;
  recipient?: string;
  destination?: string;
  inResponseTo?: string;
  nameId?: string;
  nameIdFormat?: string;
  claims?: Record<string, string>;
  signAssertion?: boolean;
  signResponse?: boolean;
  /** Sign with this certificate's key instead of the IdP's. */
  signWith?: IssuedCertificate;
  /** Pretend the IdP's clock reads this when issuing (e.g. an hour ago, for an expired assertion). */
  issuedAt?: Date;
  lifetimeInSeconds?: number;
}

/** A SAMLResponse as Auth0's samlp addon builds it (XML text, not yet base64). */
export async function auth0Response(o: ResponseOptions): Promise<string> {
  const signer = o.signWith ?? o.idp.cert;
  const user = {
    nameId: o.nameId ?? 'alice@example.com',
    format: o.nameIdFormat ?? NAMEID_EMAIL,
    claims: o.claims ?? { [EMAIL_CLAIM]: o.nameId ?? 'alice@example.com', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name': 'Alice Example' },
  };
  const options = {
    cert: Buffer.from(signer.certPem),
    key: Buffer.from(signer.privateKeyPem),
    issuer: o.idp.entityId,
    audience: o.audience,
    recipient: o.recipient ?? o.acsUrl,
    destination: o.destination ?? o.acsUrl,
    inResponseTo: o.inResponseTo,
    lifetimeInSeconds: o.lifetimeInSeconds ?? 3600,
    signatureAlgorithm: 'rsa-sha256',
    digestAlgorithm: 'sha256',
    signAssertion: o.signAssertion ?? true,
    signResponse: o.signResponse ?? false,
    profileMapper: (u: typeof user) => ({
      getClaims: () => u.claims,
      getNameIdentifier: () => ({ nameIdentifier: u.nameId, nameIdentifierFormat: u.format }),
    }),
  };
  const realNow = Date.now;
  const shift = o.issuedAt ? o.issuedAt.getTime() - realNow() : 0;
  // saml's moment-based timestamps read Date.now; shifting it only while signing fakes the IdP clock.
  if (shift !== 0) Date.now = () => realNow() + shift;
  try {
    return await new Promise<string>((resolve, reject) => samlp.getSamlResponse(options, user, (err, xml) => (err || !xml ? reject(err ?? new Error('no response')) : resolve(xml))));
  } finally {
    Date.now = realNow;
  }
}

export function base64(xml: string): string {
  return Buffer.from(xml, 'utf8').toString('base64');
}

/** Posts a SAMLResponse to the ACS the way a browser's auto-submitting form does. */
export function postToAcs(acsUrl: string, xml: string, opts: { accept?: string; relayState?: string; rawSamlResponse?: string } = {}): Promise<Response> {
  const form = new URLSearchParams({ SAMLResponse: opts.rawSamlResponse ?? base64(xml) });
  if (opts.relayState !== undefined) form.set('RelayState', opts.relayState);
  return fetch(acsUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: opts.accept ?? 'application/json' },
    body: form.toString(),
  });
}

/** PUTs IdP metadata to the settings endpoint as `sso-setup apply` does. */
export function putMetadata(endpoint: string, token: string, metadataXml: string, identityProvider = 'auth0'): Promise<Response> {
  return fetch(endpoint, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ identityProvider, metadataXml }),
  });
}
