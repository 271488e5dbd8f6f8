/**
 * The login walk against real Auth0 pages (fixtures/login, with their provenance) served by a small
 * local IdP, and its cookie jar against RFC 6265's rules (Domain, Path, expiry) and SameSite. Host
 * names such as `a.sso.test` are mapped to 127.0.0.1 by the test's fetch, so cookies see real
 * domains while nothing leaves the machine.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { LookupFunction } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import type { FetchLike } from '../../src/http/client.js';
import { webLogin } from '../../src/login/web-login.js';
import { readForm, useLocalServer } from '../helpers/local-server.js';

const fixture = (name: string): string => readFileSync(fileURLToPath(new URL(`../../fixtures/login/${name}`, import.meta.url)), 'utf8');
const LOGIN_ID = fixture('auth0-ul-login-id-2023.html');
const LOGIN = fixture('auth0-ul-login-2023.html');
const CLASSIC = fixture('auth0-classic-custom-login-page.html');
/** The state value in the identifier-first fixture. */
const STATE_ID = /name="state" value="([^"]+)"/.exec(LOGIN_ID)![1]!;
const STATE_LOGIN = /name="state" value="([^"]+)"/.exec(LOGIN)![1]!;

const local = useLocalServer(route);
/** What the server received, per `METHOD host/path`. */
let received: { key: string; cookie: string | undefined; body: URLSearchParams }[] = [];

const origin = (host: string): string => `http://${host}:${local().port}`;

beforeEach(() => {
  received = [];
});

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url!, 'http://x');
  const body = await readForm(req);
  received.push({ key: `${req.method} ${req.headers.host?.split(':')[0]}${url.pathname}`, cookie: req.headers.cookie, body });
  const html = (status: number, text: string, headers: Record<string, string | string[]> = {}): void =>
    void res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers }).end(text);
  const go = (location: string, headers: Record<string, string | string[]> = {}): void => void res.writeHead(302, { location, ...headers }).end();
  switch (`${req.method} ${url.pathname}`) {
    // A real identifier-first page, then a real password page, then the SAMLResponse form.
    case 'GET /samlp/real':
      return go('/u/login/identifier?state=s1', { 'set-cookie': ['auth0=sess; Path=/; HttpOnly; SameSite=None; Secure', 'auth0_compat=sess; Path=/; HttpOnly'] });
    case 'GET /u/login/identifier':
      return html(200, LOGIN_ID);
    case 'POST /u/login/identifier':
      return go(`/u/login/password?state=s1`);
    case 'GET /u/login/password':
      return html(200, LOGIN);
    case 'POST /u/login/password':
      if (body.get('password') !== 'pw') return html(400, LOGIN.replace('</form>', '<span class="ulp-input-error-message">Wrong email or password</span></form>'));
      return html(200, `<form method="post" action="${origin('sp.example.test')}/acs"><input type="hidden" name="SAMLResponse" value="PHNhbWw+"><noscript><input type="submit" value="Continue"></noscript></form><script>document.forms[0].submit()</script>`);
    case 'POST /acs':
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, email: 'ada@example.com' }));
    // A Classic Universal Login custom page: it logs in from JavaScript.
    case 'GET /samlp/classic':
      return go('/login?state=c1&client=abc');
    case 'GET /login':
      return html(200, CLASSIC);
    case 'GET /error':
      return html(400, '<!DOCTYPE html><title>Error</title><h1>Oops!, something went wrong</h1><p>TECHNICAL DETAILS: invalid_request</p>');
    // Cookies: set on a.sso.test; a redirect to c.other.test, whose form posts to b.sso.test, which redirects.
    case 'GET /cookies/start':
      return go(`${origin('c.other.test')}/cookies/page`, {
        'set-cookie': [
          'shared=1; Domain=sso.test; Path=/',
          'hostonly=1; Path=/',
          'foreign=1; Domain=evil.example; Path=/',
          'scoped=1; Domain=sso.test; Path=/other',
          'gone=1; Domain=sso.test; Path=/; Max-Age=0',
          'old=1; Domain=sso.test; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
          'later=1; Domain=sso.test; Path=/cookies; Max-Age=3600',
          'lax=1; Domain=sso.test; Path=/; SameSite=Lax',
          'strict=1; Domain=sso.test; Path=/; SameSite=Strict',
        ],
      });
    case 'GET /cookies/page':
      return html(200, `<form method="post" action="${origin('b.sso.test')}/cookies/login"><input name="username"><input type="password" name="password"></form>`);
    case 'POST /cookies/login':
      return go('/cookies/back');
    case 'GET /cookies/back':
      return html(404, 'the end');
    case 'GET /cookies/same':
      return go(`${origin('b.sso.test')}/cookies/next`, { 'set-cookie': ['strict=2; Domain=sso.test; Path=/; SameSite=Strict'] });
    case 'GET /cookies/next':
      return html(404, 'the end');
    default:
      return html(404, 'not found');
  }
}

/** Every host name resolves to 127.0.0.1 (this test's DNS). */
const lookup = ((_host: string, options: { all?: boolean }, cb: (...args: unknown[]) => void) =>
  options.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)) as unknown as LookupFunction;
const agent = new Agent({ connect: { lookup } });
afterAll(() => agent.close());
const http: FetchLike = (input, init) => undiciFetch(String(input), { ...(init as object), dispatcher: agent }) as unknown as Promise<Response>;

