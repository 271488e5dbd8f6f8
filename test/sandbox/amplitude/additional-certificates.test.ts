import { startAmplitudeEmulator } from '../../../src/sandbox/amplitude/index.js';
import type { AmplitudeEmulator } from '../../../src/sandbox/types.js';
import { auth0Metadata, auth0Response, postToAcs, signingCert, testIdp } from './idp-kit.js';

const DAY = 24 * 60 * 60 * 1000;

/** PUT with `additionalCertificates`: how apply pre-trusts Auth0's queued next signing key. */
describe('Amplitude emulator: additional certificates (a queued next signing key)', () => {
  let amp: AmplitudeEmulator;
  beforeEach(async () => {
    amp = await startAmplitudeEmulator();
  });
  afterEach(async () => {
    await amp.close();
  });

  function put(body: Record<string, unknown>): Promise<Response> {
    return fetch(amp.ssoEndpoint, {
      method: 'PUT',
      headers: { authorization: `Bearer ${amp.ssoToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ identityProvider: 'auth0', ...body }),
    });
  }

  it('trusts the next key too, so a response signed after the rotation is accepted, and reports it as additional', async () => {
    const idp = testIdp();
    const next = signingCert({ commonName: 'next' });
    const r = await put({ metadataXml: auth0Metadata(idp), additionalCertificates: [next.certPem] });
    expect(r.status).toBe(200);
    const view = (await r.json()) as { certificates: { sha256: string; source: string }[] };
    expect(view.certificates.map((c) => c.source)).toEqual(['metadata', 'additional']);

    // After the IdP rotates, it signs with the next key; the SP still accepts the login.
    const afterRotation = await auth0Response({ idp, audience: amp.entityId, acsUrl: amp.acsUrl, signWith: next });
    const acs = await postToAcs(amp.acsUrl, afterRotation);
    expect(acs.status).toBe(200);
    expect(((await acs.json()) as { ok: boolean }).ok).toBe(true);

    // A key it was never told about is still refused.
    const stranger = await auth0Response({ idp, audience: amp.entityId, acsUrl: amp.acsUrl, signWith: signingCert({ commonName: 'stranger' }) });
    expect((await postToAcs(amp.acsUrl, stranger)).status).toBeGreaterThanOrEqual(400);
  });

  it('is idempotent with the same additional certificates, and a PUT without them drops them', async () => {
    const idp = testIdp();
    const next = signingCert();
    const xml = auth0Metadata(idp);
    await put({ metadataXml: xml, additionalCertificates: [next.certPem] });
    const first = amp.settings()!.updatedAt;
    await new Promise((r) => setTimeout(r, 5));
    await put({ metadataXml: xml, additionalCertificates: [next.certPem] });
    expect(amp.settings()!.updatedAt).toBe(first);
    await put({ metadataXml: xml });
    expect(amp.settings()!.certificates.map((c) => c.source)).toEqual(['metadata']);
  });

  it('refuses an unparseable or expired additional certificate, and more than three, keeping the old settings', async () => {
    const idp = testIdp();
    const xml = auth0Metadata(idp);
    const bad = await put({ metadataXml: xml, additionalCertificates: ['-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n'] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('ADDITIONAL_CERT_UNPARSEABLE');
    const expired = signingCert({ notBefore: new Date(Date.now() - 10 * DAY), notAfter: new Date(Date.now() - DAY) });
    const old = await put({ metadataXml: xml, additionalCertificates: [expired.certPem] });
    expect(((await old.json()) as { error: { code: string } }).error.code).toBe('ADDITIONAL_CERT_EXPIRED');
    const many = await put({ metadataXml: xml, additionalCertificates: ['a', 'b', 'c', 'd'] });
    expect(((await many.json()) as { error: { code: string } }).error.code).toBe('REQUEST_INVALID');
    expect(amp.settings()).toBeUndefined();
  });
});
