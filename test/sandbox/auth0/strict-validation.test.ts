/**
 * The sandbox refuses what Auth0 refuses on the write paths sso-setup uses, authenticates before
 * routing, and never ignores a query parameter. Each rule's source is in docs/sandbox-auth0.md
 * ("Validation" and "Authentication and routing").
 */
import { NOT_EMULATED_HEADER } from '../../../src/sandbox/auth0/management-api.js';
import type { Auth0Emulator } from '../../../src/sandbox/types.js';
import { request, type Api } from '../../helpers/auth0-api.js';
import { useAuth0Emulator } from '../../helpers/sandbox.js';

const started = useAuth0Emulator();
let emu: Auth0Emulator;
let api: Api;
beforeAll(() => {
  ({ emu, api } = started());
});

const payloadError = (message: string) => ({ statusCode: 400, error: 'Bad Request', message, errorCode: 'invalid_body' });

describe('client payloads', () => {
  test('callbacks must be URLs (format callback-url)', async () => {
    const bad = await api('POST', '/clients', { name: 'cb', callbacks: ['https://ok.example/acs', 'not a url'] });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual(payloadError("Payload validation error: 'Object didn't pass validation for format callback-url: not a url' on property callbacks[1]."));
    const good = await api('POST', '/clients', {
      name: 'cb',
      callbacks: ['https://app.example/acs', 'http://localhost:3000/callback', 'https://*.example.com/cb', 'com.example.app://callback', 'https://{organization_name}.example.com/cb'],
    });
    expect(good.status).toBe(201);
    const patched = await api('PATCH', `/clients/${String((good.json as { client_id: string }).client_id)}`, { callbacks: [' https://padded.example/'] });
    expect(patched.status).toBe(400);
  });

  test('initiate_login_uri must be https, without a fragment, not localhost, or empty', async () => {
    for (const uri of ['http://example.com/login', 'https://example.com/login#x', 'https://localhost/login', 'login']) {
      const res = await api('POST', '/clients', { name: 'login uri', initiate_login_uri: uri });
      expect(res.status).toBe(400);
      expect(res.json).toEqual(
        payloadError(`Payload validation error: 'Object didn't pass validation for format absolute-https-uri-with-placeholders-or-empty: ${uri}' on property initiate_login_uri.`),
      );
    }
    for (const uri of ['', 'https://example.com/login?x=1', 'https://{organization_name}.example.com/login']) {
      expect((await api('POST', '/clients', { name: 'login uri', initiate_login_uri: uri })).status).toBe(201);
    }
  });

  test('addons holds only Auth0 addon names', async () => {
    const bad = await api('POST', '/clients', { name: 'addons', addons: { samlp: {}, nosuchaddon: {}, saml: {} } });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual(payloadError("Payload validation error: 'Additional properties not allowed: nosuchaddon,saml' on property addons."));
    expect((await api('POST', '/clients', { name: 'addons', addons: { samlp: {}, wsfed: {}, sso_integration: { name: 'x' } } })).status).toBe(201);
  });

  test('client_metadata key names use the characters Auth0 allows', async () => {
    for (const key of ['bad key!', 'a.b', '$set', 'ключ']) {
      const res = await api('POST', '/clients', { name: 'meta', client_metadata: { [key]: 'v' } });
      expect(res.status).toBe(400);
      expect(res.json).toEqual(payloadError(`Payload validation error: 'Additional properties not allowed: ${key}' on property client_metadata.`));
    }
    const allowed = 'Key_1 :,-+=*?"/\\()<>@\tend';
    expect((await api('POST', '/clients', { name: 'meta', client_metadata: { [allowed]: 'v' } })).status).toBe(201);
  });

  test('a PATCH may not leave client_metadata with more than 10 keys', async () => {
    const nine = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, 'v']));
    const created = await api('POST', '/clients', { name: 'meta', client_metadata: nine });
    expect(created.status).toBe(201);
    const id = String((created.json as { client_id: string }).client_id);

    const over = await api('PATCH', `/clients/${id}`, { client_metadata: { a: '1', b: '2' } });
    expect(over.status).toBe(400);
    expect(over.json).toEqual(payloadError("Payload validation error: 'Too many properties defined (11), maximum 10' on property client_metadata."));
    expect(Object.keys(emu.tenant.getClient(id)!['client_metadata'] as object)).toHaveLength(9);

    // Deleting one (null) while adding two keeps it at 10: accepted.
    const swap = await api('PATCH', `/clients/${id}`, { client_metadata: { k0: null, a: '1', b: '2' } });
    expect(swap.status).toBe(200);
    expect(Object.keys((swap.json as { client_metadata: object }).client_metadata)).toHaveLength(10);
  });
});

