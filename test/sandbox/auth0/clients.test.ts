/**
 * The client object's rules as pure functions: create defaults per app type (NOTES §2.3), PATCH
 * merge semantics with the recorded examples of NOTES §4, payload validation, projection and paging.
 */
import { validateClientPayload } from '../../../src/sandbox/auth0/client-schema.js';
import {
  applyClientPatch,
  buildClientRecord,
  clientFieldVisibility,
  pageClients,
  parseClientListQuery,
  presentClient,
  type JsonObject,
} from '../../../src/sandbox/auth0/clients.js';

const IDS = { clientId: 'c'.repeat(32), clientSecret: 's'.repeat(64) };
const KEY = { cert: 'CERT', pkcs7: 'P7', subject: 'deprecated' };
const build = (body: JsonObject): JsonObject => buildClientRecord(body, IDS, 'sandbox');

describe('create defaults', () => {
  test('spa and native get three grants; no app type, regular_web, non_interactive and sso_integration get four', () => {
    for (const app_type of ['spa', 'native']) expect(build({ name: 'a', app_type })['grant_types']).toEqual(['authorization_code', 'implicit', 'refresh_token']);
    for (const app_type of [undefined, 'regular_web', 'non_interactive', 'sso_integration']) {
      expect(build(app_type ? { name: 'a', app_type } : { name: 'a' })['grant_types']).toEqual(['authorization_code', 'implicit', 'refresh_token', 'client_credentials']);
    }
  });

  test('resource_server and express_configuration get their recorded defaults; express has no secret', () => {
    expect(build({ name: 'a', app_type: 'resource_server' })).toMatchObject({ grant_types: [], oidc_conformant: true, jwt_configuration: { secret_encoded: false, alg: 'RS256' } });
    const express = build({ name: 'a', app_type: 'express_configuration' });
    expect(express).toMatchObject({
      grant_types: ['authorization_code', 'client_credentials'],
      callbacks: ['https://system-admin.okta.com/admin/app/generic/oauth20redirect'],
      organization_usage: 'require',
      organization_require_behavior: 'pre_login_prompt',
      client_authentication_methods: { private_key_jwt: { credentials: [] } },
    });
    expect(express).not.toHaveProperty('client_secret');
  });

  test('client_secret_post apps get the longer refresh-token lifetimes; the method is never defaulted', () => {
    expect(build({ name: 'a', token_endpoint_auth_method: 'client_secret_post' })['refresh_token']).toMatchObject({ token_lifetime: 31557600, idle_token_lifetime: 2592000 });
    const plain = build({ name: 'a' });
    expect(plain['refresh_token']).toMatchObject({ token_lifetime: 2592000, idle_token_lifetime: 1296000 });
    expect(plain).not.toHaveProperty('token_endpoint_auth_method');
  });

  test('explicit values are echoed; jwt_configuration gains secret_encoded; third-party apps default to RS256', () => {
    const explicit = build({ name: 'a', grant_types: ['client_credentials'], oidc_conformant: true, jwt_configuration: { alg: 'RS256' } });
    expect(explicit).toMatchObject({ grant_types: ['client_credentials'], oidc_conformant: true });
    expect(explicit['jwt_configuration']).toEqual({ secret_encoded: false, alg: 'RS256' });
    expect(build({ name: 'a', is_first_party: false })['jwt_configuration']).toEqual({ secret_encoded: false, alg: 'RS256', lifetime_in_seconds: 3600 });
  });

  test('addons are stored verbatim, unknown keys, array mappings and {} included', () => {
    const samlp = { audience: 'x', mappings: { email: ['User.Email', 'User.AltEmail'] }, signature_algorithm: 'snake', anything: { nested: [1] } };
    expect(build({ name: 'a', addons: { samlp, box: {} } })['addons']).toEqual({ samlp, box: {} });
  });
});

