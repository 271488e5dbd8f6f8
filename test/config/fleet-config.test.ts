import { resolveConfig, resolveFleet, type ConfigInputs } from '../../src/config/resolve.js';
import type { ConfigDiagnostic } from '../../src/config/types.js';

const ENV = {
  AUTH0_DOMAIN: 'acme.us.auth0.com',
  AUTH0_CLIENT_ID: 'abcdefghijklmnopqrstuvwxyz012345',
  AUTH0_CLIENT_SECRET: 'env-secret-value-0123456789',
};

function file(config: unknown): ConfigInputs['file'] {
  return { path: 'fleet.json', text: JSON.stringify(config) };
}

function fleet(partial: Partial<ConfigInputs>) {
  return resolveFleet({ env: ENV, flags: {}, ...partial });
}

function errorsOf(r: { diagnostics: ConfigDiagnostic[] }) {
  return r.diagnostics.filter((d) => d.severity === 'error');
}

describe('amplitude.orgs: many orgs in one config', () => {
  it('resolves each org as a complete configuration sharing the tenant; each entry wins over the shared defaults', () => {
    const r = fleet({
      file: file({
        amplitude: {
          baseUrl: 'https://analytics.eu.amplitude.com',
          delivery: 'manual',
          orgs: [
            { orgId: '111111' },
            { orgId: '222222', baseUrl: 'https://amplitude.com', ssoEndpoint: 'https://sp.example/orgs/222222', delivery: 'endpoint', name: 'Production' },
            { orgId: '333333', metadataFile: 'out/staging.xml' },
          ],
        },
      }),
      env: { ...ENV, AMPLITUDE_SSO_TOKEN_222222: 'token-of-222222' },
    });
    expect(errorsOf(r)).toEqual([]);
    const orgs = r.fleet!.orgs;
    expect(r.fleet!.form).toBe('list');
    expect(orgs.map((o) => o.sp.id)).toEqual(['111111', '222222', '333333']);
    expect(orgs.every((o) => o.auth0 === orgs[0]!.auth0)).toBe(true);
    expect(orgs[0]!.sp.acsUrl).toBe('https://analytics.eu.amplitude.com/saml/2/acs/111111');
    expect(orgs[0]!.sp.delivery).toEqual({ kind: 'manual', metadataFile: 'amplitude-idp-metadata-111111.xml' });
    expect(orgs[1]!.sp.acsUrl).toBe('https://amplitude.com/saml/2/acs/222222');
    expect(orgs[1]!.sp.delivery).toEqual({ kind: 'endpoint', url: 'https://sp.example/orgs/222222', token: 'token-of-222222' });
    expect(orgs[2]!.sp.delivery).toEqual({ kind: 'manual', metadataFile: 'out/staging.xml' });
    // Each org's own ACS is its SAML callback.
    expect(orgs.map((o) => o.saml.callbacks)).toEqual(orgs.map((o) => [o.sp.acsUrl]));
    expect(orgs.map((o) => o.application.name)).toEqual(['Amplitude SSO (111111)', 'Production', 'Amplitude SSO (333333)']);
  });

  it("an org's own token (AMPLITUDE_SSO_TOKEN_<orgId>) wins over the shared AMPLITUDE_SSO_TOKEN, which the others use", () => {
    const orgs = [
      { orgId: '111111', ssoEndpoint: 'https://sp.example/1' },
      { orgId: '222222', ssoEndpoint: 'https://sp.example/2' },
    ];
    const r = fleet({ file: file({ amplitude: { orgs } }), env: { ...ENV, AMPLITUDE_SSO_TOKEN: 'shared-token', AMPLITUDE_SSO_TOKEN_222222: 'own-token' } });
    expect(r.fleet!.orgs.map((o) => (o.sp.delivery.kind === 'endpoint' ? o.sp.delivery.token : ''))).toEqual(['shared-token', 'own-token']);
    const none = fleet({ file: file({ amplitude: { orgs } }), env: { ...ENV, AMPLITUDE_SSO_TOKEN_222222: 'own-token' } });
    expect(errorsOf(none)).toEqual([expect.objectContaining({ field: 'amplitude.orgs.0.ssoToken' })]);
    expect(errorsOf(none)[0]!.hint).toContain('AMPLITUDE_SSO_TOKEN_111111');
  });

  it('refuses an org listed twice, two orgs saving to one file, and one-org settings given beside the list', () => {
    const twice = fleet({ file: file({ amplitude: { orgs: [{ orgId: '111111' }, { orgId: '111111', metadataFile: 'b.xml' }] } }) });
    expect(errorsOf(twice)).toEqual([expect.objectContaining({ field: 'amplitude.orgs.1.orgId', message: 'org 111111 is listed twice (also amplitude.orgs.0)' })]);
    const oneFile = fleet({ file: file({ amplitude: { orgs: [{ orgId: '111111', metadataFile: 'x.xml' }, { orgId: '222222', metadataFile: 'x.xml' }] } }) });
    expect(errorsOf(oneFile).map((d) => d.field)).toEqual(['amplitude.orgs.1.metadataFile']);
    const beside = fleet({
      file: file({ amplitude: { orgId: '999999', orgs: [{ orgId: '111111' }] } }),
      env: { ...ENV, AMPLITUDE_SSO_ENDPOINT: 'https://sp.example/x' },
      flags: { metadataFile: 'm.xml' },
    });
    expect(errorsOf(beside).map((d) => [d.field, (d as { origin: string }).origin])).toEqual([
      ['amplitude.orgId', 'fleet.json amplitude.orgId'],
      ['amplitude.ssoEndpoint', 'env AMPLITUDE_SSO_ENDPOINT'],
      ['amplitude.metadataFile', '--metadata-file'],
    ]);
  });

  it('checks every entry with the schema: values, unknown keys, secrets, a missing orgId, an empty list', () => {
    const r = fleet({ file: file({ amplitude: { orgs: [{ orgId: '007' }, { orgId: '222222', ssoToken: 'x' }, { orgId: '333333', baseurl: 'https://x' }, { baseUrl: 'https://x' }] } }) });
    const byField = Object.fromEntries(errorsOf(r).map((d) => [(d as { field: string }).field, d as { message: string; hint?: string }]));
    expect(byField['amplitude.orgs.0.orgId']!.message).toContain('is not an Amplitude org ID');
    expect(byField['amplitude.orgs.1.ssoToken']!.message).toBe('secrets are not read from the config file');
    expect(byField['amplitude.orgs.2.baseurl']!.hint).toBe("Did you mean 'baseUrl'?");
    expect(byField['amplitude.orgs.3']!.message).toContain('must be an org');
    expect(r.fleet).toBeUndefined();
    const empty = fleet({ file: file({ amplitude: { orgs: [] } }) });
    expect(errorsOf(empty)[0]!.message).toContain('must be a non-empty list of orgs');
  });

  it('the single form stays a single form (one org, from orgId or AMPLITUDE_ORG_ID); a list of one is a list', () => {
    const single = fleet({ env: { ...ENV, AMPLITUDE_ORG_ID: '123456' } });
    expect(single.fleet).toMatchObject({ form: 'single', orgs: [expect.objectContaining({ application: { name: 'Amplitude SSO' } })] });
    const list = fleet({ file: file({ amplitude: { orgs: [{ orgId: '123456' }] } }) });
    expect(list.fleet!.form).toBe('list');
  });

  it('commands that handle one org take a list of one, and refuse a longer one, pointing at --only', () => {
    expect(resolveConfig({ env: ENV, flags: {}, file: file({ amplitude: { orgs: [{ orgId: '123456' }] } }) }).config!.sp.id).toBe('123456');
    const two = resolveConfig({ env: ENV, flags: {}, file: file({ amplitude: { orgs: [{ orgId: '123456' }, { orgId: '234567' }] } }) });
    expect(two.config).toBeUndefined();
    expect(errorsOf(two)[0]).toMatchObject({ field: 'amplitude.orgs', hint: 'Pick one with --only ORG_ID.' });
  });
});
