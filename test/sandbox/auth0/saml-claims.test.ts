/**
 * Auth0's claim mapping for the SAML2 addon (docs "Customize SAML Assertions"), as pure functions:
 * default mappings, custom and multi-valued mappings, the upn/identities/passthrough switches and
 * the NameID probes.
 */
import { CLAIM, NAMEID_UNSPECIFIED, auth0Claims, nameIdentifierOf } from '../../../src/sandbox/auth0/saml-claims.js';

const PROFILE = {
  user_id: 'auth0|abc',
  email: 'ada@sandbox.example',
  email_verified: true,
  name: 'Ada Lovelace',
  given_name: 'Ada',
  family_name: 'Lovelace',
  nickname: 'ada',
  identities: [{ provider: 'auth0', user_id: 'abc', connection: 'Username-Password-Authentication', isSocial: false }],
  app_metadata: { plan: 'pro' },
};

test('defaults: the standard claims, upn from the email, identities and prefixed passthrough claims', () => {
  const claims = auth0Claims(PROFILE, {});
  expect(Object.keys(claims)).toEqual([
    CLAIM.nameIdentifier, CLAIM.email, CLAIM.name, CLAIM.givenName, CLAIM.surname, CLAIM.upn,
    'http://schemas.auth0.com/identities/default/provider',
    'http://schemas.auth0.com/identities/default/connection',
    'http://schemas.auth0.com/identities/default/isSocial',
    'http://schemas.auth0.com/email_verified',
    'http://schemas.auth0.com/nickname',
  ]);
  expect(claims[CLAIM.upn]).toBe('ada@sandbox.example');
  expect(claims['http://schemas.auth0.com/email_verified']).toBe(true);
  expect(nameIdentifierOf(claims, {})).toEqual({ nameIdentifier: 'auth0|abc', nameIdentifierFormat: NAMEID_UNSPECIFIED });
});

test('custom mappings override a default, may name several attributes, and reach nested properties', () => {
  const claims = auth0Claims(PROFILE, { mappings: { email: ['email', 'mail'], 'app_metadata.plan': 'plan' } });
  expect(claims['email']).toBe('ada@sandbox.example');
  expect(claims['mail']).toBe('ada@sandbox.example');
  expect(claims[CLAIM.email]).toBeUndefined();
  expect(claims['plan']).toBe('pro');
});

test('the switches turn off upn, identities and passthrough, or pass claims through unprefixed', () => {
  const off = auth0Claims(PROFILE, { createUpnClaim: false, mapIdentities: false, passthroughClaimsWithNoMapping: false });
  expect(Object.keys(off)).toEqual([CLAIM.nameIdentifier, CLAIM.email, CLAIM.name, CLAIM.givenName, CLAIM.surname]);
  const asIs = auth0Claims(PROFILE, { mapUnknownClaimsAsIs: true });
  expect(asIs['nickname']).toBe('ada');
  expect(asIs['http://schemas.auth0.com/nickname']).toBeUndefined();
});

test('NameID probes pick the first claim with a value; the format comes from the addon', () => {
  const claims = auth0Claims(PROFILE, {});
  const format = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
  expect(nameIdentifierOf(claims, { nameIdentifierProbes: ['missing', CLAIM.email], nameIdentifierFormat: format })).toEqual({
    nameIdentifier: 'ada@sandbox.example',
    nameIdentifierFormat: format,
  });
  expect(nameIdentifierOf(claims, { nameIdentifierProbes: [] }).nameIdentifier).toBeUndefined();
});