describe('PATCH merge (NOTES §4)', () => {
  const base = (): JsonObject =>
    build({
      name: 'a',
      callbacks: ['https://1'],
      jwt_configuration: { lifetime_in_seconds: 300, secret_encoded: true },
      mobile: { android: { app_package_name: 'com.x' }, ios: { team_id: 'T' } },
      native_social_login: { apple: { enabled: true }, google: { enabled: true }, facebook: { enabled: true } },
      client_metadata: { bar: 'baz', foo: 'zoo' },
      addons: { samlp: { audience: 'a', logout: { callback: 'https://slo' } }, rms: { url: 'https://rms' } },
    });

  test('objects merge one level: jwt alg keeps lifetime; mobile without ios keeps ios; facebook keeps apple and google', () => {
    const next = applyClientPatch(base(), {
      jwt_configuration: { alg: 'RS256' },
      mobile: { android: { app_package_name: 'com.y' } },
      native_social_login: { facebook: { enabled: false } },
    });
    expect(next['jwt_configuration']).toEqual({ lifetime_in_seconds: 300, secret_encoded: true, alg: 'RS256' });
    expect(next['mobile']).toEqual({ android: { app_package_name: 'com.y' }, ios: { team_id: 'T' } });
    expect(next['native_social_login']).toEqual({ apple: { enabled: true }, google: { enabled: true }, facebook: { enabled: false } });
  });

  test('client_metadata: keys merge and null deletes ({bar:null} alone gives {})', () => {
    expect(applyClientPatch(base(), { client_metadata: { bar: null, foo: 'x', newBar: 'y' } })['client_metadata']).toEqual({ foo: 'x', newBar: 'y' });
    const onlyBar = applyClientPatch(build({ name: 'a', client_metadata: { bar: 'baz' } }), { client_metadata: { bar: null } });
    expect(onlyBar['client_metadata']).toEqual({});
  });

  test('addons merge by name with each addon replaced whole; null and {} clear them all', () => {
    const replaced = applyClientPatch(base(), { addons: { samlp: { audience: 'b' } } });
    expect(replaced['addons']).toEqual({ samlp: { audience: 'b' }, rms: { url: 'https://rms' } }); // logout dropped, rms kept
    expect(applyClientPatch(base(), { addons: { samlp: {} } })['addons']).toEqual({ samlp: {}, rms: { url: 'https://rms' } });
    expect(applyClientPatch(base(), { addons: {} })['addons']).toEqual({});
    expect(applyClientPatch(base(), { addons: null })).not.toHaveProperty('addons');
  });

  test('arrays are replaced ([] accepted), strings may be "", untouched fields stay, positions are kept', () => {
    const before = base();
    const next = applyClientPatch(before, { callbacks: [], description: '' });
    expect(next['callbacks']).toEqual([]);
    expect(next['description']).toBe('');
    expect(next['name']).toBe('a');
    expect(Object.keys(next).indexOf('callbacks')).toBe(Object.keys(before).indexOf('callbacks'));
    expect(Object.keys(next).at(-1)).toBe('description'); // a new field is appended
    expect(before['callbacks']).toEqual(['https://1']); // the input is not mutated
  });

  test('cross_origin_auth and cross_origin_authentication are one setting', () => {
    const next = applyClientPatch(base(), { cross_origin_auth: true });
    expect(next).toMatchObject({ cross_origin_auth: true, cross_origin_authentication: true });
  });

  test('a __proto__ key is stored as data and pollutes nothing', () => {
    const patch = JSON.parse('{"client_metadata":{"__proto__":"x"},"addons":{"__proto__":{"polluted":true}}}') as JsonObject;
    const next = applyClientPatch(base(), patch);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(next['addons'])).toBe(Object.prototype);
    expect(JSON.stringify(next['client_metadata'])).toContain('"__proto__":"x"');
  });
});

