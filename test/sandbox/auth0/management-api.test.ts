/**
 * The emulated token endpoint and Management API over real HTTP: credentials and tokens, the
 * client object and its PATCH rules, error shapes, the payload limit, rate limits and faults.
 * Expected values come from NOTES.md (recorded traffic) and the Auth0 reference, not from the code.
 */
import { startAuth0Emulator } from '../../../src/sandbox/auth0/index.js';
import { RATE_LIMIT_PRESETS, type Auth0Emulator } from '../../../src/sandbox/types.js';
import { managementApi, managementToken, request, tokenRequestBody, type Api, type ApiResponse } from '../../helpers/auth0-api.js';

let emu: Auth0Emulator;
let api: Api;
/** Added to the real clock: tests move the emulator's time forward to expire tokens. */
let clockOffsetMs = 0;

beforeAll(async () => {
  emu = await startAuth0Emulator({ now: () => new Date(Date.now() + clockOffsetMs) });
  api = managementApi(emu, await managementToken(emu));
});
afterAll(async () => {
  await emu.close();
});
afterEach(() => {
  emu.faults.clear();
  clockOffsetMs = 0;
});

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

function tokenPost(body: string | URLSearchParams, headers: Record<string, string> = FORM): Promise<ApiResponse> {
  return request(`${emu.baseUrl}/oauth/token`, { method: 'POST', headers, body });
}

function jwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

async function createClient(body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await api('POST', '/clients', body);
  expect(res.status).toBe(201);
  return res.json as Record<string, unknown>;
}

describe('POST /oauth/token', () => {
  test('client credentials (form body) give a Bearer JWT for the Management API', async () => {
    const res = await tokenPost(tokenRequestBody(emu));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = res.json as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(body).toMatchObject({ expires_in: 86400, token_type: 'Bearer', scope: emu.management.scopes.join(' ') });
    const claims = jwtPayload(body['access_token'] as string);
    expect(claims).toMatchObject({
      iss: `https://${emu.domain}/`,
      sub: `${emu.management.clientId}@clients`,
      aud: `https://${emu.domain}/api/v2/`,
      gty: 'client-credentials',
      scope: emu.management.scopes.join(' '),
    });
    expect((claims['exp'] as number) - (claims['iat'] as number)).toBe(86400);
  });

  test('accepts a JSON body and HTTP Basic client authentication', async () => {
    const json = await tokenPost(JSON.stringify(Object.fromEntries(tokenRequestBody(emu))), { 'content-type': 'application/json' });
    expect(json.status).toBe(200);
    const basic = await tokenPost(new URLSearchParams({ grant_type: 'client_credentials', audience: `https://${emu.domain}/api/v2/` }), {
      ...FORM,
      authorization: `Basic ${Buffer.from(`${emu.management.clientId}:${emu.management.clientSecret}`).toString('base64')}`,
    });
    expect(basic.status).toBe(200);
  });

  test('a wrong secret or an unknown client is 401 access_denied, the same answer for both', async () => {
    for (const overrides of [{ client_secret: 'wrong' }, { client_id: 'unknown-client' }] as Record<string, string>[]) {
      const res = await tokenPost(tokenRequestBody(emu, overrides));
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(res.json).toEqual({ error: 'access_denied', error_description: 'Unauthorized' });
    }
  });

  test('an audience the tenant does not serve, or a client without a grant, is 403 access_denied', async () => {
    const http = await tokenPost(tokenRequestBody(emu, { audience: `http://${emu.domain}/api/v2/` }));
    expect(http.status).toBe(403);
    expect(http.json).toEqual({ error: 'access_denied', error_description: `Service not enabled within domain: http://${emu.domain}/api/v2/` });

    const other = emu.tenant.listClients().find((c) => c['name'] === 'Default App')!;
    const noGrant = await tokenPost(tokenRequestBody(emu, { client_id: String(other['client_id']), client_secret: String(other['client_secret']) }));
    expect(noGrant.status).toBe(403);
    expect((noGrant.json as { error: string }).error).toBe('access_denied');

    const missing = await tokenPost(new URLSearchParams({ client_id: emu.management.clientId }));
    expect(missing.status).toBe(400);
    expect(missing.json).toEqual({ error: 'invalid_request', error_description: 'Missing required parameter: grant_type' });
  });
});

