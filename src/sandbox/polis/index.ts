/**
 * `sandbox --polis`: the real Ory Polis (formerly BoxyHQ SAML Jackson) library, `@boxyhq/saml-jackson`, in
 * memory (`engine: "mem"`: no database, no native SQLite), behind the HTTP routes the Polis service
 * documents (its `pages/api/*` handlers, read in boxyhq/jackson at e2a22b74): the connection API
 * `/api/v1/sso` (GET/POST/PATCH/DELETE, header `Authorization: Api-Key <key>`), the SAML ACS
 * `/api/oauth/saml`, the OAuth 2.0 endpoints `/api/oauth/authorize`, `/api/oauth/token`,
 * `/api/oauth/userinfo`, and the SP metadata `/.well-known/sp-metadata` (Polis's next.config.js rewrites it to
 * `/api/well-known/sp-metadata`; both are served). The routes only translate HTTP
 * to the library's controllers, as Polis's own Next.js handlers do: every SAML and OAuth decision is the
 * library's.
 *
 * The library is a devDependency (database drivers, AWS SDK: ~240 MB), loaded only here.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EXIT, SsoError } from '../../errors.js';
import { BodyTooLargeError, createSandboxServer, parseForm, readBody, redirect, sameSecret, sendJson, sendText } from '../http-kit.js';

/** The library's controllers this server calls (typed here: its own typings pull in its whole tree). */
interface JacksonControllers {
  connectionAPIController: {
    createSAMLConnection(body: Record<string, unknown>): Promise<Record<string, unknown>>;
    updateSAMLConnection(body: Record<string, unknown>): Promise<void>;
    getConnections(query: Record<string, unknown>): Promise<Record<string, unknown>[]>;
    deleteConnections(query: Record<string, unknown>): Promise<void>;
  };
  oauthController: {
    authorize(params: Record<string, unknown>): Promise<{ redirect_url?: string; authorize_form?: string; error?: string }>;
    samlResponse(params: Record<string, unknown>): Promise<{ redirect_url?: string; app_select_form?: string; response_form?: string; error?: string }>;
    token(body: Record<string, unknown>, authHeader?: string): Promise<Record<string, unknown>>;
    userInfo(token: string): Promise<Record<string, unknown>>;
  };
  spConfig: { toXMLMetadata(encryption: boolean, entityId?: string): Promise<string> };
  close(): Promise<void>;
}

export interface PolisEmulator {
  /** `http://127.0.0.1:PORT`: POLIS_URL. */
  url: string;
  apiKey: string;
  tenant: string;
  product: string;
  /** The SP side Auth0 must be configured with. */
  entityId: string;
  acsUrl: string;
  /** The OAuth redirect URL the sandbox connection allows (nothing listens there: a client reads the code from the redirect). */
  redirectUrl: string;
  close(): Promise<void>;
}

export interface PolisOptions {
  host?: string;
  port?: number;
  tenant?: string;
  product?: string;
}

const SAML_PATH = '/api/oauth/saml';
/** Polis's default SAML audience (its SP entity ID) when SAML_AUDIENCE is not set. */
export const POLIS_DEFAULT_AUDIENCE = 'https://saml.boxyhq.com';
export const POLIS_PACKAGE = '@boxyhq/saml-jackson';

/** Loads the library, or says how to install it (it is not a dependency of an installed sso-setup). */
export async function loadJackson(): Promise<(options: Record<string, unknown>) => Promise<JacksonControllers>> {
  let module: { default: unknown };
  try {
    module = (await import('@boxyhq/saml-jackson')) as { default: unknown };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    throw new SsoError('POLIS_NOT_INSTALLED', `sandbox --polis needs the Ory Polis library (${POLIS_PACKAGE}), which is not installed.`, {
      exit: EXIT.usage,
      hint: `In a clone of sso-setup it is a devDependency (npm ci); elsewhere run \`npm install --no-save ${POLIS_PACKAGE}@26\` next to sso-setup (~240 MB).`,
    });
  }
  // A CommonJS module with `exports.default`: Node's ESM wrapper nests it once more.
  const exported = module.default as { default?: unknown };
  return (typeof exported === 'function' ? exported : exported.default) as (options: Record<string, unknown>) => Promise<JacksonControllers>;
}

export async function startPolisEmulator(options: PolisOptions = {}): Promise<PolisEmulator> {
  const init = await loadJackson();
  const host = options.host ?? '127.0.0.1';
  const server = createSandboxServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;
  const quiet = () => undefined;
  let jackson: JacksonControllers;
  // The library starts timers that its close() never clears (26.2.0: SSOTraces' daily interval, the mem
  // store's TTL sweep): note the timers created while it starts and clear them on close, or a test worker
  // would never exit. (A sweep re-armed after 5 minutes of serving is left to the launcher, which exits
  // 2 s after the command returns whatever still holds the event loop.)
  const timers: ReturnType<typeof setTimeout>[] = [];
  const { setInterval: setIntervalBefore, setTimeout: setTimeoutBefore } = globalThis;
  globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => {
    const timer = setIntervalBefore(...args);
    timers.push(timer);
    return timer;
  }) as typeof setInterval;
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    const timer = setTimeoutBefore(...args);
    timers.push(timer);
    return timer;
  }) as typeof setTimeout;
  try {
    jackson = await init({
      externalUrl: url,
      samlPath: SAML_PATH,
      samlAudience: POLIS_DEFAULT_AUDIENCE,
      db: { engine: 'mem' },
      noAnalytics: true,
      openid: {},
      logger: { info: quiet, warn: quiet, error: quiet },
    });
  } catch (error) {
    for (const timer of timers) clearTimeout(timer);
    await closeServer(server);
    throw error;
  } finally {
    Object.assign(globalThis, { setInterval: setIntervalBefore, setTimeout: setTimeoutBefore });
  }
  const apiKey = `sbx_polis_${randomBytes(24).toString('base64url')}`;
  const emulator: PolisEmulator = {
    url,
    apiKey,
    tenant: options.tenant ?? 'sandbox.example',
    product: options.product ?? 'sso-setup',
    entityId: POLIS_DEFAULT_AUDIENCE,
    acsUrl: `${url}${SAML_PATH}`,
    redirectUrl: `${url}/sso-setup/callback`,
    async close() {
      await closeServer(server);
      await jackson.close();
      for (const timer of timers) clearTimeout(timer);
    },
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res, jackson, emulator).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: error instanceof Error ? error.message : String(error) } });
      else res.destroy();
    });
  });
  return emulator;
}

