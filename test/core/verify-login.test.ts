/** How verify judges the login walk's outcomes (sso.login): a page that needs a browser is a warning, not a failure. */
import { judgeLogin } from '../../src/core/verify.js';
import type { Auth0Client } from '../../src/core/ports.js';

const client = { client_id: 'abc', name: 'Amplitude SSO' } as Auth0Client;
const user = { email: 'ada@example.com', password: 'pw' };
const trail = ['GET https://acme.us.auth0.com/samlp/abc'];

test('a page that needs a browser: warn, with the reason and a hint', () => {
  const r = judgeLogin(client, user, {
    ok: true,
    value: { outcome: 'failed', code: 'LOGIN_NEEDS_BROWSER', message: 'the IdP page at … logs in from JavaScript', status: 200, url: 'x', trail },
  });
  expect(r).toMatchObject({ id: 'sso.login', status: 'warn', details: { code: 'LOGIN_NEEDS_BROWSER', status: 200 } });
  expect(r.message).toContain('logs in from JavaScript');
  expect(r.hint).toMatch(/browser/);
});

test('refused credentials stay a failure', () => {
  const r = judgeLogin(client, user, { ok: true, value: { outcome: 'failed', code: 'LOGIN_REJECTED', message: 'Wrong email or password', status: 400, url: 'x', trail } });
  expect(r).toMatchObject({ status: 'fail', details: { code: 'LOGIN_REJECTED' } });
});
