/**
 * Conformance (a): Auth0's official SDK (`auth0` v7 ManagementClient, unmodified) against the
 * emulator. The SDK always builds https://{domain} URLs, so it gets a `fetch` that routes them to
 * the sandbox's http origin, exactly as PRODUCT.md tells the CLI to do. If the emulator's shapes,
 * statuses or headers drift from what the SDK expects, these calls fail.
 */
import { ManagementClient, Management } from 'auth0';
import { startAuth0Emulator } from '../../../src/sandbox/auth0/index.js';
import type { Auth0Emulator } from '../../../src/sandbox/types.js';

let emu: Auth0Emulator;
const requests: string[] = [];

beforeAll(async () => {
  emu = await startAuth0Emulator();
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.faults.clear();
  requests.length = 0;
});

function sdk(maxRetries?: number): ManagementClient {
  const origin = `https://${emu.domain}`;
  return new ManagementClient({
    domain: emu.domain,
    clientId: emu.management.clientId,
    clientSecret: emu.management.clientSecret,
    ...(maxRetries === undefined ? {} : { maxRetries }),
    fetch: (url, init) => {
      const routed = String(url).replace(origin, emu.baseUrl);
      requests.push(`${init?.method ?? 'GET'} ${routed.slice(emu.baseUrl.length)}`);
      return fetch(routed, init);
    },
  });
}

const SAMLP = {
  audience: 'https://sp.example/saml/metadata',
  mappings: { email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress' },
  nameIdentifierFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  nameIdentifierProbes: ['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress'],
  signatureAlgorithm: 'rsa-sha256',
  digestAlgorithm: 'sha256',
};

test('creates, lists across pages, gets, patches and deletes a client with the samlp addon', async () => {
  const client = sdk();
  const created = await client.clients.create({
    name: 'SDK conformance SAML app',
    app_type: 'regular_web',
    callbacks: ['https://sp.example/saml/acs'],
    addons: { samlp: SAMLP },
    client_metadata: { managed_by: 'sso-setup' },
  });
  expect(created.client_id).toMatch(/^[A-Za-z0-9]{32}$/);
  expect(created.client_secret).toHaveLength(64);
  expect(created.addons?.samlp).toEqual(SAMLP);

  const extra: string[] = [];
  for (let i = 0; i < 4; i++) extra.push((await client.clients.create({ name: `SDK filler ${i}` })).client_id!);

  const seen: string[] = [];
  for await (const c of await client.clients.list({ per_page: 2 })) seen.push(c.client_id!);
  const pages = requests.filter((r) => r.startsWith('GET /api/v2/clients?'));
  expect(pages.length).toBeGreaterThanOrEqual(4); // 3 seeded + 5 created = 8 clients, 2 per page
  expect(pages[0]).toContain('per_page=2');
  expect(pages[1]).toContain('page=1');
  expect(new Set(seen).size).toBe(seen.length);
  expect(seen).toEqual(expect.arrayContaining([created.client_id, ...extra]));

  const got = await client.clients.get(created.client_id!);
  expect(got.name).toBe('SDK conformance SAML app');
  expect(got.addons?.samlp).toEqual(SAMLP);
  expect(got.callbacks).toEqual(['https://sp.example/saml/acs']);

  const patchedSamlp = { audience: 'https://sp.example/other', recipient: 'https://sp.example/saml/acs' };
  const patched = await client.clients.update(created.client_id!, {
    addons: { samlp: patchedSamlp },
    callbacks: ['https://sp.example/saml/acs', 'https://sp.example/saml/acs2'],
    client_metadata: { managed_by: 'sso-setup', version: '2' },
  });
  expect(patched.addons?.samlp).toEqual(patchedSamlp); // replaced whole, not merged
  expect(patched.callbacks).toHaveLength(2);
  expect(patched.client_metadata).toEqual({ managed_by: 'sso-setup', version: '2' });

  await client.clients.delete(created.client_id!);
  await client.clients.delete(created.client_id!); // idempotent, as in Auth0
  await expect(client.clients.get(created.client_id!)).rejects.toBeInstanceOf(Management.NotFoundError);
  for (const id of extra) await client.clients.delete(id);
});

test('lists, rotates and revokes signing keys', async () => {
  const client = sdk();
  const before = await client.keys.signing.list();
  const current = before.find((k) => k.current);
  const next = before.find((k) => k.next);
  expect(current?.cert).toContain('-----BEGIN CERTIFICATE-----\r\n');
  expect(next).toBeDefined();

  const rotated = await client.keys.signing.rotate();
  expect(rotated.kid).toEqual(expect.any(String));

  const after = await client.keys.signing.list();
  expect(after.find((k) => k.current)?.kid).toBe(next!.kid);
  expect(after.find((k) => k.next)?.kid).toBe(rotated.kid);
  const previous = after.find((k) => k.kid === current!.kid);
  expect(previous).toMatchObject({ previous: true, current: false, revoked: false });

  const one = await client.keys.signing.get(current!.kid);
  expect(one.fingerprint).toBe(current!.fingerprint);

  await client.keys.signing.revoke(current!.kid);
  // The SDK's cached token was signed with the key just revoked: Auth0 rejects it from now on.
  await expect(client.keys.signing.get(current!.kid)).rejects.toBeInstanceOf(Management.UnauthorizedError);
  const revoked = await sdk().keys.signing.get(current!.kid);
  expect(revoked.revoked).toBe(true);
  expect(revoked.revoked_at).toEqual(expect.any(String));
});

test('surfaces 404 and 403 as the typed SDK errors', async () => {
  await expect(sdk().clients.get('no-such-client')).rejects.toMatchObject({
    constructor: Management.NotFoundError,
    statusCode: 404,
    body: { statusCode: 404, error: 'Not Found', message: 'The client does not exist', errorCode: 'inexistent_client' },
  });

  const scopes = emu.management.scopes;
  emu.tenant.setManagementScopes(scopes.filter((s) => s !== 'create:clients'));
  try {
    // A new client fetches a new token, which carries the reduced grant.
    const error = await sdk().clients.create({ name: 'not allowed' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Management.ForbiddenError);
    expect((error as Management.ForbiddenError).body).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message: 'Insufficient scope, expected any of: create:clients',
      errorCode: 'insufficient_scope',
    });
  } finally {
    emu.tenant.setManagementScopes(scopes);
  }
});

