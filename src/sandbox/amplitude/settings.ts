/**
 * The SP settings endpoint's pure core: reading a PUT request, deciding the new stored state, and
 * the JSON views. The contract is docs/sp-settings-endpoint.md; change both together.
 */
import { X509Certificate } from 'node:crypto';
import type { StoredSsoSettings } from '../types.js';
import { checkIdpMetadata, type IdpSigningCertificate } from './idp-metadata.js';
import { rejection, type Rejection } from './rejection.js';

/** The values of Amplitude's "Identity Provider" dropdown, as stable lower-case identifiers. */
export const IDENTITY_PROVIDERS = ['auth0', 'aws-iam-identity-center', 'google', 'azure-ad', 'okta', 'onelogin', 'other'] as const;
export type IdentityProvider = (typeof IDENTITY_PROVIDERS)[number];

/** Media types a PUT may carry the raw metadata document in. */
export const XML_MEDIA_TYPES = ['application/samlmetadata+xml', 'application/xml', 'text/xml'];

export interface SpIdentity {
  orgId: string;
  entityId: string;
  acsUrl: string;
}

/** What the org holds: the public settings plus the certificates node-saml verifies with. */
export interface SsoState {
  settings: StoredSsoSettings;
  certificates: IdpSigningCertificate[];
}

export interface SettingsUpload {
  identityProvider: IdentityProvider;
  metadataXml: string;
  /**
   * PEM certificates to trust besides the metadata's (the IdP's queued next signing key), so a
   * signing-key rotation at the IdP does not break logins.
   */
  additionalCertificates: string[];
}

/** More than current + next + one spare is a mistake, not a rotation. */
export const MAX_ADDITIONAL_CERTIFICATES = 3;

type Result<T> = { ok: true; value: T } | { ok: false; rejection: Rejection };

/** Reads a PUT body: JSON `{identityProvider, metadataXml}` or the raw document (`?identityProvider=`). */
export function readUpload(contentType: string | undefined, body: Buffer, query: URLSearchParams): Result<SettingsUpload> {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'application/json') return readJsonUpload(body);
  if (XML_MEDIA_TYPES.includes(mediaType)) {
    const idp = query.get('identityProvider') ?? 'other';
    if (!isIdentityProvider(idp)) return { ok: false, rejection: badProvider(idp) };
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    } catch {
      return { ok: false, rejection: rejection(400, 'METADATA_NOT_UTF8', 'the request body is not valid UTF-8') };
    }
    return { ok: true, value: { identityProvider: idp, metadataXml: text, additionalCertificates: [] } };
  }
  return {
    ok: false,
    rejection: rejection(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `Content-Type '${mediaType || '(none)'}' is not accepted`,
      `Send application/json, or the raw document as ${XML_MEDIA_TYPES.join(' or ')}.`,
    ),
  };
}

function readJsonUpload(body: Buffer): Result<SettingsUpload> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return { ok: false, rejection: rejection(400, 'REQUEST_INVALID_JSON', 'the request body is not valid UTF-8 JSON') };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, rejection: rejection(400, 'REQUEST_INVALID', 'the request body must be a JSON object') };
  }
  const o = parsed as Record<string, unknown>;
  const idp = Object.hasOwn(o, 'identityProvider') ? o.identityProvider : undefined;
  const xml = Object.hasOwn(o, 'metadataXml') ? o.metadataXml : undefined;
  if (typeof idp !== 'string') {
    return { ok: false, rejection: rejection(400, 'REQUEST_INVALID', 'identityProvider is required and must be a string', `One of: ${IDENTITY_PROVIDERS.join(', ')}.`) };
  }
  if (!isIdentityProvider(idp)) return { ok: false, rejection: badProvider(idp) };
  if (typeof xml !== 'string' || xml.trim() === '') {
    return { ok: false, rejection: rejection(400, 'REQUEST_INVALID', 'metadataXml is required and must be a non-empty string (the IdP metadata document)') };
  }
  const extra = Object.hasOwn(o, 'additionalCertificates') ? o.additionalCertificates : [];
  if (!Array.isArray(extra) || !extra.every((c) => typeof c === 'string') || extra.length > MAX_ADDITIONAL_CERTIFICATES) {
    return {
      ok: false,
      rejection: rejection(400, 'REQUEST_INVALID', `additionalCertificates must be a list of at most ${MAX_ADDITIONAL_CERTIFICATES} PEM certificates`),
    };
  }
  return { ok: true, value: { identityProvider: idp, metadataXml: xml, additionalCertificates: extra as string[] } };
}