describe('Management API authentication', () => {
  test('no token, a tampered token and an expired token get 401 with Auth0 texts', async () => {
    const none = await request(`${emu.baseUrl}/api/v2/clients`);
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(none.json).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'Missing authentication' });

    const token = await managementToken(emu);
    const [h, p, s] = token.split('.') as [string, string, string];
    const forgedClaims = Buffer.from(JSON.stringify({ ...jwtPayload(token), scope: 'read:clients delete:users' })).toString('base64url');
    for (const forged of [`${h}.${forgedClaims}.${s}`, `${h}.${p}.${s.slice(0, -4)}AAAA`]) {
      const res = await managementApi(emu, forged)('GET', '/clients');
      expect(res.status).toBe(401);
      expect(res.json).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Invalid signature received for JSON Web Token validation',
        attributes: { error: 'Invalid signature received for JSON Web Token validation' },
      });
    }

    expect((await managementApi(emu, token)('GET', '/clients')).status).toBe(200);
    clockOffsetMs = 86_401_000;
    const expired = await managementApi(emu, token)('GET', '/clients');
    expect(expired.status).toBe(401);
    expect((expired.json as { message: string }).message).toBe('Expired token received for JSON Web Token validation');
    expect(expired.headers.get('www-authenticate')).toBe('Bearer error="Expired token received for JSON Web Token validation"');
  });

  test('revokeAllTokens invalidates issued tokens; new ones work', async () => {
    const token = await managementToken(emu);
    emu.tenant.revokeAllTokens();
    expect((await managementApi(emu, token)('GET', '/clients')).status).toBe(401);
    api = managementApi(emu, await managementToken(emu));
    expect((await api('GET', '/clients')).status).toBe(200);
  });

  test('a missing scope is 403 insufficient_scope; scopes are fixed when the token is issued', async () => {
    const scopes = emu.management.scopes;
    const before = managementApi(emu, await managementToken(emu));
    emu.tenant.setManagementScopes(scopes.filter((s) => s !== 'create:clients'));
    try {
      const reduced = managementApi(emu, await managementToken(emu));
      const denied = await reduced('POST', '/clients', { name: 'x' });
      expect(denied.status).toBe(403);
      expect(denied.text).toBe('{"statusCode":403,"error":"Forbidden","message":"Insufficient scope, expected any of: create:clients","errorCode":"insufficient_scope"}');
      // The token issued before the change keeps its scopes, as in Auth0.
      const allowed = await before('POST', '/clients', { name: 'made with an older token' });
      expect(allowed.status).toBe(201);
      await before('DELETE', `/clients/${(allowed.json as { client_id: string }).client_id}`);
    } finally {
      emu.tenant.setManagementScopes(scopes);
    }
  });
});

