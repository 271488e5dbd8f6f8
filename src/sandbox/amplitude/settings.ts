/**
 * The SP settings endpoint's pure core: reading a PUT request, deciding the new stored state, and
 * the JSON views. The contract is docs/sp-settings-endpoint.md; change both together.
 */
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
}

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
    return { ok: true, value: { identityProvider: idp, metadataXml: text } };
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
  return { ok: true, value: { identityProvider: idp, metadataXml: xml } };
}

/**
 * Decides the state after a PUT. Re-sending what is stored changes nothing (not even `updatedAt`),
 * so a daily `apply` does not churn the org.
 */
export function replaceSettings(current: SsoState | undefined, upload: SettingsUpload, now: Date): Result<{ state: SsoState; changed: boolean }> {
  const verdict = checkIdpMetadata(upload.metadataXml, now);
  if (!verdict.ok) return { ok: false, rejection: verdict.rejection };
  if (current && current.settings.metadataXml === upload.metadataXml && current.settings.identityProvider === upload.identityProvider) {
    return { ok: true, value: { state: current, changed: false } };
  }
  const m = verdict.metadata;
  const settings: StoredSsoSettings = {
    identityProvider: upload.identityProvider,
    metadataXml: upload.metadataXml,
    idpEntityId: m.entityId,
    ssoUrl: m.ssoUrl,
    ssoBinding: m.ssoBinding,
    certificates: m.certificates.map((c) => ({ sha256: c.sha256, notAfter: c.notAfter })),
    updatedAt: now.toISOString(),
  };
  return { ok: true, value: { state: { settings, certificates: m.certificates }, changed: true } };
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
