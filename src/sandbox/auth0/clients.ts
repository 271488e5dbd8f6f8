/**
 * The client (application) object: how Auth0 builds it on create, merges a PATCH into it, and shows
 * it to a caller. Pure functions over plain JSON; the tenant holds the records.
 *
 * Records are stored in Auth0's raw form and key order (NOTES §2.1): `tenant`, `global` and
 * `callback_url_template` included, unset fields absent (never `null` or `[]`), new fields
 * appended where a later PATCH adds them. `signing_keys` is filled in when the record is shown,
 * because it always reflects the tenant's current signing key.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { ManagementApiError, payloadValidationError, queryValidationError } from './api-errors.js';
import { checkpointPage, parseBoolean, parseInteger, splitList, unknownParameters } from './query.js';

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep copy of JSON data (JSON.parse makes `__proto__` an own property, never a prototype). */
export function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Sets an own enumerable property even when the key is `__proto__`. */
function setOwn(target: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Fields the emulator owns; they have fixed places in a created record. */
const FIXED_SLOT_FIELDS = new Set([
  'tenant', 'global', 'is_token_endpoint_ip_header_trusted', 'name', 'is_first_party', 'sso_disabled', 'cross_origin_auth',
  'cross_origin_authentication', 'oidc_conformant', 'refresh_token', 'signing_keys', 'client_id', 'callback_url_template',
  'client_secret', 'jwt_configuration', 'token_endpoint_auth_method', 'app_type', 'grant_types', 'custom_login_page_on',
]);

const FOUR_GRANTS = ['authorization_code', 'implicit', 'refresh_token', 'client_credentials'];

export interface NewClientIds {
  clientId: string;
  clientSecret: string;
}

/**
 * The record `POST /api/v2/clients` stores for a validated body, with the defaults of NOTES §2.3.
 * Values the caller sent are echoed as sent (no merge with defaults); `token_endpoint_auth_method`
 * is never defaulted.
 */
export function buildClientRecord(body: JsonObject, ids: NewClientIds, tenantName: string): JsonObject {
  const input = cloneJson(body);
  const appType = typeof input['app_type'] === 'string' ? input['app_type'] : undefined;
  const authMethod = input['token_endpoint_auth_method'];
  const isResourceServer = appType === 'resource_server';
  const isExpress = appType === 'express_configuration';
  const given = (key: string, fallback: unknown): unknown => (Object.hasOwn(input, key) ? input[key] : fallback);
  const crossOrigin = given('cross_origin_authentication', given('cross_origin_auth', false));

  const record: JsonObject = {};
  setOwn(record, 'tenant', tenantName);
  setOwn(record, 'global', false);
  setOwn(record, 'is_token_endpoint_ip_header_trusted', given('is_token_endpoint_ip_header_trusted', false));
  setOwn(record, 'name', input['name']);
  if (isExpress && !Object.hasOwn(input, 'callbacks')) setOwn(record, 'callbacks', ['https://system-admin.okta.com/admin/app/generic/oauth20redirect']);
  for (const [key, value] of Object.entries(input)) {
    if (!FIXED_SLOT_FIELDS.has(key)) setOwn(record, key, value);
  }
  setOwn(record, 'is_first_party', given('is_first_party', true));
  setOwn(record, 'sso_disabled', given('sso_disabled', false));
  setOwn(record, 'cross_origin_auth', crossOrigin);
  setOwn(record, 'cross_origin_authentication', crossOrigin);
  setOwn(record, 'oidc_conformant', given('oidc_conformant', isResourceServer || isExpress));
  setOwn(record, 'refresh_token', given('refresh_token', defaultRefreshToken(authMethod === 'client_secret_post')));
  setOwn(record, 'signing_keys', []);
  setOwn(record, 'client_id', ids.clientId);
  setOwn(record, 'callback_url_template', false);
  if (!isExpress) setOwn(record, 'client_secret', given('client_secret', ids.clientSecret));
  setOwn(record, 'jwt_configuration', jwtConfiguration(input['jwt_configuration'], isResourceServer || isExpress, input['is_first_party'] === false));
  if (authMethod !== undefined) setOwn(record, 'token_endpoint_auth_method', authMethod);
  if (appType !== undefined) setOwn(record, 'app_type', appType);
  setOwn(record, 'grant_types', given('grant_types', defaultGrantTypes(appType)));
  setOwn(record, 'custom_login_page_on', given('custom_login_page_on', true));
  if (isExpress) {
    if (!Object.hasOwn(input, 'organization_usage')) setOwn(record, 'organization_usage', 'require');
    if (!Object.hasOwn(input, 'organization_require_behavior')) setOwn(record, 'organization_require_behavior', 'pre_login_prompt');
    if (!Object.hasOwn(input, 'client_authentication_methods')) setOwn(record, 'client_authentication_methods', { private_key_jwt: { credentials: [] } });
  }
  return record;
}

/** Refresh-token defaults; `client_secret_post` apps get the longer lifetimes (25/25 recorded creates). */
export function defaultRefreshToken(secretPost: boolean): JsonObject {
  return {
    expiration_type: 'non-expiring',
    leeway: 0,
    infinite_token_lifetime: true,
    infinite_idle_token_lifetime: true,
    token_lifetime: secretPost ? 31557600 : 2592000,
    idle_token_lifetime: secretPost ? 2592000 : 1296000,
    rotation_type: 'non-rotating',
  };
}

/**
 * `jwt_configuration` on create. A given object is kept, with `secret_encoded: false` added in
 * front when absent (TestClient_Read #0); third-party apps default to RS256 and a 3600 s lifetime
 * (TestAccClient_ThirdPartySecurityMode #0); resource servers and express apps to RS256 only.
 */
function jwtConfiguration(given: unknown, rs256Only: boolean, thirdParty: boolean): JsonObject {
  if (isJsonObject(given)) return { secret_encoded: false, ...given };
  if (rs256Only) return { secret_encoded: false, alg: 'RS256' };
  if (thirdParty) return { secret_encoded: false, alg: 'RS256', lifetime_in_seconds: 3600 };
  return { lifetime_in_seconds: 36000, secret_encoded: false };
}

function defaultGrantTypes(appType: string | undefined): string[] {
  switch (appType) {
    case 'spa':
    case 'native':
      return ['authorization_code', 'implicit', 'refresh_token'];
    case 'resource_server':
      return [];
    case 'express_configuration':
      return ['authorization_code', 'client_credentials'];
    default:
      return [...FOUR_GRANTS];
  }
}

/**
 * Applies a validated PATCH body (NOTES §4): top-level fields replace; arrays are replaced;
 * object-valued fields merge one level deep; `client_metadata` keys set to `null` are deleted;
 * `addons` merges per addon name with each addon replaced whole, and `addons: null` or
 * `addons: {}` clears them all; a nullable field set to `null` is removed. Returns a new record.
 */
export function applyClientPatch(record: JsonObject, patch: JsonObject): JsonObject {
  const next = cloneJson(record);
  for (const [key, rawValue] of Object.entries(cloneJson(patch))) {
    const value: unknown = rawValue;
    if (key === 'cross_origin_auth' || key === 'cross_origin_authentication') {
      setOwn(next, 'cross_origin_auth', value);
      setOwn(next, 'cross_origin_authentication', value);
      continue;
    }
    if (value === null) {
      delete next[key];
      continue;
    }
    if (key === 'addons' && isJsonObject(value)) {
      setOwn(next, 'addons', mergeAddons(next['addons'], value));
      continue;
    }
    if (isJsonObject(value) && isJsonObject(next[key])) {
      setOwn(next, key, mergeOneLevel(next[key] as JsonObject, value, key === 'client_metadata'));
      continue;
    }
    if (key === 'client_metadata' && isJsonObject(value)) {
      setOwn(next, key, mergeOneLevel({}, value, true));
      continue;
    }
    setOwn(next, key, value);
  }
  return next;
}

function mergeAddons(current: unknown, patch: JsonObject): JsonObject {
  // Observed: an empty `addons` object removed every addon (NOTES §4).
  if (Object.keys(patch).length === 0) return {};
  const merged: JsonObject = isJsonObject(current) ? { ...current } : {};
  for (const [name, config] of Object.entries(patch)) setOwn(merged, name, config);
  return merged;
}

function mergeOneLevel(current: JsonObject, patch: JsonObject, nullDeletes: boolean): JsonObject {
  const merged: JsonObject = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (nullDeletes && value === null) delete merged[key];
    else setOwn(merged, key, value);
  }
  return merged;
}

