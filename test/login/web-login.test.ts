/**
 * The browserless SAML web login against a small local IdP/SP that uses an identifier-first login
 * (user name, then password, as Auth0's New Universal Login can), cookies, and relative redirects.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { closeSharedDispatcher } from '../../src/http/agent.js';
import { createHttpClient } from '../../src/http/client.js';
import { webLogin } from '../../src/login/web-login.js';
import { readForm as body, useLocalServer } from '../helpers/local-server.js';

const PASSWORD = 'correct horse';
const local = useLocalServer(route);
let origin: string;
beforeAll(() => {
  origin = local().origin;
});
afterAll(async () => {
  await closeSharedDispatcher();
});

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url!, origin);
  const html = (status: number, text: string, headers: Record<string, string> = {}): void => void res.writeHead(status, { 'content-type': 'text/html', ...headers }).end(text);
  const hasSession = (req.headers.cookie ?? '').includes('sid=abc');
  switch (`${req.method} ${url.pathname}`) {
    case 'GET /samlp/app':
      return void res.writeHead(302, { location: '/u/login/identifier?state=s1', 'set-cookie': 'sid=abc; Path=/; HttpOnly' }).end();
    case 'GET /samlp/broken':
      return html(400, '<h1>Oops</h1><p>Callback URL mismatch</p>');
    case 'GET /samlp/elsewhere':
      return void res.writeHead(302, { location: 'https://evil.example/phish' }).end();
    case 'GET /u/login/identifier':
      return html(200, `<form method="post" action="/u/login/identifier?state=s1"><input type="hidden" name="state" value="s1"><input type="text" name="username"><button>Continue</button></form>`);
    case 'POST /u/login/identifier': {
      const form = await body(req);
      if (!hasSession) return html(403, 'no session cookie');
      return void res.writeHead(302, { location: `password?state=s1&u=${encodeURIComponent(form.get('username') ?? '')}` }).end();
    }
    case 'GET /u/login/password':
      return html(200, `<form method='post'><input type='hidden' name='state' value='s1'><input type='hidden' name='username' value='${url.searchParams.get('u')}'><input type='password' name='password'></form>`);
    case 'POST /u/login/password': {
      const form = await body(req);
      if (form.get('password') !== PASSWORD) return html(400, `<p>Wrong email or password</p><form method="post"><input type="password" name="password"></form>`);
      const response = Buffer.from(`<Response>${form.get('username')}</Response>`).toString('base64');
      return html(200, `<form method="post" action="${origin}/acs"><input type="hidden" name="SAMLResponse" value="${response}"><input type="hidden" name="RelayState" value="r&amp;1"></form>`);
    }
    case 'POST /acs': {
      const form = await body(req);
      const email = /<Response>(.*)<\/Response>/.exec(Buffer.from(form.get('SAMLResponse') ?? '', 'base64').toString())?.[1];
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: form.get('RelayState') === 'r&1', email }));
    }
    default:
      return html(404, 'not found');
  }
}

const http = () => createHttpClient({ maxAttempts: 1 });

describe('webLogin', () => {
  it('completes an identifier-first login with cookies and posts the SAMLResponse to the ACS', async () => {
    const steps: string[] = [];
    const r = await webLogin({
      http: http(),
      startUrl: `${origin}/samlp/app`,
      credentials: { username: 'ada@example.com', password: PASSWORD },
      allowedOrigins: [origin],
      onStep: (s) => steps.push(s),
    });
    expect(r).toMatchObject({ outcome: 'signed-in', email: 'ada@example.com' });
    expect(steps).toEqual([
      'IdP asks for the user name first; sending ada@example.com',
      'IdP login page reached; signing in as ada@example.com',
      'IdP issued a signed SAMLResponse; posting it to the ACS',
    ]);
  });

  it('as a probe, stops at the first login page', async () => {
    const r = await webLogin({ http: http(), startUrl: `${origin}/samlp/app`, allowedOrigins: [origin] });
    expect(r).toMatchObject({ outcome: 'login-page', url: `${origin}/u/login/identifier?state=s1` });
  });

  it('reports wrong credentials, an IdP error page, and an off-site redirect', async () => {
    const wrong = await webLogin({ http: http(), startUrl: `${origin}/samlp/app`, credentials: { username: 'ada@example.com', password: 'nope' }, allowedOrigins: [origin] });
    expect(wrong).toMatchObject({ outcome: 'failed', code: 'LOGIN_REJECTED', status: 400 });
    expect(wrong.outcome === 'failed' && wrong.message).toContain('Wrong email or password');

    const broken = await webLogin({ http: http(), startUrl: `${origin}/samlp/broken`, allowedOrigins: [origin] });
    expect(broken).toMatchObject({ outcome: 'failed', code: 'IDP_ERROR_PAGE', status: 400 });
    expect(broken.outcome === 'failed' && broken.message).toContain('Callback URL mismatch');

    const away = await webLogin({ http: http(), startUrl: `${origin}/samlp/elsewhere`, allowedOrigins: [origin] });
    expect(away).toMatchObject({ outcome: 'failed', code: 'LOGIN_OFF_SITE' });
  });
});
