/**
 * The emulated Management API (`/api/v2`): clients, connections and signing keys. Each request is authenticated
 * (the bearer token), then routed, then checked against the route's scopes, then its payload is
 * read and validated. Authentication comes first as at Auth0: every `/api/v2` path answers 401
 * without a valid token, routes the sandbox does not emulate included (they then answer 404 in
 * the Management API's JSON shape); a bad token is a 401 before any payload error.
 */
import { ManagementApiError, insufficientScope, inexistentClient } from './api-errors.js';
import { checkMergedClientMetadata, validateClientPayload } from './client-schema.js';
import {
  clientFieldVisibility,
  pageClients,
  parseClientListQuery,
  parseFieldSelection,
  presentClient,
  type JsonObject,
} from './clients.js';
import {
  inexistentConnection,
  pageConnections,
  parseClientConnectionsQuery,
  parseConnectionListQuery,
  parseEnabledClientsPatch,
  parseEnabledClientsQuery,
  presentConnection,
} from './connections.js';
import { checkpointPage } from './query.js';
import { signingKeyJson } from './signing-keys.js';
import type { Auth0Tenant } from './tenant.js';

export interface ManagementRequest {
  method: string;
  /** Path below `/api/v2`, e.g. `/clients/abc`. */
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  contentType: string | undefined;
  /** Reads the body (bounded by the server); called only after authentication. */
  readBody: () => Promise<Buffer>;
}

export interface ManagementResponse {
  status: number;
  /** JSON body; undefined for an empty body (204). */
  body?: unknown;
  headers?: Record<string, string>;
}

interface Call {
  tenant: Auth0Tenant;
  req: ManagementRequest;
  params: string[];
  scopes: string[];
}

interface Route {
  method: string;
  pattern: RegExp;
  /** Every group needs at least one of its scopes (rotate needs both create and update). */
  scopes: readonly (readonly string[])[];
  handle: (call: Call) => Promise<ManagementResponse> | ManagementResponse;
}

const READ_CLIENTS = ['read:clients', 'read:client_keys', 'read:client_credentials', 'read:client_summary'] as const;
const UPDATE_CLIENTS = ['update:clients', 'update:client_keys', 'update:client_credentials', 'update:client_token_vault_privileged_access'] as const;
const READ_CONNECTIONS = ['read:connections'] as const;
const ID = '([^/]+)';

/** Scopes per endpoint from Auth0's API reference (reference auth0-api.md §1 table). */
const ROUTES: Route[] = [
  { method: 'GET', pattern: /^\/clients\/?$/, scopes: [READ_CLIENTS], handle: listClients },
  { method: 'POST', pattern: /^\/clients\/?$/, scopes: [['create:clients']], handle: createClient },
  { method: 'GET', pattern: new RegExp(`^/clients/${ID}$`), scopes: [READ_CLIENTS], handle: getClient },
  { method: 'PATCH', pattern: new RegExp(`^/clients/${ID}$`), scopes: [UPDATE_CLIENTS], handle: updateClient },
  { method: 'DELETE', pattern: new RegExp(`^/clients/${ID}$`), scopes: [['delete:clients']], handle: deleteClient },
  { method: 'POST', pattern: new RegExp(`^/clients/${ID}/rotate-secret$`), scopes: [['update:client_keys']], handle: rotateSecret },
  // "requires the read:connections scope and any one of read:clients or read:client_summary" (API reference).
  { method: 'GET', pattern: new RegExp(`^/clients/${ID}/connections$`), scopes: [READ_CONNECTIONS, ['read:clients', 'read:client_summary']], handle: clientConnections },
  { method: 'GET', pattern: /^\/connections\/?$/, scopes: [READ_CONNECTIONS], handle: listConnections },
  { method: 'GET', pattern: new RegExp(`^/connections/${ID}$`), scopes: [READ_CONNECTIONS], handle: getConnection },
  { method: 'GET', pattern: new RegExp(`^/connections/${ID}/clients$`), scopes: [READ_CONNECTIONS], handle: connectionClients },
  { method: 'PATCH', pattern: new RegExp(`^/connections/${ID}/clients$`), scopes: [['update:connections']], handle: updateConnectionClients },
  { method: 'GET', pattern: /^\/keys\/signing\/?$/, scopes: [['read:signing_keys']], handle: listSigningKeys },
  { method: 'POST', pattern: /^\/keys\/signing\/rotate$/, scopes: [['create:signing_keys'], ['update:signing_keys']], handle: rotateSigningKey },
  { method: 'GET', pattern: new RegExp(`^/keys/signing/${ID}$`), scopes: [['read:signing_keys']], handle: getSigningKey },
  { method: 'PUT', pattern: new RegExp(`^/keys/signing/${ID}/revoke$`), scopes: [['update:signing_keys']], handle: revokeSigningKey },
];