/** The per-client certificate view of the tenant's current signing key. */
export interface ClientSigningKey {
  cert: string;
  pkcs7: string;
  subject: string;
}

/** Which client fields a token's scopes may read (SDK `ClientsClient.list`/`get` doc comments). */
export function clientFieldVisibility(scopes: readonly string[]): (field: string) => boolean {
  const has = (s: string): boolean => scopes.includes(s);
  const general = has('read:clients') || has('read:client_keys');
  const keys = has('read:client_keys') || has('read:client_credentials');
  return (field) => {
    if (SUMMARY_FIELDS.has(field)) return true;
    if (KEY_FIELDS.has(field)) return keys;
    return general;
  };
}

const SUMMARY_FIELDS = new Set(['client_id', 'app_type', 'name', 'description']);
const KEY_FIELDS = new Set(['client_secret', 'encryption_key', 'client_authentication_methods', 'signing_keys']);

export interface FieldSelection {
  fields?: string[];
  includeFields: boolean;
}

/**
 * What a caller sees of a record: a copy with `signing_keys` filled in, fields the caller's scopes
 * may not read removed, and the `fields` projection applied (an include projection always keeps
 * `tenant`, NOTES §6).
 */
export function presentClient(
  record: JsonObject,
  signingKey: ClientSigningKey,
  visible: (field: string) => boolean = () => true,
  selection: FieldSelection = { includeFields: true },
): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(cloneJson(record))) {
    if (!visible(key)) continue;
    if (selection.fields) {
      const listed = selection.fields.includes(key);
      if (selection.includeFields ? !listed && key !== 'tenant' : listed) continue;
    }
    setOwn(out, key, key === 'signing_keys' ? [{ ...signingKey }] : value);
  }
  return out;
}

