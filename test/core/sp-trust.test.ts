/**
 * The judgement of `sp.trust` for manual delivery, over plain data: the record `apply` and
 * `confirm-upload` write in client_metadata (through the manual connector), the certificate the IdP
 * signs with, and this run's login.
 */
import type { MetadataVerdict } from '../../src/core/apply.js';
import type { Auth0Client } from '../../src/core/ports.js';
import { uploadRecord } from '../../src/core/upload.js';
import { judgeCertificate, judgeSpTrust } from '../../src/core/verify.js';
import type { WebLoginResult } from '../../src/login/web-login.js';
import { createManualSp } from '../../src/sp/manual-delivery.js';
import { auth0Rules } from '../../src/idp/auth0/rules.js';
import { amplitudeProfile } from '../../src/sp/amplitude/profile.js';

const A = `AA:${'11:'.repeat(30)}01`;
const B = `BB:${'22:'.repeat(30)}02`;
const HANDED = new Date('2031-03-01T10:00:00.000Z');
const CONFIRMED = new Date('2031-03-02T09:30:00.000Z');
const sp = createManualSp('amplitude-idp-metadata-42.xml');

function client(metadata: Record<string, string | null>): Auth0Client {
  const kept = Object.entries(metadata).filter((e): e is [string, string] => e[1] !== null);
  return { client_id: 'C1', name: 'Amplitude SSO', client_metadata: { sso_setup: 'amplitude:42', ...Object.fromEntries(kept) } };
}

function metadataSigningWith(sha256: string) {
  const verdict: MetadataVerdict = {
    valid: true,
    entityId: 'urn:acme.us.auth0.com',
    sso: [],
    certificates: [{ sha256, subject: 'CN=acme', notAfter: '2040-01-01T00:00:00.000Z' }],
    errors: [],
    warnings: [],
  };
  return { ok: true as const, value: { url: 'https://acme.us.auth0.com/samlp/metadata/C1', verdict } };
}

const signedIn: WebLoginResult = { outcome: 'signed-in', status: 200, email: 'ada@example.com', body: {}, trail: [] };
const refused: WebLoginResult = { outcome: 'failed', code: 'SP_REJECTED_ASSERTION', message: 'SSO is not configured', url: 'http://sp/acs', trail: [] };
const wrongPassword: WebLoginResult = { outcome: 'failed', code: 'LOGIN_REJECTED', message: 'wrong password', url: 'http://idp/login', trail: [] };

async function judge(metadata: Record<string, string | null>, idpSignsWith: string, login?: WebLoginResult) {
  const trust = await sp.readTrust(client(metadata));
  return judgeSpTrust({ ok: true, value: trust }, metadataSigningWith(idpSignsWith), sp, amplitudeProfile, login ? { ok: true, value: login } : undefined);
}

const handedOverA = sp.handOverRecord(A, HANDED);
const confirmedA = { ...handedOverA, ...sp.confirmationRecord(A, CONFIRMED) };

describe('sp.trust with manual delivery', () => {
  it('a hand-over nobody confirmed is a warning that says so, with the date and how to confirm', async () => {
    const c = await judge(handedOverA, A);
    expect(c.status).toBe('warn');
    expect(c.message).toBe(`certificate ${A.slice(0, 17)}… handed over on 2031-03-01, upload not confirmed`);
    expect(c.hint).toContain(`sso-setup confirm-upload --fingerprint ${A}`);
    expect(c.details).toMatchObject({ upload: { status: 'handed-over', certificate: A, handedOverAt: HANDED.toISOString() }, provenByLogin: false });
  });

  it("passes once a person confirmed uploading the IdP's current certificate", async () => {
    const c = await judge(confirmedA, A);
    expect(c.status).toBe('pass');
    expect(c.message).toContain('confirmed on 2031-03-02');
    expect(c.details).toMatchObject({ upload: { status: 'confirmed', confirmedAt: CONFIRMED.toISOString() } });
  });

  it('fails when the IdP signs with a certificate that was not the one handed over (a rotation), confirmed or not', async () => {
    for (const record of [handedOverA, confirmedA]) {
      const c = await judge(record, B);
      expect(c.status).toBe('fail');
      expect(c.message).toContain(`the IdP signs with ${B.slice(0, 17)}…, but the certificate last handed over to Amplitude is ${A.slice(0, 17)}… on 2031-03-01`);
      expect(c.hint).toContain('sso-setup apply');
    }
  });

  it('a new hand-over drops the confirmation of the earlier certificate', async () => {
    const rehanded = { ...confirmedA, ...sp.handOverRecord(B, new Date('2031-06-01T00:00:00Z')) };
    expect(rehanded.sso_setup_sp_confirmed).toBeNull();
    const c = await judge(rehanded, B);
    expect(c.status).toBe('warn');
    expect(c.message).toContain('handed over on 2031-06-01, upload not confirmed');
  });

  it('a confirmation of another certificate than the one handed over does not count', async () => {
    const c = await judge({ ...sp.handOverRecord(B, HANDED), ...sp.confirmationRecord(A, CONFIRMED) }, B);
    expect(c.status).toBe('warn');
    expect(uploadRecord(await sp.readTrust(client({ ...sp.handOverRecord(B, HANDED), ...sp.confirmationRecord(A, CONFIRMED) })))).toEqual({
      status: 'handed-over',
      certificate: B,
      handedOverAt: HANDED.toISOString(),
    });
  });

  it('a login the SP accepted in this run proves it, with or without a record', async () => {
    for (const record of [{}, handedOverA]) {
      const c = await judge(record, A, signedIn);
      expect(c.status).toBe('pass');
      expect(c.message).toContain('accepted a login signed with');
      expect(c.details).toMatchObject({ provenByLogin: true });
    }
  });

  it('a confirmed upload with a login the SP refused in this run is a warning (SSO off at the SP?)', async () => {
    const c = await judge(confirmedA, A, refused);
    expect(c.status).toBe('warn');
    expect(c.message).toContain('Amplitude refused this run');
    // A login the IdP refused says nothing about the SP.
    expect((await judge(confirmedA, A, wrongPassword)).status).toBe('pass');
  });

  it('no record at all is a warning, not a pass', async () => {
    const c = await judge({}, A);
    expect(c.status).toBe('warn');
    expect(c.message).toContain('no record of a hand-over');
  });

  it('an unreadable confirmation (a hand edit) counts as none', async () => {
    const c = await judge({ ...handedOverA, sso_setup_sp_confirmed: 'yes please' }, A);
    expect(c.status).toBe('warn');
  });
});

describe('idp.certificate with manual delivery', () => {
  it('warns that a queued next key cannot be pre-trusted by an upload, and says what to do after a rotation', async () => {
    const trust = await sp.readTrust(client(confirmedA));
    const keys = { ok: true as const, value: [{ kid: 'k2', cert: 'not a pem', current: false, next: true, previous: false, revoked: false }] };
    const c = judgeCertificate(metadataSigningWith(A), keys, { ok: true, value: trust }, { now: new Date('2031-03-03T00:00:00Z'), warnDays: 30, strict: false }, true, auth0Rules, amplitudeProfile);
    expect(c.status).toBe('warn');
    expect(c.message).toContain('a manual upload cannot pre-trust it');
    expect(c.hint).toContain('sso-setup confirm-upload');
  });
});
