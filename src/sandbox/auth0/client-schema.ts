/**
 * What `POST` and `PATCH /api/v2/clients` accept, and the 400s they answer otherwise. The field list
 * is the SDK's `CreateClientRequestContent` / `UpdateClientRequestContent` (auth0@7.1.0, generated
 * from Auth0's OpenAPI document) plus the legacy `cross_origin_auth` that real traffic still sends
 * (NOTES §2.1). Auth0 rejects unknown properties, read-only ones (`client_id`, `tenant`, …) included;
 * so does the sandbox, so a CLI that PATCHes back a whole GET response fails here as it would in
 * production. Messages follow the format of Auth0's schema validator (NOTES §5); nested objects
 * are only checked where the product depends on them.
 */
import { payloadValidationError, type ManagementApiError } from './api-errors.js';

type FieldKind =
  | { type: 'string'; enum?: readonly string[]; minLength?: number; maxLength?: number; pattern?: RegExp }
  | { type: 'string[]' }
  | { type: 'boolean' }
  | { type: 'number' }
  | { type: 'object' };

interface FieldRule {
  kind: FieldKind;
  /** Accepted on PATCH as `null` (the field is then removed). */
  nullableOnUpdate?: boolean;
  /** Not accepted on PATCH. */
  createOnly?: boolean;
}

export const CLIENT_APP_TYPES = [
  'native', 'spa', 'regular_web', 'non_interactive', 'resource_server', 'express_configuration', 'rms', 'box',
  'cloudbees', 'concur', 'dropbox', 'mscrm', 'echosign', 'egnyte', 'newrelic', 'office365', 'salesforce', 'sentry',
  'sharepoint', 'slack', 'springcm', 'zendesk', 'zoom', 'sso_integration', 'oag',
] as const;

const str = (extra: Omit<Extract<FieldKind, { type: 'string' }>, 'type'> = {}): FieldKind => ({ type: 'string', ...extra });
const STRINGS: FieldKind = { type: 'string[]' };
const BOOL: FieldKind = { type: 'boolean' };
const OBJECT: FieldKind = { type: 'object' };

/** Name: at least one character, no `<` or `>` (SDK doc comment of `name`). */
const NAME_PATTERN = /^[^<>]+$/;

/**
 * String formats of Auth0's client schema (its OpenAPI document, `CreateClientRequestContent`):
 * the validator reports a value that fails one as "Object didn't pass validation for format F: V".
 */
type UrlFormat = 'callback-url' | 'url-with-placeholders' | 'absolute-uri-or-empty' | 'absolute-https-uri-with-placeholders-or-empty';

const URL_FIELDS: Readonly<Record<string, { format: UrlFormat; list: boolean }>> = {
  callbacks: { format: 'callback-url', list: true },
  allowed_origins: { format: 'url-with-placeholders', list: true },
  web_origins: { format: 'url-with-placeholders', list: true },
  allowed_logout_urls: { format: 'url-with-placeholders', list: true },
  logo_uri: { format: 'absolute-uri-or-empty', list: false },
  initiate_login_uri: { format: 'absolute-https-uri-with-placeholders-or-empty', list: false },
};

/** The addon names `addons` accepts (`ClientAddons`, `additionalProperties: false`). */
export const ADDON_NAMES = [
  'aws', 'azure_blob', 'azure_sb', 'rms', 'mscrm', 'slack', 'sentry', 'box', 'cloudbees', 'concur', 'dropbox', 'echosign',
  'egnyte', 'firebase', 'newrelic', 'office365', 'salesforce', 'salesforce_api', 'salesforce_sandbox_api', 'samlp', 'layer',
  'sap_api', 'sharepoint', 'springcm', 'wams', 'wsfed', 'zendesk', 'zoom', 'sso_integration', 'oag',
] as const;

/**
 * `client_metadata` key names: "alphanumeric and may only include the following special characters:
 * :,-+=_*?"/\()<>@ [Tab] [Space]" (`ClientMetadata` description).
 */
