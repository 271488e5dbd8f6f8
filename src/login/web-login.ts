/**
 * A SAML web login over plain HTTP, without a browser: follows redirects, keeps cookies, fills the
 * IdP's login form, and posts the SAMLResponse to the ACS, exactly as the pages ask a browser to.
 * `demo` and `verify`'s sso.login use it for the full round trip; `verify`'s sso.probe stops at the
 * IdP's login page. It only visits the origins it is given.
 */
import type { FetchLike } from '../http/client.js';
import { describeFailure } from '../http/client.js';
import { pageText, parseForms, type HtmlForm } from './html-form.js';

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
}

/** Field names a login form uses for the user (Auth0's Universal Login uses `username`). */
const USER_FIELD = /^(username|email|user|login|identifier)$/i;
/** Paths of IdP login pages (Auth0: /u/login, classic /login). */
const LOGIN_PATH = /(^|\/)(u\/)?login(\/|$)/;

export type WebLoginResult =
  | { outcome: 'signed-in'; status: number; email?: string; body: unknown; trail: string[] }
  | { outcome: 'login-page'; url: string; trail: string[] }
  | { outcome: 'failed'; code: string; message: string; status?: number; url: string; trail: string[] };

export async function webLogin(opts: WebLoginOptions): Promise<WebLoginResult> {
  const trail: string[] = [];
  const jar = new Map<string, Map<string, string>>();
  const maxHops = opts.maxHops ?? 20;
  let request: { url: string; method: 'GET' | 'POST'; form?: URLSearchParams; toAcs?: boolean } = { url: opts.startUrl, method: 'GET' };
  let submittedCredentials = false;
  let submittedIdentifier = false;

  for (let hop = 0; hop < maxHops; hop++) {
    const url = new URL(request.url);
    if (!opts.allowedOrigins.includes(url.origin)) {
      return fail('LOGIN_OFF_SITE', `the login flow went to ${url.origin}, which is neither the IdP nor the SP`, request.url);
    }
    trail.push(`${request.method} ${url.origin}${url.pathname}`);
    let response: Response;
    try {
      response = await opts.http(request.url, {
        method: request.method,
        headers: {
          accept: request.toAcs ? 'application/json, text/html;q=0.9' : 'text/html,application/xhtml+xml',
          ...cookieHeader(jar, url),
          ...(request.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(request.form ? { body: request.form.toString() } : {}),
        redirect: 'manual',
      });
    } catch (error) {
      return fail('LOGIN_UNREACHABLE', `${url.origin} did not answer: ${describeFailure(error)}`, request.url);
    }
    storeCookies(jar, url, response.headers);
    const body = await response.text();

    if (request.toAcs) {
      if (response.status >= 200 && response.status < 400) {
        const json = parseJson(body);
        const email = typeof json?.email === 'string' ? json.email : /signed in[^<]*? as ([^\s<]+@[^\s<]+)/i.exec(body)?.[1];
        if (json && json.ok === false) return fail('SP_REJECTED_ASSERTION', errorText(json) ?? 'the SP refused the assertion', request.url, response.status);
        return { outcome: 'signed-in', status: response.status, ...(email ? { email } : {}), body: json ?? pageText(body), trail };
      }
      const json = parseJson(body);
      return fail('SP_REJECTED_ASSERTION', `the SP refused the assertion (HTTP ${response.status}): ${errorText(json) ?? pageText(body)}`, request.url, response.status);
    }

    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get('location');
      if (!location) return fail('LOGIN_BAD_REDIRECT', `HTTP ${response.status} without a Location`, request.url, response.status);
      request = { url: new URL(location, url).toString(), method: 'GET' };
      continue;
    }
    const forms = parseForms(body);
    if (response.status >= 400) {
      // The login form again, after the credentials were sent: they were refused (Auth0 answers 400).
      if (submittedCredentials && forms.some((f) => f.fields.some((x) => x.type === 'password'))) {
        return fail('LOGIN_REJECTED', `the IdP did not accept the credentials: ${pageText(body)}`, request.url, response.status);
      }
      return fail('IDP_ERROR_PAGE', `HTTP ${response.status} at ${url.origin}${url.pathname}: ${pageText(body)}`, request.url, response.status);
    }

    const samlForm = forms.find((f) => f.fields.some((x) => x.name === 'SAMLResponse'));
    if (samlForm) {
      opts.onStep?.('IdP issued a signed SAMLResponse; posting it to the ACS');
      request = { url: new URL(samlForm.action, url).toString(), method: 'POST', form: formData(samlForm), toAcs: true };
      continue;
    }
    // A login form asks for a password, or (identifier-first pages) for the user name alone.
    const passwordForm = forms.find((f) => f.fields.some((x) => x.type === 'password'));
    const identifierForm = passwordForm ? undefined : forms.find((f) => f.fields.some((x) => USER_FIELD.test(x.name) && x.type !== 'hidden'));
    const loginForm = passwordForm ?? identifierForm;
    if (loginForm || (!opts.credentials && LOGIN_PATH.test(url.pathname))) {
      if (!opts.credentials) return { outcome: 'login-page', url: request.url, trail };
      if (!loginForm) return fail('LOGIN_UNEXPECTED_PAGE', `the IdP login page at ${url.origin}${url.pathname} has no form to fill (it may need a browser)`, request.url, response.status);
      if (submittedCredentials && passwordForm) {
        return fail('LOGIN_REJECTED', `the IdP did not accept the credentials: ${pageText(body)}`, request.url, response.status);
      }
      const data = formData(loginForm);
      const userField = loginForm.fields.find((x) => USER_FIELD.test(x.name))?.name;
      if (passwordForm) {
        submittedCredentials = true;
        opts.onStep?.(`IdP login page reached; signing in as ${opts.credentials.username}`);
        if (userField) data.set(userField, opts.credentials.username);
        data.set(passwordForm.fields.find((x) => x.type === 'password')!.name, opts.credentials.password);
      } else {
        if (submittedIdentifier) return fail('LOGIN_REJECTED', `the IdP asked for the user name again: ${pageText(body)}`, request.url, response.status);
        submittedIdentifier = true;
        opts.onStep?.(`IdP asks for the user name first; sending ${opts.credentials.username}`);
        data.set(userField!, opts.credentials.username);
      }
      request = { url: new URL(loginForm.action || request.url, url).toString(), method: 'POST', form: data };
      continue;
    }
    return fail('LOGIN_UNEXPECTED_PAGE', `unexpected page at ${url.origin}${url.pathname}: ${pageText(body)}`, request.url, response.status);
  }
  return fail('LOGIN_TOO_MANY_HOPS', `the login flow did not finish within ${maxHops} requests`, request.url);

  function fail(code: string, message: string, at: string, status?: number): WebLoginResult {
    return { outcome: 'failed', code, message, url: at, trail, ...(status !== undefined ? { status } : {}) };
  }
}

function formData(form: HtmlForm): URLSearchParams {
  const data = new URLSearchParams();
  for (const f of form.fields) if (f.type !== 'submit' && f.type !== 'button') data.append(f.name, f.value);
  return data;
}

function cookieHeader(jar: Map<string, Map<string, string>>, url: URL): Record<string, string> {
  const cookies = jar.get(url.host);
  if (!cookies || cookies.size === 0) return {};
  return { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
}

function storeCookies(jar: Map<string, Map<string, string>>, url: URL, headers: Headers): void {
  const setCookies = typeof headers.getSetCookie === 'function' ? headers.getSetCookie() : [];
  if (!setCookies.length) return;
  const cookies = jar.get(url.host) ?? new Map<string, string>();
  for (const line of setCookies) {
    const [pair] = line.split(';');
    const eq = pair?.indexOf('=') ?? -1;
    if (!pair || eq <= 0) continue;
    cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
  jar.set(url.host, cookies);
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
