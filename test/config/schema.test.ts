/**
 * One source of truth for configuration (issue 10, point 6): the shipped JSON Schema and the CLI
 * agree on every value, whichever source gives it. For each row of a table of good and bad values,
 * three verdicts must match the row: the schema compiled here by ajv (independently of the build),
 * the standalone validator the build generated from it, and the CLI's resolver fed the value from the
 * config file, from its environment variable and from its flag.
 */
import { readFileSync } from 'node:fs';
import Ajv2020Module from 'ajv/dist/2020.js';
import { INPUTS, type InputName } from '../../src/config/inputs.js';
import { resolveConfig, type ConfigInputs } from '../../src/config/resolve.js';
import { checkConfigObject, placeAt } from '../../src/config/validate.js';

const schema = JSON.parse(readFileSync(new URL('../../schema/sso-setup.schema.json', import.meta.url), 'utf8')) as Record<string, unknown> & {
  properties: Record<string, { properties?: Record<string, unknown> }>;
};
// ajv is CommonJS: imported from ESM, its class is the module object's `default`.
const Ajv2020 = Ajv2020Module.default;
const ajv = new Ajv2020({ allErrors: true, strict: true });
ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });
const schemaAccepts = ajv.compile(schema);

/** Every required setting, valid, from the environment; the row's own variable is left out. */
const BASE_ENV: Record<string, string> = {
  AUTH0_DOMAIN: 'acme.us.auth0.com',
  AUTH0_CLIENT_ID: 'cid',
  AUTH0_CLIENT_SECRET: 'secret-123456',
  AMPLITUDE_ORG_ID: '42',
  AMPLITUDE_SSO_TOKEN: 'sp-token-123456',
};
const ACS = 'https://amplitude.com/saml/2/acs/42';

type Row = [path: string, value: unknown, valid: boolean];

