import { SESSION_COOKIE, startAmplitudeEmulator } from '../../../src/sandbox/amplitude/index.js';
import type { AmplitudeEmulator } from '../../../src/sandbox/types.js';
import { EMAIL_CLAIM, auth0Metadata, auth0Response, postToAcs, putMetadata, signingCert, testIdp, type ResponseOptions, type TestIdp } from './idp-kit.js';

interface AcsError {
  error: { code: string; message: string };
}

describe('Amplitude emulator: ACS', () => {
  let amp: AmplitudeEmulator;
  const idp: TestIdp = testIdp();
  const respond = (o: Partial<ResponseOptions> = {}) => auth0Response({ idp, audience: amp.entityId, acsUrl: amp.acsUrl, ...o });
  const rejected = async (xml: string) => {
    const r = await postToAcs(amp.acsUrl, xml);
    const body = (await r.json()) as AcsError;
    return { status: r.status, code: body.error?.code, message: body.error?.message };
  };

  beforeAll(async () => {
    amp = await startAmplitudeEmulator();
    expect((await putMetadata(amp.ssoEndpoint, amp.ssoToken, auth0Metadata(idp))).status).toBe(200);
  });
  afterAll(async () => {
    await amp.close();
  });

  it('accepts a response whose assertion Auth0 signed, sets a session cookie and records the session', async () => {
    const before = amp.sessions().length;
    const r = await postToAcs(amp.acsUrl, await respond(), { relayState: 'rs-1' });
    expect(r.status).toBe(200);
    const body = (await r.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      ok: true,
      email: 'alice@example.com',
      nameId: 'alice@example.com',
      nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      attributes: { [EMAIL_CLAIM]: 'alice@example.com' },
      relayState: 'rs-1',
    });
    const cookie = r.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[\\w-]+; Path=/; HttpOnly; SameSite=Lax$`));

    const sessions = amp.sessions();
    expect(sessions).toHaveLength(before + 1);
    const s = sessions.at(-1)!;
    expect(s).toMatchObject({ email: 'alice@example.com', issuer: idp.entityId, relayState: 'rs-1' });
    expect(cookie).toContain(s.sessionId);

    const home = await fetch(`${amp.baseUrl}/`, { headers: { cookie: cookie.split(';')[0]! } });
    expect(await home.text()).toContain('Signed in as alice@example.com');
  });

  it('answers a browser with the HTML page', async () => {
    const r = await postToAcs(amp.acsUrl, await respond({ nameId: 'bob@example.com' }), { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/html');
    expect(await r.text()).toContain('Signed in to Amplitude (sandbox) as bob@example.com');
  });

  it('accepts a signed response around an unsigned assertion (Amplitude accepts either)', async () => {
    const r = await postToAcs(amp.acsUrl, await respond({ signAssertion: false, signResponse: true }));
    expect(r.status).toBe(200);
  });

  it('refuses a response replayed after a successful login', async () => {
    const xml = await respond();
    expect((await postToAcs(amp.acsUrl, xml)).status).toBe(200);
    expect(await rejected(xml)).toMatchObject({ status: 403, code: 'SAML_REPLAYED' });
  });

  it('refuses the response when any signed byte changes', async () => {
    const xml = await respond({ nameId: 'carol@example.com' });
    const tampered = xml.replace('carol@example.com</saml:NameID>', 'carol@examplf.com</saml:NameID>');
    expect(tampered).not.toBe(xml);
    expect(await rejected(tampered)).toMatchObject({ status: 401, code: 'SAML_SIGNATURE_INVALID' });
    const attr = xml.replace('>Alice Example<', '>Alice Exampl3<');
    expect(attr).not.toBe(xml);
    expect(await rejected(attr)).toMatchObject({ status: 401, code: 'SAML_SIGNATURE_INVALID' });
  });

  it('refuses a response signed by a key that is not in the uploaded metadata', async () => {
    expect(await rejected(await respond({ signWith: signingCert({ commonName: 'attacker' }) }))).toMatchObject({ status: 401, code: 'SAML_SIGNATURE_INVALID' });
  });

  it('refuses an unsigned response', async () => {
    expect(await rejected(await respond({ signAssertion: false }))).toMatchObject({ status: 401, code: 'SAML_UNSIGNED' });
  });

  it('refuses the wrong audience', async () => {
    expect(await rejected(await respond({ audience: 'https://amplitude.com/saml/2/metadata/999999' }))).toMatchObject({ status: 403, code: 'SAML_AUDIENCE_MISMATCH' });
  });

  it('refuses the wrong destination and the wrong recipient', async () => {
    expect(await rejected(await respond({ destination: 'https://amplitude.com/saml/2/acs/999999' }))).toMatchObject({ status: 403, code: 'SAML_DESTINATION_MISMATCH' });
    expect(await rejected(await respond({ recipient: 'https://amplitude.com/saml/2/acs/999999' }))).toMatchObject({ status: 403, code: 'SAML_RECIPIENT_MISMATCH' });
  });

  it('refuses a NameID that is not an email, and an email NameID in a non-email format', async () => {
    const userId = await respond({ nameId: 'auth0|6650a1b2c3d4e5f6', nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified' });
    expect(await rejected(userId)).toMatchObject({ status: 403, code: 'SAML_NAMEID_NOT_EMAIL' });
    const persistent = await respond({ nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent' });
    expect(await rejected(persistent)).toMatchObject({ status: 403, code: 'SAML_NAMEID_NOT_EMAIL' });
  });

  it('refuses an empty attribute statement, and attributes that are all empty', async () => {
    const none = await respond({ claims: {} });
    expect(none).toMatch(/<saml:AttributeStatement[^>]*\/>/);
    expect(await rejected(none)).toMatchObject({ status: 403, code: 'SAML_ATTRIBUTES_EMPTY' });
    expect(await rejected(await respond({ claims: { [EMAIL_CLAIM]: '' } }))).toMatchObject({ status: 403, code: 'SAML_ATTRIBUTES_EMPTY' });
  });

  it('refuses an expired assertion', async () => {
    const xml = await respond({ issuedAt: new Date(Date.now() - 2 * 60 * 60 * 1000), lifetimeInSeconds: 3600 });
    expect(await rejected(xml)).toMatchObject({ status: 401, code: 'SAML_EXPIRED' });
  });

  it('refuses an assertion from another issuer signed with the trusted key', async () => {
    const other = { ...idp, entityId: 'urn:someone-else.auth0.com' };
    const xml = await auth0Response({ idp: other, audience: amp.entityId, acsUrl: amp.acsUrl });
    expect(await rejected(xml)).toMatchObject({ status: 403, code: 'SAML_ISSUER_MISMATCH' });
  });

  it('refuses an InResponseTo that this SP never issued', async () => {
    expect(await rejected(await respond({ inResponseTo: '_never-issued' }))).toMatchObject({ status: 401, code: 'SAML_IN_RESPONSE_TO_INVALID' });
  });

  it('refuses malformed posts with 400 and an HTML page for browsers', async () => {
    expect(await rejected('<samlp:Response')).toMatchObject({ status: 400, code: 'SAML_MALFORMED' });
    const notBase64 = await postToAcs(amp.acsUrl, '', { rawSamlResponse: '%%%' });
    expect(notBase64.status).toBe(400);
    const doctype = await respond();
    expect(await rejected(`<!DOCTYPE x>${doctype}`)).toMatchObject({ status: 400, code: 'SAML_MALFORMED' });
    const html = await postToAcs(amp.acsUrl, '<nope/>', { accept: 'text/html' });
    expect(html.status).toBe(400);
    expect(await html.text()).toContain('SAML_NOT_A_RESPONSE');
    const missing = await fetch(amp.acsUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: 'RelayState=x' });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as AcsError).error.code).toBe('SAML_MISSING');
  });

  it('reports an IdP error status, and a Response without an assertion', async () => {
    const bare = (status: string) =>
      `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r1" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${amp.acsUrl}">` +
      `<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">${idp.entityId}</saml:Issuer>` +
      `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:${status}"/></samlp:Status></samlp:Response>`;
    expect(await rejected(bare('Requester'))).toMatchObject({ status: 401, code: 'SAML_STATUS_NOT_SUCCESS' });
    expect(await rejected(bare('Success'))).toMatchObject({ status: 400, code: 'SAML_NO_ASSERTION' });
  });

  it('says SSO is not configured (409) before any metadata is uploaded', async () => {
    const other = await startAmplitudeEmulator({ orgId: '4242424' });
    try {
      expect(other.orgId).toBe('4242424');
      const r = await postToAcs(other.acsUrl, await auth0Response({ idp, audience: other.entityId, acsUrl: other.acsUrl }));
      expect(r.status).toBe(409);
      expect(((await r.json()) as AcsError).error.code).toBe('SSO_NOT_CONFIGURED');
    } finally {
      await other.close();
    }
  });

  it('trusts every signing certificate in the metadata (a rotation in progress)', async () => {
    const next = signingCert({ commonName: 'next' });
    const rotating = await startAmplitudeEmulator();
    try {
      expect((await putMetadata(rotating.ssoEndpoint, rotating.ssoToken, auth0Metadata(idp, [idp.cert, next]))).status).toBe(200);
      expect(rotating.settings()?.certificates).toHaveLength(2);
      for (const signWith of [idp.cert, next]) {
        const xml = await auth0Response({ idp, audience: rotating.entityId, acsUrl: rotating.acsUrl, signWith });
        expect((await postToAcs(rotating.acsUrl, xml)).status).toBe(200);
      }
    } finally {
      await rotating.close();
    }
  });
});

