/**
 * `IdpAdmin` over the Auth0 Management API, with the official SDK's sub-clients (`auth0/clients`,
 * `auth0/keys/signing`, and for connections `auth0/connections`, `auth0/clients/connections`,
 * `auth0/connections/clients`) given our retrying fetch and `maxRetries: 0`, so there is one retry layer.
 * The SDK's `ManagementClient` always builds https://{domain} URLs; the sub-clients take a
 * `baseUrl`, which is how the same code reaches the sandbox over loopback http.
 *
 * The token comes from our own client-credentials request: it gives clear errors for bad
 * credentials and tells us the granted scopes before anything is changed.
 */
import type { ClientsClient } from 'auth0/clients';
import type { ConnectionsClient as ClientConnectionsClient } from 'auth0/clients/connections';
import type { ConnectionsClient } from 'auth0/connections';
import type { ClientsClient as ConnectionClientsClient } from 'auth0/connections/clients';
import type { SigningClient } from 'auth0/keys/signing';
import { EXIT, SsoError } from '../../errors.js';
import type { SecretRegistry } from '../../secrets.js';
import { describeFailure, errorCode, HttpTimeoutError, isCertificateFailure, RateLimitedError, type FetchLike } from '../../http/client.js';
import type { Auth0Client, ClientWrite, IdpAdmin, IdpConnection, IdpSession, SigningKeyInfo } from '../../core/ports.js';
import { downloadDocument } from '../../http/download.js';
import { grantHint } from './scopes.js';

export interface Auth0Connection {
  domain: string;
  /** The Management API and its token endpoint: always the tenant's own domain. */
  baseUrl: string;
  /** The SAML endpoints (metadata): the custom domain when one is set; default `baseUrl`. */
  samlBaseUrl?: string;
  clientId: string;
  clientSecret: string;
  /** Where each value came from (`env AUTH0_CLIENT_ID`, `--auth0-domain`, `prompt` …), so a hint points there. */
  origins?: { domain?: string; clientId?: string; clientSecret?: string };
}

/** Metadata documents are a few KiB; anything near this is not Auth0 metadata. */
const METADATA_MAX_BYTES = 256 * 1024;

/** Connections read per request (pages follow `next`), and only the fields sso-setup uses. */
const CONNECTION_PAGE = { take: 100, fields: 'id,name,strategy', include_fields: true } as const;