const METADATA_KEY = /^[A-Za-z0-9:,\-+=_*?"/\\()<>@\t ]+$/;

export const CLIENT_FIELDS: Readonly<Record<string, FieldRule>> = {
  name: { kind: str({ minLength: 1, pattern: NAME_PATTERN }) },
  description: { kind: str({ maxLength: 140 }) },
  client_secret: { kind: str() },
  logo_uri: { kind: str() },
  callbacks: { kind: STRINGS },
  oidc_logout: { kind: OBJECT },
  oidc_backchannel_logout: { kind: OBJECT },
  session_transfer: { kind: OBJECT, nullableOnUpdate: true },
  allowed_origins: { kind: STRINGS },
  web_origins: { kind: STRINGS },
  client_aliases: { kind: STRINGS },
  allowed_clients: { kind: STRINGS },
  allowed_logout_urls: { kind: STRINGS },
  grant_types: { kind: STRINGS },
  token_endpoint_auth_method: { kind: str({ enum: ['none', 'client_secret_post', 'client_secret_basic'] }), nullableOnUpdate: true },
  is_token_endpoint_ip_header_trusted: { kind: BOOL },
  app_type: { kind: str({ enum: CLIENT_APP_TYPES }) },
  is_first_party: { kind: BOOL },
  oidc_conformant: { kind: BOOL },
  jwt_configuration: { kind: OBJECT },
  encryption_key: { kind: OBJECT, nullableOnUpdate: true },
  sso: { kind: BOOL },
  cross_origin_authentication: { kind: BOOL },
  cross_origin_auth: { kind: BOOL },
  cross_origin_loc: { kind: str(), nullableOnUpdate: true },
  sso_disabled: { kind: BOOL },
  custom_login_page_on: { kind: BOOL },
  custom_login_page: { kind: str() },
  custom_login_page_preview: { kind: str() },
  form_template: { kind: str() },
  addons: { kind: OBJECT, nullableOnUpdate: true },
  client_metadata: { kind: OBJECT },
  mobile: { kind: OBJECT },
  initiate_login_uri: { kind: str() },
  native_social_login: { kind: OBJECT, nullableOnUpdate: true },
  fedcm_login: { kind: OBJECT, nullableOnUpdate: true },
  refresh_token: { kind: OBJECT, nullableOnUpdate: true },
  default_organization: { kind: OBJECT, nullableOnUpdate: true },
  organization_usage: { kind: str({ enum: ['deny', 'allow', 'require'] }), nullableOnUpdate: true },
  organization_require_behavior: { kind: str({ enum: ['no_prompt', 'pre_login_prompt', 'post_login_prompt'] }), nullableOnUpdate: true },
  organization_discovery_methods: { kind: STRINGS, nullableOnUpdate: true },
  client_authentication_methods: { kind: OBJECT, nullableOnUpdate: true },
  require_pushed_authorization_requests: { kind: BOOL },
  require_proof_of_possession: { kind: BOOL },
  signed_request_object: { kind: OBJECT },
  token_vault_privileged_access: { kind: OBJECT },
  compliance_level: { kind: str(), nullableOnUpdate: true },
  skip_non_verifiable_callback_uri_confirmation_prompt: { kind: BOOL, nullableOnUpdate: true },
  token_exchange: { kind: OBJECT, nullableOnUpdate: true },
  par_request_expiry: { kind: { type: 'number' }, nullableOnUpdate: true },
  token_quota: { kind: OBJECT, nullableOnUpdate: true },
  resource_server_identifier: { kind: str(), createOnly: true },
  identity_assertion_authorization_grant: { kind: OBJECT, nullableOnUpdate: true },
  anonymous_sessions: { kind: OBJECT, nullableOnUpdate: true },
  third_party_security_mode: { kind: str() },
  redirection_policy: { kind: str() },
  express_configuration: { kind: OBJECT, nullableOnUpdate: true },
  my_organization_configuration: { kind: OBJECT, nullableOnUpdate: true },
  async_approval_notification_channels: { kind: OBJECT, nullableOnUpdate: true },
};

/** Auth0's limits on `client_metadata` (Management API docs, "Client metadata"). */
export const CLIENT_METADATA_LIMITS = { maxKeys: 10, maxKeyLength: 255, maxValueLength: 255 } as const;

export type ClientPayloadMode = 'create' | 'update';

/** JSON-schema style type name of a value, as the validator reports it. */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a create or update body. Returns the first error, as Auth0 reports one at a time, or
 * undefined when the body is acceptable.
 */
export function validateClientPayload(body: unknown, mode: ClientPayloadMode): ManagementApiError | undefined {
  if (!isPlainObject(body)) return payloadValidationError(`Expected type object but found type ${jsonTypeOf(body)}`);

  const unknown = Object.keys(body).filter((k) => {
    const rule = Object.hasOwn(CLIENT_FIELDS, k) ? CLIENT_FIELDS[k] : undefined;
    return rule === undefined || (mode === 'update' && rule.createOnly === true);
  });
  if (unknown.length > 0) return payloadValidationError(`Additional properties not allowed: ${unknown.join(',')}`);

  if (mode === 'create' && !Object.hasOwn(body, 'name')) return payloadValidationError('Missing required property: name');

  for (const [key, value] of Object.entries(body)) {
    const rule = CLIENT_FIELDS[key]!;
    if (value === null && mode === 'update' && (rule.nullableOnUpdate === true || key === 'addons')) continue;
    const error = checkKind(value, rule.kind, key);
    if (error) return error;
  }

  return (
    checkUrlFields(body) ??
    checkAddons(body['addons']) ??
    checkClientMetadata(body['client_metadata'], mode) ??
    checkDefaultOrganization(body['default_organization'])
  );
}

/**
 * The `client_metadata` a PATCH leaves behind (keys merged, `null` deletes) must still hold at most
 * 10 keys. The sandbox reports it like the validator reports a body over the limit.
 */
export function checkMergedClientMetadata(current: unknown, patch: unknown): ManagementApiError | undefined {
  if (!isPlainObject(patch)) return undefined;
  const merged: Record<string, unknown> = isPlainObject(current) ? { ...current } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete merged[k];
    else merged[k] = v;
  }
  const count = Object.keys(merged).length;
  const { maxKeys } = CLIENT_METADATA_LIMITS;
  return count > maxKeys ? payloadValidationError(`Too many properties defined (${count}), maximum ${maxKeys}`, 'client_metadata') : undefined;
}

