/**
 * A SAML web login without a browser: follows redirects, keeps cookies in an RFC 6265 jar
 * (tough-cookie: Domain, Path, expiry, Secure, SameSite), fills the IdP's login form and submits it
 * with its default button, and posts the SAMLResponse to the ACS, as the pages ask a browser to.
 * Pages are read with a real HTML parser (./html-form.ts). `demo` and `verify`'s sso.login use it for
 * the full round trip; `verify`'s sso.probe stops at the IdP's login page. It only visits the
 * origins it is given.
 *
 * What it walks: server-rendered login pages (Auth0's New Universal Login: one page with user and
 * password, or identifier first then password). What it reports as needing a browser
 * (LOGIN_NEEDS_BROWSER): pages that log in from JavaScript (Classic Universal Login with Lock or
 * auth0.js, custom login pages), a CAPTCHA, and a second factor (MFA).
 */
import type { CookieJar } from 'tough-cookie';
import type { FetchLike } from '../http/client.js';
import { describeFailure } from '../http/client.js';
import { defaultButton, formSubmission, isTypeable, readHtmlPage, shorten, type FormControl, type HtmlForm, type HtmlPage } from './html-form.js';

export interface WebLoginOptions {
  http: FetchLike;
  /** First URL: the SP's login start, or the IdP's SSO URL with a SAMLRequest. */
  startUrl: string;
  /** Without credentials, the walk stops at the IdP's login page (a probe). */
  credentials?: { username: string; password: string };
  /** Origins the walk may visit (the IdP's and the SP's); anything else stops it. */
  allowedOrigins: string[];
  onStep?: (text: string) => void;
  maxHops?: number;
  /**
   * An OAuth client's redirect URL (an SP such as Polis turns the assertion into a code and redirects
   * there): a redirect from the ACS to it (same origin and path; any query) ends the walk with
   * `redirected`, unfetched.
   */
  callbackUrl?: string;
}

