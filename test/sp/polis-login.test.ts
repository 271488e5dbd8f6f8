/**
 * polisLogin (verify's sso.login against Ory Polis) over real HTTP: the real Polis library
 * (`@boxyhq/saml-jackson` behind `sandbox --polis`, in its own process: usePolis) and the Auth0 sandbox. Each case has its own Polis
 * product (one SAML connection each), made from an Auth0 application as apply would make it, or wrongly.
 */
import { createPolisSp } from '../../src/sp/polis/connector.js';
import { polisLogin, type PolisLoginOptions } from '../../src/sp/polis/login.js';
import { CLAIM } from '../../src/sandbox/auth0/saml-claims.js';
import { managementApi, managementToken, request } from '../helpers/auth0-api.js';
import { usePolis, useSandbox } from '../helpers/sandbox.js';
import { useLocalServer } from '../helpers/local-server.js';

const sandbox = useSandbox();
const polis = usePolis();

/** An Auth0 SAML application for Polis with these addon settings, its metadata pushed to Polis for `product`. */
async function connect(product: string, samlp: Record<string, unknown> = {}): Promise<void> {
  const { auth0 } = sandbox();
  const api = managementApi(auth0, await managementToken(auth0));
  const created = await api('POST', '/clients', {
    name: `Polis ${product} (test)`,
    app_type: 'regular_web',
    callbacks: [polis().acsUrl],
    addons: { samlp: { audience: polis().entityId, nameIdentifierFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress', ...samlp } },
  });
  expect(created.status).toBe(201);
  const clientId = (created.json as { client_id: string }).client_id;
  const metadata = (await request(`${auth0.baseUrl}/samlp/metadata/${clientId}`)).text;
  const sp = createPolisSp({ url: polis().url, tenant: polis().tenant, product, redirectUrls: [polis().redirectUrl], defaultRedirectUrl: polis().redirectUrl }, polis().apiKey, fetch);
  expect(await sp.upload(metadata, [])).toMatchObject({ enabled: true });
}

function options(product: string, user: Partial<PolisLoginOptions['user']> = {}): PolisLoginOptions {
  const { auth0 } = sandbox();
  return {
    http: fetch,
    polis: { url: polis().url, tenant: polis().tenant, product, redirectUrl: polis().redirectUrl },
    user: { email: auth0.user.email, password: auth0.user.password, ...user },
    idpOrigins: [auth0.baseUrl],
  };
}

it('signs in through Polis: PKCE code exchanged, the profile is the test user (email compared case-insensitively)', async () => {
  await connect('app');
  const { auth0 } = sandbox();
  const steps: string[] = [];
  const result = await polisLogin({ ...options('app', { email: auth0.user.email.toUpperCase() }), onStep: (s) => steps.push(s) });
  if (result.outcome === 'failed') console.log('DEBUG', JSON.stringify(result));
  expect(result).toMatchObject({ outcome: 'signed-in', status: 200, email: auth0.user.email });
  const { body, trail } = result as { body: Record<string, unknown>; trail: string[] };
  expect(body).toMatchObject({ email: auth0.user.email, requested: { tenant: polis().tenant, product: 'app' } });
  expect(JSON.stringify(body)).not.toMatch(/access_token|id_token/);
  expect(trail[0]).toBe(`GET ${polis().url}/api/oauth/authorize`);
  expect(trail).toContain(`POST ${polis().url}/api/oauth/saml`);
  expect(trail.slice(-2)).toEqual([`POST ${polis().url}/api/oauth/token`, `GET ${polis().url}/api/oauth/userinfo`]);
  expect(steps.at(-1)).toMatch(/exchanging its code/);
}, 60_000);

it('a wrong password is not signed in: the IdP refuses the credentials, Polis never sees an assertion', async () => {
  await connect('password');
  const result = await polisLogin(options('password', { password: 'not-the-password' }));
  expect(result).toMatchObject({ outcome: 'failed', code: 'LOGIN_REJECTED' });
  expect((result as { trail: string[] }).trail).not.toContain(`POST ${polis().url}/api/oauth/saml`);
}, 60_000);

it('no Polis connection for the tenant and product: Polis refuses to start the login, in its words', async () => {
  const result = await polisLogin(options('no-such-product'));
  expect(result).toMatchObject({ outcome: 'failed', code: 'SP_AUTHORIZE_REFUSED', status: 403 });
  const { message, trail } = result as { message: string; trail: string[] };
  expect(message).toContain(`Polis refused to start a login for tenant ${polis().tenant}, product no-such-product`);
  // Polis's own (generic) message, and what it means.
  expect(message).toContain('Something wrong happened. Please contact your administrator.');
  expect(message).toContain('no SSO connection');
  expect(trail).toEqual([`GET ${polis().url}/api/oauth/authorize`]);
}, 60_000);

it('the Auth0 application names another audience: Polis refuses the assertion (SP_REJECTED_ASSERTION, its reason)', async () => {
  await connect('audience', { audience: 'urn:not-polis' });
  const result = await polisLogin(options('audience'));
  expect(result).toMatchObject({ outcome: 'failed', code: 'SP_REJECTED_ASSERTION' });
  const { message, url } = result as { message: string; url: string };
  expect(message).toMatch(/^Polis refused the assertion \(access_denied\): .*audience/i);
  expect(url.startsWith(polis().redirectUrl)).toBe(true);
}, 60_000);

it('Polis signs in someone else (the email attribute carries the name): SP_WRONG_USER', async () => {
  // A mapping mistake: the name goes out as the email address attribute, which Polis reads as the email.
  await connect('mapping', { mappings: { email: 'http://example.com/claims/mail', name: CLAIM.email } });
  const { auth0 } = sandbox();
  const result = await polisLogin(options('mapping'));
  expect(result).toMatchObject({ outcome: 'failed', code: 'SP_WRONG_USER', status: 200 });
  expect((result as { message: string }).message).toContain(`not the test user ${auth0.user.email}`);
}, 60_000);

/**
 * The deployed Polis service (not the library) answers a refused authorize by redirecting to its /error
 * page with the reason in a `jackson_error` cookie: boxyhq/jackson pages/api/oauth/authorize.ts and
 * lib/utils.ts (setErrorCookieAndRedirect: URL-encoded JSON; the older setErrorCookie: raw JSON). This
 * stands in for that handler; nothing of sso-setup runs inside it.
 */
describe("the Polis service's error page for a refused authorize", () => {
  /** The product of the request's client_id (`tenant=..&product=..`). */
  const productOf = (req: { url?: string }) => new URLSearchParams(new URL(req.url ?? '/', 'http://x').searchParams.get('client_id') ?? '').get('product');
  const server = useLocalServer(async (req, res) => {
    if (productOf(req) === 'post') {
      // What authorize answers when the IdP's metadata offers only the HTTP-POST binding (its authorize_form).
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<form method="post" action="https://idp.example/sso"><input type="hidden" name="SAMLRequest" value="PHNhbWxwOkF1dGhuUmVxdWVzdC8+"/></form><script>document.forms[0].submit()</script>');
      return;
    }
    const value = JSON.stringify({ message: 'Redirect URL is not allowed.', statusCode: 403 });
    res.writeHead(302, { location: '/error', 'set-cookie': `jackson_error=${productOf(req) === 'raw' ? value : encodeURIComponent(value)}; Path=/error` });
    res.end();
  });

  it.each(['encoded', 'raw'])('reads the reason from the cookie (%s JSON)', async (product) => {
    const { origin } = server();
    const result = await polisLogin({
      http: fetch,
      polis: { url: origin, tenant: 'acme', product, redirectUrl: `${origin}/callback` },
      user: { email: 'ada@example.com', password: 'x' },
      idpOrigins: ['https://idp.example'],
    });
    expect(result).toMatchObject({
      outcome: 'failed',
      code: 'SP_AUTHORIZE_REFUSED',
      status: 403,
      message: `Polis refused to start a login for tenant acme, product ${product}: HTTP 403: Redirect URL is not allowed.`,
      url: `${origin}/error`,
    });
  });

  it('a SAMLRequest form (HTTP-POST binding to the IdP) is a page sso.login does not submit, not a refusal', async () => {
    const { origin } = server();
    const result = await polisLogin({
      http: fetch,
      polis: { url: origin, tenant: 'acme', product: 'post', redirectUrl: `${origin}/callback` },
      user: { email: 'ada@example.com', password: 'x' },
      idpOrigins: ['https://idp.example'],
    });
    expect(result).toMatchObject({ outcome: 'failed', code: 'LOGIN_UNEXPECTED_PAGE', status: 200 });
    expect((result as { message: string }).message).toContain('HTTP-POST binding');
  });
});
