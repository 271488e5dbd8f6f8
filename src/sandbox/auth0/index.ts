/**
 * A local Auth0 tenant on one node:http server: the Management API (clients, signing keys), the
 * client-credentials token endpoint, the SAML IdP endpoints and a Universal-Login-like page.
 * Every request first meets the fault injector, then (for `/api/v2` and `/oauth/token`) the
 * tenant's token bucket, then its handler. How it differs from the real service:
 * docs/sandbox-auth0.md.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { handleAdminRequest } from '../admin.js';
import type { RequestLog } from '../request-log.js';
import { Faults, dropConnection, keepAnswer, loseAnswer, replayAnswer } from '../faults.js';
import { BodyTooLargeError, MAX_BODY_BYTES, createSandboxServer, parseForm, readBody, redirect, requestCookies, sendJson, sendText } from '../http-kit.js';
import { RATE_LIMIT_PRESETS, type Auth0Emulator, type Auth0EmulatorOptions, type Auth0TenantControl, type ManagementApp } from '../types.js';
import { GLOBAL_LIMIT_BODY, ManagementApiError, OAuthError, managementErrorBody } from './api-errors.js';
import { presentClient, type JsonObject } from './clients.js';
import { validateClientPayload } from './client-schema.js';
import { decodePathSegment, handleManagementRequest } from './management-api.js';
import { TokenBucket } from './rate-limit.js';
import { SamlIdentityProvider, type PageResult } from './saml-idp.js';
import { SigningKeyRing, createSigningKeyMaterial, createSigningKeyMaterialSync, jwkOf } from './signing-keys.js';
import { Auth0Tenant, DEFAULT_TOKEN_LIFETIME_SECONDS } from './tenant.js';
import { handleTokenRequest } from './token-endpoint.js';

export { DEFAULT_MANAGEMENT_SCOPES } from './tenant.js';

/** Management API bodies carry a charset; `/oauth/token` answers plain `application/json` (NOTES §5). */
const MANAGEMENT_JSON = 'application/json; charset=utf-8';
const OAUTH_JSON = 'application/json';

type Area = 'management' | 'token' | 'site';

function areaOf(pathname: string): Area {
  if (pathname === '/api/v2' || pathname.startsWith('/api/v2/')) return 'management';
  if (pathname === '/oauth/token') return 'token';
  return 'site';
}

