/**
 * What the emulated Amplitude org accepts as IdP metadata when an admin (or `sso-setup apply`)
 * uploads it. Independent of sso-setup's own metadata checker on purpose: if both shared code, a bug
 * in one would hide in the other. Pure: bytes and a clock in, a verdict out.
 */
import { X509Certificate } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import { isLoopbackHost } from '../../http/agent.js';
import { Rejected, reject, type Rejection } from './rejection.js';
import { childElements, descendantElements, parseUntrustedXml, wholeText } from './safe-xml.js';

export const MD_NS = 'urn:oasis:names:tc:SAML:2.0:metadata';
export const DS_NS = 'http://www.w3.org/2000/09/xmldsig#';
export const SAML2_PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
export const BINDING = {
  'HTTP-Redirect': 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  'HTTP-POST': 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
} as const;

export type SsoBinding = keyof typeof BINDING;

/** XSD entityIDType maxLength. */
const MAX_ENTITY_ID_LENGTH = 1024;

export interface IdpSigningCertificate {
  /** PEM, as node-saml wants it for `idpCert`. */
  pem: string;
  /** `X509Certificate.fingerprint256`: upper-case hex pairs joined by colons. */
  sha256: string;
  notBefore: string;
  notAfter: string;
}

export interface AcceptedIdpMetadata {
  entityId: string;
  /** The SSO endpoint the SP sends AuthnRequests to: HTTP-Redirect when offered, else HTTP-POST. */
  ssoUrl: string;
  ssoBinding: SsoBinding;
  /** Every distinct signing certificate (expired ones included: their keys are still trusted). */
  certificates: IdpSigningCertificate[];
}

export type MetadataVerdict = { ok: true; metadata: AcceptedIdpMetadata } | { ok: false; rejection: Rejection };

/** Judges an uploaded IdP metadata document as of `now`. Never throws. */
export function checkIdpMetadata(input: Buffer | string, now: Date): MetadataVerdict {
  try {
    return { ok: true, metadata: accept(input, now) };
  } catch (e) {
    if (e instanceof Rejected) return { ok: false, rejection: e.rejection };
    throw e;
  }
}

function accept(input: Buffer | string, now: Date): AcceptedIdpMetadata {
  const parsed = parseUntrustedXml(input);
  if (!parsed.ok) {
    const code = { encoding: 'METADATA_NOT_UTF8', doctype: 'METADATA_DOCTYPE', malformed: 'METADATA_MALFORMED', depth: 'METADATA_TOO_DEEP' }[parsed.reason];
    const hint =
      parsed.reason === 'doctype'
        ? 'Remove the DOCTYPE: SAML metadata never needs one, and it is refused for safety.'
        : 'Upload the metadata document exactly as the IdP serves it.';
    reject(400, code, `IdP metadata is not acceptable XML: ${parsed.detail}`, hint);
  }
  const { doc, root } = parsed;

  if (root.namespaceURI !== MD_NS || root.localName !== 'EntityDescriptor') {
    const what = root.localName === 'EntitiesDescriptor' ? 'an EntitiesDescriptor (a federation aggregate)' : `<${root.localName ?? root.nodeName}>`;
    reject(400, 'METADATA_NOT_ENTITY_DESCRIPTOR', `IdP metadata root is ${what}, expected one SAML 2.0 <EntityDescriptor>`, 'Upload the metadata of a single IdP.');
  }
  if (descendantElements(doc, MD_NS, 'EntityDescriptor').length !== 1) {
    reject(400, 'METADATA_MULTIPLE_ENTITIES', 'IdP metadata holds more than one EntityDescriptor', 'Upload the metadata of a single IdP, with nothing nested inside it.');
  }

  const entityId = (root.getAttribute('entityID') ?? '').trim();
  if (entityId === '') reject(400, 'METADATA_NO_ENTITY_ID', 'IdP metadata has no entityID on its EntityDescriptor');
  if (entityId.length > MAX_ENTITY_ID_LENGTH) {
    reject(400, 'METADATA_NO_ENTITY_ID', `IdP metadata entityID is longer than ${MAX_ENTITY_ID_LENGTH} characters`);
  }

  const validUntil = root.getAttribute('validUntil');
  if (validUntil) {
    const t = Date.parse(validUntil.trim());
    if (Number.isNaN(t)) reject(400, 'METADATA_MALFORMED', `IdP metadata validUntil '${validUntil}' is not a date-time`);
    if (t <= now.getTime()) reject(400, 'METADATA_EXPIRED', `IdP metadata expired at ${validUntil} (validUntil)`, 'Download fresh metadata from the IdP.');
  }

  const idps = childElements(root, MD_NS, 'IDPSSODescriptor');
  if (idps.length === 0) {
    const isSp = childElements(root, MD_NS, 'SPSSODescriptor').length > 0;
    reject(
      400,
      'METADATA_NOT_IDP',
      isSp ? 'the uploaded metadata describes a service provider (SPSSODescriptor), not an identity provider' : 'IdP metadata has no IDPSSODescriptor',
      "Upload the identity provider's metadata (for Auth0: https://{domain}/samlp/metadata/{client_id}).",
    );
  }
  if (idps.length > 1) reject(400, 'METADATA_MULTIPLE_IDP', 'IdP metadata has more than one IDPSSODescriptor');
  const idp = idps[0]!;

  const protocols = (idp.getAttribute('protocolSupportEnumeration') ?? '').split(/\s+/).filter(Boolean);
  if (!protocols.includes(SAML2_PROTOCOL)) {
    reject(400, 'METADATA_PROTOCOL_UNSUPPORTED', `IDPSSODescriptor does not list ${SAML2_PROTOCOL} in protocolSupportEnumeration`);
  }

  const { ssoUrl, ssoBinding } = pickSsoEndpoint(childElements(idp, MD_NS, 'SingleSignOnService'));
  const certificates = signingCertificates(idp, now);
  return { entityId, ssoUrl, ssoBinding, certificates };
}