describe('clients', () => {
  test('create fills in exactly the recorded defaults, in raw key order, with unset fields absent', async () => {
    const created = await createClient({ name: 'Minimal', description: 'd', app_type: 'non_interactive' });
    expect(Object.keys(created)).toEqual([
      'tenant', 'global', 'is_token_endpoint_ip_header_trusted', 'name', 'description', 'is_first_party', 'sso_disabled',
      'cross_origin_auth', 'cross_origin_authentication', 'oidc_conformant', 'refresh_token', 'signing_keys', 'client_id',
      'callback_url_template', 'client_secret', 'jwt_configuration', 'app_type', 'grant_types', 'custom_login_page_on',
    ]);
    expect(created).toMatchObject({
      tenant: 'sandbox',
      global: false,
      callback_url_template: false,
      is_first_party: true,
      oidc_conformant: false,
      jwt_configuration: { lifetime_in_seconds: 36000, secret_encoded: false },
      grant_types: ['authorization_code', 'implicit', 'refresh_token', 'client_credentials'],
      refresh_token: { token_lifetime: 2592000, idle_token_lifetime: 1296000, rotation_type: 'non-rotating', expiration_type: 'non-expiring' },
    });
    expect(created['client_id']).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(created['client_secret']).toMatch(/^[A-Za-z0-9_-]{64}$/);
    const [key] = created['signing_keys'] as { cert: string; pkcs7: string; subject: string }[];
    expect(key!.subject).toBe('deprecated');
    expect(key!.cert).toMatch(/^-----BEGIN CERTIFICATE-----\r\n[\s\S]+\r\n-----END CERTIFICATE-----$/);
    expect(key!.pkcs7).toMatch(/^-----BEGIN PKCS7-----\r\n[\s\S]+\r\n-----END PKCS7-----\r\n$/);
    for (const unset of ['callbacks', 'addons', 'client_metadata', 'token_endpoint_auth_method', 'allowed_origins', 'web_origins']) {
      expect(created).not.toHaveProperty(unset);
    }
  });

  test('GET returns the stored client; `fields` projects and always keeps tenant', async () => {
    const created = await createClient({ name: 'Projected', callbacks: ['https://a.example/cb'] });
    const id = created['client_id'] as string;
    const full = await api('GET', `/clients/${id}`);
    expect(full.status).toBe(200);
    const { client_secret: _secret, signing_keys: _keys, ...visible } = created;
    expect(full.json).toEqual(visible); // the CLI's grant has no read:client_keys: secret and keys are hidden
    const projected = await api('GET', `/clients/${id}?fields=client_id,callbacks&include_fields=true`);
    expect(projected.json).toEqual({ tenant: 'sandbox', callbacks: ['https://a.example/cb'], client_id: id });
    const excluded = await api('GET', `/clients/${id}?fields=callbacks,refresh_token&include_fields=false`);
    expect(excluded.json).not.toHaveProperty('callbacks');
    expect(excluded.json).toHaveProperty('name', 'Projected');
  });

  test('read:client_keys reveals client_secret and signing_keys', async () => {
    const scopes = emu.management.scopes;
    emu.tenant.setManagementScopes([...scopes, 'read:client_keys']);
    try {
      const keys = managementApi(emu, await managementToken(emu));
      const got = (await keys('GET', `/clients/${emu.management.clientId}`)).json as Record<string, unknown>;
      expect(got['client_secret']).toBe(emu.management.clientSecret);
      expect(got['signing_keys']).toHaveLength(1);
    } finally {
      emu.tenant.setManagementScopes(scopes);
    }
  });

  test('PATCH replaces each addon whole, merges other objects one level, deletes null metadata keys, replaces arrays', async () => {
    const created = await createClient({
      name: 'Patched',
      callbacks: ['https://a.example/1', 'https://a.example/2'],
      client_metadata: { bar: 'baz', foo: 'zoo' },
      addons: { samlp: { audience: 'a', mappings: { email: 'e' }, logout: { callback: 'https://sp/slo' } }, rms: { url: 'https://rms' } },
      jwt_configuration: { lifetime_in_seconds: 300 },
    });
    const id = created['client_id'] as string;
    const res = await api('PATCH', `/clients/${id}`, {
      addons: { samlp: { audience: 'b' } },
      client_metadata: { bar: null, foo: 'newZooButOldFoo', newBar: 'newBaz' },
      jwt_configuration: { alg: 'RS256' },
      callbacks: ['https://a.example/3'],
    });
    expect(res.status).toBe(200);
    const patched = res.json as Record<string, unknown>;
    expect(patched['addons']).toEqual({ samlp: { audience: 'b' }, rms: { url: 'https://rms' } });
    expect(patched['client_metadata']).toEqual({ foo: 'newZooButOldFoo', newBar: 'newBaz' });
    expect(patched['jwt_configuration']).toEqual({ secret_encoded: false, lifetime_in_seconds: 300, alg: 'RS256' });
    expect(patched['callbacks']).toEqual(['https://a.example/3']);
    expect(Object.keys(patched).indexOf('callbacks')).toBe(Object.keys(created).indexOf('callbacks')); // stays in place

    const emptied = (await api('PATCH', `/clients/${id}`, { addons: {} })).json as Record<string, unknown>;
    expect(emptied['addons']).toEqual({});
    await api('PATCH', `/clients/${id}`, { addons: { samlp: {} } });
    const cleared = (await api('PATCH', `/clients/${id}`, { addons: null })).json as Record<string, unknown>;
    expect(cleared).not.toHaveProperty('addons');
    expect((await api('GET', `/clients/${id}`)).json).not.toHaveProperty('addons');
  });

  test('clearly wrong payloads are 400 invalid_body "Payload validation error: ..."', async () => {
    const { client_id: id } = await createClient({ name: 'Validated' });
    const cases: [unknown, string][] = [
      [{ callbacks: 'x' }, "Payload validation error: 'Expected type array but found type string' on property callbacks."],
      [{ client_metadata: 'x' }, "Payload validation error: 'Expected type object but found type string' on property client_metadata."],
      [{ client_metadata: { n: 1 } }, "Payload validation error: 'Expected type string but found type integer' on property client_metadata.n."],
      [{ name: 'a<b' }, "Payload validation error: 'String does not match pattern ^[^<>]+$: a<b' on property name."],
      [{ client_id: 'mine' }, "Payload validation error: 'Additional properties not allowed: client_id'."],
      [{ addons: { samlp: 'on' } }, "Payload validation error: 'Expected type object but found type string' on property addons.samlp."],
    ];
    for (const [body, message] of cases) {
      const res = await api('PATCH', `/clients/${String(id)}`, body);
      expect(res.status).toBe(400);
      expect(res.json).toEqual({ statusCode: 400, error: 'Bad Request', message, errorCode: 'invalid_body' });
    }
    const noName = await api('POST', '/clients', { description: 'nameless' });
    expect((noName.json as { message: string }).message).toBe("Payload validation error: 'Missing required property: name'.");
    const notJson = await api('POST', '/clients', '{"name":', { 'content-type': 'application/json' });
    expect(notJson.json).toEqual({ statusCode: 400, error: 'Bad Request', message: 'Invalid request payload JSON format' });
  });

  test('DELETE is 204 with an empty body, again 204; then GET is 404 inexistent_client', async () => {
    const { client_id: id } = await createClient({ name: 'Deleted' });
    for (let i = 0; i < 2; i++) {
      const res = await api('DELETE', `/clients/${String(id)}`);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    }
    const gone = await api('GET', `/clients/${String(id)}`);
    expect(gone.status).toBe(404);
    expect(gone.text).toBe('{"statusCode":404,"error":"Not Found","message":"The client does not exist","errorCode":"inexistent_client"}');
    expect((await api('PATCH', `/clients/${String(id)}`, { name: 'x' })).status).toBe(404);
  });

  test('rotate-secret needs update:client_keys and returns the client with a new secret', async () => {
    const { client_id: id, client_secret: oldSecret } = await createClient({ name: 'Rotated' });
    expect((await api('POST', `/clients/${String(id)}/rotate-secret`)).status).toBe(403);
    const scopes = emu.management.scopes;
    emu.tenant.setManagementScopes([...scopes, 'update:client_keys']);
    try {
      const keys = managementApi(emu, await managementToken(emu));
      const res = await keys('POST', `/clients/${String(id)}/rotate-secret`);
      expect(res.status).toBe(200);
      const secret = (res.json as { client_secret: string }).client_secret;
      expect(secret).toHaveLength(64);
      expect(secret).not.toBe(oldSecret);
    } finally {
      emu.tenant.setManagementScopes(scopes);
    }
  });

  test('list: bare array by default, {total,start,limit,clients} with include_totals, paging and filters', async () => {
    const bare = await api('GET', '/clients');
    expect(Array.isArray(bare.json)).toBe(true);
    const all = (await api('GET', '/clients?include_totals=true')).json as { total: number; start: number; limit: number; clients: Record<string, unknown>[] };
    expect(Object.keys(all)).toEqual(['total', 'start', 'limit', 'clients']);
    expect(all).toMatchObject({ start: 0, limit: 50 });
    expect(all.clients.at(-1)).toMatchObject({ global: true, name: 'All Applications' });

    const page1 = (await api('GET', '/clients?include_totals=true&page=1&per_page=2')).json as typeof all;
    expect(page1).toMatchObject({ total: all.total, start: 2, limit: 2 });
    expect(page1.clients.map((c) => c['client_id'])).toEqual(all.clients.slice(2, 4).map((c) => c['client_id']));
    const past = (await api('GET', '/clients?include_totals=true&page=99&per_page=50')).json as typeof all;
    expect(past.clients).toEqual([]);

    const global = (await api('GET', '/clients?fields=client_id&include_fields=true&include_totals=true&is_global=true')).json as typeof all;
    expect(global).toMatchObject({ total: 1, clients: [{ tenant: 'sandbox', client_id: all.clients.at(-1)!['client_id'] }] });
    const m2m = (await api('GET', '/clients?include_totals=true&app_type=non_interactive')).json as typeof all;
    expect(m2m.clients.every((c) => c['app_type'] === 'non_interactive')).toBe(true);
    expect(m2m.total).toBe(m2m.clients.length);

    const tooMany = await api('GET', '/clients?per_page=101');
    expect(tooMany.status).toBe(400);
    expect((tooMany.json as { errorCode: string }).errorCode).toBe('invalid_query_string');
  });
});