export interface ClientListQuery {
  page?: number;
  perPage: number;
  includeTotals: boolean;
  selection: FieldSelection;
  isGlobal?: boolean;
  isFirstParty?: boolean;
  appTypes?: string[];
  clientIds?: string[];
  externalClientId?: string;
  /** Checkpoint pagination (`from`/`take`): answers `{clients, next?}`. */
  checkpoint?: { from?: string; take: number };
}

/** Query parameters of `GET /api/v2/clients` (Auth0's API reference, plus the legacy `client_ids`). */
const CLIENT_LIST_PARAMETERS = new Set([
  'fields', 'include_fields', 'page', 'per_page', 'include_totals', 'from', 'take', 'is_global', 'is_first_party', 'app_type',
  'external_client_id', 'q', 'client_ids',
]);

/** Auth0's page size limits (`per_page`: "Default value is 50, maximum value is 100"). */
export const PER_PAGE = { default: 50, max: 100 } as const;

/**
 * Parses and checks the query of `GET /api/v2/clients`. Nothing is ignored: an unknown parameter
 * is a 400, and so is `q` (its two permitted queries are about client grants and organizations,
 * which the sandbox does not have).
 */
export function parseClientListQuery(query: URLSearchParams): ClientListQuery | ManagementApiError {
  const unknown = unknownParameters(query, CLIENT_LIST_PARAMETERS);
  if (unknown) return unknown;
  if (query.has('q')) {
    return new ManagementApiError(
      400,
      "The Auth0 sandbox does not emulate 'q' (its permitted queries, client_grant.organization_id and client_grant.allow_any_organization, need client grants and organizations, which the sandbox does not have)",
      'invalid_query_string',
    );
  }
  const page = parseInteger(query, 'page', 0);
  if (typeof page === 'object') return page;
  const perPage = parseInteger(query, 'per_page', 1, PER_PAGE.max);
  if (typeof perPage === 'object') return perPage;
  const includeTotals = parseBoolean(query, 'include_totals');
  if (typeof includeTotals === 'object') return includeTotals;
  const includeFields = parseBoolean(query, 'include_fields');
  if (typeof includeFields === 'object') return includeFields;
  const isGlobal = parseBoolean(query, 'is_global');
  if (typeof isGlobal === 'object') return isGlobal;
  const isFirstParty = parseBoolean(query, 'is_first_party');
  if (typeof isFirstParty === 'object') return isFirstParty;
  const take = parseInteger(query, 'take', 1, PER_PAGE.max);
  if (typeof take === 'object') return take;
  const from = query.get('from');
  if ((take !== undefined || from !== null) && (page !== undefined || perPage !== undefined || includeTotals !== undefined)) {
    return new ManagementApiError(400, 'The Auth0 sandbox does not combine checkpoint pagination (from/take) with page/per_page/include_totals', 'invalid_query_string');
  }
  const externalClientId = query.get('external_client_id');
  if (externalClientId !== null && (externalClientId.length < 1 || externalClientId.length > 120)) {
    return queryValidationError(`String is too ${externalClientId.length < 1 ? 'short' : 'long'} (${externalClientId.length} chars), ${externalClientId.length < 1 ? 'minimum 1' : 'maximum 120'}`, 'external_client_id');
  }
  const fields = query.get('fields');
  const appType = query.get('app_type');
  const clientIds = query.get('client_ids');
  const out: ClientListQuery = {
    perPage: perPage ?? PER_PAGE.default,
    includeTotals: includeTotals ?? false,
    selection: { includeFields: includeFields ?? true },
  };
  if (page !== undefined) out.page = page;
  if (fields) out.selection.fields = splitList(fields);
  if (isGlobal !== undefined) out.isGlobal = isGlobal;
  if (isFirstParty !== undefined) out.isFirstParty = isFirstParty;
  if (appType) out.appTypes = splitList(appType);
  if (clientIds !== null) out.clientIds = splitList(clientIds);
  if (externalClientId !== null) out.externalClientId = externalClientId;
  if (take !== undefined || from !== null) out.checkpoint = { take: take ?? PER_PAGE.default, ...(from !== null ? { from } : {}) };
  return out;
}