export function createAuth0Admin(conn: Auth0Connection, http: FetchLike, secrets: SecretRegistry, timeoutMs = 15_000): IdpAdmin {
  let token: string | undefined;
  let lastFailure: unknown;
  // Start loading the SDK (~0.25 s) while the token request is on the wire.
  const sdk = loadSdk();
  const recordingFetch: FetchLike = async (input, init) => {
    try {
      return await http(input, init);
    } catch (error) {
      lastFailure = error;
      throw error;
    }
  };
  let clients: ClientsClient | undefined;
  let signing: SigningClient | undefined;
  let connections: Promise<ConnectionApis> | undefined;
  const options = () => ({
    baseUrl: `${conn.baseUrl}/api/v2`,
    token: token!,
    fetch: recordingFetch as typeof fetch,
    maxRetries: 0,
    timeoutInSeconds: Math.ceil((timeoutMs * 4) / 1000),
  });
  const clientsApi = async () => (clients ??= new (await sdk).ClientsClient(options()));
  const signingApi = async () => (signing ??= new (await sdk).SigningClient(options()));
  // Loaded on first use (~50 ms): apply and verify start it together with their other reads.
  const connectionApis = () => (connections ??= loadConnectionApis(options()));
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    if (!token) throw new Error('connect() must be called first');
    lastFailure = undefined;
    try {
      return await fn();
    } catch (error) {
      throw auth0Error(error, what, conn, lastFailure);
    }
  };

  return {
    async connect(): Promise<IdpSession> {
      const session = await requestToken(conn, http, secrets);
      token = session.token;
      return { scopes: session.scopes };
    },

    async listClients() {
      return call('list applications', async () => {
        const api = await clientsApi();
        const all: Auth0Client[] = [];
        // Full objects, 100 a page: one request for most tenants, and no second GET per match.
        const page = await api.list({ per_page: 100, include_totals: true });
        for await (const c of page) all.push(c as unknown as Auth0Client);
        return all;
      });
    },

    async findClientsByMarker(key, value) {
      return (await this.listClients()).filter((c) => c.client_metadata?.[key] === value);
    },

    async getClient(clientId) {
      return call(`read application ${clientId}`, async () => {
        try {
          return (await (await clientsApi()).get(clientId)) as unknown as Auth0Client;
        } catch (error) {
          if ((error as { statusCode?: number }).statusCode === 404) return undefined;
          throw error;
        }
      });
    },

    async createClient(body: ClientWrite) {
      return call('create the application', async () => (await (await clientsApi()).create(body as never)) as unknown as Auth0Client);
    },

    async updateClient(clientId, patch) {
      return call(`update application ${clientId}`, async () => (await (await clientsApi()).update(clientId, patch as never)) as unknown as Auth0Client);
    },

    async deleteClient(clientId) {
      await call(`delete application ${clientId}`, async () => {
        try {
          await (await clientsApi()).delete(clientId);
        } catch (error) {
          // Already gone (an overlapping run or a person deleted it): what was asked for is done.
          if ((error as { statusCode?: number }).statusCode !== 404) throw error;
        }
      });
    },

    metadataUrl(clientId) {
      return `${conn.samlBaseUrl ?? conn.baseUrl}/samlp/metadata/${encodeURIComponent(clientId)}`;
    },

    async downloadMetadata(clientId) {
      const url = this.metadataUrl(clientId);
      try {
        const doc = await downloadDocument(url, {
          maxBytes: METADATA_MAX_BYTES,
          // The whole download, retries included; each attempt has the client's own deadline.
          timeoutMs: timeoutMs * 4,
          accept: 'application/samlmetadata+xml, application/xml, text/xml',
          fetch: http,
        });
        return doc.bytes;
      } catch (error) {
        const cause = (error as { cause?: unknown }).cause;
        if (cause instanceof RateLimitedError) throw rateLimited(conn, 'download the IdP metadata', cause);
        throw error;
      }
    },

    async listConnections() {
      return call('list connections', async () => {
        const found: IdpConnection[] = [];
        for await (const c of await (await connectionApis()).tenant.list(CONNECTION_PAGE)) found.push(connectionOf(c));
        return found;
      });
    },

    async connectionsOf(clientId) {
      return call(`list the connections of application ${clientId}`, async () => {
        const found: IdpConnection[] = [];
        for await (const c of await (await connectionApis()).ofClient.get(clientId, CONNECTION_PAGE)) found.push(connectionOf(c));
        return found;
      });
    },

    async setConnectionEnabled(connectionId, clientId, enabled) {
      await call(`${enabled ? 'enable' : 'disable'} application ${clientId} on connection ${connectionId}`, async () => {
        await (await connectionApis()).clientsOf.update(connectionId, [{ client_id: clientId, status: enabled }]);
      });
    },

    async signingKeys(): Promise<SigningKeyInfo[]> {
      return call('list signing keys', async () => {
        const keys = await (await signingApi()).list();
        return keys.map((k) => ({
          kid: k.kid,
          cert: k.cert,
          current: Boolean(k.current),
          next: Boolean(k.next),
          previous: Boolean(k.previous),
          revoked: Boolean(k.revoked),
          ...(k.fingerprint ? { fingerprint: k.fingerprint } : {}),
          ...(k.current_until ? { currentUntil: String(k.current_until) } : {}),
        }));
      });
    },

    async rotateSigningKey() {
      return call('rotate the signing key', async () => {
        const next = await (await signingApi()).rotate();
        return { kid: next.kid ?? '', cert: next.cert ?? '' };
      });
    },
  };
}

interface ConnectionApis {
  /** `GET /connections` */
  tenant: ConnectionsClient;
  /** `GET /clients/{id}/connections` */
  ofClient: ClientConnectionsClient;
  /** `GET`/`PATCH /connections/{id}/clients` */
  clientsOf: ConnectionClientsClient;
}

async function loadConnectionApis(options: ConstructorParameters<typeof ClientsClient>[0]): Promise<ConnectionApis> {
  const [tenant, ofClient, clientsOf] = await Promise.all([import('auth0/connections'), import('auth0/clients/connections'), import('auth0/connections/clients')]);
  return { tenant: new tenant.ConnectionsClient(options), ofClient: new ofClient.ConnectionsClient(options), clientsOf: new clientsOf.ClientsClient(options) };
}

function connectionOf(c: { id?: string | undefined; name?: string | undefined; strategy?: string | undefined }): IdpConnection {
  return { id: c.id ?? '', name: c.name ?? '', strategy: c.strategy ?? '' };
}

