/**
 * `verify`'s sso.login against Ory Polis: the OAuth 2.0 code flow an app runs against Polis, with a SAML
 * login at the IdP in the middle. Authorize (with PKCE and a state) → the IdP's login page, signed in as the
 * test user → the assertion posted to Polis's ACS → Polis redirects to the app's redirect URL with a code →
 * the code exchanged at /api/oauth/token → the profile read at /api/oauth/userinfo, its email checked.
 *
 * Outcomes mean what they mean for webLogin (src/login/web-login.ts) and `judgeLogin`/`judgeSpTrust`:
 * `signed-in` only when Polis handed out a profile for the test user; `failed` with `SP_REJECTED_ASSERTION`
 * when Polis refused the IdP's assertion (its own words in the message).
 *
 * Polis's behaviour, read in @boxyhq/saml-jackson 26.2.0 (dist/controller/oauth.js):
 * - authorize() throws (no connection for the tenant and product, redirect URL not allowed, connection
 *   deactivated: JacksonError, status 403); Polis's /api/oauth/authorize handler then redirects to its
 *   /error page with the message in the `jackson_error` cookie (boxyhq/jackson pages/api/oauth/authorize.ts,
 *   lib/utils.ts);
 *   `sandbox --polis` answers it as JSON `{error: {message}}` with the status. Both are read here. A missing
 *   state or a misconfigured connection is instead redirected to redirect_uri with `error`.
 * - samlResponse() redirects to redirect_uri with `error=access_denied&error_description=<trace id>: <why>`
 *   when the assertion does not validate (audience, signature, expiry); a response whose issuer has no
 *   connection is a 403 thrown (webLogin reports it as SP_REJECTED_ASSERTION).
 * - token() verifies PKCE: with a code_challenge in the session it requires code_verifier and compares
 *   base64url(sha256(verifier)) for S256 (401 "Invalid code_verifier"), and then does not read
 *   client_secret; without PKCE an encoded client_id needs client_secret === clientSecretVerifier
 *   (default "dummy"). It also requires redirect_uri to equal the authorize request's.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describeFailure, type FetchLike } from '../../http/client.js';
import { webLogin, type WebLoginResult } from '../../login/web-login.js';

export interface PolisLoginOptions {
  http: FetchLike;
  polis: { url: string; tenant: string; product: string; redirectUrl: string };
  user: { email: string; password: string };
  /** Origins of the IdP's pages (its domain, and custom domain if any): the walk visits only these and Polis. */
  idpOrigins: string[];
  onStep?: (text: string) => void;
}

export const POLIS_AUTHORIZE_PATH = '/api/oauth/authorize';
export const POLIS_TOKEN_PATH = '/api/oauth/token';
export const POLIS_USERINFO_PATH = '/api/oauth/userinfo';
/** Polis's message for errors whose detail it keeps to its SSO traces (GENERIC_ERR_STRING). */
const POLIS_GENERIC_ERROR = 'Something wrong happened. Please contact your administrator.';
/** What the profile must not carry into output. */
const TOKEN_FIELDS = new Set(['access_token', 'id_token', 'refresh_token', 'token']);