/** Starts an emulated tenant. Credentials, user password and signing keys are new on every start. */
export async function startAuth0Emulator(opts: Auth0EmulatorOptions = {}): Promise<Auth0Emulator> {
  const host = opts.host ?? '127.0.0.1';
  const now = opts.now ?? (() => new Date());
  const faults = new Faults(opts.faults ?? {}, opts.faultSeed);
  const server = createSandboxServer(opts.tls);
  const port = await listen(server, opts.port ?? 0, host);
  // With TLS the tenant is named by a host name its certificate covers (`localhost`).
  const publicHost = opts.publicHost ?? host;
  const domain = `${publicHost.includes(':') ? `[${publicHost}]` : publicHost}:${port}`;
  const scheme = opts.tls ? 'https' : 'http';

  let keys: SigningKeyRing;
  try {
    keys = await SigningKeyRing.create(
      { make: (at) => createSigningKeyMaterial(domain, at), makeSync: (at) => createSigningKeyMaterialSync(domain, at) },
      now(),
    );
  } catch (e) {
    await closeServer(server);
    throw e;
  }
  const customDomain = opts.customDomainHost ? `${opts.customDomainHost}:${port}` : undefined;
  const tenant = new Auth0Tenant({
    domain,
    name: 'sandbox',
    keys,
    now,
    tokenLifetimeSeconds: opts.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS,
    ...(opts.enableClientConnections === false ? { enableClientConnections: false } : {}),
    ...(customDomain ? { customDomain } : {}),
  });
  const idp = new SamlIdentityProvider(tenant, scheme);
  // Rate limits run on the real clock: clients compare x-ratelimit-reset with their own Date.now().
  const bucket = new TokenBucket(opts.rateLimit ?? RATE_LIMIT_PRESETS.generous, Date.now());

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    serve({ req, res, tenant, idp, bucket, faults, adminToken: opts.adminToken, log: opts.requestLog }).catch(() => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const area = areaOf(new URL(req.url ?? '/', 'http://x').pathname);
      sendJson(res, 500, managementErrorBody(500, 'An internal server error occurred'), {}, area === 'token' ? OAUTH_JSON : MANAGEMENT_JSON);
    });
  });

  const management: ManagementApp = {
    clientId: tenant.managementClientId,
    get clientSecret() {
      return tenant.managementSecret;
    },
    get scopes() {
      return tenant.managementScopes;
    },
  };

  const control: Auth0TenantControl = {
    setManagementScopes: (scopes) => tenant.setManagementScopes(scopes),
    revokeAllTokens: () => tenant.revokeAllTokens(),
    getClient: (id) => {
      const record = tenant.clientRecord(id);
      return record ? presentClient(record, tenant.clientSigningKey()) : undefined;
    },
    listClients: () => tenant.clientRecords().map((r) => presentClient(r, tenant.clientSigningKey())),
    patchClient: (id, patch) => void tenant.patchClient(id, patch),
    createClient: (body) => {
      const error = validateClientPayload(body, 'create');
      if (error) throw new Error(`invalid client: ${JSON.stringify(error.body)}`);
      return String(tenant.createClient(body as JsonObject)['client_id']);
    },
    signingKeys: () => tenant.keys.describe(),
    rotateSigningKey: () => void tenant.keys.rotate(now()),
    listConnections: () => tenant.connectionRecords(),
    createConnection: (name, strategy) => tenant.createConnection(name, strategy),
    connectionsOf: (clientId) => tenant.connectionsOfClient(clientId).map((c) => String(c['name'])),
    setConnectionEnabled: (connectionName, clientId, enabled) => {
      const connection = tenant.connectionByName(connectionName);
      if (!connection) throw new Error(`no connection named ${connectionName}`);
      tenant.setEnabledClients(String(connection['id']), [{ clientId, enabled }]);
    },
    setRateLimit: (limit) => bucket.configure(limit, Date.now()),
  };

  let closing: Promise<void> | undefined;
  return {
    domain,
    baseUrl: `${scheme}://${domain}`,
    ...(customDomain ? { customDomain } : {}),
    port,
    management,
    user: { ...tenant.user },
    faults,
    tenant: control,
    // Idempotent, like the Amplitude emulator's.
    close: () => (closing ??= closeServer(server)),
  };
}

interface Serving {
  req: IncomingMessage;
  res: ServerResponse;
  tenant: Auth0Tenant;
  idp: SamlIdentityProvider;
  bucket: TokenBucket;
  faults: Faults;
  adminToken: string | undefined;
  log: RequestLog | undefined;
}

async function serve({ req, res, tenant, idp, bucket, faults, adminToken, log }: Serving): Promise<void> {
  const url = new URL(req.url ?? '/', `http://${tenant.domain}`);
  const area = areaOf(url.pathname);
  if (await handleAdminRequest(req, res, { token: adminToken, faults, ...(log ? { log } : {}) })) return;

  const fault = await faults.decide(req);
  if (fault.kind === 'drop') return dropConnection(res);
  if (fault.kind === 'lost') loseAnswer(res);
  if (fault.kind === 'keep') keepAnswer(res, fault.keep);
  if (fault.kind === 'stale') return replayAnswer(res, fault.answer);
  if (fault.kind === 'rate-limited') return tooManyRequests(res, area, bucket.exhaustedHeaders(Date.now(), fault.resetSeconds));
  if (fault.kind === 'server-error') return serviceUnavailable(res, area, area === 'site' ? {} : bucket.peek(Date.now()));

  if (area === 'site') return serveSite(req, res, url, tenant, idp);

  const limit = bucket.take(Date.now());
  if (!limit.allowed) return tooManyRequests(res, area, limit.headers);
  if (area === 'token') return serveToken(req, res, tenant, limit.headers);

  try {
    const out = await handleManagementRequest(tenant, {
      method: req.method ?? 'GET',
      path: url.pathname.slice('/api/v2'.length) || '/',
      query: url.searchParams,
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      readBody: () => boundedBody(req),
    });
    if (out.body === undefined) sendText(res, out.status, '', MANAGEMENT_JSON, { ...limit.headers, ...out.headers });
    else sendJson(res, out.status, out.body, { ...limit.headers, ...out.headers }, MANAGEMENT_JSON);
  } catch (e) {
    if (!(e instanceof ManagementApiError)) throw e;
    const close: Record<string, string> = e.status === 413 ? { connection: 'close' } : {};
    sendJson(res, e.status, e.body, { ...limit.headers, ...e.headers, ...close }, MANAGEMENT_JSON);
  }
}