describe('Amplitude emulator: ACS with emailPolicy "lookup"', () => {
  it("finds the email by Amplitude's documented order when the NameID is not one", async () => {
    const idp = testIdp();
    const amp = await startAmplitudeEmulator({ emailPolicy: 'lookup' });
    try {
      expect((await putMetadata(amp.ssoEndpoint, amp.ssoToken, auth0Metadata(idp))).status).toBe(200);
      const base = { idp, audience: amp.entityId, acsUrl: amp.acsUrl, nameId: 'auth0|123', nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified' };
      const byClaim = await postToAcs(amp.acsUrl, await auth0Response({ ...base, claims: { [EMAIL_CLAIM]: 'dave@example.com' } }));
      expect(await byClaim.json()).toMatchObject({ ok: true, email: 'dave@example.com', nameId: 'auth0|123' });
      const byName = await postToAcs(amp.acsUrl, await auth0Response({ ...base, claims: { Email: 'erin@example.com' } }));
      expect(await byName.json()).toMatchObject({ ok: true, email: 'erin@example.com' });
      const none = await postToAcs(amp.acsUrl, await auth0Response({ ...base, claims: { name: 'No Email' } }));
      expect(none.status).toBe(403);
      expect(((await none.json()) as AcsError).error.code).toBe('SAML_NAMEID_NOT_EMAIL');
    } finally {
      await amp.close();
    }
  });
});