async function loadSdk(): Promise<{ ClientsClient: typeof ClientsClient; SigningClient: typeof SigningClient }> {
  const [c, s] = await Promise.all([import('auth0/clients'), import('auth0/keys/signing')]);
  return { ClientsClient: c.ClientsClient, SigningClient: s.SigningClient };
}

/** The Management API audience: always https://{domain}/api/v2/ (the SDK sends the same, even to the sandbox). */
export function managementAudience(domain: string): string {
  return `https://${domain}/api/v2/`;
}

async function requestToken(conn: Auth0Connection, http: FetchLike, secrets: SecretRegistry): Promise<{ token: string; scopes: string[] }> {
  const url = `${conn.baseUrl}/oauth/token`;
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: conn.clientId,
    client_secret: conn.clientSecret,
    audience: managementAudience(conn.domain),
  });
  let response: Response;
  try {
    response = await http(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body });
  } catch (error) {
    if (error instanceof RateLimitedError) throw rateLimited(conn, 'get a Management API token', error);
    throw unreachable(conn, error);
  }
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON: handled by the status checks below.
  }
  if (response.ok && typeof json.access_token === 'string') {
    secrets.add(json.access_token);
    const scopes = typeof json.scope === 'string' ? json.scope.split(/\s+/).filter(Boolean) : [];
    return { token: json.access_token, scopes };
  }
  const description = typeof json.error_description === 'string' ? json.error_description : text.slice(0, 200);
  if (response.status === 401 || response.status === 403) {
    // Auth0 answers a wrong secret with 401 invalid_client, and an application that is not
    // authorised for the Management API with 403 access_denied.
    const notAuthorised = response.status === 403 && json.error === 'access_denied' && !/unauthori[sz]ed/i.test(description);
    throw new SsoError(
      'AUTH0_BAD_CREDENTIALS',
      `Auth0 refused a Management API token to client ${conn.clientId} at ${conn.domain} (${response.status} ${String(json.error ?? '')}: ${description})`,
      {
        hint: notAuthorised
          ? 'Auth0 > Applications > APIs > Auth0 Management API > Machine to Machine Applications: authorise your application.'
          : `Check ${credentialsNamed(conn)} against Auth0 > Applications > (your machine-to-machine app) > Settings, and that the app is authorised for the Auth0 Management API.`,
      },
    );
  }
  if (response.status === 429) throw rateLimited(conn, 'get a Management API token');
  throw new SsoError('AUTH0_TOKEN_FAILED', `could not get a Management API token from ${url} (HTTP ${response.status})`, {
    hint: response.status === 404 ? `Check ${named('Auth0 domain', conn.origins?.domain)}: ${conn.domain} does not look like an Auth0 tenant.` : 'Run again; if it persists, check https://status.auth0.com.',
  });
}

/**
 * Auth0 kept rate-limiting: the wait it asked for did not fit in the run's rate-limit budget (or
 * the caller's deadline ended the wait).
 */
function rateLimited(conn: Auth0Connection, what: string, error?: RateLimitedError): SsoError {
  const why = error ? `: ${error.explanation}` : '';
  return new SsoError('AUTH0_RATE_LIMITED', `Auth0 at ${conn.domain} kept rate-limiting the request to ${what}${why}`, {
    hint: 'Run again once the limit resets (the run is safe to repeat); SSO_SETUP_RATE_LIMIT_WAIT=SECONDS allows a longer wait. Other jobs using the same Management API application share its limit.',
    ...(error ? { cause: error, details: error.details } : {}),
  });
}

function unreachable(conn: Auth0Connection, error: unknown): SsoError {
  const domain = named('Auth0 domain', conn.origins?.domain);
  if (errorCode(error) === 'ENOTFOUND') {
    // A name that does not resolve is not a passing failure: no retry, and the likely cause first.
    return new SsoError('AUTH0_DOMAIN_NOT_FOUND', `the Auth0 domain ${conn.domain} does not exist (DNS: no such host)`, {
      exit: EXIT.usage,
      hint: `Check ${domain} for a typo: a tenant's domain looks like acme.us.auth0.com (Auth0 > Settings, or a custom domain).`,
      cause: error,
    });
  }
  return new SsoError('AUTH0_UNREACHABLE', `could not reach Auth0 at ${conn.baseUrl}: ${describeFailure(error)}`, {
    hint: isCertificateFailure(error)
      ? `For \`sso-setup sandbox --tls\`, set NODE_EXTRA_CA_CERTS to the CA file its env file names; otherwise check ${domain} (a TLS-intercepting proxy needs its CA in NODE_EXTRA_CA_CERTS too).`
      : `Check ${domain} and your network; sso-setup retried before giving up.`,
    cause: error,
  });
}