describe('authentication before routing', () => {
  test('every /api/v2 path answers 401 without a token, emulated or not', async () => {
    for (const [method, path] of [
      ['GET', '/api/v2'],
      ['GET', '/api/v2/'],
      ['GET', '/api/v2/clients'],
      ['GET', '/api/v2/connections'],
      ['GET', '/api/v2/tenants/settings'],
      ['POST', '/api/v2/resource-servers'],
      ['DELETE', '/api/v2/nothing/here'],
    ] as const) {
      const res = await request(`${emu.baseUrl}${path}`, { method });
      expect([method, path, res.status]).toEqual([method, path, 401]);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.json).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'Missing authentication' });
    }
  });

  test("a route the sandbox does not emulate is Auth0's JSON 404 once authenticated, named in a header", async () => {
    const res = await api('GET', '/tenants/settings');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.text).toBe('{"statusCode":404,"error":"Not Found","message":"Not Found"}');
    expect(res.headers.get(NOT_EMULATED_HEADER)).toBe('GET /api/v2/tenants/settings');
  });
});

describe('GET /clients query parameters: emulated or refused, never ignored', () => {
  let ids: string[];
  beforeAll(async () => {
    ids = [];
    for (const name of ['q1', 'q2', 'q3']) ids.push(String(((await api('POST', '/clients', { name })).json as { client_id: string }).client_id));
  });

  test('client_ids filters', async () => {
    const res = await api('GET', `/clients?client_ids=${ids[0]},${ids[2]}&fields=client_id`);
    expect(res.status).toBe(200);
    expect((res.json as { client_id: string }[]).map((c) => c.client_id)).toEqual([ids[0], ids[2]]);
  });

  test('from/take page with an opaque next checkpoint until the end', async () => {
    const seen: string[] = [];
    let from: string | undefined;
    for (let i = 0; i < 50; i++) {
      const res = await api('GET', `/clients?take=2&fields=client_id${from ? `&from=${encodeURIComponent(from)}` : ''}`);
      expect(res.status).toBe(200);
      const body = res.json as { clients: { client_id: string }[]; next?: string };
      expect(Object.keys(body)[0]).toBe('clients');
      expect(body.clients.length).toBeLessThanOrEqual(2);
      seen.push(...body.clients.map((c) => c.client_id));
      if (!body.next) break;
      from = body.next;
    }
    const all = ((await api('GET', '/clients?fields=client_id&per_page=100')).json as { client_id: string }[]).map((c) => c.client_id);
    expect(seen).toEqual(all);
    expect((await api('GET', '/clients?take=0')).status).toBe(400);
    expect((await api('GET', '/clients?take=101')).status).toBe(400);
  });

  test('q is refused with a 400 that says why', async () => {
    const res = await api('GET', '/clients?q=client_grant.allow_any_organization:true&take=10');
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ statusCode: 400, errorCode: 'invalid_query_string' });
    expect((res.json as { message: string }).message).toMatch(/does not emulate 'q'/);
  });

  test('an unknown parameter, or checkpoint and page paging mixed, is a 400', async () => {
    const unknown = await api('GET', '/clients?name=q1');
    expect(unknown.status).toBe(400);
    expect(unknown.json).toEqual({ statusCode: 400, error: 'Bad Request', message: "Query validation error: 'Additional properties not allowed: name'.", errorCode: 'invalid_query_string' });
    expect((await api('GET', '/clients?take=2&page=1')).status).toBe(400);
  });

  test('external_client_id filters (no sandbox client has one)', async () => {
    const res = await api('GET', '/clients?external_client_id=https://app.example/cimd.json');
    expect(res.status).toBe(200);
    expect(res.json).toEqual([]);
  });
});