describe('payload validation', () => {
  test.each([
    [{ callbacks: 'x' }, 'update', "Payload validation error: 'Expected type array but found type string' on property callbacks."],
    [{ callbacks: ['ok', 3] }, 'update', "Payload validation error: 'Expected type string but found type integer' on property callbacks[1]."],
    [{ app_type: 'mainframe' }, 'update', 'Payload validation error: \'No enum match for: "mainframe"\' on property app_type.'],
    [{ description: 'd'.repeat(141) }, 'update', "Payload validation error: 'String is too long (141 chars), maximum 140' on property description."],
    [{ name: '' }, 'create', "Payload validation error: 'String is too short (0 chars), minimum 1' on property name."],
    [{ name: 'a', resource_server_identifier: 'x', tenant: 't' }, 'create', "Payload validation error: 'Additional properties not allowed: tenant'."],
    [{ resource_server_identifier: 'x' }, 'update', "Payload validation error: 'Additional properties not allowed: resource_server_identifier'."],
    [{ client_metadata: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v'])) }, 'update', "Payload validation error: 'Too many properties defined (11), maximum 10' on property client_metadata."],
    [{ default_organization: { flows: ['client_credentials'] } }, 'update', "Payload validation error: 'Missing required property: organization_id' on property default_organization."],
    [{ addons: { samlp: null } }, 'update', "Payload validation error: 'Expected type object but found type null' on property addons.samlp."],
    [[], 'create', "Payload validation error: 'Expected type object but found type array'."],
  ] as const)('%j (%s)', (body, mode, message) => {
    expect(validateClientPayload(body, mode)?.body).toEqual({ statusCode: 400, error: 'Bad Request', message, errorCode: 'invalid_body' });
  });

  test('accepts what the recorded traffic sent, nulls on PATCH included', () => {
    expect(validateClientPayload({ name: 'a', cross_origin_auth: false, sso: false, addons: { samlp: {} } }, 'create')).toBeUndefined();
    expect(validateClientPayload({ addons: null, client_metadata: { gone: null }, token_endpoint_auth_method: null }, 'update')).toBeUndefined();
  });
});

describe('presentation and lists', () => {
  const records = [
    { ...build({ name: 'global' }), global: true, client_id: 'g' },
    { ...build({ name: 'm2m', app_type: 'non_interactive' }), client_id: 'm' },
    { ...build({ name: 'spa', app_type: 'spa', is_first_party: false }), client_id: 's' },
  ];

  test('fields projection keeps tenant; exclusion removes the listed fields; scopes hide key fields', () => {
    expect(presentClient(records[1]!, KEY, () => true, { fields: ['client_id'], includeFields: true })).toEqual({ tenant: 'sandbox', client_id: 'm' });
    const excluded = presentClient(records[1]!, KEY, () => true, { fields: ['name', 'tenant'], includeFields: false });
    expect(excluded).not.toHaveProperty('name');
    expect(excluded).toHaveProperty('client_id');
    expect(presentClient(records[1]!, KEY)['signing_keys']).toEqual([KEY]);
    const readClients = presentClient(records[1]!, KEY, clientFieldVisibility(['read:clients']));
    expect(readClients).not.toHaveProperty('client_secret');
    expect(readClients).not.toHaveProperty('signing_keys');
    expect(readClients).toHaveProperty('grant_types');
    expect(Object.keys(presentClient(records[1]!, KEY, clientFieldVisibility(['read:client_summary'])))).toEqual(['name', 'client_id', 'app_type']);
  });

  test('paging puts the global client last, filters count into total, start = page * per_page', () => {
    const query = (q: string): ReturnType<typeof pageClients> => {
      const parsed = parseClientListQuery(new URLSearchParams(q));
      if ('status' in parsed) throw new Error('unexpected error');
      return pageClients(records, parsed);
    };
    expect(query('').records.map((r) => r['client_id'])).toEqual(['m', 's', 'g']);
    expect(query('page=1&per_page=2')).toMatchObject({ total: 3, start: 2, limit: 2 });
    expect(query('app_type=spa,non_interactive').total).toBe(2);
    expect(query('is_first_party=false').records.map((r) => r['client_id'])).toEqual(['s']);
    expect(query('is_global=true').records.map((r) => r['client_id'])).toEqual(['g']);
    for (const bad of ['per_page=101', 'per_page=0', 'page=-1', 'page=x', 'include_totals=yes']) {
      const parsed = parseClientListQuery(new URLSearchParams(bad));
      expect('status' in parsed && parsed.status).toBe(400);
    }
  });
});
