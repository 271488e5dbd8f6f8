/**
 * `/api/v2/keys/signing` over HTTP: Auth0's formats (CRLF PEM, SHA-1 fingerprint/thumbprint, a
 * PKCS#7 container holding the certificate) and its rotation rules (current + queued next; rotate
 * moves next to current; only a previous key can be revoked; a revoked key's tokens stop working).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { startAuth0Emulator } from '../../../src/sandbox/auth0/index.js';
import type { Auth0Emulator } from '../../../src/sandbox/types.js';
import { managementApi, managementToken, request, type Api } from '../../helpers/auth0-api.js';

interface Key {
  kid: string;
  cert: string;
  pkcs7: string;
  fingerprint: string;
  thumbprint: string;
  current: boolean;
  next: boolean;
  previous: boolean;
  revoked: boolean;
  current_since?: string;
  current_until?: string;
  revoked_at?: string;
}

let emu: Auth0Emulator;
let api: Api;

beforeAll(async () => {
  emu = await startAuth0Emulator();
  api = managementApi(emu, await managementToken(emu));
});
afterAll(async () => {
  await emu.close();
});

async function keys(): Promise<Key[]> {
  const res = await api('GET', '/keys/signing');
  expect(res.status).toBe(200);
  return res.json as Key[];
}

test('a new tenant has a current key and a queued next key, in Auth0 formats', async () => {
  const list = await keys();
  expect(list).toHaveLength(2);
  const [current, next] = [list.find((k) => k.current)!, list.find((k) => k.next)!];
  expect(current).toMatchObject({ current: true, next: false, previous: false, revoked: false });
  expect(next).toMatchObject({ current: false, next: true, previous: false, revoked: false });
  expect(current.current_since).toEqual(expect.any(String));
  expect(next).not.toHaveProperty('current_since');
  expect(Object.keys(current)).toEqual(['kid', 'cert', 'fingerprint', 'thumbprint', 'pkcs7', 'current', 'next', 'previous', 'current_since', 'revoked']);
  expect(current.kid).toMatch(/^[A-Za-z0-9]{21}$/);

  expect(current.cert).toMatch(/^-----BEGIN CERTIFICATE-----\r\n([A-Za-z0-9+/=]{1,64}\r\n)+-----END CERTIFICATE-----$/);
  const x509 = new X509Certificate(current.cert);
  expect(x509.subject).toBe(`CN=${emu.domain}`);
  expect(x509.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
  expect(x509.checkIssued(x509)).toBe(true);
  const sha1 = createHash('sha1').update(x509.raw).digest('hex').toUpperCase();
  expect(current.thumbprint).toBe(sha1);
  expect(current.fingerprint).toBe(sha1.match(/../g)!.join(':'));
  expect(current.fingerprint).toBe(x509.fingerprint); // node formats SHA-1 fingerprints the same way

  expect(current.pkcs7).toMatch(/^-----BEGIN PKCS7-----\r\n[\s\S]+\r\n-----END PKCS7-----$/);
  const p7 = Buffer.from(current.pkcs7.replace(/-----[A-Z0-9 ]+-----|\s/g, ''), 'base64');
  expect(p7.includes(Buffer.from('2a864886f70d010702', 'hex'))).toBe(true); // signedData OID
  expect(p7.includes(x509.raw)).toBe(true);

  const one = await api('GET', `/keys/signing/${current.kid}`);
  expect(one.json).toEqual(current);
  expect((await api('GET', '/keys/signing/nope')).status).toBe(404);
});

test('rotate (201) promotes next to current, keeps the old current as previous and queues a new next', async () => {
  const before = await keys();
  const oldCurrent = before.find((k) => k.current)!;
  const oldNext = before.find((k) => k.next)!;
  const rotated = await api('POST', '/keys/signing/rotate');
  expect(rotated.status).toBe(201);
  const body = rotated.json as { cert: string; kid: string };
  expect(Object.keys(body)).toEqual(['cert', 'kid']);

  const after = await keys();
  expect(after.find((k) => k.current)!.kid).toBe(oldNext.kid);
  expect(after.find((k) => k.next)!).toMatchObject({ kid: body.kid, cert: body.cert });
  const previous = after.find((k) => k.kid === oldCurrent.kid)!;
  expect(previous).toMatchObject({ previous: true, current: false, next: false, revoked: false });
  expect(previous.current_until).toEqual(expect.any(String));

  // The IdP signs with the new current key.
  const pem = await request(`${emu.baseUrl}/pem`);
  expect(new X509Certificate(pem.text).fingerprint).toBe(after.find((k) => k.current)!.fingerprint);
});

test('only a previous key can be revoked; a token signed with it stops working', async () => {
  const list = await keys();
  const current = list.find((k) => k.current)!;
  const next = list.find((k) => k.next)!;
  for (const kid of [current.kid, next.kid]) {
    const res = await api('PUT', `/keys/signing/${kid}/revoke`);
    expect(res.status).toBe(400);
    expect(Object.keys(res.json as object)).toEqual(['statusCode', 'error', 'message', 'errorCode']);
  }

  // A token signed while `current` was current, then rotated away and revoked.
  const oldToken = await managementToken(emu);
  expect((await managementApi(emu, oldToken)('GET', '/keys/signing')).status).toBe(200);
  await api('POST', '/keys/signing/rotate');
  expect((await managementApi(emu, oldToken)('GET', '/keys/signing')).status).toBe(200); // previous keys still verify

  const fresh = managementApi(emu, await managementToken(emu));
  const revoked = await fresh('PUT', `/keys/signing/${current.kid}/revoke`);
  expect(revoked.status).toBe(200);
  expect(revoked.json).toEqual({ cert: current.cert, kid: current.kid });
  const rejected = await managementApi(emu, oldToken)('GET', '/keys/signing');
  expect(rejected.status).toBe(401);
  expect((rejected.json as { message: string }).message).toBe('Invalid signature received for JSON Web Token validation');

  const state = ((await fresh('GET', `/keys/signing/${current.kid}`)).json as Key);
  expect(state).toMatchObject({ revoked: true, previous: true });
  expect(state.revoked_at).toEqual(expect.any(String));
  expect((await fresh('PUT', `/keys/signing/${current.kid}/revoke`)).status).toBe(400);
  expect((await fresh('PUT', '/keys/signing/nope/revoke')).status).toBe(404);

  // The JWKS publishes the keys that still verify tokens.
  const jwks = (await request(`${emu.baseUrl}/.well-known/jwks.json`)).json as { keys: { kid: string }[] };
  expect(jwks.keys.map((k) => k.kid)).not.toContain(current.kid);
  expect(jwks.keys.map((k) => k.kid)).toContain(next.kid);
});

test('rotating needs both create:signing_keys and update:signing_keys', async () => {
  const scopes = emu.management.scopes;
  emu.tenant.setManagementScopes(scopes.filter((s) => s !== 'update:signing_keys'));
  try {
    const reduced = managementApi(emu, await managementToken(emu));
    const res = await reduced('POST', '/keys/signing/rotate');
    expect(res.status).toBe(403);
    expect((res.json as { message: string }).message).toBe('Insufficient scope, expected any of: update:signing_keys');
  } finally {
    emu.tenant.setManagementScopes(scopes);
  }
});

test('rotation is limited to 5 a day (burst 5, as on every Auth0 plan): the sixth answers 429 and rotates nothing', async () => {
  // Earlier tests in this file rotated too; every key made by a rotation is still listed (at most one is revoked).
  let refused: Awaited<ReturnType<Api>> | undefined;
  for (let i = 0; i < 6 && !refused; i++) {
    const res = await api('POST', '/keys/signing/rotate');
    if (res.status === 429) refused = res;
    else expect(res.status).toBe(201);
  }
  expect(refused).toBeDefined();
  const listed = await keys();
  expect(listed).toHaveLength(2 + 5);
  expect(refused!.json).toMatchObject({ statusCode: 429, error: 'Too Many Requests', errorCode: 'too_many_requests' });
  expect(refused!.headers.get('x-ratelimit-remaining')).toBe('0');
  // One rotation comes back after 86400 / 5 s.
  const reset = Number(refused!.headers.get('x-ratelimit-reset'));
  expect(reset * 1000 - Date.now()).toBeGreaterThan(17_000_000);
  expect(await api('POST', '/keys/signing/rotate')).toMatchObject({ status: 429 });
  expect(await keys()).toEqual(listed);
});