describe('real Auth0 pages', () => {
  it('walks the real identifier-first page, then the real user-and-password page, sending what a browser sends', async () => {
    const idp = origin('login.sso.test');
    const r = await webLogin({ http, startUrl: `${idp}/samlp/real`, credentials: { username: 'ada@example.com', password: 'pw' }, allowedOrigins: [idp, origin('sp.example.test')] });
    expect(r).toMatchObject({ outcome: 'signed-in', email: 'ada@example.com' });

    const identifier = received.find((x) => x.key === 'POST login.sso.test/u/login/identifier')!;
    // Exactly the primary form: not the social forms' `connection`, not the unnamed password decoy.
    expect([...identifier.body]).toEqual([
      ['state', STATE_ID],
      ['username', 'ada@example.com'],
      ['js-available', 'false'],
      ['webauthn-available', 'false'],
      ['is-brave', 'false'],
      ['webauthn-platform-available', 'false'],
      ['action', 'default'],
    ]);
    const password = received.find((x) => x.key === 'POST login.sso.test/u/login/password')!;
    // The hidden first submit button is the default button; the password toggle is type="button".
    expect([...password.body]).toEqual([
      ['state', STATE_LOGIN],
      ['action', 'default'],
      ['username', 'ada@example.com'],
      ['password', 'pw'],
    ]);
    // The session cookie came back: `auth0` is Secure and cannot be set over http on a non-loopback host,
    // so only its fallback `auth0_compat` (no SameSite, no Secure) is kept, as in a browser.
    expect(password.cookie).toBe('auth0_compat=sess');
    // The SAMLResponse form is posted as its script does (no button), to the ACS.
    expect([...received.find((x) => x.key === 'POST sp.example.test/acs')!.body]).toEqual([['SAMLResponse', 'PHNhbWw+']]);
  });

  it('reports refused credentials on the real page as LOGIN_REJECTED', async () => {
    const idp = origin('login.sso.test');
    const r = await webLogin({ http, startUrl: `${idp}/samlp/real`, credentials: { username: 'ada@example.com', password: 'nope' }, allowedOrigins: [idp] });
    expect(r).toMatchObject({ outcome: 'failed', code: 'LOGIN_REJECTED', status: 400 });
    expect(r.outcome === 'failed' && r.message).toContain('Wrong email or password');
  });

  it('recognises a page that logs in from JavaScript: LOGIN_NEEDS_BROWSER with credentials, the login page for a probe', async () => {
    const idp = origin('login.sso.test');
    const walk = await webLogin({ http, startUrl: `${idp}/samlp/classic`, credentials: { username: 'ada@example.com', password: 'pw' }, allowedOrigins: [idp] });
    expect(walk).toMatchObject({ outcome: 'failed', code: 'LOGIN_NEEDS_BROWSER' });
    expect(walk.outcome === 'failed' && walk.message).toMatch(/logs in from JavaScript/);
    // Its form was not posted to the page (that would not log anyone in).
    expect(received.filter((x) => x.key.startsWith('POST'))).toEqual([]);

    const probe = await webLogin({ http, startUrl: `${idp}/samlp/classic`, allowedOrigins: [idp] });
    expect(probe).toMatchObject({ outcome: 'login-page', url: `${idp}/login?state=c1&client=abc` });
  });

  it('reports an IdP error page with its text', async () => {
    const idp = origin('login.sso.test');
    const r = await webLogin({ http, startUrl: `${idp}/error`, allowedOrigins: [idp] });
    expect(r).toMatchObject({ outcome: 'failed', code: 'IDP_ERROR_PAGE', status: 400 });
    expect(r.outcome === 'failed' && r.message).toContain('Oops!, something went wrong TECHNICAL DETAILS: invalid_request');
  });
});

describe('cookies (RFC 6265, via tough-cookie)', () => {
  it('honours Domain, Path, Max-Age and Expires, and SameSite across sites', async () => {
    const [a, b, c] = [origin('a.sso.test'), origin('b.sso.test'), origin('c.other.test')];
    const r = await webLogin({ http, startUrl: `${a}/cookies/start`, credentials: { username: 'u', password: 'p' }, allowedOrigins: [a, b, c] });
    expect(r).toMatchObject({ outcome: 'failed', code: 'IDP_ERROR_PAGE', status: 404 });

    const sent = (key: string): string[] => (received.find((x) => x.key === key)?.cookie ?? '').split('; ').filter(Boolean).sort();
    // Another site gets none of sso.test's cookies (and Domain=evil.example was refused outright).
    expect(sent('GET c.other.test/cookies/page')).toEqual([]);
    // A cross-site POST to b.sso.test: Domain=sso.test cookies on matching paths, unexpired, without SameSite Lax/Strict;
    // not a.sso.test's host-only cookie, not Path=/other.
    expect(sent('POST b.sso.test/cookies/login')).toEqual(['later=1', 'shared=1']);
    // Its redirect is still a cross-site navigation (initiated on c.other.test), now a GET: Lax cookies too, Strict not.
    expect(sent('GET b.sso.test/cookies/back')).toEqual(['later=1', 'lax=1', 'shared=1']);
  });

  it('sends SameSite=Strict cookies when the whole navigation stays on one site', async () => {
    const [a, b] = [origin('a.sso.test'), origin('b.sso.test')];
    const r = await webLogin({ http, startUrl: `${a}/cookies/same`, allowedOrigins: [a, b] });
    expect(r).toMatchObject({ outcome: 'failed', code: 'IDP_ERROR_PAGE', status: 404 });
    expect(received.find((x) => x.key === 'GET b.sso.test/cookies/next')?.cookie).toBe('strict=2');
  });
});