describe('errors and limits', () => {
  test('an unknown /api/v2 route is a 404 in the Management API shape', async () => {
    const res = await api('GET', '/users');
    expect(res.status).toBe(404);
    expect(Object.keys(res.json as object)).toEqual(['statusCode', 'error', 'message']);
    expect(res.json).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });

  test('a body over 1 MB is 413 in that shape', async () => {
    const res = await api('POST', '/clients', { name: 'big', description: 'x'.repeat(1024 * 1024) });
    expect(res.status).toBe(413);
    expect(res.json).toEqual({ statusCode: 413, error: 'Payload Too Large', message: 'Payload content length greater than maximum allowed: 1048576' });
  });

  test('free-tier limits: 429 with the real body and x-ratelimit headers, then recovery after reset', async () => {
    emu.tenant.setRateLimit(RATE_LIMIT_PRESETS.free);
    try {
      const first = await api('GET', '/clients?per_page=1');
      expect(first.headers.get('x-ratelimit-limit')).toBe('2');
      expect(first.headers.get('x-ratelimit-remaining')).toBe('1');
      await api('GET', '/clients?per_page=1');
      const limited = await api('GET', '/clients?per_page=1');
      expect(limited.status).toBe(429);
      expect(limited.text).toBe('{"statusCode":429,"error":"Too Many Requests","message":"Global limit has been reached","errorCode":"too_many_requests"}');
      expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
      const reset = Number(limited.headers.get('x-ratelimit-reset'));
      expect(reset).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000));
      expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 2);
      // The token endpoint shares the tenant's bucket and answers in the OAuth shape.
      const token = await tokenPost(tokenRequestBody(emu));
      expect(token.status).toBe(429);
      expect((token.json as { error: string }).error).toBe('too_many_requests');

      await new Promise((r) => setTimeout(r, Math.max(0, reset * 1000 - Date.now()) + 20));
      const recovered = await api('GET', '/clients?per_page=1');
      expect(recovered.status).toBe(200);
    } finally {
      emu.tenant.setRateLimit(RATE_LIMIT_PRESETS.generous);
    }
  });

  test('every Management API response carries the rate-limit headers, errors included', async () => {
    for (const res of [await api('GET', '/clients/nope'), await request(`${emu.baseUrl}/api/v2/clients`), await api('GET', '/nowhere')]) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.headers.get('x-ratelimit-limit')).toBe(String(RATE_LIMIT_PRESETS.generous.burst));
      expect(res.headers.get('x-ratelimit-remaining')).toMatch(/^\d+$/);
      expect(res.headers.get('x-ratelimit-reset')).toMatch(/^\d{10}$/);
    }
  });
});