/** Parses `fields` / `include_fields` of `GET /api/v2/clients/{id}`. */
export function parseFieldSelection(query: URLSearchParams): FieldSelection | ManagementApiError {
  const includeFields = parseBoolean(query, 'include_fields');
  if (typeof includeFields === 'object') return includeFields;
  const fields = query.get('fields');
  return fields ? { fields: splitList(fields), includeFields: includeFields ?? true } : { includeFields: includeFields ?? true };
}

export interface ClientPage {
  total: number;
  start: number;
  limit: number;
  records: JsonObject[];
  /** Checkpoint pagination: the `from` of the next page, when there is one. */
  next?: string;
}

/**
 * Filters and pages records. Order: non-global clients by creation, then the global client, as
 * the recorded raw lists show (NOTES §6; `total` reflects the filters).
 */
export function pageClients(records: readonly JsonObject[], query: ClientListQuery): ClientPage {
  const matching = [...records.filter((r) => r['global'] !== true), ...records.filter((r) => r['global'] === true)].filter((r) => {
    if (query.isGlobal !== undefined && (r['global'] === true) !== query.isGlobal) return false;
    if (query.isFirstParty !== undefined && (r['is_first_party'] === true) !== query.isFirstParty) return false;
    if (query.appTypes && !query.appTypes.includes(String(r['app_type']))) return false;
    if (query.clientIds && !query.clientIds.includes(String(r['client_id']))) return false;
    if (query.externalClientId !== undefined && r['external_client_id'] !== query.externalClientId) return false;
    return true;
  });
  if (query.checkpoint) {
    const page = checkpointPage(matching, (r) => String(r['client_id']), query.checkpoint);
    return { total: matching.length, start: page.start, limit: query.checkpoint.take, records: page.records, ...(page.next ? { next: page.next } : {}) };
  }
  const start = (query.page ?? 0) * query.perPage;
  return { total: matching.length, start, limit: query.perPage, records: matching.slice(start, start + query.perPage) };
}

/** What `client_authentication_methods` looks like in the create response, and what is stored. */
export interface IssuedCredentials {
  shown: JsonObject;
  stored: JsonObject;
}

/**
 * Creating a client with `client_authentication_methods` registers each new credential (a PEM
 * public key) and answers with the full credential (`id`, `kid` = RFC 7638 thumbprint, `alg`,
 * dates); later reads show only `{id}` (TestClient_Read #0 and #1).
 */
export function issueClientCredentials(methods: JsonObject, now: Date, newCredentialId: () => string): IssuedCredentials {
  const shown: JsonObject = {};
  const stored: JsonObject = {};
  for (const [method, config] of Object.entries(methods)) {
    const credentials = isJsonObject(config) && Array.isArray(config['credentials']) ? (config['credentials'] as unknown[]) : undefined;
    if (!credentials) {
      setOwn(shown, method, config);
      setOwn(stored, method, config);
      continue;
    }
    const full = credentials.map((c) => (isJsonObject(c) && typeof c['id'] !== 'string' ? newCredential(c, now, newCredentialId()) : c));
    setOwn(shown, method, { ...(config as JsonObject), credentials: full });
    setOwn(stored, method, { ...(config as JsonObject), credentials: full.map((c) => (isJsonObject(c) ? { id: c['id'] } : c)) });
  }
  return { shown, stored };
}

function newCredential(input: JsonObject, now: Date, id: string): JsonObject {
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(String(input['pem'] ?? ''));
  } catch {
    throw payloadValidationError('Invalid PEM: expected a public key or certificate', 'client_authentication_methods');
  }
  const jwk = publicKey.export({ format: 'jwk' }) as Record<string, string>;
  const members = jwk['kty'] === 'EC' ? ['crv', 'kty', 'x', 'y'] : ['e', 'kty', 'n'];
  const kid = createHash('sha256').update(JSON.stringify(Object.fromEntries(members.map((m) => [m, jwk[m]])))).digest('base64url');
  const at = now.toISOString();
  const out: JsonObject = { id };
  if (typeof input['name'] === 'string') out['name'] = input['name'];
  out['kid'] = kid;
  out['credential_type'] = input['credential_type'] ?? 'public_key';
  out['alg'] = input['alg'] ?? (jwk['kty'] === 'EC' ? 'ES256' : 'RS256');
  out['created_at'] = at;
  out['updated_at'] = at;
  return out;
}