function checkUrlFields(body: Record<string, unknown>): ManagementApiError | undefined {
  for (const [field, { format, list }] of Object.entries(URL_FIELDS)) {
    if (!Object.hasOwn(body, field) || body[field] === null) continue;
    const values = list ? (body[field] as string[]) : [body[field] as string];
    for (const [i, value] of values.entries()) {
      if (!matchesUrlFormat(value, format)) {
        return payloadValidationError(`Object didn't pass validation for format ${format}: ${value}`, list ? `${field}[${i}]` : field);
      }
    }
  }
  return undefined;
}

/**
 * Our reading of Auth0's URL formats (their definitions are not published): a URL with a scheme
 * that WHATWG's parser accepts once the placeholders Auth0 documents are filled in (`*` for a
 * subdomain, `{organization_name}`: docs "Subdomain URL Placeholders"); `-or-empty` accepts "";
 * the https login URI must be https, without a fragment and not on localhost (docs "Configure
 * Default Login Routes"; the 2019 message "Initiate login uri, must be https and cannot contain a
 * fragment").
 */
function matchesUrlFormat(value: string, format: UrlFormat): boolean {
  if (value === '' && format.endsWith('-or-empty')) return true;
  if (value !== value.trim() || !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value)) return false;
  let url: URL;
  try {
    url = new URL(format === 'absolute-uri-or-empty' ? value : value.replace(/\*/g, 'wildcard').replace(/\{organization_name\}/g, 'organization'));
  } catch {
    return false;
  }
  if (format !== 'absolute-https-uri-with-placeholders-or-empty') return true;
  return url.protocol === 'https:' && url.hash === '' && !value.includes('#') && url.hostname !== 'localhost';
}