describe('faults', () => {
  test('latency delays the answer', async () => {
    emu.faults.set({ latencyMs: 150 });
    const t0 = Date.now();
    expect((await api('GET', '/clients?per_page=1')).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(145);
  });

  test('a 429 burst looks like a real limit, then requests pass again', async () => {
    emu.faults.set({ burst429: 2, burst429ResetSeconds: 3 });
    for (let i = 0; i < 2; i++) {
      const res = await api('GET', '/clients?per_page=1');
      expect(res.status).toBe(429);
      expect(res.json).toEqual({ statusCode: 429, error: 'Too Many Requests', message: 'Global limit has been reached', errorCode: 'too_many_requests' });
      expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(Number(res.headers.get('x-ratelimit-reset'))).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 2);
    }
    expect((await api('GET', '/clients?per_page=1')).status).toBe(200);
  });

  test('next 5xx answers 503 in the API shape; an error rate of 1 fails everything', async () => {
    emu.faults.set({ next5xx: 1 });
    const failed = await api('GET', '/clients?per_page=1');
    expect(failed.status).toBe(503);
    expect(failed.json).toEqual({ statusCode: 503, error: 'Service Unavailable', message: 'Service Unavailable' });
    expect(failed.headers.get('x-ratelimit-remaining')).toMatch(/^\d+$/);
    expect((await api('GET', '/clients?per_page=1')).status).toBe(200);
    emu.faults.set({ errorRate: 1, paths: ['/oauth/token'] });
    expect((await tokenPost(tokenRequestBody(emu))).status).toBe(503);
    expect((await api('GET', '/clients?per_page=1')).status).toBe(200); // other paths unaffected
  });

  test('a dropped connection gives the client a network error, not an answer', async () => {
    emu.faults.set({ nextDrop: 1 });
    await expect(fetch(`${emu.baseUrl}/api/v2/clients`)).rejects.toThrow();
    expect(emu.faults.injected.drop).toBeGreaterThanOrEqual(1);
    expect((await api('GET', '/clients?per_page=1')).status).toBe(200);
  });
});
