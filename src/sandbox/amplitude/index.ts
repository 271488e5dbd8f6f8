/**
 * A local Amplitude organization acting as a SAML service provider: the SSO settings endpoint that
 * `apply` pushes IdP metadata to (docs/sp-settings-endpoint.md), the ACS, SP-initiated login, and SP
 * metadata. One node:http server on 127.0.0.1. How it differs from the real Amplitude:
 * docs/sandbox-amplitude.md.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomInt } from 'node:crypto';
import { InMemoryCacheProvider } from '@node-saml/node-saml/lib/in-memory-cache-provider.js';
import { Faults, dropConnection, keepAnswer, loseAnswer, replayAnswer } from '../faults.js';
import { BodyTooLargeError, MAX_BODY_BYTES, bearerToken, createSandboxServer, parseForm, readBody, redirect, sameSecret, sendHtml, sendJson, sendText } from '../http-kit.js';
import { handleAdminRequest } from '../admin.js';
import type { AmplitudeEmulator, AmplitudeEmulatorOptions, SpSession, StoredSsoSettings } from '../types.js';
import { failurePage, homePage, prefersJson, signedInPage, spMetadataXml } from './pages.js';
import { errorBody, rejection, type Rejection } from './rejection.js';
import type { SpContext } from './service-provider.js';
import { readUpload, replaceSettings, settingsView, type SpIdentity, type SsoState } from './settings.js';

export { IDENTITY_PROVIDERS } from './settings.js';

/** Name of the cookie the ACS sets on a successful login. */
export const SESSION_COOKIE = 'amp_sandbox_session';

const DEFAULT_CLOCK_SKEW_MS = 30_000;

/** SAML bindings §3.4.3/§3.5.3: RelayState MUST NOT exceed 80 bytes. */
export const MAX_RELAY_STATE_BYTES = 80;

/** node-saml and its XML stack cost ~170 ms to load: only on the first login, not at start-up. */
let serviceProvider: Promise<typeof import('./service-provider.js')> | undefined;
const loadServiceProvider = () => (serviceProvider ??= import('./service-provider.js'));

/**
 * Starts one emulated org and resolves once it listens. Each start is a blank org (SSO not
 * configured) with a fresh bearer token; `close()` also cuts open connections, so tests end promptly.
 */
