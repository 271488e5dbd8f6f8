/**
 * Conformance (c): a SAMLResponse issued by the emulated Auth0 IdP is accepted by the emulated
 * Amplitude SP and, directly, by samlify (an SP library neither emulator uses); the same response
 * with one signed byte changed is refused by both.
 */
import * as samlify from 'samlify';
import { defaultButton, formSubmission, readHtmlPage } from '../../src/login/html-form.js';
import { loginForm } from '../../src/login/web-login.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { managementApi, managementToken } from '../helpers/auth0-api.js';

let sb: Sandbox;
let clientId: string;

beforeAll(async () => {
  sb = await startSandbox();
  const api = managementApi(sb.auth0, await managementToken(sb.auth0));
  const created = await api('POST', '/clients', {
    name: 'round trip',
    callbacks: [sb.amplitude.acsUrl],
    addons: {
      samlp: {
        audience: sb.amplitude.entityId,
        recipient: sb.amplitude.acsUrl,
        destination: sb.amplitude.acsUrl,
        nameIdentifierFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
        nameIdentifierProbes: ['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress'],
        signatureAlgorithm: 'rsa-sha256',
        digestAlgorithm: 'sha256',
      },
    },
  });
  expect(created.status).toBe(201);
  clientId = (created.json as { client_id: string }).client_id;
  const metadataXml = await (await fetch(`${sb.auth0.baseUrl}/samlp/metadata/${clientId}`)).text();
  const put = await fetch(sb.amplitude.ssoEndpoint, {
    method: 'PUT',
    headers: { authorization: `Bearer ${sb.amplitude.ssoToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ identityProvider: 'auth0', metadataXml }),
  });
  expect(put.status).toBe(200);
});

afterAll(async () => {
  await sb.close();
});

/** An IdP-initiated login at the emulated IdP, as a browser does it; returns the base64 SAMLResponse. */
async function issueResponse(): Promise<{ samlResponse: string; acs: string }> {
  let url = `${sb.auth0.baseUrl}/samlp/${clientId}`;
  let cookie = '';
  const go = async (target: string, init: RequestInit = {}) => {
    const r = await fetch(target, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) } });
    const set = r.headers.getSetCookie?.() ?? [];
    if (set.length) cookie = set.map((c) => c.split(';')[0]).join('; ');
    return r;
  };
  for (let r = await go(url); ; ) {
    if (r.status >= 300 && r.status < 400) {
      url = new URL(r.headers.get('location')!, url).toString();
      r = await go(url);
      continue;
    }
    expect(r.status).toBe(200);
    const page = await readHtmlPage(await r.text(), url);
    const saml = page.forms.find((f) => f.controls.some((x) => x.name === 'SAMLResponse'));
    if (saml) return { samlResponse: saml.controls.find((x) => x.name === 'SAMLResponse')!.value, acs: formSubmission(saml, page, undefined)!.url };
    const login = loginForm(page)!;
    const submission = formSubmission(login.form, page, defaultButton(login.form), {
      [login.user!.name]: sb.auth0.user.email,
      [login.password!.name]: sb.auth0.user.password,
    })!;
    url = submission.url;
    const body = submission.body!;
    r = await go(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  }
}

/** Changes one character inside the signed Assertion (the NameID), keeping the XML well formed. */
function tamper(samlResponse: string): string {
  const xml = Buffer.from(samlResponse, 'base64').toString('utf8');
  const changed = xml.replace(`>${sb.auth0.user.email}<`, `>${sb.auth0.user.email.replace(/^./, 'm')}<`);
  expect(changed).not.toBe(xml);
  return Buffer.from(changed, 'utf8').toString('base64');
}

async function postToAcs(acs: string, samlResponse: string): Promise<{ status: number; body: { ok?: boolean; email?: string; error?: { code: string } } }> {
  const r = await fetch(acs, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ SAMLResponse: samlResponse }).toString(),
  });
  return { status: r.status, body: (await r.json()) as { ok?: boolean; email?: string; error?: { code: string } } };
}

function samlifyPair(metadataXml: string) {
  // samlify insists on a schema validator; the response's structure is not what is under test here
  // (the emulated SP and node-saml check it), its signature and conditions are.
  samlify.setSchemaValidator({ validate: async () => 'not validated against the protocol XSD' });
  const idp = samlify.IdentityProvider({ metadata: metadataXml });
  const sp = samlify.ServiceProvider({
    entityID: sb.amplitude.entityId,
    assertionConsumerService: [{ Binding: samlify.Constants.namespace.binding.post, Location: sb.amplitude.acsUrl }],
    wantAssertionsSigned: true,
  });
  return { idp, sp };
}

describe('a SAML response from the emulated Auth0', () => {
  it('is accepted by the emulated Amplitude ACS and by samlify', async () => {
    const { samlResponse, acs } = await issueResponse();
    expect(acs).toBe(sb.amplitude.acsUrl);

    const metadataXml = await (await fetch(`${sb.auth0.baseUrl}/samlp/metadata/${clientId}`)).text();
    const { idp, sp } = samlifyPair(metadataXml);
    const parsed = await sp.parseLoginResponse(idp, 'post', { body: { SAMLResponse: samlResponse } });
    expect(parsed.extract.nameID).toBe(sb.auth0.user.email);
    expect(parsed.extract.audience).toBe(sb.amplitude.entityId);

    const atSp = await postToAcs(acs, samlResponse);
    expect(atSp.status).toBe(200);
    expect(atSp.body).toMatchObject({ ok: true, email: sb.auth0.user.email });
  });

  it('with one signed byte changed, is refused by both', async () => {
    const { samlResponse, acs } = await issueResponse();
    const forged = tamper(samlResponse);

    const metadataXml = await (await fetch(`${sb.auth0.baseUrl}/samlp/metadata/${clientId}`)).text();
    const { idp, sp } = samlifyPair(metadataXml);
    const refusal = await sp.parseLoginResponse(idp, 'post', { body: { SAMLResponse: forged } }).then(() => 'accepted', (e: unknown) => String(e));
    expect(refusal).toMatch(/SIGNATURE/i);

    const atSp = await postToAcs(acs, forged);
    expect(atSp.status).toBeGreaterThanOrEqual(400);
    expect(atSp.body.ok).not.toBe(true);
    // The untouched response still works: the refusal was the signature, not a replay or a setup fault.
    expect((await postToAcs(acs, samlResponse)).status).toBe(200);
  });
});
