import { inflateRawSync } from 'node:zlib';
import { DOMParser } from '@xmldom/xmldom';
import { startAmplitudeEmulator } from '../../../src/sandbox/amplitude/index.js';
import type { AmplitudeEmulator } from '../../../src/sandbox/types.js';
import { auth0Metadata, auth0Response, postToAcs, putMetadata, testIdp } from './idp-kit.js';

const PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
const ASSERTION = 'urn:oasis:names:tc:SAML:2.0:assertion';

/** Decodes an HTTP-Redirect binding SAMLRequest (base64 of raw DEFLATE) into a DOM. */
function decodeRedirectRequest(samlRequest: string) {
  const xml = inflateRawSync(Buffer.from(samlRequest, 'base64')).toString('utf8');
  return new DOMParser().parseFromString(xml, 'text/xml').documentElement!;
}

describe('Amplitude emulator: SP-initiated login', () => {
  const idp = testIdp();
  let amp: AmplitudeEmulator;

  beforeAll(async () => {
    amp = await startAmplitudeEmulator();
  });
  afterAll(async () => {
    await amp.close();
  });

  it('answers 409 while SSO is not configured', async () => {
    const r = await fetch(amp.loginUrl, { redirect: 'manual', headers: { accept: 'application/json' } });
    expect(r.status).toBe(409);
    expect(await r.json()).toMatchObject({ error: { code: 'SSO_NOT_CONFIGURED' } });
  });

  it('redirects to the IdP SSO URL with a decodable AuthnRequest, and accepts the answer to it once', async () => {
    expect((await putMetadata(amp.ssoEndpoint, amp.ssoToken, auth0Metadata(idp))).status).toBe(200);

    const r = await fetch(`${amp.loginUrl}?RelayState=%2Fdashboard`, { redirect: 'manual' });
    expect(r.status).toBe(302);
    const location = new URL(r.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(idp.ssoUrl);
    expect(location.searchParams.get('RelayState')).toBe('/dashboard');

    const request = decodeRedirectRequest(location.searchParams.get('SAMLRequest')!);
    expect([request.namespaceURI, request.localName]).toEqual([PROTOCOL, 'AuthnRequest']);
    expect(request.getAttribute('AssertionConsumerServiceURL')).toBe(amp.acsUrl);
    expect(request.getAttribute('ProtocolBinding')).toBe('urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST');
    expect(request.getAttribute('Destination')).toBe(idp.ssoUrl);
    expect(request.getElementsByTagNameNS(ASSERTION, 'Issuer')[0]?.textContent).toBe(amp.entityId);
    expect(request.getElementsByTagNameNS(PROTOCOL, 'NameIDPolicy')[0]?.getAttribute('Format')).toBe(
      'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    );
    const requestId = request.getAttribute('ID')!;
    expect(requestId).toMatch(/^_/);

    const answer = await auth0Response({ idp, audience: amp.entityId, acsUrl: amp.acsUrl, inResponseTo: requestId });
    const ok = await postToAcs(amp.acsUrl, answer, { relayState: '/dashboard' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ ok: true, inResponseTo: requestId, relayState: '/dashboard' });
    expect(amp.sessions().at(-1)).toMatchObject({ inResponseTo: requestId });

    // A second answer to the same request is not a new login.
    const again = await postToAcs(amp.acsUrl, await auth0Response({ idp, audience: amp.entityId, acsUrl: amp.acsUrl, inResponseTo: requestId }));
    expect(again.status).toBe(401);
    expect(await again.json()).toMatchObject({ error: { code: 'SAML_IN_RESPONSE_TO_INVALID' } });
  });

  it('makes up a RelayState when none is given, and refuses one over 80 bytes', async () => {
    const r = await fetch(amp.loginUrl, { redirect: 'manual' });
    expect(r.status).toBe(302);
    expect(new URL(r.headers.get('location')!).searchParams.get('RelayState')).toMatch(/^[\w-]{8,}$/);
    const long = await fetch(`${amp.loginUrl}?RelayState=${'x'.repeat(81)}`, { redirect: 'manual', headers: { accept: 'application/json' } });
    expect(long.status).toBe(400);
    expect(await long.json()).toMatchObject({ error: { code: 'RELAY_STATE_TOO_LONG' } });
  });

  it('posts the AuthnRequest with a form when the IdP offers only HTTP-POST', async () => {
    const postOnly = await startAmplitudeEmulator();
    try {
      const xml = auth0Metadata(idp).replace(/<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"[^>]*\/>/, '');
      expect((await putMetadata(postOnly.ssoEndpoint, postOnly.ssoToken, xml)).status).toBe(200);
      expect(postOnly.settings()?.ssoBinding).toBe('HTTP-POST');
      const r = await fetch(postOnly.loginUrl, { redirect: 'manual' });
      expect(r.status).toBe(200);
      const html = await r.text();
      expect(html).toContain(`action="${idp.ssoUrl}"`);
      const samlRequest = /name="SAMLRequest" value="([^"]+)"/.exec(html)?.[1];
      const request = new DOMParser().parseFromString(Buffer.from(samlRequest!, 'base64').toString('utf8'), 'text/xml').documentElement!;
      expect(request.getAttribute('AssertionConsumerServiceURL')).toBe(postOnly.acsUrl);
    } finally {
      await postOnly.close();
    }
  });
});