/** Header naming a route the sandbox does not emulate (the body stays Auth0's generic 404). */
export const NOT_EMULATED_HEADER = 'x-sandbox-not-emulated';

export async function handleManagementRequest(tenant: Auth0Tenant, req: ManagementRequest): Promise<ManagementResponse> {
  const scopes = authenticate(tenant, req.authorization);
  const found = matchRoute(req.method, req.path);
  if (!found) throw new ManagementApiError(404, 'Not Found', undefined, { [NOT_EMULATED_HEADER]: `${req.method} /api/v2${req.path}` });
  const { route, params } = found;
  for (const group of route.scopes) {
    if (!group.some((s) => scopes.includes(s))) throw insufficientScope(group);
  }
  return route.handle({ tenant, req, params, scopes });
}

function matchRoute(method: string, path: string): { route: Route; params: string[] } | undefined {
  for (const route of ROUTES) {
    const match = route.method === method ? route.pattern.exec(path) : null;
    if (match) return { route, params: match.slice(1).map(decodePathSegment) };
  }
  return undefined;
}

/** A path segment as the caller meant it; a malformed escape is kept as sent (it then matches nothing). */
export function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Bearer token → granted scopes, or a 401 in hapi-auth-jwt's shape (with `attributes`). */
function authenticate(tenant: Auth0Tenant, authorization: string | undefined): string[] {
  const bearer = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  if (!bearer) throw new ManagementApiError(401, 'Missing authentication', undefined, { 'www-authenticate': 'Bearer' });
  const verdict = tenant.verifyManagementToken(bearer[1]!);
  if (!verdict.ok) {
    throw new ManagementApiError(401, verdict.message, undefined, { 'www-authenticate': `Bearer error="${verdict.message}"` }, true);
  }
  return verdict.claims.scope.split(' ').filter(Boolean);
}

/** Parses a JSON payload the way hapi does (the gateway in front of the Management API). */
async function jsonPayload(req: ManagementRequest): Promise<unknown> {
  const raw = await req.readBody();
  if (raw.length === 0) return null;
  const type = (req.contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw new ManagementApiError(415, 'Unsupported Media Type');
  }
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new ManagementApiError(400, 'Invalid request payload JSON format');
  }
}

function listClients({ tenant, req, scopes }: Call): ManagementResponse {
  const query = parseClientListQuery(req.query);
  if (query instanceof ManagementApiError) throw query;
  const page = pageClients(tenant.clientRecords(), query);
  const visible = clientFieldVisibility(scopes);
  const signingKey = tenant.clientSigningKey();
  const clients = page.records.map((r) => presentClient(r, signingKey, visible, query.selection));
  // Without include_totals Auth0 returns a bare array (the SDK always asks for totals); checkpoint
  // pagination answers `{clients, next}` (API reference, ListClientsPaginatedResponseContent).
  const body = query.checkpoint
    ? { clients, ...(page.next !== undefined ? { next: page.next } : {}) }
    : query.includeTotals
      ? { total: page.total, start: page.start, limit: page.limit, clients }
      : clients;
  return { status: 200, body };
}

async function createClient({ tenant, req, scopes }: Call): Promise<ManagementResponse> {
  const body = await jsonPayload(req);
  const error = validateClientPayload(body, 'create');
  if (error) throw error;
  // Field-level rule from the SDK docs: credentials need create:client_credentials.
  if (Object.hasOwn(body as JsonObject, 'client_authentication_methods') && !scopes.includes('create:client_credentials')) {
    throw insufficientScope(['create:client_credentials']);
  }
  const record = tenant.createClient(body as JsonObject);
  return { status: 201, body: presentClient(record, tenant.clientSigningKey()) };
}

function getClient({ tenant, req, params, scopes }: Call): ManagementResponse {
  const selection = parseFieldSelection(req.query);
  if (selection instanceof ManagementApiError) throw selection;
  const record = tenant.clientRecord(params[0]!);
  if (!record) throw inexistentClient();
  return { status: 200, body: presentClient(record, tenant.clientSigningKey(), clientFieldVisibility(scopes), selection) };
}

async function updateClient({ tenant, req, params, scopes }: Call): Promise<ManagementResponse> {
  const id = params[0]!;
  const current = tenant.clientRecord(id);
  if (!current) throw inexistentClient();
  const body = (await jsonPayload(req)) ?? {};
  const error = validateClientPayload(body, 'update') ?? checkMergedClientMetadata(current['client_metadata'], (body as JsonObject)['client_metadata']);
  if (error) throw error;
  const patch = body as JsonObject;
  // Field-level rules from the SDK docs: the secret needs update:client_keys, credentials update:client_credentials.
  if (Object.hasOwn(patch, 'client_secret') && !scopes.includes('update:client_keys')) throw insufficientScope(['update:client_keys']);
  if (Object.hasOwn(patch, 'client_authentication_methods') && !scopes.includes('update:client_credentials')) {
    throw insufficientScope(['update:client_credentials']);
  }
  const record = tenant.patchClient(id, patch);
  return { status: 200, body: presentClient(record, tenant.clientSigningKey()) };
}