/**
 * Decides the state after a PUT. Re-sending what is stored changes nothing (not even `updatedAt`),
 * so a daily `apply` does not churn the org.
 */
export function replaceSettings(current: SsoState | undefined, upload: SettingsUpload, now: Date): Result<{ state: SsoState; changed: boolean }> {
  const verdict = checkIdpMetadata(upload.metadataXml, now);
  if (!verdict.ok) return { ok: false, rejection: verdict.rejection };
  const extra = additionalCertificates(upload.additionalCertificates, now);
  if (!extra.ok) return extra;
  const m = verdict.metadata;
  const fromMetadata = new Set(m.certificates.map((c) => c.sha256));
  const added = extra.value.filter((c, i, all) => !fromMetadata.has(c.sha256) && all.findIndex((x) => x.sha256 === c.sha256) === i);
  const certificates = [...m.certificates, ...added];
  const sameCertificates = (a: { sha256: string }[], b: { sha256: string }[]) => a.length === b.length && a.every((c, i) => c.sha256 === b[i]!.sha256);
  if (
    current &&
    current.settings.metadataXml === upload.metadataXml &&
    current.settings.identityProvider === upload.identityProvider &&
    sameCertificates(current.certificates, certificates)
  ) {
    return { ok: true, value: { state: current, changed: false } };
  }
  const settings: StoredSsoSettings = {
    identityProvider: upload.identityProvider,
    metadataXml: upload.metadataXml,
    idpEntityId: m.entityId,
    ssoUrl: m.ssoUrl,
    ssoBinding: m.ssoBinding,
    certificates: [
      ...m.certificates.map((c) => ({ sha256: c.sha256, notAfter: c.notAfter, source: 'metadata' as const })),
      ...added.map((c) => ({ sha256: c.sha256, notAfter: c.notAfter, source: 'additional' as const })),
    ],
    updatedAt: now.toISOString(),
  };
  return { ok: true, value: { state: { settings, certificates }, changed: true } };
}

function additionalCertificates(pems: string[], now: Date): Result<IdpSigningCertificate[]> {
  const out: IdpSigningCertificate[] = [];
  for (const [i, pem] of pems.entries()) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(pem);
    } catch {
      return { ok: false, rejection: rejection(400, 'ADDITIONAL_CERT_UNPARSEABLE', `additionalCertificates[${i}] is not a PEM X.509 certificate`) };
    }
    const notBefore = new Date(cert.validFrom);
    const notAfter = new Date(cert.validTo);
    if (notAfter.getTime() <= now.getTime()) {
      return { ok: false, rejection: rejection(400, 'ADDITIONAL_CERT_EXPIRED', `additionalCertificates[${i}] expired on ${notAfter.toISOString()}`) };
    }
    out.push({ pem: cert.toString(), sha256: cert.fingerprint256, notBefore: notBefore.toISOString(), notAfter: notAfter.toISOString() });
  }
  return { ok: true, value: out };
}

/** The body of GET (and of a successful PUT). */
export function settingsView(state: SsoState | undefined, sp: SpIdentity): Record<string, unknown> {
  const spView = { entityId: sp.entityId, acsUrl: sp.acsUrl };
  if (!state) return { enabled: false, sp: spView };
  const s = state.settings;
  return {
    enabled: true,
    identityProvider: s.identityProvider,
    idpEntityId: s.idpEntityId,
    ssoUrl: s.ssoUrl,
    ssoBinding: s.ssoBinding,
    certificates: s.certificates.map((c) => ({ ...c })),
    metadataXml: s.metadataXml,
    updatedAt: s.updatedAt,
    sp: spView,
  };
}

function isIdentityProvider(v: string): v is IdentityProvider {
  return (IDENTITY_PROVIDERS as readonly string[]).includes(v);
}

function badProvider(v: string): Rejection {
  return rejection(400, 'IDENTITY_PROVIDER_INVALID', `identityProvider '${v.slice(0, 64)}' is not known`, `Use one of: ${IDENTITY_PROVIDERS.join(', ')}.`);
}