export async function polisLogin(opts: PolisLoginOptions): Promise<WebLoginResult> {
  const base = `${opts.polis.url.replace(/\/+$/, '')}/`;
  const polisOrigin = new URL(base).origin;
  const clientId = `tenant=${opts.polis.tenant}&product=${opts.polis.product}`;
  const state = randomBytes(16).toString('base64url');
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const trail: string[] = [];
  const where = `tenant ${opts.polis.tenant}, product ${opts.polis.product}`;

  const authorize = new URL(POLIS_AUTHORIZE_PATH.slice(1), base);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: opts.polis.redirectUrl,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();

  // Polis's answer to authorize is read here rather than by the walk: its refusals are Polis's (an error
  // page, JSON, or a redirect with `error`), not an IdP page.
  trail.push(`GET ${authorize.origin}${authorize.pathname}`);
  let first: Response;
  try {
    first = await opts.http(authorize.href, { method: 'GET', headers: { accept: 'text/html,application/json' }, redirect: 'manual' });
  } catch (error) {
    return fail('LOGIN_UNREACHABLE', `Polis at ${polisOrigin} did not answer: ${describeFailure(error)}`, authorize.href);
  }
  const firstBody = await first.text();
  const location = first.status >= 300 && first.status < 400 ? first.headers.get('location') : null;
  if (location === null && first.status < 300 && /\bSAMLRequest\b/.test(firstBody)) {
    // Polis posts the AuthnRequest when the IdP's metadata offers only HTTP-POST (Auth0's offers HTTP-Redirect too).
    return fail('LOGIN_UNEXPECTED_PAGE', `Polis answered the authorization request with a form posting the SAMLRequest to the IdP (HTTP-POST binding), which sso.login does not submit`, authorize.href, first.status);
  }
  if (location === null) {
    const reason = polisMessage(firstBody) ?? `HTTP ${first.status} without a redirect to the IdP`;
    return refusedAuthorize(`HTTP ${first.status}: ${reason}`, authorize.href, first.status);
  }
  const idpStart = new URL(location, authorize);
  if (sameEndpoint(idpStart.href, opts.polis.redirectUrl)) {
    const error = idpStart.searchParams.get('error');
    return refusedAuthorize(`${error ?? 'no code'}${describe(idpStart.searchParams.get('error_description'))}`, idpStart.href, first.status);
  }
  if (idpStart.origin === polisOrigin) {
    // Polis's error page: the message is in the `jackson_error` cookie (JSON { message, statusCode }).
    const cookie = errorCookie(first.headers);
    if (!cookie) return refusedAuthorize(`Polis sent the browser to its page ${idpStart.pathname}`, idpStart.href, first.status);
    return refusedAuthorize(cookie.status ? `HTTP ${cookie.status}: ${cookie.message}` : cookie.message, idpStart.href, cookie.status ?? first.status);
  }
  opts.onStep?.(`Polis (${where}) sent the login to ${idpStart.origin}`);

  const walk = await webLogin({
    http: opts.http,
    startUrl: idpStart.href,
    credentials: { username: opts.user.email, password: opts.user.password },
    allowedOrigins: [...opts.idpOrigins, polisOrigin],
    callbackUrl: opts.polis.redirectUrl,
    ...(opts.onStep ? { onStep: opts.onStep } : {}),
  });
  trail.push(...walk.trail);
  if (walk.outcome === 'signed-in') {
    // Polis's ACS answers with a redirect (code or error); a page there (an app-selection form) is no login.
    return fail('SP_BAD_CALLBACK', `Polis's ACS answered HTTP ${walk.status} with a page instead of redirecting to ${opts.polis.redirectUrl}`, polisOrigin, walk.status);
  }
  if (walk.outcome !== 'redirected') return { ...walk, trail };

  const callback = new URL(walk.url);
  const error = callback.searchParams.get('error');
  if (error) {
    return fail('SP_REJECTED_ASSERTION', `Polis refused the assertion (${error})${describe(callback.searchParams.get('error_description'))}`, walk.url);
  }
  // The callback without its query: the code stays out of output.
  const callbackAt = `${callback.origin}${callback.pathname}`;
  if (callback.searchParams.get('state') !== state) {
    return fail('SP_BAD_CALLBACK', `Polis redirected to ${callbackAt} with a state that is not this login's`, callbackAt);
  }
  const code = callback.searchParams.get('code');
  if (!code) return fail('SP_BAD_CALLBACK', `Polis redirected to ${callbackAt} without a code`, callbackAt);
  opts.onStep?.('Polis accepted the assertion; exchanging its code for a token');

  const tokenUrl = new URL(POLIS_TOKEN_PATH.slice(1), base).href;
  const token = await call(tokenUrl, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: clientId,
      // Not read when PKCE is used (see above); Polis's default verifier otherwise.
      client_secret: 'dummy',
      code,
      redirect_uri: opts.polis.redirectUrl,
      code_verifier: verifier,
    }).toString(),
  });
  if ('failed' in token) return token.failed;
  const accessToken = (token.json as { access_token?: unknown } | undefined)?.access_token;
  if (token.status !== 200 || typeof accessToken !== 'string') {
    return fail('SP_OAUTH_FAILED', `Polis refused to exchange its code for a token (HTTP ${token.status})${describe(polisMessage(token.text))}`, tokenUrl, token.status);
  }

  const userinfoUrl = new URL(POLIS_USERINFO_PATH.slice(1), base).href;
  const profile = await call(userinfoUrl, { method: 'GET', headers: { accept: 'application/json', authorization: `Bearer ${accessToken}` } });
  if ('failed' in profile) return profile.failed;
  const json = profile.json;
  if (profile.status !== 200 || !json || typeof json !== 'object' || Array.isArray(json)) {
    return fail('SP_OAUTH_FAILED', `Polis did not give the profile for its token (HTTP ${profile.status})${describe(polisMessage(profile.text))}`, userinfoUrl, profile.status);
  }
  const body = Object.fromEntries(Object.entries(json as Record<string, unknown>).filter(([k]) => !TOKEN_FIELDS.has(k)));
  const email = typeof body.email === 'string' ? body.email : undefined;
  if (email === undefined || email.toLowerCase() !== opts.user.email.toLowerCase()) {
    return fail(
      'SP_WRONG_USER',
      `Polis signed in ${email ?? 'a user without an email'}, not the test user ${opts.user.email}: check the email the IdP puts in the assertion (the NameID or the email attribute)`,
      userinfoUrl,
      profile.status,
    );
  }
  return { outcome: 'signed-in', status: profile.status, email, body, trail };

  function refusedAuthorize(reason: string, at: string, status: number): WebLoginResult {
    // Polis keeps the detail of some refusals (no connection, deactivated) to its SSO traces.
    const generic = reason.includes(POLIS_GENERIC_ERROR)
      ? ' (Polis answers this when it has no SSO connection for this tenant and product, or the connection is deactivated; its SSO traces have the detail)'
      : '';
    return fail('SP_AUTHORIZE_REFUSED', `Polis refused to start a login for ${where}: ${reason}${generic}`, at, status);
  }

  async function call(url: string, init: RequestInit): Promise<{ status: number; text: string; json: unknown } | { failed: WebLoginResult }> {
    const u = new URL(url);
    trail.push(`${init.method ?? 'GET'} ${u.origin}${u.pathname}`);
    try {
      const response = await opts.http(url, { ...init, redirect: 'manual' });
      const text = await response.text();
      return { status: response.status, text, json: parseJson(text) };
    } catch (error) {
      return { failed: fail('LOGIN_UNREACHABLE', `Polis at ${u.origin} did not answer: ${describeFailure(error)}`, url) };
    }
  }

  function fail(code: string, message: string, at: string, status?: number): WebLoginResult {
    return { outcome: 'failed', code, message, url: at, trail, ...(status !== undefined ? { status } : {}) };
  }
}

