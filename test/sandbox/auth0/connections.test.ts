/**
 * The emulated connections: the shapes real tenants answered with (fixtures/conformance/
 * auth0-connections-recorded.json), which applications a connection serves and how that changes,
 * the tenant flag that decides what a new application gets, the scopes, paging and validation,
 * Auth0's official SDK on those endpoints, and the login page an application's connections make.
 */
import { readFileSync } from 'node:fs';
import { ManagementClient } from 'auth0';
import { startAuth0Emulator } from '../../../src/sandbox/auth0/index.js';
import type { Auth0Emulator } from '../../../src/sandbox/types.js';
import { managementApi, managementToken, request, type Api } from '../../helpers/auth0-api.js';
import { useAuth0Emulator } from '../../helpers/sandbox.js';

interface Recorded {
  source: { path: string; interaction_id: number };
  request: { method: string; path: string; query: Record<string, string>; body: unknown };
  response: { status: number; content_type: string; body: string };
}

const RECORDED = JSON.parse(readFileSync(new URL('../../../fixtures/conformance/auth0-connections-recorded.json', import.meta.url), 'utf8')) as Recorded[];

function recorded(method: string, pathPattern: RegExp, where: (r: Recorded) => boolean = () => true): Recorded {
  const found = RECORDED.find((r) => r.request.method === method && pathPattern.test(r.request.path) && where(r));
  if (!found) throw new Error(`no recorded ${method} ${String(pathPattern)}`);
  return found;
}