export async function startAmplitudeEmulator(opts: AmplitudeEmulatorOptions = {}): Promise<AmplitudeEmulator> {
  const host = opts.host ?? '127.0.0.1';
  const orgId = opts.orgId ?? randomOrgId();
  if (!/^\d{1,18}$/.test(orgId)) throw new Error(`orgId '${orgId}' must be numeric`);
  const now = opts.now ?? (() => new Date());
  const faults = new Faults(opts.faults ?? {}, opts.faultSeed);
  const ssoToken = `amp_sso_${randomBytes(32).toString('base64url')}`;
  const cache = new InMemoryCacheProvider({ keyExpirationPeriodMs: 60 * 60 * 1000 });
  const emailPolicy = opts.emailPolicy ?? 'subject';
  const acceptedClockSkewMs = opts.acceptedClockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;

  let state: SsoState | undefined;
  const sessions: SpSession[] = [];
  /** Assertion IDs already consumed, until they expire: a bearer assertion is good for one login. */
  const consumed = new Map<string, number>();

  // Filled in once the server listens and the port is known.
  let sp: SpIdentity = { orgId, entityId: '', acsUrl: '' };
  let baseUrl = '';
  let loginUrl = '';
  let ssoEndpoint = '';

  const server = createSandboxServer(opts.tls);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const message = e instanceof Error ? e.message : String(e);
      sendJson(res, 500, errorBody(rejection(500, 'INTERNAL', `the sandbox failed: ${message.split('\n')[0]}`)));
    });
  });
  // Small bodies, local clients: do not let a stalled client hold the server open.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (await handleAdminRequest(req, res, { token: opts.adminToken, faults, ...(opts.requestLog ? { log: opts.requestLog } : {}) })) return;
    const fault = await faults.decide(req);
    if (fault.kind === 'drop') return dropConnection(res);
    if (fault.kind === 'lost') loseAnswer(res);
    if (fault.kind === 'keep') keepAnswer(res, fault.keep);
    if (fault.kind === 'stale') return replayAnswer(res, fault.answer);
    if (fault.kind === 'rate-limited') {
      const r = rejection(429, 'RATE_LIMITED', `too many requests; retry after ${fault.resetSeconds} s`);
      return sendJson(res, 429, errorBody(r), { 'retry-after': String(fault.resetSeconds) });
    }
    if (fault.kind === 'server-error') {
      return sendJson(res, 503, errorBody(rejection(503, 'SERVICE_UNAVAILABLE', 'the service is temporarily unavailable (injected fault)')));
    }

    const url = new URL(req.url ?? '/', baseUrl);
    const path = url.pathname;
    const method = req.method ?? 'GET';

    if (path === '/' && (method === 'GET' || method === 'HEAD')) {
      return sendHtml(res, 200, homePage(sp, loginUrl, state, sessionOf(req)?.email));
    }

    let m = /^\/api\/2\/orgs\/([^/]+)\/sso\/saml\/?$/.exec(path);
    if (m) return settingsEndpoint(req, res, method, m[1]!, url);

    m = /^\/saml\/2\/metadata\/([^/]+)\/?$/.exec(path);
    if (m) {
      if (m[1] !== orgId) return notFoundOrg(req, res);
      if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(req, res, 'GET');
      return sendText(res, 200, spMetadataXml(sp), 'application/samlmetadata+xml; charset=utf-8');
    }

    m = /^\/saml\/2\/acs\/([^/]+)\/?$/.exec(path);
    if (m) {
      if (m[1] !== orgId) return notFoundOrg(req, res);
      if (method !== 'POST') return methodNotAllowed(req, res, 'POST');
      return acs(req, res);
    }

    m = /^\/login\/sso\/([^/]+)\/?$/.exec(path);
    if (m) {
      if (m[1] !== orgId) return notFoundOrg(req, res);
      if (method !== 'GET') return methodNotAllowed(req, res, 'GET');
      return loginStart(req, res, url);
    }

    return fail(req, res, rejection(404, 'NOT_FOUND', `no such page: ${method} ${path}`), 'Not found');
  }

  async function settingsEndpoint(req: IncomingMessage, res: ServerResponse, method: string, org: string, url: URL): Promise<void> {
    const api = (status: number, body: unknown, headers: Record<string, string> = {}) =>
      sendJson(res, status, body, { 'cache-control': 'no-store', ...headers });
    const apiError = (r: Rejection, headers: Record<string, string> = {}) => api(r.status, errorBody(r), headers);

    const token = bearerToken(req);
    if (token === undefined) {
      return apiError(rejection(401, 'UNAUTHORIZED', 'missing bearer token', 'Send Authorization: Bearer <AMPLITUDE_SSO_TOKEN>.'), {
        'www-authenticate': 'Bearer realm="amplitude-sso"',
      });
    }
    if (!sameSecret(token, ssoToken)) {
      return apiError(rejection(401, 'UNAUTHORIZED', 'the bearer token is not valid for this endpoint', 'Check AMPLITUDE_SSO_TOKEN.'), {
        'www-authenticate': 'Bearer realm="amplitude-sso", error="invalid_token"',
      });
    }
    if (org !== orgId) return apiError(rejection(404, 'ORG_NOT_FOUND', `organization '${org.slice(0, 32)}' not found`, `This endpoint serves org ${orgId}.`));

    switch (method) {
      case 'GET':
        return api(200, settingsView(state, sp));
      case 'PUT': {
        const declared = Number(req.headers['content-length'] ?? 0);
        if (declared > MAX_BODY_BYTES) return apiError(tooLarge(), { connection: 'close' });
        let body: Buffer;
        try {
          body = await readBody(req, MAX_BODY_BYTES);
        } catch (e) {
          if (e instanceof BodyTooLargeError) return apiError(tooLarge(), { connection: 'close' });
          throw e;
        }
        const upload = readUpload(req.headers['content-type'], body, url.searchParams);
        if (!upload.ok) return apiError(upload.rejection);
        const next = replaceSettings(state, upload.value, now());
        if (!next.ok) return apiError(next.rejection);
        state = next.value.state;
        return api(200, settingsView(state, sp));
      }
      case 'DELETE':
        state = undefined;
        res.writeHead(204, { 'cache-control': 'no-store' });
        res.end();
        return;
      default:
        return apiError(rejection(405, 'METHOD_NOT_ALLOWED', `${method} is not supported here`, 'Use GET, PUT or DELETE.'), { allow: 'GET, PUT, DELETE' });
    }
  }

  async function acs(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const title = 'Sign-in to Amplitude (sandbox) failed';
    let body: Buffer;
    try {
      body = await readBody(req, MAX_BODY_BYTES);
    } catch (e) {
      if (e instanceof BodyTooLargeError) return fail(req, res, tooLarge(), title, { connection: 'close' });
      throw e;
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      return fail(req, res, rejection(415, 'UNSUPPORTED_MEDIA_TYPE', 'the ACS takes an HTML form post (application/x-www-form-urlencoded)'), title);
    }
    const form = parseForm(body);
    const samlResponse = form.SAMLResponse;
    const relayState = form.RelayState;
    if (!samlResponse) return fail(req, res, rejection(400, 'SAML_MISSING', 'the form post has no SAMLResponse field'), title);
    if (!state) return fail(req, res, notConfigured(), title);

    const { consumeResponse } = await loadServiceProvider();
    const verdict = await consumeResponse(context(state), samlResponse);
    if (!verdict.ok) return fail(req, res, verdict.rejection, title);
    const login = verdict.login;

    const t = now().getTime();
    for (const [id, until] of consumed) if (until <= t) consumed.delete(id);
    if (login.assertionId !== undefined) {
      if (consumed.has(login.assertionId)) {
        return fail(req, res, rejection(403, 'SAML_REPLAYED', `assertion ${login.assertionId} was already used to sign in`, 'Start a new login.'), title);
      }
      consumed.set(login.assertionId, login.notOnOrAfter?.getTime() ?? t + 60 * 60 * 1000);
    }

    const session: SpSession = {
      email: login.email,
      nameId: login.nameId,
      nameIdFormat: login.nameIdFormat,
      attributes: login.attributes,
      at: now().toISOString(),
      sessionId: randomBytes(24).toString('base64url'),
      issuer: login.issuer,
      ...(login.inResponseTo !== undefined ? { inResponseTo: login.inResponseTo } : {}),
      ...(relayState !== undefined && relayState !== '' ? { relayState } : {}),
    };
    sessions.push(session);
    const cookie = { 'set-cookie': `${SESSION_COOKIE}=${session.sessionId}; Path=/; HttpOnly; SameSite=Lax` };
    if (prefersJson(req.headers.accept)) {
      return sendJson(
        res,
        200,
        {
          ok: true,
          email: session.email,
          nameId: session.nameId,
          nameIdFormat: session.nameIdFormat,
          attributes: session.attributes,
          issuer: session.issuer,
          ...(session.inResponseTo ? { inResponseTo: session.inResponseTo } : {}),
          ...(session.relayState ? { relayState: session.relayState } : {}),
        },
        cookie,
      );
    }
    return sendHtml(res, 200, signedInPage(session), cookie);
  }

  async function loginStart(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const title = 'Cannot start sign-in';
    if (!state) return fail(req, res, notConfigured(), title);
    const relayState = url.searchParams.get('RelayState') ?? randomBytes(12).toString('base64url');
    if (Buffer.byteLength(relayState) > MAX_RELAY_STATE_BYTES) {
      return fail(req, res, rejection(400, 'RELAY_STATE_TOO_LONG', `RelayState is longer than ${MAX_RELAY_STATE_BYTES} bytes`), title);
    }
    const { startLogin } = await loadServiceProvider();
    const start = await startLogin(context(state), relayState);
    if (start.kind === 'redirect') return redirect(res, start.location, { 'cache-control': 'no-store' });
    return sendHtml(res, 200, start.html, { 'cache-control': 'no-store' });
  }

  function context(s: SsoState): SpContext {
    return { sp, state: s, cache, acceptedClockSkewMs, emailPolicy };
  }

  function sessionOf(req: IncomingMessage): SpSession | undefined {
    const cookies = req.headers.cookie ?? '';
    const m = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([^;]+)`).exec(cookies);
    return m ? sessions.find((s) => s.sessionId === m[1]) : undefined;
  }

  function fail(req: IncomingMessage, res: ServerResponse, r: Rejection, title: string, headers: Record<string, string> = {}): void {
    if (prefersJson(req.headers.accept) || (req.url ?? '').startsWith('/api/')) return sendJson(res, r.status, errorBody(r), headers);
    return sendHtml(res, r.status, failurePage(title, r), headers);
  }

  function notFoundOrg(req: IncomingMessage, res: ServerResponse): void {
    fail(req, res, rejection(404, 'ORG_NOT_FOUND', `this sandbox serves org ${orgId} only`), 'Not found');
  }

  function methodNotAllowed(req: IncomingMessage, res: ServerResponse, allow: string): void {
    fail(req, res, rejection(405, 'METHOD_NOT_ALLOWED', `${req.method ?? ''} is not supported here; use ${allow}`), 'Method not allowed', { allow });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const publicHost = opts.publicHost ?? host;
  baseUrl = `${opts.tls ? 'https' : 'http'}://${publicHost.includes(':') ? `[${publicHost}]` : publicHost}:${port}`;
  sp = { orgId, entityId: `${baseUrl}/saml/2/metadata/${orgId}`, acsUrl: `${baseUrl}/saml/2/acs/${orgId}` };
  loginUrl = `${baseUrl}/login/sso/${orgId}`;
  ssoEndpoint = `${baseUrl}/api/2/orgs/${orgId}/sso/saml`;

  let closing: Promise<void> | undefined;
  return {
    baseUrl,
    port,
    orgId,
    entityId: sp.entityId,
    acsUrl: sp.acsUrl,
    loginUrl,
    ssoEndpoint,
    ssoToken,
    faults,
    settings: (): StoredSsoSettings | undefined => (state ? structuredClone(state.settings) : undefined),
    sessions: (): SpSession[] => structuredClone(sessions),
    // Idempotent: a test may stop the SP on purpose before the sandbox is torn down.
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      })),
  };
}

function tooLarge(): Rejection {
  return rejection(413, 'REQUEST_TOO_LARGE', `the request body exceeds ${MAX_BODY_BYTES} bytes`);
}

function notConfigured(): Rejection {
  return rejection(409, 'SSO_NOT_CONFIGURED', 'SSO is not configured for this organization', 'Upload IdP metadata through the SSO settings endpoint first (sso-setup apply).');
}

/** 6 to 9 digits, no leading zero. */
function randomOrgId(): string {
  const digits = randomInt(6, 10);
  return String(randomInt(10 ** (digits - 1), 10 ** digits));
}

