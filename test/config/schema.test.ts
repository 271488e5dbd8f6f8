import { readFileSync } from 'node:fs';
import { resolveConfig } from '../../src/config/resolve.js';

// The shipped JSON Schema and the resolver must accept the same settings: every property the schema
// declares is accepted, and a key it does not declare is refused by both.
const schema = JSON.parse(readFileSync(new URL('../../schema/sso-setup.schema.json', import.meta.url), 'utf8')) as {
  properties: Record<string, { properties?: Record<string, unknown> }>;
};
const env = { AUTH0_DOMAIN: 'acme.us.auth0.com', AUTH0_CLIENT_ID: 'cid', AUTH0_CLIENT_SECRET: 'secret-123456', AMPLITUDE_ORG_ID: '42', AMPLITUDE_SSO_TOKEN: 'sp-token-123456' };

const sample: Record<string, unknown> = {
  'auth0.domain': 'acme.us.auth0.com',
  'auth0.clientId': 'cid',
  'amplitude.orgId': '42',
  'amplitude.baseUrl': 'https://amplitude.com',
  'amplitude.delivery': 'manual',
  'amplitude.ssoEndpoint': 'https://sp.example/sso',
  'amplitude.metadataFile': 'idp.xml',
  'application.name': 'Amplitude',
  'saml.callbacks': ['https://amplitude.com/saml/2/acs/42'],
  'saml.audience': 'https://amplitude.com/saml/2/metadata/42',
  'saml.recipient': 'https://amplitude.com/saml/2/acs/42',
  'saml.destination': 'https://amplitude.com/saml/2/acs/42',
  'saml.nameIdentifierFormat': 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  'saml.nameIdentifierProbes': ['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress'],
  'saml.mappings': { email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress' },
  'saml.signatureAlgorithm': 'rsa-sha256',
  'saml.digestAlgorithm': 'sha256',
  'saml.lifetimeInSeconds': 3600,
  'saml.signResponse': false,
};

describe('schema/sso-setup.schema.json', () => {
  const declared = Object.entries(schema.properties).flatMap(([section, s]) => Object.keys(s.properties ?? {}).map((k) => `${section}.${k}`));

  it('declares exactly the settings the resolver knows', () => {
    expect(declared.sort()).toEqual(Object.keys(sample).sort());
  });

  it.each(Object.entries(sample))('%s is accepted by the resolver', (path, value) => {
    const [section, key] = path.split('.') as [string, string];
    const r = resolveConfig({ env, flags: {}, file: { path: 'sso-setup.json', text: JSON.stringify({ [section]: { [key]: value } }) } });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('an undeclared key is refused', () => {
    const r = resolveConfig({ env, flags: {}, file: { path: 'sso-setup.json', text: JSON.stringify({ amplitude: { region: 'eu' } }) } });
    expect(r.diagnostics.some((d) => d.severity === 'error' && d.field === 'amplitude.region')).toBe(true);
  });
});