function deleteClient({ tenant, params }: Call): ManagementResponse {
  tenant.deleteClient(params[0]!);
  return { status: 204 };
}

function rotateSecret({ tenant, params }: Call): ManagementResponse {
  if (!tenant.clientRecord(params[0]!)) throw inexistentClient();
  return { status: 200, body: presentClient(tenant.rotateClientSecret(params[0]!), tenant.clientSigningKey()) };
}

function listConnections({ tenant, req, scopes }: Call): ManagementResponse {
  const query = parseConnectionListQuery(req.query);
  if (query instanceof ManagementApiError) throw query;
  return { status: 200, body: pageConnections(tenant.connectionRecords(), query, (r) => presentConnection(r, scopes, query.selection)) };
}

function getConnection({ tenant, params, scopes }: Call): ManagementResponse {
  const record = tenant.connectionRecord(params[0]!);
  if (!record) throw inexistentConnection();
  return { status: 200, body: presentConnection(record, scopes) };
}

/** `{clients: [{client_id}], next?}` (recorded), checkpoint-paged. */
function connectionClients({ tenant, req, params }: Call): ManagementResponse {
  const page = parseEnabledClientsQuery(req.query);
  if (page instanceof ManagementApiError) throw page;
  const found = checkpointPage(tenant.enabledClientIds(params[0]!), (id) => id, page);
  return { status: 200, body: { clients: found.records.map((id) => ({ client_id: id })), ...(found.next ? { next: found.next } : {}) } };
}

/** 204 with an empty body (recorded). */
async function updateConnectionClients({ tenant, req, params }: Call): Promise<ManagementResponse> {
  if (!tenant.connectionRecord(params[0]!)) throw inexistentConnection();
  const changes = parseEnabledClientsPatch(await jsonPayload(req));
  if (changes instanceof ManagementApiError) throw changes;
  tenant.setEnabledClients(params[0]!, changes);
  return { status: 204 };
}

/** `{connections: [...], next?}` (recorded: `{"connections":[]}` for a client on none). */
function clientConnections({ tenant, req, params, scopes }: Call): ManagementResponse {
  const query = parseClientConnectionsQuery(req.query);
  if (query instanceof ManagementApiError) throw query;
  if (!tenant.clientRecord(params[0]!)) throw inexistentClient();
  const matching = tenant.connectionsOfClient(params[0]!).filter((c) => query.strategies === undefined || query.strategies.includes(String(c['strategy'])));
  const found = checkpointPage(matching, (c) => String(c['id']), query.page);
  return { status: 200, body: { connections: found.records.map((c) => presentConnection(c, scopes, query.selection)), ...(found.next ? { next: found.next } : {}) } };
}

function listSigningKeys({ tenant }: Call): ManagementResponse {
  return { status: 200, body: tenant.keys.describe().map(signingKeyJson) };
}

function getSigningKey({ tenant, params }: Call): ManagementResponse {
  const key = tenant.keys.describeKid(params[0]!);
  if (!key) throw new ManagementApiError(404, 'Signing key not found', 'inexistent_signing_key');
  return { status: 200, body: signingKeyJson(key) };
}

/**
 * Rotate answers 201 `{cert, kid}` of the newly queued next key ("Next key certificate" / "Next
 * key id"), at most 5 a day (./tenant.ts ROTATION_LIMIT). Over the limit: 429 with the bucket's
 * x-ratelimit-* headers; the body's message is not recorded anywhere, so it takes the global
 * limit's shape.
 */
function rotateSigningKey({ tenant }: Call): ManagementResponse {
  const limit = tenant.rotations.take(Date.now());
  if (!limit.allowed) throw new ManagementApiError(429, 'Too many requests to rotate the signing key', 'too_many_requests', limit.headers);
  const next = tenant.keys.rotate(tenant.now());
  return { status: 201, body: { cert: next.certPem, kid: next.kid } };
}

/** Revoke answers `{cert, kid}` of the revoked key (SDK `RevokedSigningKeysResponseContent`). */
function revokeSigningKey({ tenant, params }: Call): ManagementResponse {
  const revoked = tenant.keys.revoke(params[0]!, tenant.now());
  return { status: 200, body: { cert: revoked.certPem, kid: revoked.kid } };
}