function pickSsoEndpoint(services: Element[]): { ssoUrl: string; ssoBinding: SsoBinding } {
  const usable: { binding: SsoBinding; location: string }[] = [];
  for (const s of services) {
    const binding = (Object.keys(BINDING) as SsoBinding[]).find((b) => BINDING[b] === (s.getAttribute('Binding') ?? '').trim());
    if (binding) usable.push({ binding, location: (s.getAttribute('Location') ?? '').trim() });
  }
  if (usable.length === 0) {
    reject(
      400,
      'METADATA_NO_SSO_ENDPOINT',
      'IdP metadata has no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding',
      'The IdP must offer a browser SSO endpoint (Auth0 offers both bindings at https://{domain}/samlp/{client_id}).',
    );
  }
  for (const u of usable) {
    const problem = ssoUrlProblem(u.location);
    if (problem) reject(400, 'METADATA_SSO_URL_INVALID', `SingleSignOnService (${u.binding}) Location '${u.location}' ${problem}`, 'Use an absolute https:// URL.');
  }
  const chosen = usable.find((u) => u.binding === 'HTTP-Redirect') ?? usable[0]!;
  return { ssoUrl: chosen.location, ssoBinding: chosen.binding };
}

function ssoUrlProblem(location: string): string | undefined {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.username || url.password) return 'carries credentials';
  if (url.hash) return 'has a fragment';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return undefined;
  return 'is not https (plain http is accepted only for loopback hosts)';
}

function signingCertificates(idp: Element, now: Date): IdpSigningCertificate[] {
  const texts: string[] = [];
  for (const kd of childElements(idp, MD_NS, 'KeyDescriptor')) {
    const use = (kd.getAttribute('use') ?? '').trim();
    if (use !== '' && use !== 'signing') continue;
    for (const c of descendantElements(kd, DS_NS, 'X509Certificate')) texts.push(wholeText(c));
  }
  if (texts.length === 0) {
    reject(
      400,
      'METADATA_NO_SIGNING_CERT',
      'IdP metadata has no signing certificate (KeyDescriptor use="signing" or without use, holding a ds:X509Certificate)',
      'Upload metadata that includes the IdP signing certificate.',
    );
  }

  const byFingerprint = new Map<string, IdpSigningCertificate>();
  const judged: { notBefore: Date; notAfter: Date }[] = [];
  texts.forEach((raw, i) => {
    const b64 = raw.replace(/\s+/g, '');
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(b64) || b64.length === 0) {
      reject(400, 'METADATA_CERT_UNPARSEABLE', `signing certificate #${i + 1} is not base64 DER`, 'Put the certificate as bare base64 DER, without PEM armour.');
    }
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(Buffer.from(b64, 'base64'));
    } catch {
      reject(400, 'METADATA_CERT_UNPARSEABLE', `signing certificate #${i + 1} is not an X.509 certificate`);
    }
    const notBefore = new Date(cert.validFrom);
    const notAfter = new Date(cert.validTo);
    judged.push({ notBefore, notAfter });
    if (!byFingerprint.has(cert.fingerprint256)) {
      byFingerprint.set(cert.fingerprint256, {
        pem: cert.toString(),
        sha256: cert.fingerprint256,
        notBefore: notBefore.toISOString(),
        notAfter: notAfter.toISOString(),
      });
    }
  });

  const t = now.getTime();
  if (!judged.some((j) => j.notBefore.getTime() <= t && t < j.notAfter.getTime())) {
    const detail = judged
      .map((j) => (j.notAfter.getTime() <= t ? `expired ${j.notAfter.toISOString()}` : `not valid before ${j.notBefore.toISOString()}`))
      .join(', ');
    reject(400, 'METADATA_NO_VALID_CERT', `no signing certificate in the IdP metadata is valid now (${detail})`, 'Download current metadata from the IdP.');
  }
  return [...byFingerprint.values()];
}