function checkKind(value: unknown, kind: FieldKind, path: string): ManagementApiError | undefined {
  switch (kind.type) {
    case 'string': {
      if (typeof value !== 'string') return typeMismatch('string', value, path);
      if (kind.enum && !kind.enum.includes(value)) return payloadValidationError(`No enum match for: ${JSON.stringify(value)}`, path);
      if (kind.minLength !== undefined && value.length < kind.minLength)
        return payloadValidationError(`String is too short (${value.length} chars), minimum ${kind.minLength}`, path);
      if (kind.maxLength !== undefined && value.length > kind.maxLength)
        return payloadValidationError(`String is too long (${value.length} chars), maximum ${kind.maxLength}`, path);
      if (kind.pattern && value.length > 0 && !kind.pattern.test(value))
        return payloadValidationError(`String does not match pattern ${kind.pattern.source}: ${value}`, path);
      return undefined;
    }
    case 'string[]': {
      if (!Array.isArray(value)) return typeMismatch('array', value, path);
      const bad = value.findIndex((v) => typeof v !== 'string');
      return bad >= 0 ? typeMismatch('string', value[bad], `${path}[${bad}]`) : undefined;
    }
    case 'boolean':
      return typeof value === 'boolean' ? undefined : typeMismatch('boolean', value, path);
    case 'number':
      return typeof value === 'number' ? undefined : typeMismatch('number', value, path);
    case 'object':
      return isPlainObject(value) ? undefined : typeMismatch('object', value, path);
  }
}

function typeMismatch(expected: string, value: unknown, path: string): ManagementApiError {
  return payloadValidationError(`Expected type ${expected} but found type ${jsonTypeOf(value)}`, path);
}

/**
 * Only Auth0's addon names; each addon is an object (its content is opaque: NOTES §3.3); `null`
 * for one addon is refused.
 */
function checkAddons(addons: unknown): ManagementApiError | undefined {
  if (!isPlainObject(addons)) return undefined;
  const unknown = Object.keys(addons).filter((name) => !(ADDON_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) return payloadValidationError(`Additional properties not allowed: ${unknown.join(',')}`, 'addons');
  for (const [name, config] of Object.entries(addons)) {
    if (!isPlainObject(config)) return typeMismatch('object', config, `addons.${name}`);
  }
  return undefined;
}

function checkClientMetadata(metadata: unknown, mode: ClientPayloadMode): ManagementApiError | undefined {
  if (!isPlainObject(metadata)) return undefined;
  const entries = Object.entries(metadata);
  const { maxKeys, maxKeyLength, maxValueLength } = CLIENT_METADATA_LIMITS;
  if (entries.length > maxKeys) return payloadValidationError(`Too many properties defined (${entries.length}), maximum ${maxKeys}`, 'client_metadata');
  const badKeys = entries.map(([k]) => k).filter((k) => !METADATA_KEY.test(k));
  if (badKeys.length > 0) return payloadValidationError(`Additional properties not allowed: ${badKeys.join(',')}`, 'client_metadata');
  for (const [key, value] of entries) {
    const path = `client_metadata.${key}`;
    if (key.length > maxKeyLength) return payloadValidationError(`Property name is too long (${key.length} chars), maximum ${maxKeyLength}`, path);
    if (value === null && mode === 'update') continue;
    if (typeof value !== 'string') return typeMismatch('string', value, path);
    if (value.length > maxValueLength) return payloadValidationError(`String is too long (${value.length} chars), maximum ${maxValueLength}`, path);
  }
  return undefined;
}

/** `default_organization` needs both of its properties (SDK `ClientDefaultOrganization`). */
function checkDefaultOrganization(value: unknown): ManagementApiError | undefined {
  if (!isPlainObject(value)) return undefined;
  for (const required of ['organization_id', 'flows']) {
    if (!Object.hasOwn(value, required)) return payloadValidationError(`Missing required property: ${required}`, 'default_organization');
  }
  if (typeof value['organization_id'] !== 'string') return typeMismatch('string', value['organization_id'], 'default_organization.organization_id');
  if (!Array.isArray(value['flows'])) return typeMismatch('array', value['flows'], 'default_organization.flows');
  return undefined;
}
