/**
 * How Auth0's SAML2 Web App addon turns a user profile into assertion attributes and a NameID.
 * samlp's default `PassportProfileMapper` knows none of Auth0's addon options, so the emulator
 * plugs in this mapper. Rules (docs "Customize SAML Assertions", table "SAML assertion
 * attributes"; shape of the real 2016 Auth0 response in shared/fixtures):
 *
 * - `mappings` (profile property → attribute name, or a list of names) apply on top of Auth0's
 *   default mappings (user_id → nameidentifier, email → emailaddress, name, given_name →
 *   givenname, family_name → surname, upn, groups).
 * - `createUpnClaim` (default true) adds the upn claim from the email.
 * - `mapIdentities` (default true) adds `http://schemas.auth0.com/identities/default/{provider,connection,isSocial}`.
 * - `passthroughClaimsWithNoMapping` (default true) passes other profile properties through,
 *   named `http://schemas.auth0.com/<property>` unless `mapUnknownClaimsAsIs` (default false).
 * - `nameIdentifierProbes` (default nameidentifier, emailaddress, name) pick the NameID: the first
 *   attribute with a value; `nameIdentifierFormat` (default unspecified) is its Format.
 */
import type { SamlpProfileMap } from './samlp-module.js';

export const CLAIM = {
  nameIdentifier: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier',
  email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
  name: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
  givenName: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname',
  surname: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname',
  upn: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn',
  groups: 'http://schemas.xmlsoap.org/claims/Group',
} as const;

export const DEFAULT_MAPPINGS: Readonly<Record<string, string>> = {
  user_id: CLAIM.nameIdentifier,
  email: CLAIM.email,
  name: CLAIM.name,
  given_name: CLAIM.givenName,
  family_name: CLAIM.surname,
  upn: CLAIM.upn,
  groups: CLAIM.groups,
};

export const DEFAULT_NAME_IDENTIFIER_PROBES = [CLAIM.nameIdentifier, CLAIM.email, CLAIM.name] as const;
export const NAMEID_UNSPECIFIED = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';
const AUTH0_CLAIM_PREFIX = 'http://schemas.auth0.com/';

/** The addon options this mapper reads (values are untrusted JSON from `addons.samlp`). */
export interface ClaimSettings {
  mappings?: unknown;
  createUpnClaim?: unknown;
  passthroughClaimsWithNoMapping?: unknown;
  mapUnknownClaimsAsIs?: unknown;
  mapIdentities?: unknown;
  nameIdentifierProbes?: unknown;
  nameIdentifierFormat?: unknown;
}

const flag = (value: unknown, fallback: boolean): boolean => (typeof value === 'boolean' ? value : fallback);

function effectiveMappings(settings: ClaimSettings): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const custom = typeof settings.mappings === 'object' && settings.mappings !== null && !Array.isArray(settings.mappings) ? (settings.mappings as Record<string, unknown>) : {};
  for (const [prop, target] of Object.entries({ ...DEFAULT_MAPPINGS, ...custom })) {
    const names = (Array.isArray(target) ? target : [target]).filter((t): t is string => typeof t === 'string' && t.length > 0);
    if (names.length > 0) out.set(prop, names);
  }
  return out;
}

function lookup(profile: Record<string, unknown>, path: string): unknown {
  let value: unknown = profile;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Only values an AttributeValue can hold: strings, numbers, booleans, and lists of those. */
function attributeValue(value: unknown): unknown {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value) && value.every((v) => ['string', 'number', 'boolean'].includes(typeof v))) return value;
  return undefined;
}

/** Attribute name → value(s), in the order Auth0 emits them (mapped, identities, passthrough). */
export function auth0Claims(profile: Record<string, unknown>, settings: ClaimSettings): Record<string, unknown> {
  const claims: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const mappings = effectiveMappings(settings);

  for (const [prop, names] of mappings) {
    const value = prop === 'upn' && flag(settings.createUpnClaim, true) ? (lookup(profile, 'upn') ?? profile['email']) : lookup(profile, prop);
    const v = attributeValue(value);
    if (v !== undefined) for (const name of names) claims[name] = v;
  }

  const identities = Array.isArray(profile['identities']) ? (profile['identities'] as unknown[]) : [];
  const primary = identities[0];
  if (flag(settings.mapIdentities, true) && typeof primary === 'object' && primary !== null) {
    for (const key of ['provider', 'connection', 'isSocial']) {
      const v = attributeValue((primary as Record<string, unknown>)[key]);
      if (v !== undefined) claims[`${AUTH0_CLAIM_PREFIX}identities/default/${key}`] = v;
    }
  }

  if (flag(settings.passthroughClaimsWithNoMapping, true)) {
    const asIs = flag(settings.mapUnknownClaimsAsIs, false);
    for (const [prop, value] of Object.entries(profile)) {
      if (mappings.has(prop) || prop === 'identities') continue;
      const v = attributeValue(value);
      if (v !== undefined) claims[asIs ? prop : `${AUTH0_CLAIM_PREFIX}${prop}`] = v;
    }
  }
  return claims;
}

/** The NameID: the first probe that names a claim with a value. */
export function nameIdentifierOf(claims: Record<string, unknown>, settings: ClaimSettings): { nameIdentifier?: string; nameIdentifierFormat: string } {
  const probes = Array.isArray(settings.nameIdentifierProbes)
    ? settings.nameIdentifierProbes.filter((p): p is string => typeof p === 'string')
    : [...DEFAULT_NAME_IDENTIFIER_PROBES];
  const format = typeof settings.nameIdentifierFormat === 'string' && settings.nameIdentifierFormat ? settings.nameIdentifierFormat : NAMEID_UNSPECIFIED;
  for (const probe of probes) {
    const value = claims[probe];
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined && first !== null && String(first) !== '') return { nameIdentifier: String(first), nameIdentifierFormat: format };
  }
  return { nameIdentifierFormat: format };
}

/** A samlp `profileMapper` applying the addon's settings. */
export function auth0ProfileMapper(settings: ClaimSettings): (user: Record<string, unknown>) => SamlpProfileMap {
  return (user) => {
    const claims = auth0Claims(user, settings);
    return {
      getClaims: () => ({ ...claims }),
      getNameIdentifier: () => nameIdentifierOf(claims, settings),
    };
  };
}