/** Auth0's 1 MB payload limit, answered like hapi does (413 before reading more than needed). */
async function boundedBody(req: IncomingMessage): Promise<Buffer> {
  const tooLarge = new ManagementApiError(413, `Payload content length greater than maximum allowed: ${MAX_BODY_BYTES}`);
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) throw tooLarge;
  try {
    return await readBody(req, MAX_BODY_BYTES);
  } catch (e) {
    if (e instanceof BodyTooLargeError) throw tooLarge;
    throw e;
  }
}

async function serveToken(req: IncomingMessage, res: ServerResponse, tenant: Auth0Tenant, limitHeaders: Record<string, string>): Promise<void> {
  try {
    if (req.method !== 'POST') throw new OAuthError(404, 'not_found', 'Not Found');
    let raw: Buffer;
    try {
      raw = await readBody(req, MAX_BODY_BYTES);
    } catch (e) {
      if (e instanceof BodyTooLargeError) throw new OAuthError(413, 'invalid_request', 'Request body too large');
      throw e;
    }
    const params = tokenParams(raw, req.headers['content-type']);
    const token = handleTokenRequest(tenant, params, req.headers.authorization);
    sendJson(res, 200, token, { ...limitHeaders, 'cache-control': 'no-store', pragma: 'no-cache' }, OAUTH_JSON);
  } catch (e) {
    if (!(e instanceof OAuthError)) throw e;
    sendJson(res, e.status, e.body, limitHeaders, OAUTH_JSON);
  }
}

/** Form bodies (what the SDK and the docs use) and JSON bodies (which Auth0 also accepts). */
function tokenParams(raw: Buffer, contentType: string | undefined): Record<string, string> {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new OAuthError(400, 'invalid_request', 'Invalid JSON body');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new OAuthError(400, 'invalid_request', 'Invalid JSON body');
    const out: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
    return out;
  }
  return parseForm(raw);
}

async function serveSite(req: IncomingMessage, res: ServerResponse, url: URL, tenant: Auth0Tenant, idp: SamlIdentityProvider): Promise<void> {
  try {
    await routeSite(req, res, url, tenant, idp);
  } catch (e) {
    if (!(e instanceof BodyTooLargeError)) throw e;
    sendText(res, 413, 'Payload Too Large\n', 'text/plain; charset=utf-8', { connection: 'close' });
  }
}

/** Auth0's session cookie and its fallback for browsers without SameSite=None (Auth0 docs, "Authentication API Cookies"). */
export const SESSION_COOKIES = ['auth0', 'auth0_compat'] as const;
/** Three days, like Auth0's default inactivity timeout; relative, so a client's clock does not matter. */
const SESSION_MAX_AGE_SECONDS = 3 * 24 * 3600;

function sessionCookieHeaders(sid: string): string[] {
  // Auth0 serves https only; browsers (and tough-cookie) also accept Secure cookies from loopback http.
  const common = `Path=/; Max-Age=${SESSION_MAX_AGE_SECONDS}; HttpOnly; Secure`;
  return [`auth0=${sid}; ${common}; SameSite=None`, `auth0_compat=${sid}; ${common}`];
}

