/**
 * The two emulators together, the way `sso-setup apply` and a user's browser use them: create a client
 * with the samlp addon in the Auth0 emulator, upload its IdP metadata to the Amplitude emulator, then
 * sign in SP-initiated through the login form and land at the ACS.
 */
import { startAmplitudeEmulator } from '../../../src/sandbox/amplitude/index.js';
import { startAuth0Emulator } from '../../../src/sandbox/auth0/index.js';
import type { AmplitudeEmulator, Auth0Emulator } from '../../../src/sandbox/types.js';
import { NAMEID_EMAIL, putMetadata } from './idp-kit.js';
import { cookieHeaderFrom } from '../../helpers/auth0-api.js';

describe('Amplitude emulator with the Auth0 emulator as IdP', () => {
  let auth0: Auth0Emulator;
  let amp: AmplitudeEmulator;

  beforeAll(async () => {
    [auth0, amp] = await Promise.all([startAuth0Emulator(), startAmplitudeEmulator()]);
  });
  afterAll(async () => {
    await Promise.all([auth0?.close(), amp?.close()]);
  });

  it('accepts the metadata Auth0 serves and a login through the Auth0 login form', async () => {
    const tokenResponse = await fetch(`${auth0.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: auth0.management.clientId,
        client_secret: auth0.management.clientSecret,
        audience: `https://${auth0.domain}/api/v2/`,
      }),
    });
    expect(tokenResponse.status).toBe(200);
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    const created = await fetch(`${auth0.baseUrl}/api/v2/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Amplitude (sandbox test)',
        callbacks: [amp.acsUrl],
        addons: {
          samlp: {
            audience: amp.entityId,
            recipient: amp.acsUrl,
            destination: amp.acsUrl,
            nameIdentifierFormat: NAMEID_EMAIL,
            nameIdentifierProbes: ['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress'],
            signatureAlgorithm: 'rsa-sha256',
            digestAlgorithm: 'sha256',
          },
        },
      }),
    });
    expect(created.status).toBe(201);
    const { client_id: clientId } = (await created.json()) as { client_id: string };

    const metadata = await fetch(`${auth0.baseUrl}/samlp/metadata/${clientId}`);
    expect(metadata.status).toBe(200);
    const put = await putMetadata(amp.ssoEndpoint, amp.ssoToken, await metadata.text());
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ idpEntityId: `urn:${auth0.domain}`, ssoUrl: `${auth0.baseUrl}/samlp/${clientId}` });

    // The browser: SP login start → IdP → login form → credentials → auto-posting form → ACS.
    let r = await fetch(amp.loginUrl, { redirect: 'manual' });
    expect(r.status).toBe(302);
    let location = new URL(r.headers.get('location')!, amp.baseUrl);
    expect(location.origin).toBe(auth0.baseUrl);
    let cookie = '';
    for (let hops = 0; r.status === 302 && location.origin === auth0.baseUrl && !location.pathname.startsWith('/u/login'); hops++) {
      expect(hops).toBeLessThan(5);
      r = await fetch(location, { redirect: 'manual', headers: cookie ? { cookie } : {} });
      cookie ||= cookieHeaderFrom(r);
      if (r.status === 302) location = new URL(r.headers.get('location')!, auth0.baseUrl);
    }
    expect(location.pathname).toBe('/u/login');
    const state = location.searchParams.get('state')!;
    r = await fetch(location, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({ state, username: auth0.user.email, password: auth0.user.password }).toString(),
    });
    while (r.status === 302) r = await fetch(new URL(r.headers.get('location')!, auth0.baseUrl), { redirect: 'manual', headers: { cookie } });
    expect(r.status).toBe(200);
    const form = await r.text();
    const action = /<form[^>]*action="([^"]+)"/i.exec(form)?.[1];
    expect(action).toBe(amp.acsUrl);
    const field = (name: string) => new RegExp(`name="${name}"\\s+value="([^"]*)"`, 'i').exec(form)?.[1];
    const fields = new URLSearchParams({ SAMLResponse: field('SAMLResponse')! });
    const relayState = field('RelayState');
    if (relayState) fields.set('RelayState', relayState);

    const acs = await fetch(amp.acsUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: fields.toString() });
    const body = (await acs.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ ok: true, email: auth0.user.email, nameIdFormat: NAMEID_EMAIL, issuer: `urn:${auth0.domain}` });
    expect(acs.status).toBe(200);
    expect(amp.sessions().at(-1)?.inResponseTo).toMatch(/^_/);
  });
});