/** "the client ID (env AUTH0_CLIENT_ID)", "the client ID you entered": a value named with where it came from. */
function named(what: string, origin: string | undefined): string {
  if (origin === undefined) return `the ${what}`;
  return origin === 'prompt' ? `the ${what} you entered` : `the ${what} (${origin})`;
}

function credentialsNamed(conn: Auth0Connection): string {
  const { clientId, clientSecret } = conn.origins ?? {};
  if (clientId === 'prompt' && clientSecret === 'prompt') return 'the client ID and secret you entered';
  return `${named('client ID', clientId)} and ${named('client secret', clientSecret)}`;
}

/** How to fix what Auth0's 400 names (its validator says which property it refused). */
export function invalidRequestHint(message: string): string {
  if (/client_metadata/.test(message) && /Too many properties/.test(message)) {
    return "The application's metadata would exceed Auth0's 10 keys (sso-setup adds up to 3): remove unused keys in Auth0 > Applications > the application > Advanced Settings > Application Metadata, then run again.";
  }
  if (/client_metadata/.test(message)) {
    return 'Auth0 allows metadata keys of letters, digits, spaces and :,-+=_*?"/\\()<>@ only, and values of at most 255 characters: fix the application metadata in the Auth0 dashboard, then run again.';
  }
  if (/\bcallbacks\b/.test(message)) return 'A callback (ACS) URL was refused: check saml.callbacks and amplitude.baseUrl in the config file.';
  if (/\baddons\b/.test(message)) return 'The SAML2 addon settings were refused: check the saml settings in the config file.';
  return 'Auth0 names the setting it refused: fix it in the config file (saml.*, application.*) or in the Auth0 dashboard, then run again.';
}

/** Turns an SDK or network error into an SsoError with a hint that names the fix. */
export function auth0Error(error: unknown, what: string, conn: Auth0Connection, lastFailure: unknown): SsoError {
  if (error instanceof SsoError) return error;
  const status = (error as { statusCode?: number }).statusCode;
  const body = (error as { body?: unknown }).body as Record<string, unknown> | undefined;
  const message = typeof body?.message === 'string' ? body.message : undefined;
  if (status === undefined) {
    if (lastFailure instanceof RateLimitedError) return rateLimited(conn, what, lastFailure);
    if (lastFailure instanceof HttpTimeoutError || (error as Error).name === 'ManagementTimeoutError') {
      return new SsoError('AUTH0_TIMEOUT', `Auth0 did not answer in time (${what})`, { hint: 'Run again; sso-setup already retried.', cause: error });
    }
    return unreachable(conn, lastFailure ?? error);
  }
  if (status === 403 && (body?.errorCode === 'insufficient_scope' || /scope/i.test(message ?? ''))) {
    const scopes = /expected (?:any|all) of:?\s*(.+)$/i.exec(message ?? '')?.[1]?.replace(/\.$/, '') ?? 'the scope this operation needs';
    return new SsoError('AUTH0_MISSING_SCOPE', `the Management API token lacks a scope to ${what}: needs ${scopes}`, {
      hint: grantHint(scopes.split(/[,\s]+/).filter(Boolean)),
      details: { scopes },
    });
  }
  if (status === 401) {
    return new SsoError('AUTH0_UNAUTHORIZED', `Auth0 rejected the Management API token (${what})`, { hint: 'Run again; if it persists, check the application is authorised for the Management API.' });
  }
  if (status === 429) return rateLimited(conn, what);
  if (status === 404) return new SsoError('AUTH0_NOT_FOUND', `Auth0 answered 404 (${what})`, { hint: 'Run again: sso-setup re-reads the tenant.' });
  if (status === 400) {
    return new SsoError('AUTH0_INVALID_REQUEST', `Auth0 refused the request to ${what}: ${message ?? 'bad request'}`, {
      hint: invalidRequestHint(message ?? ''),
      details: { status, ...(typeof body?.errorCode === 'string' ? { errorCode: body.errorCode } : {}) },
    });
  }
  return new SsoError('AUTH0_SERVER_ERROR', `Auth0 failed to ${what} (HTTP ${status}${message ? `: ${message}` : ''})`, {
    hint: 'Run again later; check https://status.auth0.com.',
  });
}