async function routeSite(req: IncomingMessage, res: ServerResponse, url: URL, tenant: Auth0Tenant, idp: SamlIdentityProvider): Promise<void> {
  const method = req.method ?? 'GET';
  const path = url.pathname;
  const query = Object.fromEntries(url.searchParams) as Record<string, string>;
  const cookies = requestCookies(req);
  const session = cookies['auth0'] ?? cookies['auth0_compat'];
  // A request on the custom domain is answered as that domain (metadata, entity ID, SSO URLs).
  const host = tenant.customDomain !== undefined && req.headers.host?.toLowerCase() === tenant.customDomain ? tenant.customDomain : tenant.domain;
  let page: PageResult;
  let setCookie: string[] = [];

  const metadata = /^\/samlp\/metadata\/([^/]+)$/.exec(path);
  const sso = /^\/samlp\/([^/]+)\/?$/.exec(path);
  if (method === 'GET' && metadata) page = await idp.metadata(decodePathSegment(metadata[1]!), host);
  else if (sso && (method === 'GET' || method === 'POST') && sso[1] !== 'metadata') {
    const params = method === 'POST' ? { ...query, ...parseForm(await readBody(req, MAX_BODY_BYTES)) } : query;
    let sid = session;
    if (!sid) {
      sid = randomBytes(24).toString('base64url');
      setCookie = sessionCookieHeaders(sid);
    }
    page = await idp.start(decodePathSegment(sso[1]!), { method, params }, sid, host);
  } else if (path === '/u/login' && method === 'GET') page = idp.loginPage(query['state'] ?? '', session);
  else if (path === '/u/login' && method === 'POST') page = idp.login(query['state'] ?? '', parseForm(await readBody(req, MAX_BODY_BYTES)), session);
  else if (path === '/authorize/resume' && method === 'GET') page = await idp.resume(query['state'] ?? '', session);
  else if (path === '/pem' && method === 'GET') page = idp.pem();
  else if (path === '/cer' && method === 'GET') page = idp.cer();
  else if (path === '/.well-known/jwks.json' && method === 'GET') {
    return sendJson(res, 200, { keys: tenant.keys.trusted.map(jwkOf) }, {}, MANAGEMENT_JSON);
  } else if (path === '/' && method === 'GET') {
    page = { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: homeText(tenant) };
  } else page = { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Not Found\n' };

  const extra: Record<string, string[]> = setCookie.length ? { 'set-cookie': setCookie } : {};
  const location = page.headers['location'];
  if (page.status === 302 && typeof location === 'string') return redirect(res, location, extra);
  res.writeHead(page.status, { ...page.headers, ...extra, 'content-length': Buffer.byteLength(page.body) });
  res.end(page.body);
}

function homeText(tenant: Auth0Tenant): string {
  return [
    `sso-setup sandbox: an emulated Auth0 tenant at ${tenant.domain}`,
    '',
    'POST /oauth/token                     client credentials (audience https://' + tenant.domain + '/api/v2/)',
    '     /api/v2/clients[/{id}]           Management API: clients',
    '     /api/v2/keys/signing[/{kid}]     Management API: signing keys',
    'GET  /samlp/metadata/{client_id}      SAML IdP metadata',
    'GET  /samlp/{client_id}               SAML SSO (Redirect, POST, IdP-initiated)',
    'GET  /pem, /cer                       tenant signing certificate',
    '',
  ].join('\n');
}

/** A real limit's 429: the Management API body, or OAuth's shape on `/oauth/token`. */
function tooManyRequests(res: ServerResponse, area: Area, headers: Record<string, string>): void {
  if (area === 'token') {
    sendJson(res, 429, { error: 'too_many_requests', error_description: 'Global limit has been reached' }, headers, OAUTH_JSON);
  } else sendJson(res, 429, GLOBAL_LIMIT_BODY, headers, MANAGEMENT_JSON);
}

function serviceUnavailable(res: ServerResponse, area: Area, headers: Record<string, string>): void {
  if (area === 'token') sendJson(res, 503, { error: 'temporarily_unavailable', error_description: 'Service Unavailable' }, headers, OAUTH_JSON);
  else sendJson(res, 503, managementErrorBody(503, 'Service Unavailable'), headers, MANAGEMENT_JSON);
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops listening and ends keep-alive connections at once, so tests and Ctrl-C are prompt. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
