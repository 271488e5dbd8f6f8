/**
 * SAML 2.0 AuthnRequest for the HTTP-Redirect binding (saml-bindings-2.0-os §3.4): what an SP sends
 * to start a login. `verify` sends one as Amplitude would (its entity ID and ACS) to probe the IdP.
 */
import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';

export interface AuthnRequestSpec {
  /** SP entity ID (the Issuer). */
  issuer: string;
  /** Where the IdP must post the response. */
  acsUrl: string;
  /** The IdP's SSO URL (the Destination). */
  destination: string;
  nameIdFormat?: string;
  /** Defaults to a random `_`-prefixed ID (xs:ID must not start with a digit). */
  id?: string;
  issueInstant?: Date;
}

export function buildAuthnRequest(spec: AuthnRequestSpec): { id: string; xml: string } {
  const id = spec.id ?? `_${randomBytes(20).toString('hex')}`;
  const instant = (spec.issueInstant ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const policy = spec.nameIdFormat ? `<samlp:NameIDPolicy Format="${xmlAttr(spec.nameIdFormat)}" AllowCreate="true"/>` : '';
  const xml =
    `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"` +
    ` ID="${xmlAttr(id)}" Version="2.0" IssueInstant="${instant}" Destination="${xmlAttr(spec.destination)}"` +
    ` AssertionConsumerServiceURL="${xmlAttr(spec.acsUrl)}" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST">` +
    `<saml:Issuer>${xmlText(spec.issuer)}</saml:Issuer>${policy}</samlp:AuthnRequest>`;
  return { id, xml };
}

/** The Redirect-binding URL: DEFLATE, base64, URL-encode, plus an optional RelayState. */
export function redirectBindingUrl(ssoUrl: string, requestXml: string, relayState?: string): string {
  const url = new URL(ssoUrl);
  url.searchParams.set('SAMLRequest', deflateRawSync(Buffer.from(requestXml, 'utf8')).toString('base64'));
  if (relayState) url.searchParams.set('RelayState', relayState);
  return url.toString();
}

function xmlAttr(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

function xmlText(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
