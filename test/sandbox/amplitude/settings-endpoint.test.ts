import { startAmplitudeEmulator } from '../../../src/sandbox/amplitude/index.js';
import type { AmplitudeEmulator } from '../../../src/sandbox/types.js';
import { auth0Metadata, fixture, putMetadata, signingCert, testIdp } from './idp-kit.js';

const DAY = 24 * 60 * 60 * 1000;
/** The emulator's clock in these tests: real fixtures (valid 2025-2039) are judged at this instant. */
const NOW = new Date('2026-11-29T12:00:00Z');
const idpAtNow = () => testIdp(signingCert({ now: NOW }));

interface ErrorBody {
  error: { code: string; message: string; hint?: string };
}

async function errorCode(r: Response): Promise<string> {
  return ((await r.json()) as ErrorBody).error.code;
}

describe('Amplitude emulator: SSO settings endpoint', () => {
  let amp: AmplitudeEmulator;
  const auth = () => ({ authorization: `Bearer ${amp.ssoToken}` });

  beforeEach(async () => {
    amp = await startAmplitudeEmulator({ now: () => NOW });
  });
  afterEach(async () => {
    await amp.close();
  });

  it('lives at {base}/api/2/orgs/{org}/sso/saml next to the SP URLs of a numeric org', () => {
    expect(amp.orgId).toMatch(/^[1-9]\d{5,8}$/);
    expect(amp.baseUrl).toBe(`http://127.0.0.1:${amp.port}`);
    expect(amp.ssoEndpoint).toBe(`${amp.baseUrl}/api/2/orgs/${amp.orgId}/sso/saml`);
    expect(amp.entityId).toBe(`${amp.baseUrl}/saml/2/metadata/${amp.orgId}`);
    expect(amp.acsUrl).toBe(`${amp.baseUrl}/saml/2/acs/${amp.orgId}`);
    expect(amp.loginUrl).toBe(`${amp.baseUrl}/login/sso/${amp.orgId}`);
  });

  it('refuses a missing or wrong bearer token with 401 and the error body', async () => {
    const missing = await fetch(amp.ssoEndpoint);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(await missing.json()).toEqual({ error: expect.objectContaining({ code: 'UNAUTHORIZED', message: expect.any(String) }) });

    const wrong = await fetch(amp.ssoEndpoint, { method: 'PUT', headers: { authorization: 'Bearer not-the-token' } });
    expect(wrong.status).toBe(401);
    expect(await errorCode(wrong)).toBe('UNAUTHORIZED');
    expect(amp.settings()).toBeUndefined();
  });

  it('reads back "not configured" before anything is uploaded', async () => {
    const r = await fetch(amp.ssoEndpoint, { headers: auth() });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ enabled: false, sp: { entityId: amp.entityId, acsUrl: amp.acsUrl } });
  });

  it('stores valid Auth0 metadata, reads it back, re-accepts it unchanged, and disables SSO twice with 204', async () => {
    const idp = idpAtNow();
    const xml = auth0Metadata(idp);
    const put = await putMetadata(amp.ssoEndpoint, amp.ssoToken, xml);
    expect(put.status).toBe(200);
    const stored = (await put.json()) as Record<string, unknown>;
    expect(stored).toEqual({
      enabled: true,
      identityProvider: 'auth0',
      idpEntityId: idp.entityId,
      ssoUrl: idp.ssoUrl,
      ssoBinding: 'HTTP-Redirect',
      certificates: [{ sha256: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/), notAfter: expect.any(String), source: 'metadata' }],
      metadataXml: xml,
      updatedAt: expect.any(String),
      sp: { entityId: amp.entityId, acsUrl: amp.acsUrl },
    });
    expect(amp.settings()?.idpEntityId).toBe(idp.entityId);

    const get = await fetch(amp.ssoEndpoint, { headers: auth() });
    expect(await get.json()).toEqual(stored);

    const again = await putMetadata(amp.ssoEndpoint, amp.ssoToken, xml);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { updatedAt: string }).updatedAt).toBe(stored.updatedAt);

    for (let i = 0; i < 2; i++) {
      const del = await fetch(amp.ssoEndpoint, { method: 'DELETE', headers: auth() });
      expect(del.status).toBe(204);
      expect(await del.text()).toBe('');
    }
    expect(amp.settings()).toBeUndefined();
    expect(await (await fetch(amp.ssoEndpoint, { headers: auth() })).json()).toMatchObject({ enabled: false });
  });

  it('accepts real Auth0 metadata exactly as Auth0 serves it', async () => {
    const r = await putMetadata(amp.ssoEndpoint, amp.ssoToken, fixture('auth0-idp-metadata.xml'));
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({
      idpEntityId: 'urn:aws-security-project-0an.us.auth0.com',
      ssoUrl: 'https://aws-security-project-0an.us.auth0.com/samlp/MQz6OQsZNq64hNIsjQ9mTteDFL3iLKgS',
      certificates: [{ notAfter: '2039-04-09T16:58:41.000Z' }],
    });
  });

  it('accepts the raw document as application/samlmetadata+xml, provider from the query', async () => {
    const r = await fetch(`${amp.ssoEndpoint}?identityProvider=auth0`, {
      method: 'PUT',
      headers: { ...auth(), 'content-type': 'application/samlmetadata+xml' },
      body: fixture('auth0-idp-metadata.xml'),
    });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ identityProvider: 'auth0', enabled: true });
  });

  it.each([
    ['a DOCTYPE', fixture('auth0-idp-metadata.xml').replace('<EntityDescriptor', '<!DOCTYPE EntityDescriptor [<!ENTITY x "y">]><EntityDescriptor'), 'METADATA_DOCTYPE'],
    ['SP-only metadata', fixture('auth0-sp-metadata-not-idp.xml'), 'METADATA_NOT_IDP'],
    ['garbage', 'this is not xml at all', 'METADATA_MALFORMED'],
    ['unclosed XML', '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="urn:x"><IDPSSODescriptor>', 'METADATA_MALFORMED'],
    ['no signing certificate', fixture('auth0-idp-metadata.xml').replace(/<KeyDescriptor use="signing">[\s\S]*?<\/KeyDescriptor>/, ''), 'METADATA_NO_SIGNING_CERT'],
    ['only an encryption key', fixture('auth0-idp-metadata.xml').replace('use="signing"', 'use="encryption"'), 'METADATA_NO_SIGNING_CERT'],
    ['a certificate that is not DER', fixture('auth0-idp-metadata.xml').replace(/<X509Certificate>MII/, '<X509Certificate>AAAA'), 'METADATA_CERT_UNPARSEABLE'],
    [
      'no SSO endpoint with a browser binding',
      fixture('auth0-idp-metadata.xml').replace(/<SingleSignOnService [^>]*\/>/g, ''),
      'METADATA_NO_SSO_ENDPOINT',
    ],
    ['an http SSO URL on a public host', fixture('auth0-idp-metadata.xml').split('https://').join('http://'), 'METADATA_SSO_URL_INVALID'],
  ])('refuses %s with 400 and a stable code', async (_what, xml, code) => {
    const r = await putMetadata(amp.ssoEndpoint, amp.ssoToken, xml);
    expect(r.status).toBe(400);
    const body = (await r.json()) as ErrorBody;
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(10);
    expect(amp.settings()).toBeUndefined();
  });

  it('refuses metadata whose only signing certificate has expired', async () => {
    const expired = signingCert({ notBefore: new Date(NOW.getTime() - 400 * DAY), notAfter: new Date(NOW.getTime() - DAY) });
    const r = await putMetadata(amp.ssoEndpoint, amp.ssoToken, auth0Metadata(testIdp(expired)));
    expect(r.status).toBe(400);
    const body = (await r.json()) as ErrorBody;
    expect(body.error.code).toBe('METADATA_NO_VALID_CERT');
    expect(body.error.message).toContain('expired');
  });

  it('keeps the old settings when a replacement is invalid', async () => {
    expect((await putMetadata(amp.ssoEndpoint, amp.ssoToken, auth0Metadata(idpAtNow()))).status).toBe(200);
    const before = amp.settings();
    expect((await putMetadata(amp.ssoEndpoint, amp.ssoToken, fixture('auth0-sp-metadata-not-idp.xml'))).status).toBe(400);
    expect(amp.settings()).toEqual(before);
  });

  it('checks the request itself: JSON, fields, provider, media type, size, method, org', async () => {
    const send = (body: string, type = 'application/json', url = amp.ssoEndpoint) =>
      fetch(url, { method: 'PUT', headers: { ...auth(), 'content-type': type }, body });
    const xml = fixture('auth0-idp-metadata.xml');

    let r = await send('{not json');
    expect([r.status, await errorCode(r)]).toEqual([400, 'REQUEST_INVALID_JSON']);
    r = await send(JSON.stringify({ identityProvider: 'auth0' }));
    expect([r.status, await errorCode(r)]).toEqual([400, 'REQUEST_INVALID']);
    r = await send(JSON.stringify({ metadataXml: xml }));
    expect([r.status, await errorCode(r)]).toEqual([400, 'REQUEST_INVALID']);
    r = await send(JSON.stringify({ identityProvider: 'keycloak', metadataXml: xml }));
    expect([r.status, await errorCode(r)]).toEqual([400, 'IDENTITY_PROVIDER_INVALID']);
    r = await send(xml, 'text/plain');
    expect([r.status, await errorCode(r)]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    r = await send(JSON.stringify({ identityProvider: 'auth0', metadataXml: 'x'.repeat(1024 * 1024) }));
    expect([r.status, await errorCode(r)]).toEqual([413, 'REQUEST_TOO_LARGE']);
    r = await fetch(amp.ssoEndpoint, { method: 'POST', headers: auth() });
    expect([r.status, r.headers.get('allow'), await errorCode(r)]).toEqual([405, 'GET, PUT, DELETE', 'METHOD_NOT_ALLOWED']);
    r = await send(JSON.stringify({ identityProvider: 'auth0', metadataXml: xml }), 'application/json', amp.ssoEndpoint.replace(`/orgs/${amp.orgId}/`, '/orgs/1/'));
    expect([r.status, await errorCode(r)]).toEqual([404, 'ORG_NOT_FOUND']);
    expect(amp.settings()).toBeUndefined();
  });

  it('judges certificate dates with the emulator clock', async () => {
    const later = await startAmplitudeEmulator({ now: () => new Date('2040-01-01T00:00:00Z') });
    try {
      const r = await putMetadata(later.ssoEndpoint, later.ssoToken, fixture('auth0-idp-metadata.xml'));
      expect(r.status).toBe(400);
      expect(await errorCode(r)).toBe('METADATA_NO_VALID_CERT');
    } finally {
      await later.close();
    }
  });

  it('serves SP metadata at the entity ID', async () => {
    const r = await fetch(amp.entityId);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('application/samlmetadata+xml');
    const xml = await r.text();
    expect(xml).toContain(`entityID="${amp.entityId}"`);
    expect(xml).toContain(`Location="${amp.acsUrl}"`);
  });
});