/** Polis's error text: `{error: {message}}` (its API), `{error, error_description}` (OAuth), or a short text. */
function polisMessage(text: string): string | undefined {
  const json = parseJson(text) as { error?: unknown; error_description?: unknown; message?: unknown } | undefined;
  if (json && typeof json === 'object') {
    const { error } = json;
    if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') return (error as { message: string }).message;
    if (typeof json.error_description === 'string') return json.error_description;
    if (typeof error === 'string') return error;
    if (typeof json.message === 'string') return json.message;
  }
  const plain = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return plain ? plain.slice(0, 200) : undefined;
}

/**
 * The message of Polis's `jackson_error` cookie, set before it redirects to its /error page: JSON
 * `{ message, statusCode }`, URL-encoded by `setErrorCookieAndRedirect` (newer Polis), raw by the older
 * `setErrorCookie` (boxyhq/jackson lib/utils.ts).
 */
function errorCookie(headers: Headers): { message: string; status?: number } | undefined {
  const lines = typeof headers.getSetCookie === 'function' ? headers.getSetCookie() : [];
  for (const line of lines) {
    const m = /^jackson_error=(.*?)(?:;\s*Path=[^;]*)?$/i.exec(line);
    if (!m) continue;
    const value = (parseJson(m[1]!) ?? parseJson(safeDecode(m[1]!))) as { message?: unknown; statusCode?: unknown } | undefined;
    if (value && typeof value.message === 'string') return { message: value.message, ...(typeof value.statusCode === 'number' ? { status: value.statusCode } : {}) };
  }
  return undefined;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function describe(text: string | null | undefined): string {
  return text ? `: ${text}` : '';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Same origin and path (the query, e.g. an OAuth code, may differ). */
function sameEndpoint(a: string, b: string): boolean {
  const x = new URL(a);
  const y = new URL(b);
  return x.origin === y.origin && x.pathname === y.pathname;
}