/** Field names a login form uses for the user (Auth0's Universal Login uses `username`). */
const USER_FIELD = /^(username|email|user|login|identifier)$/i;
/** Paths of IdP login pages (Auth0: /u/login, /u/login/identifier, classic /login). */
const LOGIN_PATH = /(^|\/)(u\/)?login(\/|$)/;
/** Auth0's client-side login libraries: a page that loads one logs in from JavaScript. */
const JS_LOGIN_SCRIPT = /\/\/cdn\.auth0\.com\/js\/(lock|auth0)\//i;
/** Lock, auth0.js, and the config line of Auth0's classic login page template (`@@config@@`, base64 when served). */
const JS_LOGIN_CODE = /\bnew\s+Auth0Lock\s*\(|\bauth0\.WebAuth\s*\(|decodeURIComponent\(\s*escape\(\s*window\.atob\(/;

export type WebLoginResult =
  | { outcome: 'signed-in'; status: number; email?: string; body: unknown; trail: string[] }
  | { outcome: 'login-page'; url: string; trail: string[] }
  | { outcome: 'redirected'; url: string; trail: string[] }
  | { outcome: 'failed'; code: string; message: string; status?: number; url: string; trail: string[] };

interface Navigation {
  url: string;
  method: 'GET' | 'POST';
  body?: string;
  /** The page that started this navigation (a form's page); none when the walk started it. */
  initiator?: string;
  /** URLs that redirected here within this navigation: with the initiator, they decide its SameSite context. */
  hops?: string[];
  toAcs?: boolean;
}

/**
 * Starts loading the walk's parser and cookie jar (~0.3-0.6 s) so that it overlaps a caller's
 * network waits; `verify` calls it before its first request.
 */
export function preloadLoginWalk(): void {
  void Promise.all([import('parse5'), import('tough-cookie')]).catch(() => undefined);
}

export async function webLogin(opts: WebLoginOptions): Promise<WebLoginResult> {
  const trail: string[] = [];
  const { CookieJar, getPublicSuffix } = await import('tough-cookie');
  const jar = new CookieJar();
  /** A browser's "site": scheme and registrable domain (the public suffix list), else the host. */
  const site = (u: string): string => {
    const url = new URL(u);
    let domain: string | undefined;
    try {
      domain = getPublicSuffix(url.hostname, { allowSpecialUseDomain: true }) ?? undefined;
    } catch {
      domain = undefined;
    }
    return `${url.protocol}//${domain ?? url.hostname}`;
  };
  /**
   * The SameSite context of a top-level navigation: same-site when its initiator and every redirect
   * on the way share the target's site; otherwise Lax for a GET and None for a POST.
   */
  const sameSiteContext = (r: Navigation): 'strict' | 'lax' | 'none' => {
    const target = site(r.url);
    if ([r.initiator, ...(r.hops ?? [])].every((u) => u === undefined || site(u) === target)) return 'strict';
    return r.method === 'GET' ? 'lax' : 'none';
  };
  const maxHops = opts.maxHops ?? 20;
  let request: Navigation = { url: opts.startUrl, method: 'GET' };
  let submittedCredentials = false;
  let submittedIdentifier = false;

  for (let hop = 0; hop < maxHops; hop++) {
    const url = new URL(request.url);
    if (!opts.allowedOrigins.includes(url.origin)) {
      return fail('LOGIN_OFF_SITE', `the login flow went to ${url.origin}, which is neither the IdP nor the SP`, request.url);
    }
    trail.push(`${request.method} ${url.origin}${url.pathname}`);
    const sameSite = sameSiteContext(request);
    let response: Response;
    try {
      const cookie = await jar.getCookieString(request.url, { sameSiteContext: sameSite });
      response = await opts.http(request.url, {
        method: request.method,
        headers: {
          accept: request.toAcs ? 'application/json, text/html;q=0.9' : 'text/html,application/xhtml+xml',
          ...(cookie ? { cookie } : {}),
          ...(request.body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(request.body !== undefined ? { body: request.body } : {}),
        redirect: 'manual',
      });
    } catch (error) {
      return fail('LOGIN_UNREACHABLE', `${url.origin} did not answer: ${describeFailure(error)}`, request.url);
    }
    await storeCookies(jar, request.url, response.headers, sameSite);
    const body = await response.text();

    if (response.status >= 300 && response.status < 400 && response.headers.has('location')) {
      const next = new URL(response.headers.get('location')!, url).toString();
      if (request.toAcs && opts.callbackUrl !== undefined && sameEndpoint(next, opts.callbackUrl)) return { outcome: 'redirected', url: next, trail };
      // Fetch's redirect rules: 307/308 repeat the request; 301/302 turn a POST into a GET, 303 anything.
      const keep = response.status === 307 || response.status === 308;
      request = {
        url: next,
        method: keep ? request.method : 'GET',
        ...(keep && request.body !== undefined ? { body: request.body } : {}),
        ...(request.initiator !== undefined ? { initiator: request.initiator } : {}),
        hops: [...(request.hops ?? []), request.url],
        ...(request.toAcs && keep ? { toAcs: true } : {}),
      };
      continue;
    }
    if (response.status >= 300 && response.status < 400) return fail('LOGIN_BAD_REDIRECT', `HTTP ${response.status} without a Location`, request.url, response.status);

    const json = request.toAcs ? parseJson(body) : undefined;
    const page = await readHtmlPage(json ? '' : body, request.url);
    if (request.toAcs) return acsOutcome(response.status, json, page, request.url);
    // What a person would read first: the page's error messages, else its text.
    const pageText = shorten(page.alerts.length ? page.alerts.join(' ') : page.text || page.title);

    const samlForm = page.forms.find((f) => f.controls.some((c) => c.name === 'SAMLResponse'));
    if (samlForm && response.status < 400) {
      opts.onStep?.('IdP issued a signed SAMLResponse; posting it to the ACS');
      // The page submits it from a script (form.submit()): no submitter button.
      const submission = formSubmission(samlForm, page, undefined);
      if (!submission || submission.method !== 'POST') return fail('LOGIN_UNEXPECTED_PAGE', `the SAMLResponse form at ${url.origin}${url.pathname} does not POST`, request.url, response.status);
      request = { url: submission.url, method: 'POST', body: submission.body!, initiator: request.url, toAcs: true };
      continue;
    }

    const login = loginForm(page);
    if (response.status >= 400) {
      // The login form again, after the credentials were sent: they were refused (Auth0 answers 400).
      if (submittedCredentials && login?.password) {
        return fail('LOGIN_REJECTED', `the IdP did not accept the credentials: ${pageText}`, request.url, response.status);
      }
      return fail('IDP_ERROR_PAGE', `HTTP ${response.status} at ${url.origin}${url.pathname}: ${pageText}`, request.url, response.status);
    }

    const atLoginPath = LOGIN_PATH.test(url.pathname);
    const browserOnly = needsBrowser(page, url, login);
    if (!opts.credentials && (login || atLoginPath || browserOnly)) return { outcome: 'login-page', url: request.url, trail };
    if (!opts.credentials) return fail('LOGIN_UNEXPECTED_PAGE', `unexpected page at ${url.origin}${url.pathname}: ${pageText}`, request.url, response.status);
    if (browserOnly) return fail('LOGIN_NEEDS_BROWSER', `the IdP page at ${url.origin}${url.pathname} ${browserOnly}; sso.login walks server-rendered login pages only`, request.url, response.status);
    if (!login) {
      const what = atLoginPath ? 'the IdP login page' : 'the page';
      return fail('LOGIN_UNEXPECTED_PAGE', `${what} at ${url.origin}${url.pathname} has no login form to fill: ${pageText}`, request.url, response.status);
    }

    const typed: Record<string, string> = {};
    if (login.password) {
      if (submittedCredentials) return fail('LOGIN_REJECTED', `the IdP did not accept the credentials: ${pageText}`, request.url, response.status);
      submittedCredentials = true;
      opts.onStep?.(`IdP login page reached; signing in as ${opts.credentials.username}`);
      if (login.user) typed[login.user.name] = opts.credentials.username;
      typed[login.password.name] = opts.credentials.password;
    } else {
      if (submittedIdentifier) return fail('LOGIN_REJECTED', `the IdP asked for the user name again: ${pageText}`, request.url, response.status);
      submittedIdentifier = true;
      opts.onStep?.(`IdP asks for the user name first; sending ${opts.credentials.username}`);
      typed[login.user!.name] = opts.credentials.username;
    }
    // Pressing Enter clicks the form's default button (Auth0's `name="action" value="default"`).
    const submitter = defaultButton(login.form);
    if (submitter?.disabled) return fail('LOGIN_NEEDS_BROWSER', `the login form at ${url.origin}${url.pathname} has a disabled submit button (a script enables it)`, request.url, response.status);
    const submission = formSubmission(login.form, page, submitter, typed);
    if (!submission || submission.enctype !== 'application/x-www-form-urlencoded') {
      return fail('LOGIN_UNEXPECTED_PAGE', `the login form at ${url.origin}${url.pathname} is not a plain form post (${submission ? submission.enctype : 'method=dialog'})`, request.url, response.status);
    }
    request = { url: submission.url, method: submission.method, ...(submission.body !== undefined ? { body: submission.body } : {}), initiator: request.url };
  }
  return fail('LOGIN_TOO_MANY_HOPS', `the login flow did not finish within ${maxHops} requests`, request.url);

  /** The ACS's answer: JSON (the sandbox, an API) or a page. */
  function acsOutcome(status: number, json: Record<string, unknown> | undefined, page: HtmlPage, at: string): WebLoginResult {
    const text = shorten(page.text || page.title);
    if (status >= 200 && status < 400) {
      const email = typeof json?.email === 'string' ? json.email : /signed in\b.*? as (\S+@\S+)/i.exec(page.text)?.[1];
      if (json && json.ok === false) return fail('SP_REJECTED_ASSERTION', errorText(json) ?? 'the SP refused the assertion', at, status);
      return { outcome: 'signed-in', status, ...(email ? { email } : {}), body: json ?? text, trail };
    }
    return fail('SP_REJECTED_ASSERTION', `the SP refused the assertion (HTTP ${status}): ${errorText(json) ?? text}`, at, status);
  }

  function fail(code: string, message: string, at: string, status?: number): WebLoginResult {
    return { outcome: 'failed', code, message, url: at, trail, ...(status !== undefined ? { status } : {}) };
  }
}

export interface LoginForm {
  form: HtmlForm;
  user: FormControl | undefined;
  password: FormControl | undefined;
}

/**
 * The form a person would log in with: Auth0 marks it `data-form-primary`; otherwise the first
 * form (not a secondary one, such as "Continue with Google") with a named password field, or
 * with a user-name field (identifier-first pages).
 */
export function loginForm(page: HtmlPage): LoginForm | undefined {
  const candidates = page.forms
    .filter((f) => f.attributes['data-form-secondary'] === undefined)
    .map((form) => ({
      form,
      user: form.controls.find((c) => USER_FIELD.test(c.name) && isTypeable(c)),
      password: form.controls.find((c) => c.type === 'password' && c.name !== '' && !c.disabled),
    }))
    .filter((c) => c.user || c.password);
  return candidates.find((c) => c.form.attributes['data-form-primary'] === 'true') ?? candidates.find((c) => c.password) ?? candidates[0];
}

/** Why a person with a browser is needed on this page, or undefined when the walk can go on. */
export function needsBrowser(page: HtmlPage, url: URL, login: LoginForm | undefined): string | undefined {
  if (page.scripts.some((s) => JS_LOGIN_SCRIPT.test(s)) || JS_LOGIN_CODE.test(page.inlineScript)) {
    return 'logs in from JavaScript (Auth0 Lock or auth0.js: Classic Universal Login or a custom login page)';
  }
  if (login && login.form.controls.some((c) => /captcha/i.test(c.name))) return 'asks for a CAPTCHA';
  if (/^\/u\/mfa-/.test(url.pathname)) return 'asks for a second factor (MFA)';
  if (!login && page.forms.length === 0 && (page.scripts.length > 0 || page.inlineScript.trim() !== '') && LOGIN_PATH.test(url.pathname)) {
    return 'is rendered by JavaScript (no form in the HTML)';
  }
  return undefined;
}

async function storeCookies(jar: CookieJar, url: string, headers: Headers, sameSite: 'strict' | 'lax' | 'none'): Promise<void> {
  const lines = typeof headers.getSetCookie === 'function' ? headers.getSetCookie() : [];
  for (const line of lines) await jar.setCookie(line, url, { ignoreError: true, sameSiteContext: sameSite });
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function errorText(json: Record<string, unknown> | undefined): string | undefined {
  const e = json?.error;
  if (typeof e === 'string') return e;
  if (e && typeof e === 'object') {
    const { code, message } = e as { code?: string; message?: string };
    return [code, message].filter(Boolean).join(': ') || undefined;
  }
  return typeof json?.message === 'string' ? json.message : undefined;
}

/** Same origin and path (the query, e.g. an OAuth code, may differ). */
function sameEndpoint(a: string, b: string): boolean {
  const x = new URL(a);
  const y = new URL(b);
  return x.origin === y.origin && x.pathname === y.pathname;
}