const ROWS: Row[] = [
  ['auth0.domain', 'acme.us.auth0.com', true],
  ['auth0.customDomain', 'login.acme.com', true],
  ['auth0.customDomain', 'localhost:4010', true],
  ['auth0.customDomain', 'https://login.acme.com/', true],
  ['auth0.customDomain', 'login acme com', false],
  ['auth0.customDomain', 'https://login.acme.com/path', false],
  ['auth0.customDomain', '', false],
  ['auth0.domain', 'ACME.us.auth0.com:443', true],
  ['auth0.domain', '127.0.0.1:4010', true],
  ['auth0.domain', 'localhost:65535', true],
  ['auth0.domain', 'https://acme.us.auth0.com/', true],
  ['auth0.domain', 'http://127.0.0.1:4010', true],
  ['auth0.domain', 'xn--bcher-kva.example', true],
  ['auth0.domain', `${'a'.repeat(63)}.example`, true],
  ['auth0.domain', `${'a'.repeat(64)}.example`, false],
  ['auth0.domain', 'x.auth0.com:99999', false],
  ['auth0.domain', 'x.auth0.com:0', false],
  ['auth0.domain', 'x.auth0.com:65536', false],
  ['auth0.domain', 'x..auth0.com', false],
  ['auth0.domain', '-x.auth0.com', false],
  ['auth0.domain', 'x-.auth0.com', false],
  ['auth0.domain', `${'a'.repeat(10_240)}.auth0.com`, false],
  ['auth0.domain', 'ftp://x.auth0.com', false],
  ['auth0.domain', 'http://x.auth0.com', false],
  ['auth0.domain', 'https://x.auth0.com/path', false],
  ['auth0.domain', 'x.auth0.com\nevil', false],
  ['auth0.domain', 'acme auth0 com', false],
  ['auth0.domain', ' acme.us.auth0.com', false],
  ['auth0.domain', '999.1.1.1', false],
  ['auth0.domain', '', false],
  ['auth0.domain', 42, false],
  ['auth0.clientId', 'AbCdEf0123456789', true],
  ['auth0.clientId', 'has space', false],
  ['auth0.clientId', 'x'.repeat(129), false],
  ['auth0.clientId', '', false],
  ['amplitude.orgId', '123456', true],
  ['amplitude.orgId', '42', true],
  ['amplitude.orgId', '-5', false],
  ['amplitude.orgId', '0', false],
  ['amplitude.orgId', '007', false],
  ['amplitude.orgId', 'abc', false],
  ['amplitude.orgId', ' ', false],
  ['amplitude.orgId', '', false],
  ['amplitude.orgId', 123456, false],
  ['amplitude.baseUrl', 'https://amplitude.com', true],
  ['amplitude.baseUrl', 'https://analytics.eu.amplitude.com/', true],
  ['amplitude.baseUrl', 'http://127.0.0.1:4011', true],
  ['amplitude.baseUrl', 'http://eu.amplitude.com', false],
  ['amplitude.baseUrl', 'https://amplitude.com/path', false],
  ['amplitude.baseUrl', 'https://amplitude.com:99999', false],
  ['amplitude.baseUrl', 'amplitude.com', false],
  ['amplitude.baseUrl', '', false],
  ['amplitude.ssoEndpoint', 'https://sp.example/api/2/orgs/42/sso/saml', true],
  ['amplitude.ssoEndpoint', 'http://localhost:4011/api/sso?x=1', true],
  ['amplitude.ssoEndpoint', 'https://user:pw@sp.example/x', false],
  ['amplitude.ssoEndpoint', 'https://sp.example/x#frag', false],
  ['amplitude.ssoEndpoint', 'https://sp..example/x', false],
  ['amplitude.ssoEndpoint', '', false],
  ['amplitude.delivery', 'manual', true],
  ['amplitude.delivery', 'endpoint', true],
  ['amplitude.delivery', 'push', false],
  ['amplitude.delivery', '', false],
  ['amplitude.metadataFile', 'idp.xml', true],
  ['amplitude.metadataFile', 'out/amplitude idp.xml', true],
  ['amplitude.metadataFile', 'a\nb.xml', false],
  ['amplitude.metadataFile', '', false],
  ['application.name', 'Amplitude SSO (prod)', true],
  ['application.name', 'A', true],
  ['application.name', 'x'.repeat(128), true],
  ['application.name', 'x'.repeat(129), false],
  ['application.name', 'a<b', false],
  ['application.connections', ['Username-Password-Authentication', 'google-oauth2'], true],
  ['application.connections', ['a'], true],
  ['application.connections', [], false],
  ['application.connections', ['google-oauth2', 'google-oauth2'], false],
  ['application.connections', ['-leading-hyphen'], false],
  ['application.connections', ['has space'], false],
  ['application.connections', ['x'.repeat(129)], false],
  ['application.connections', 'google-oauth2', false],
  ['application.name', ' Amplitude', false],
  ['application.name', 'tab\there', false],
  ['application.name', ' ', false],
  ['application.name', '', false],
  ['saml.callbacks', [ACS, 'https://other.example/acs'], true],
  ['saml.callbacks', [], false],
  ['saml.callbacks', ['not a url'], false],
  ['saml.audience', 'https://amplitude.com/saml/2/metadata/42', true],
  ['saml.audience', '', false],
  ['saml.recipient', ACS, true],
  ['saml.recipient', 'ftp://amplitude.com/acs', false],
  ['saml.nameIdentifierProbes', ['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress'], true],
  ['saml.nameIdentifierProbes', [''], false],
  ['saml.mappings', { email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress', groups: ['a', 'b'] }, true],
  ['saml.mappings', { email: 5 }, false],
  ['saml.signatureAlgorithm', 'rsa-sha256', true],
  ['saml.signatureAlgorithm', 'rsa-md5', false],
  ['saml.digestAlgorithm', 'sha512', false],
  ['saml.lifetimeInSeconds', 3600, true],
  ['saml.lifetimeInSeconds', 59, false],
  ['saml.lifetimeInSeconds', 86_401, false],
  ['saml.lifetimeInSeconds', '3600', false],
  ['saml.lifetimeInSeconds', 60.5, false],
  ['saml.signResponse', true, true],
  ['saml.signResponse', 'yes', false],
  // Keys the schema does not declare, including JavaScript's special property names.
  ['__proto__', { auth0: { domain: 'evil.example' } }, false],
  ['constructor', {}, false],
  ['toString', {}, false],
  ['amplitude.region', 'eu', false],
  ['auth0.clientSecret', 'in-the-file', false],
  ['$schema', './node_modules/sso-setup/schema/sso-setup.schema.json', true],
];

/** The input (flag and env var) that sets a setting, if any. */
const INPUT_FOR = new Map<string, InputName>(
  Object.entries(INPUTS).flatMap(([name, spec]) => ('path' in spec ? [[spec.path, name as InputName] as const] : [])),
);

/** The object a config file holds for the row (`__proto__` an own key, as JSON.parse makes it). */
function fileFor(path: string, value: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(placeAt(path, value))) as Record<string, unknown>;
}

function resolverAccepts(path: string, inputs: Partial<ConfigInputs>, envVar?: string): boolean {
  const env: Record<string, string | undefined> = { ...BASE_ENV, ...(inputs.env ?? {}) };
  if (envVar && !inputs.env?.[envVar]) delete env[envVar];
  const r = resolveConfig({ ...inputs, flags: inputs.flags ?? {}, env });
  const top = path.split('.')[0]!;
  const errors = r.diagnostics.filter((d) => d.severity === 'error' && (d.field === path || d.field.startsWith(`${path}.`) || d.field === top));
  return errors.length === 0;
}

describe('the JSON Schema and the CLI agree on every value', () => {
  it.each(ROWS)('%s = %j: valid is %s', (path, value, valid) => {
    const fileObject = fileFor(path, value);
    // 1. The schema itself (compiled here), and the standalone code the build made from it.
    expect(schemaAccepts(fileObject)).toBe(valid);
    expect(checkConfigObject(fileObject).length === 0).toBe(valid);
    // 2. The CLI, reading the value from the config file.
    const input = INPUT_FOR.get(path);
    const envVar = input && 'env' in INPUTS[input] ? (INPUTS[input] as { env: string }).env : undefined;
    const file = { path: 'sso-setup.json', text: JSON.stringify(fileObject) };
    expect(resolverAccepts(path, { file }, envVar)).toBe(valid);
    if (typeof value !== 'string' || !input) return;
    // 3. The same value as a flag, and as an environment variable (where they exist).
    expect(resolverAccepts(path, { flags: { [input]: value } }, envVar)).toBe(valid);
    // An empty environment variable counts as unset (README): the row's verdict is for the other sources.
    if (envVar && value !== '') expect(resolverAccepts(path, { env: { [envVar]: value } }, envVar)).toBe(valid);
  });

  it('declares exactly the settings the CLI reads from the file', () => {
    const declared = Object.entries(schema.properties).flatMap(([section, s]) => Object.keys(s.properties ?? {}).map((k) => `${section}.${k}`));
    const inputs = [...INPUT_FOR.keys()];
    for (const path of inputs) expect(declared).toContain(path);
    const saml = declared.filter((p) => p.startsWith('saml.'));
    expect(saml.sort()).toEqual(
      ['callbacks', 'audience', 'recipient', 'destination', 'nameIdentifierFormat', 'nameIdentifierProbes', 'mappings', 'signatureAlgorithm', 'digestAlgorithm', 'lifetimeInSeconds', 'signResponse']
        .map((k) => `saml.${k}`)
        .sort(),
    );
  });

  it('an empty environment variable counts as unset; one of spaces is an error naming it', () => {
    const unset = resolveConfig({ env: { ...BASE_ENV, AUTH0_DOMAIN: '' }, flags: {}, file: { path: 'sso-setup.json', text: '{"auth0":{"domain":"file.auth0.com"}}' } });
    expect(unset.config?.auth0.domain).toBe('file.auth0.com');
    const blank = resolveConfig({ env: { ...BASE_ENV, AUTH0_DOMAIN: '  ' }, flags: {}, file: { path: 'sso-setup.json', text: '{"auth0":{"domain":"file.auth0.com"}}' } });
    expect(blank.diagnostics.filter((d) => d.severity === 'error')).toEqual([expect.objectContaining({ field: 'auth0.domain', origin: 'env AUTH0_DOMAIN' })]);
  });
});