async function handle(req: IncomingMessage, res: ServerResponse, jackson: JacksonControllers, polis: PolisEmulator): Promise<void> {
  const url = new URL(req.url ?? '/', polis.url);
  const method = req.method ?? 'GET';
  try {
    if (url.pathname === '/api/v1/sso') {
      // Polis's middleware: `/api/v1/**` needs `Authorization: <scheme> <key>`, and the key must be one of JACKSON_API_KEYS.
      const token = (req.headers.authorization ?? '').split(' ')[1];
      if (!token || !sameSecret(token, polis.apiKey)) return sendJson(res, 401, { error: { message: 'Unauthorized' } });
      const query = Object.fromEntries(url.searchParams);
      const api = jackson.connectionAPIController;
      if (method === 'GET') return sendJson(res, 200, await api.getConnections(query));
      if (method === 'DELETE') {
        await api.deleteConnections(query);
        return end(res, 204);
      }
      if (method === 'POST' || method === 'PATCH') {
        const body = await requestBody(req);
        // Polis's strategyChecker: a SAML request names rawMetadata, encodedRawMetadata, metadataUrl or isSAML.
        if (!['rawMetadata', 'encodedRawMetadata', 'metadataUrl', 'isSAML'].some((k) => k in body)) {
          return sendJson(res, 400, { error: { message: 'Missing SSO connection params' } });
        }
        if (method === 'POST') return sendJson(res, 200, await api.createSAMLConnection(body));
        await api.updateSAMLConnection(body);
        return end(res, 204);
      }
      res.setHeader('Allow', 'GET, POST, PATCH, DELETE');
      return sendJson(res, 405, { error: { message: `Method ${method} not allowed.` } });
    }
    if (url.pathname === '/api/oauth/authorize' && (method === 'GET' || method === 'POST')) {
      const params = method === 'GET' ? Object.fromEntries(url.searchParams) : await requestBody(req);
      const result = await jackson.oauthController.authorize(params);
      if (result.redirect_url) return redirect(res, result.redirect_url);
      return sendText(res, 200, result.authorize_form ?? '', 'text/html; charset=utf-8');
    }
    if (url.pathname === SAML_PATH && method === 'POST') {
      const { SAMLResponse, RelayState, idp_hint } = await requestBody(req);
      const result = await jackson.oauthController.samlResponse({ SAMLResponse, RelayState, idp_hint });
      if (result.redirect_url) return redirect(res, result.redirect_url);
      return sendText(res, 200, result.app_select_form ?? result.response_form ?? '', 'text/html; charset=utf-8');
    }
    if (url.pathname === '/api/oauth/token' && method === 'POST') {
      return sendJson(res, 200, await jackson.oauthController.token(await requestBody(req), req.headers.authorization));
    }
    if (url.pathname === '/api/oauth/userinfo' && method === 'GET') {
      const token = (req.headers.authorization ?? '').split(' ')[1] ?? url.searchParams.get('access_token');
      if (!token) return sendJson(res, 401, { message: 'Unauthorized' });
      return sendJson(res, 200, await jackson.oauthController.userInfo(token));
    }
    if ((url.pathname === '/.well-known/sp-metadata' || url.pathname === '/api/well-known/sp-metadata') && method === 'GET') {
      return sendText(res, 200, await jackson.spConfig.toXMLMetadata(url.searchParams.get('encryption') === 'true'), 'text/xml; charset=utf-8');
    }
    return sendJson(res, 404, { error: { message: 'Not found' } });
  } catch (error) {
    if (error instanceof BodyTooLargeError) return sendJson(res, 413, { error: { message: error.message } });
    // The library throws JacksonError { message, statusCode }; Polis answers { error: { message } } with that status.
    const { message, statusCode } = error as { message?: string; statusCode?: number };
    if (typeof statusCode === 'number') return sendJson(res, statusCode, { error: { message: message ?? 'Error' } });
    throw error;
  }
}

/** JSON or form bodies, as Next.js's body parser accepts them. */
async function requestBody(req: IncomingMessage): Promise<Record<string, string>> {
  const raw = await readBody(req);
  if ((req.headers['content-type'] ?? '').includes('application/json')) {
    try {
      const parsed = JSON.parse(raw.toString('utf8')) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, string>;
    } catch {
      // fall through to a 400 below
    }
    throw Object.assign(new Error('The body is not a JSON object'), { statusCode: 400 });
  }
  return parseForm(raw);
}

function end(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'content-length': 0 });
  res.end();
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