test('retries a 429 carrying x-ratelimit-reset transparently', async () => {
  const client = sdk();
  await client.clients.list({ per_page: 1 }); // token fetched before the fault
  const injectedBefore = emu.faults.injected.rateLimited;
  emu.faults.set({ burst429: 1, burst429ResetSeconds: 0.1, paths: ['/api/v2/'] });
  requests.length = 0;
  const page = await client.clients.list({ per_page: 5 });
  expect(page.data.length).toBeGreaterThan(0);
  expect(emu.faults.injected.rateLimited - injectedBefore).toBe(1);
  expect(requests.filter((r) => r.startsWith('GET /api/v2/clients'))).toHaveLength(2);
});

test('gives up with TooManyRequestsError once its retries are spent', async () => {
  const client = sdk();
  await client.clients.list({ per_page: 1 });
  const injectedBefore = emu.faults.injected.rateLimited;
  emu.faults.set({ burst429: 10, burst429ResetSeconds: 0.1, paths: ['/api/v2/'] });
  const error = await client.clients.get(emu.management.clientId).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(Management.TooManyRequestsError);
  expect((error as Management.TooManyRequestsError).body).toEqual({
    statusCode: 429,
    error: 'Too Many Requests',
    message: 'Global limit has been reached',
    errorCode: 'too_many_requests',
  });
  expect(emu.faults.injected.rateLimited - injectedBefore).toBe(3); // the first try and the SDK's 2 retries
});