/** Keys of every object, recursively, in order: the shape without the values. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length ? [shape(value[0])] : [];
  if (typeof value === 'object' && value !== null) return Object.entries(value).map(([k, v]) => [k, shape(v)]);
  return typeof value;
}

const SAML_APP = { name: 'Amplitude SSO', app_type: 'regular_web', callbacks: ['https://amplitude.example/acs'], addons: { samlp: {} } };

const started = useAuth0Emulator();
let emu: Auth0Emulator;
let api: Api;
beforeAll(() => {
  ({ emu, api } = started());
});

async function createApp(body: Record<string, unknown> = SAML_APP): Promise<string> {
  const res = await api('POST', '/clients', body);
  expect(res.status).toBe(201);
  return (res.json as { client_id: string }).client_id;
}

function databaseId(): string {
  return String(emu.tenant.listConnections().find((c) => c.name === 'Username-Password-Authentication')!.id);
}

describe('the shapes real tenants answered with', () => {
  test('PATCH /connections/{id}/clients: [{client_id, status}] → 204, empty body, JSON content type', async () => {
    const rec = recorded('PATCH', /\/clients$/);
    const id = await createApp();
    const res = await api('PATCH', `/connections/${databaseId()}/clients`, [{ client_id: id, status: false }]);
    expect([res.status, res.headers.get('content-type'), res.text]).toEqual([rec.response.status, rec.response.content_type, rec.response.body]);
  });

  test('GET /connections/{id}/clients: {"clients":[{"client_id"}]}, and {"clients":[]}', async () => {
    const one = recorded('GET', /^\/api\/v2\/connections\/[^/]+\/clients$/, (r) => r.response.body.includes('client_id'));
    const none = recorded('GET', /^\/api\/v2\/connections\/[^/]+\/clients$/, (r) => r.response.body === '{"clients":[]}');
    const conn = emu.tenant.createConnection('recorded-shapes', 'auth0');
    const empty = await api('GET', `/connections/${String(conn.id)}/clients`);
    expect(empty.text).toBe(none.response.body);
    const id = await createApp();
    expect((await api('PATCH', `/connections/${String(conn.id)}/clients`, [{ client_id: id, status: true }])).status).toBe(204);
    const res = await api('GET', `/connections/${String(conn.id)}/clients`);
    expect([res.status, res.headers.get('content-type')]).toEqual([one.response.status, one.response.content_type]);
    expect(shape(res.json)).toEqual(shape(JSON.parse(one.response.body)));
    expect(res.json).toEqual({ clients: [{ client_id: id }] });
  });

  test('GET /clients/{id}/connections?take=50: {"connections":[]} for an application on none, then the connection', async () => {
    const none = recorded('GET', /^\/api\/v2\/clients\/[^/]+\/connections$/, (r) => r.response.body === '{"connections":[]}');
    const one = recorded('GET', /^\/api\/v2\/clients\/[^/]+\/connections$/, (r) => r.response.body !== '{"connections":[]}');
    const conn = emu.tenant.createConnection('okta-recorded', 'okta');
    const id = await createApp();
    for (const c of emu.tenant.connectionsOf(id)) emu.tenant.setConnectionEnabled(c, id, false);
    const empty = await api('GET', `/clients/${id}/connections?take=50`);
    expect([empty.status, empty.headers.get('content-type'), empty.text]).toEqual([none.response.status, none.response.content_type, none.response.body]);
    emu.tenant.setConnectionEnabled(String(conn.name), id, true);
    const res = await api('GET', `/clients/${id}/connections?take=50`);
    // The recorded token could read options; the sandbox shows them with read:connections_options only.
    const expected = JSON.parse(one.response.body) as { connections: Record<string, unknown>[] };
    const withoutOptions = { connections: expected.connections.map(({ options: _options, show_as_button: _b, display_name: _d, ...rest }) => rest) };
    expect(shape(res.json)).toEqual(shape(withoutOptions));
    expect(res.json).toEqual({ connections: [{ id: conn.id, strategy: 'okta', name: 'okta-recorded', is_domain_connection: false, realms: ['okta-recorded'] }] });
  });

  test('GET /connections?fields=id&include_fields=true&include_totals=true&per_page=50: a projection keeps is_domain_connection', async () => {
    const rec = recorded('GET', /^\/api\/v2\/connections$/);
    const res = await api('GET', `/connections?${new URLSearchParams(rec.request.query)}`);
    expect([res.status, res.headers.get('content-type')]).toEqual([rec.response.status, rec.response.content_type]);
    expect(shape(res.json)).toEqual(shape(JSON.parse(rec.response.body)));
    const body = res.json as { total: number; start: number; limit: number; connections: unknown[] };
    expect(body).toMatchObject({ total: emu.tenant.listConnections().length, start: 0, limit: 50 });
  });

  test('GET /connections/{id}: the recorded key order, without the deprecated enabled_clients', async () => {
    const rec = recorded('GET', /^\/api\/v2\/connections\/[^/]+$/);
    const api2 = managementApi(emu, await tokenWith([...emu.management.scopes, 'read:connections_options']));
    const res = await api2('GET', `/connections/${databaseId()}`);
    const keys = Object.keys(JSON.parse(rec.response.body) as object);
    expect(keys).toContain('enabled_clients');
    expect(Object.keys(res.json as object)).toEqual(keys.filter((k) => k !== 'enabled_clients'));
    // Same database options as the recorded connection Auth0 created.
    expect(Object.keys((res.json as { options: object }).options).sort()).toEqual(Object.keys((JSON.parse(rec.response.body) as { options: object }).options).sort());
    const missing = await api('GET', '/connections/con_MunKCJ1vUpWISUez');
    expect(missing.json).toEqual({ statusCode: 404, error: 'Not Found', message: 'The connection does not exist', errorCode: 'inexistent_connection' });
  });
});

async function tokenWith(scopes: string[]): Promise<string> {
  const before = emu.management.scopes;
  emu.tenant.setManagementScopes(scopes);
  try {
    return await managementToken(emu);
  } finally {
    emu.tenant.setManagementScopes(before);
  }
}

describe('which applications a connection serves', () => {
  test("new applications get every connection (Auth0's enable_client_connections, on by default); a deleted one is gone from them", async () => {
    const id = await createApp();
    expect(emu.tenant.connectionsOf(id)).toEqual(emu.tenant.listConnections().map((c) => c.name));
    expect((await api('DELETE', `/clients/${id}`)).status).toBe(204);
    const clients = (await api('GET', `/connections/${databaseId()}/clients?take=1000`)).json as { clients: { client_id: string }[] };
    expect(clients.clients.map((c) => c.client_id)).not.toContain(id);
  });

  test('a tenant started with enableClientConnections: false gives new applications none', async () => {
    const bare = await startAuth0Emulator({ enableClientConnections: false });
    try {
      const bareApi = managementApi(bare, await managementToken(bare));
      const res = await bareApi('POST', '/clients', SAML_APP);
      const id = (res.json as { client_id: string }).client_id;
      expect(bare.tenant.connectionsOf(id)).toEqual([]);
      expect((await bareApi('GET', `/clients/${id}/connections`)).json).toEqual({ connections: [] });
      // The tenant still has its database connection ("Default App" is on it).
      expect(bare.tenant.listConnections().map((c) => c.name)).toEqual(['Username-Password-Authentication']);
    } finally {
      await bare.close();
    }
  });

  test('PATCH turns one application on and another off in one request; a client that does not exist changes nothing', async () => {
    const conn = String(emu.tenant.createConnection('patch-both', 'auth0').id);
    const [a, b] = [await createApp(), await createApp()];
    emu.tenant.setConnectionEnabled('patch-both', b, true);
    expect((await api('PATCH', `/connections/${conn}/clients`, [{ client_id: a, status: true }, { client_id: b, status: false }])).status).toBe(204);
    expect(((await api('GET', `/connections/${conn}/clients`)).json as { clients: unknown[] }).clients).toEqual([{ client_id: a }]);
    const unknown = await api('PATCH', `/connections/${conn}/clients`, [{ client_id: b, status: true }, { client_id: 'nope', status: true }]);
    expect(unknown.status).toBe(404);
    expect((unknown.json as { errorCode: string }).errorCode).toBe('inexistent_client');
    expect(emu.tenant.connectionsOf(b)).not.toContain('patch-both');
  });
});

describe('refusals: scopes, payloads and parameters', () => {
  test('reading needs read:connections; the client endpoint also read:clients or read:client_summary; writing update:connections', async () => {
    const id = await createApp();
    const noConnections = managementApi(emu, await tokenWith(emu.management.scopes.filter((s) => !s.endsWith(':connections'))));
    for (const path of ['/connections', `/connections/${databaseId()}`, `/connections/${databaseId()}/clients`, `/clients/${id}/connections`]) {
      const res = await noConnections('GET', path);
      expect([path, res.status, res.json]).toEqual([path, 403, { statusCode: 403, error: 'Forbidden', message: 'Insufficient scope, expected any of: read:connections', errorCode: 'insufficient_scope' }]);
    }
    const readOnly = managementApi(emu, await tokenWith(['read:connections']));
    expect((await readOnly('GET', `/clients/${id}/connections`)).json).toMatchObject({ message: 'Insufficient scope, expected any of: read:clients,read:client_summary' });
    const summary = managementApi(emu, await tokenWith(['read:connections', 'read:client_summary']));
    expect((await summary('GET', `/clients/${id}/connections`)).status).toBe(200);
    const patch = await readOnly('PATCH', `/connections/${databaseId()}/clients`, [{ client_id: id, status: false }]);
    expect([patch.status, (patch.json as { message: string }).message]).toEqual([403, 'Insufficient scope, expected any of: update:connections']);
  });

  test.each([
    ['an object', { client_id: 'x', status: true }, "Payload validation error: 'Expected type array but found type object'."],
    ['an empty list', [], "Payload validation error: 'Array is too short (0), minimum 1'."],
    ['51 items', Array.from({ length: 51 }, () => ({ client_id: 'x', status: true })), "Payload validation error: 'Array is too long (51), maximum 50'."],
    ['a status that is a string', [{ client_id: 'x', status: 'yes' }], "Payload validation error: 'Expected type boolean but found type string' on property [0].status."],
    ['no status', [{ client_id: 'x' }], "Payload validation error: 'Expected type boolean but found type undefined' on property [0].status."],
    ['no client_id', [{ status: true }], "Payload validation error: 'Missing required property: client_id' on property [0]."],
    ['another property', [{ client_id: 'x', status: true, extra: 1 }], "Payload validation error: 'Additional properties not allowed: extra' on property [0]."],
  ])('a PATCH body with %s is a 400', async (_label, body, message) => {
    const res = await api('PATCH', `/connections/${databaseId()}/clients`, body);
    expect(res.json).toEqual({ statusCode: 400, error: 'Bad Request', message, errorCode: 'invalid_body' });
  });

  test('an unknown connection is 404 inexistent_connection; an unknown client 404 inexistent_client', async () => {
    for (const [method, path, body] of [
      ['GET', '/connections/con_0000000000000000/clients', undefined],
      ['PATCH', '/connections/con_0000000000000000/clients', [{ client_id: 'x', status: true }]],
    ] as const) {
      expect(((await api(method, path, body)).json as { errorCode: string }).errorCode).toBe('inexistent_connection');
    }
    expect(((await api('GET', '/clients/nope/connections')).json as { errorCode: string }).errorCode).toBe('inexistent_client');
  });

  test('parameters are emulated or refused, never ignored; options need read:connections_options', async () => {
    expect((await api('GET', '/connections?domain_alias=acme.com')).status).toBe(400);
    expect((await api('GET', '/connections?take=1&per_page=10')).status).toBe(400);
    expect((await api('GET', '/connections?take=101')).status).toBe(400);
    expect((await api('GET', `/connections/${databaseId()}/clients?take=1001`)).status).toBe(400);
    expect((await api('GET', `/clients/x/connections?per_page=5`)).status).toBe(400);
    const plain = (await api('GET', '/connections')).json as Record<string, unknown>[];
    expect(Array.isArray(plain)).toBe(true);
    expect(plain.every((c) => !('options' in c))).toBe(true);
    const byName = (await api('GET', '/connections?name=Username-Password-Authentication&strategy=auth0')).json as { name: string }[];
    expect(byName.map((c) => c.name)).toEqual(['Username-Password-Authentication']);
  });

  test('checkpoint paging: take/from with an opaque next, absent on the last page (the SDK sends include_totals too)', async () => {
    for (const n of [1, 2, 3]) emu.tenant.createConnection(`paged-${n}`, 'auth0');
    const all = emu.tenant.listConnections().map((c) => c.name);
    const seen: string[] = [];
    let from: string | undefined;
    for (let page = 0; page < 20; page++) {
      const res = (await api('GET', `/connections?include_totals=true&take=2${from ? `&from=${from}` : ''}`)).json as { connections: { name: string }[]; next?: string };
      seen.push(...res.connections.map((c) => c.name));
      if (!res.next) break;
      from = res.next;
    }
    expect(seen).toEqual(all);
  });
});

describe("Auth0's official SDK on these endpoints", () => {
  test('lists connections across pages, reads an application’s, and turns it off and on', async () => {
    const origin = `https://${emu.domain}`;
    const sdk = new ManagementClient({
      domain: emu.domain,
      clientId: emu.management.clientId,
      clientSecret: emu.management.clientSecret,
      fetch: (url, init) => fetch(String(url).replace(origin, emu.baseUrl), init),
    });
    const names: string[] = [];
    for await (const c of await sdk.connections.list({ take: 2, fields: 'id,name,strategy', include_fields: true })) names.push(String(c.name));
    expect(names).toEqual(emu.tenant.listConnections().map((c) => c.name));
    const id = await createApp();
    await sdk.connections.clients.update(databaseId(), [{ client_id: id, status: false }]);
    const ofClient: string[] = [];
    for await (const c of await sdk.clients.connections.get(id, { take: 1 })) ofClient.push(String(c.name));
    expect(ofClient).not.toContain('Username-Password-Authentication');
    await sdk.connections.clients.update(databaseId(), [{ client_id: id, status: true }]);
    const clients: string[] = [];
    for await (const c of await sdk.connections.clients.get(databaseId(), { take: 1 })) clients.push(c.client_id);
    expect(clients).toContain(id);
  });
});

describe('the login an application’s connections make', () => {
  async function startLogin(clientId: string): Promise<{ status: number; text: string; cookie?: string; location?: string }> {
    const res = await fetch(`${emu.baseUrl}/samlp/${clientId}`, { redirect: 'manual' });
    return { status: res.status, text: await res.text(), cookie: res.headers.getSetCookie()[0]?.split(';')[0], ...(res.headers.get('location') ? { location: res.headers.get('location')! } : {}) };
  }

  test("an application on no connection gets Auth0's error page: invalid_request, no connections enabled for the client", async () => {
    const id = await createApp();
    for (const c of emu.tenant.connectionsOf(id)) emu.tenant.setConnectionEnabled(c, id, false);
    const res = await startLogin(id);
    expect(res.status).toBe(400);
    expect(res.text).toContain('Oops!, something went wrong');
    expect(res.text).toContain('<span class="error-code">invalid_request</span>');
    expect(res.text).toContain('no connections enabled for the client');
  });

  test('the page offers the password form for a database connection and a "Continue with" form per other one', async () => {
    emu.tenant.createConnection('acme-google', 'google-oauth2');
    const id = await createApp();
    for (const c of emu.tenant.connectionsOf(id)) emu.tenant.setConnectionEnabled(c, id, c === 'acme-google');
    const start = await startLogin(id);
    expect(start.status).toBe(302);
    const page = await request(new URL(start.location!, emu.baseUrl).toString(), { headers: { cookie: start.cookie! } });
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('data-form-primary');
    expect(page.text).toContain('data-form-secondary="true"');
    expect(page.text).toContain('<input type="hidden" name="connection" value="acme-google" />');
    // Posting the sandbox user's password anyway: that connection is not enabled for the application.
    const state = new URL(start.location!, emu.baseUrl).searchParams.get('state')!;
    const post = await request(`${emu.baseUrl}/u/login?state=${encodeURIComponent(state)}`, {
      method: 'POST',
      headers: { cookie: start.cookie!, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ state, username: emu.user.email, password: emu.user.password }).toString(),
    });
    expect(post.status).toBe(400);
    expect(post.text).toContain('the connection was disabled');
  });
});
