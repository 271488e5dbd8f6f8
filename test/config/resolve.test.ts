import { resolveConfig, type ConfigInputs } from '../../src/config/resolve.js';

const ENV = {
  AUTH0_DOMAIN: 'acme.us.auth0.com',
  AUTH0_CLIENT_ID: 'abcdefghijklmnopqrstuvwxyz012345',
  AUTH0_CLIENT_SECRET: 'env-secret-value-0123456789',
  AMPLITUDE_ORG_ID: '123456',
};

function resolve(partial: Partial<ConfigInputs>) {
  return resolveConfig({ env: {}, flags: {}, ...partial });
}

function errorsOf(r: ReturnType<typeof resolve>) {
  return r.diagnostics.filter((d) => d.severity === 'error');
}

describe('resolveConfig', () => {
  it('builds a complete configuration from the environment, with Amplitude-right SAML defaults', () => {
    const r = resolve({ env: ENV });
    expect(errorsOf(r)).toEqual([]);
    const c = r.config!;
    expect(c.auth0).toEqual({
      domain: 'acme.us.auth0.com',
      baseUrl: 'https://acme.us.auth0.com',
      clientId: ENV.AUTH0_CLIENT_ID,
      clientSecret: ENV.AUTH0_CLIENT_SECRET,
      // Named as config errors name them: an error about a value can point at where it was set.
      origins: { domain: 'env AUTH0_DOMAIN', clientId: 'env AUTH0_CLIENT_ID', clientSecret: 'env AUTH0_CLIENT_SECRET' },
      // No custom domain: SAML and login on the tenant's own domain.
      samlDomain: 'acme.us.auth0.com',
      samlBaseUrl: 'https://acme.us.auth0.com',
    });
    expect(c.application).toEqual({ name: 'Amplitude SSO' });
    expect(c.sp.entityId).toBe('https://amplitude.com/saml/2/metadata/123456');
    expect(c.sp.acsUrl).toBe('https://amplitude.com/saml/2/acs/123456');
    expect(c.sp.delivery).toEqual({ kind: 'manual', metadataFile: 'amplitude-idp-metadata-123456.xml' });
    expect(c.saml).toMatchObject({
      callbacks: ['https://amplitude.com/saml/2/acs/123456'],
      audience: 'https://amplitude.com/saml/2/metadata/123456',
      recipient: 'https://amplitude.com/saml/2/acs/123456',
      destination: 'https://amplitude.com/saml/2/acs/123456',
      nameIdentifierFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      signatureAlgorithm: 'rsa-sha256',
      digestAlgorithm: 'sha256',
    });
    expect(c.saml.mappings).toHaveProperty('email');
    expect(c.sources['auth0.domain']).toBe('env');
  });

  it('applies precedence file < env < flag and records where each value came from', () => {
    const file = { path: 'sso-setup.json', text: JSON.stringify({ auth0: { domain: 'file.auth0.com', clientId: 'file-client' }, application: { name: 'From file' } }) };
    const r = resolve({ file, env: { ...ENV, AUTH0_DOMAIN: 'env.auth0.com' }, flags: { auth0Domain: 'flag.auth0.com' } });
    expect(r.config!.auth0.domain).toBe('flag.auth0.com');
    expect(r.config!.auth0.clientId).toBe(ENV.AUTH0_CLIENT_ID); // env beats file
    expect(r.config!.application.name).toBe('From file');
    expect(r.config!.sources).toMatchObject({ 'auth0.domain': 'flag', 'auth0.clientId': 'env', 'application.name': 'file' });
  });

  it('a custom domain (flag > env > file) moves SAML and login there; the API stays on the domain', () => {
    const file = { path: 'sso-setup.json', text: JSON.stringify({ auth0: { customDomain: 'file-login.acme.com' } }) };
    const fromFile = resolve({ file, env: ENV });
    expect(fromFile.config!.auth0).toMatchObject({
      domain: 'acme.us.auth0.com',
      baseUrl: 'https://acme.us.auth0.com',
      customDomain: 'file-login.acme.com',
      samlDomain: 'file-login.acme.com',
      samlBaseUrl: 'https://file-login.acme.com',
    });
    const fromEnv = resolve({ file, env: { ...ENV, AUTH0_CUSTOM_DOMAIN: 'https://Login.Acme.com/' } });
    expect(fromEnv.config!.auth0.samlBaseUrl).toBe('https://login.acme.com');
    expect(fromEnv.config!.sources['auth0.customDomain']).toBe('env');
    const fromFlag = resolve({ file, env: { ...ENV, AUTH0_CUSTOM_DOMAIN: 'env-login.acme.com' }, flags: { auth0CustomDomain: 'flag-login.acme.com' } });
    expect(fromFlag.config!.auth0.samlDomain).toBe('flag-login.acme.com');
    // Loopback (the sandbox): plain http unless SANDBOX_TLS=1, as for the domain.
    const sandbox = resolve({ env: { ...ENV, AUTH0_DOMAIN: '127.0.0.1:4010', AUTH0_CUSTOM_DOMAIN: 'localhost:4010' } });
    expect(sandbox.config!.auth0).toMatchObject({ baseUrl: 'http://127.0.0.1:4010', samlBaseUrl: 'http://localhost:4010' });
    const bad = resolve({ env: { ...ENV, AUTH0_CUSTOM_DOMAIN: 'login acme com' } });
    expect(errorsOf(bad)).toEqual([expect.objectContaining({ field: 'auth0.customDomain', origin: 'env AUTH0_CUSTOM_DOMAIN' })]);
  });

  it('connections: repeated --connection over the file list; each name checked; absent means left alone', () => {
    const file = { path: 'sso-setup.json', text: JSON.stringify({ application: { connections: ['google-oauth2'] } }) };
    expect(resolve({ env: ENV }).config!.application.connections).toBeUndefined();
    const fromFile = resolve({ file, env: ENV });
    expect(fromFile.config!.application.connections).toEqual(['google-oauth2']);
    expect(fromFile.config!.sources['application.connections']).toBe('file');
    const fromFlags = resolve({ file, env: ENV, flags: { connection: ['Username-Password-Authentication', 'acme-saml'] } });
    expect(fromFlags.config!.application.connections).toEqual(['Username-Password-Authentication', 'acme-saml']);
    expect(fromFlags.config!.sources['application.connections']).toBe('flag');
    const badFlag = resolve({ env: ENV, flags: { connection: ['ok', 'not a name'] } });
    expect(errorsOf(badFlag)).toEqual([expect.objectContaining({ field: 'application.connections', origin: '--connection' })]);
    expect(errorsOf(badFlag)[0]!.message).toContain('is not a connection name');
    const twice = resolve({ env: ENV, flags: { connection: ['a', 'a'] } });
    expect(errorsOf(twice)[0]!.message).toContain('each once');
    const empty = resolve({ env: ENV, file: { path: 'sso-setup.json', text: '{"application":{"connections":[]}}' } });
    expect(errorsOf(empty)).toEqual([expect.objectContaining({ field: 'application.connections', origin: 'sso-setup.json application.connections' })]);
  });

  it('names every missing field with how to set it', () => {
    const r = resolve({});
    const fields = errorsOf(r).map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['auth0.domain', 'auth0.clientId', 'auth0.clientSecret', 'amplitude.orgId']));
    expect(errorsOf(r).find((d) => d.field === 'auth0.domain')!.hint).toContain('AUTH0_DOMAIN');
    expect(r.config).toBeUndefined();
  });

  it('says where a bad value came from', () => {
    const r = resolve({ env: { ...ENV, AUTH0_DOMAIN: 'acme auth0 com' } });
    const e = errorsOf(r).find((d) => d.field === 'auth0.domain')!;
    expect(e.origin).toBe('env AUTH0_DOMAIN');
    const f = resolve({ env: ENV, flags: { amplitudeBaseUrl: 'http://eu.amplitude.com' } });
    expect(errorsOf(f)[0]).toMatchObject({ field: 'amplitude.baseUrl', origin: '--amplitude-base-url' });
  });

  it('accepts a pasted https URL as the domain, and plain http only for loopback (the sandbox)', () => {
    expect(resolve({ env: { ...ENV, AUTH0_DOMAIN: 'https://acme.us.auth0.com/' } }).config!.auth0.domain).toBe('acme.us.auth0.com');
    expect(errorsOf(resolve({ env: { ...ENV, AUTH0_DOMAIN: 'http://acme.us.auth0.com' } }))[0]!.message).toContain('plain http');
    const local = resolve({ env: { ...ENV, AUTH0_DOMAIN: '127.0.0.1:4010' } }).config!;
    expect(local.auth0.baseUrl).toBe('http://127.0.0.1:4010');
  });

  it('refuses secrets in the config file and unknown keys, suggesting the right name', () => {
    const file = { path: 'sso-setup.json', text: JSON.stringify({ auth0: { domian: 'x', clientSecret: 's3cr3t-s3cr3t' } }) };
    const errs = errorsOf(resolve({ file, env: ENV }));
    expect(errs.find((d) => d.field === 'auth0.clientSecret')!.message).toContain('not read from the config file');
    expect(errs.find((d) => d.field === 'auth0.domian')!.hint).toBe("Did you mean 'domain'?");
  });

  it('reports invalid JSON in the config file with its path', () => {
    const errs = errorsOf(resolve({ file: { path: 'conf/x.json', text: '{ "auth0": ' }, env: ENV }));
    expect(errs[0]).toMatchObject({ origin: 'conf/x.json' });
    expect(errs[0]!.message).toContain('not valid JSON');
  });

  it('warns when the secret is passed as a flag, and refuses it given twice', () => {
    const r = resolve({ env: { ...ENV, AUTH0_CLIENT_SECRET: '' }, flags: { auth0ClientSecret: 'flag-secret-123456' } });
    expect(r.config!.auth0.clientSecret).toBe('flag-secret-123456');
    const warning = r.diagnostics.find((d) => d.severity === 'warning')!;
    expect(warning.message).toMatch(/process table \(ps\) for the whole run.*npx shows it in `npm exec` and `sh -c`.*shell history/);
    expect(warning.hint).toBe("Set AUTH0_CLIENT_SECRET in the environment, or pass --auth0-client-secret-file FILE ('-' reads stdin).");
    const twice = resolve({
      env: ENV,
      flags: { auth0ClientSecret: 'flag-secret-123456' },
      secretFiles: { auth0ClientSecret: { value: 'file-secret-123456', origin: '--auth0-client-secret-file s.txt' } },
    });
    expect(errorsOf(twice)[0]!.message).toContain('given twice');
  });

  it('records where each Auth0 value came from: a flag, the config file, a secret file, a prompt', () => {
    const fromFile = resolve({
      env: { ...ENV, AUTH0_CLIENT_ID: '', AUTH0_CLIENT_SECRET: '' },
      flags: { auth0Domain: 'acme.eu.auth0.com' },
      file: { path: 'sso-setup.json', text: JSON.stringify({ auth0: { clientId: 'file-client-id' } }) },
      secretFiles: { auth0ClientSecret: { value: 'file-secret-123456', origin: '--auth0-client-secret-file s.txt' } },
    });
    expect(fromFile.config!.auth0.origins).toEqual({ domain: '--auth0-domain', clientId: 'sso-setup.json auth0.clientId', clientSecret: '--auth0-client-secret-file s.txt' });
    expect(fromFile.config!.sources['auth0.clientSecret']).toBe('file');
    const typed = resolve({ env: { ...ENV, AUTH0_CLIENT_SECRET: '' }, secretFiles: { auth0ClientSecret: { value: 'typed-secret-123456', origin: 'prompt' } } });
    expect(typed.config!.auth0.origins.clientSecret).toBe('prompt');
    expect(typed.config!.sources['auth0.clientSecret']).toBe('prompt');
  });

  it('uses endpoint delivery when an SP endpoint is configured, and needs its token', () => {
    const withToken = resolve({ env: { ...ENV, AMPLITUDE_SSO_ENDPOINT: 'https://sp.example/api/sso', AMPLITUDE_SSO_TOKEN: 'sp-token-abcdef' } });
    expect(withToken.config!.sp.delivery).toEqual({ kind: 'endpoint', url: 'https://sp.example/api/sso', token: 'sp-token-abcdef' });
    const noToken = resolve({ env: { ...ENV, AMPLITUDE_SSO_ENDPOINT: 'https://sp.example/api/sso' } });
    expect(errorsOf(noToken).map((d) => d.field)).toEqual(['amplitude.ssoToken']);
    const forcedManual = resolve({ env: { ...ENV, AMPLITUDE_SSO_ENDPOINT: 'https://sp.example/api/sso' }, flags: { delivery: 'manual' } });
    expect(forcedManual.config!.sp.delivery.kind).toBe('manual');
  });

  it('validates the saml section and keeps the ACS among the callbacks', () => {
    const file = { path: 'sso-setup.json', text: JSON.stringify({ saml: { callbacks: ['https://other.example/acs'], signatureAlgorithm: 'rsa-md5' } }) };
    const fields = errorsOf(resolve({ file, env: ENV })).map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['saml.callbacks', 'saml.signatureAlgorithm']));
  });

  it('derives the SP URLs from a non-US base URL instead of guessing', () => {
    const c = resolve({ env: { ...ENV, AMPLITUDE_BASE_URL: 'https://analytics.eu.amplitude.com/' } }).config!;
    expect(c.sp.acsUrl).toBe('https://analytics.eu.amplitude.com/saml/2/acs/123456');
  });

  it('reads a config file that starts with a byte order mark', () => {
    const r = resolve({ file: { path: 'sso-setup.json', text: '\ufeff{"application": {"name": "With BOM"}}' }, env: ENV });
    expect(errorsOf(r)).toEqual([]);
    expect(r.config!.application.name).toBe('With BOM');
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('refuses a top-level %s object as an unknown setting', (key) => {
    const r = resolve({ file: { path: 'sso-setup.json', text: `{"${key}": {"auth0": {"domain": "evil.example"}}}` }, env: ENV });
    expect(errorsOf(r)).toEqual([expect.objectContaining({ field: key, origin: 'sso-setup.json', message: `unknown setting '${key}'` })]);
  });

  it('takes values as given: surrounding spaces are an error, not trimmed away', () => {
    const e = errorsOf(resolve({ env: { ...ENV, AUTH0_DOMAIN: ' acme.us.auth0.com ' } }));
    expect(e).toEqual([expect.objectContaining({ field: 'auth0.domain', origin: 'env AUTH0_DOMAIN' })]);
    expect(e[0]!.message).toContain("' acme.us.auth0.com ' is not a host");
  });

  it('an empty flag is an error, never a reason to use the environment', () => {
    for (const [flag, env] of [['auth0Domain', 'AUTH0_DOMAIN'], ['amplitudeOrgId', 'AMPLITUDE_ORG_ID'], ['auth0ClientSecret', 'AUTH0_CLIENT_SECRET']] as const) {
      const r = resolve({ env: ENV, flags: { [flag]: '' } });
      expect(ENV[env]).toBeTruthy();
      expect(r.config).toBeUndefined();
      expect(errorsOf(r).map((d) => d.origin)).toEqual([expect.stringMatching(/^--/)]);
    }
  });

  it('quotes a refused value escaped and cut short in the message', () => {
    const e = errorsOf(resolve({ env: { ...ENV, AUTH0_DOMAIN: `x\u202e${'a'.repeat(500)}` } }))[0]!;
    expect(e.message).toContain("'x\\u202E");
    expect(e.message).toContain('(502 characters)');
    expect(e.message.length).toBeLessThan(400);
  });
});

