import { readFileSync } from 'node:fs';
import { checkIdpMetadata } from '../../../src/sandbox/amplitude/idp-metadata.js';
import { FIXTURES, auth0Metadata, fixture, signingCert, testIdp } from './idp-kit.js';

const NOW = new Date('2026-11-29T12:00:00Z');
const AUTH0 = fixture('auth0-idp-metadata.xml');

const code = (xml: string | Buffer, now = NOW) => {
  const v = checkIdpMetadata(xml, now);
  return v.ok ? 'OK' : v.rejection.code;
};

describe('the emulated SP judges uploaded IdP metadata', () => {
  it('accepts real Auth0 metadata, new and old templates', () => {
    const v = checkIdpMetadata(AUTH0, NOW);
    expect(v).toEqual({
      ok: true,
      metadata: {
        entityId: 'urn:aws-security-project-0an.us.auth0.com',
        ssoUrl: 'https://aws-security-project-0an.us.auth0.com/samlp/MQz6OQsZNq64hNIsjQ9mTteDFL3iLKgS',
        ssoBinding: 'HTTP-Redirect',
        certificates: [
          {
            pem: expect.stringMatching(/^-----BEGIN CERTIFICATE-----\n/),
            sha256: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
            notBefore: '2025-07-31T16:58:41.000Z',
            notAfter: '2039-04-09T16:58:41.000Z',
          },
        ],
      },
    });
    expect(code(fixture('auth0-idp-metadata-2016-sha1.xml'))).toBe('OK');
  });

  it('accepts a BOM and a rotation with one expired certificate, and keeps both keys', () => {
    const bytes = readFileSync(new URL('entra-idp-metadata-two-certs-one-expired.xml', FIXTURES));
    expect(bytes[0]).toBe(0xef);
    const v = checkIdpMetadata(bytes, NOW);
    expect(v.ok && v.metadata.certificates.map((c) => c.notAfter.slice(0, 10)).sort()).toEqual(['2025-09-28', '2027-05-07']);
  });

  it('refuses when every signing certificate is expired or not yet valid', () => {
    expect(code(AUTH0, new Date('2039-04-10T00:00:00Z'))).toBe('METADATA_NO_VALID_CERT');
    expect(code(AUTH0, new Date('2025-07-30T00:00:00Z'))).toBe('METADATA_NO_VALID_CERT');
  });

  it('reads the whole certificate text, so whitespace and comments inside it do not matter', () => {
    const idp = testIdp(signingCert({ now: NOW }));
    const b64 = idp.cert.certBase64;
    const xml = auth0Metadata(idp).replace(b64, `\n  ${b64.slice(0, 40)}<!-- split -->${b64.slice(40).match(/.{1,64}/g)!.join('\n')}\n`);
    expect(code(xml)).toBe('OK');
  });

  it.each([
    ['a DOCTYPE', AUTH0.replace('<EntityDescriptor', '<!DOCTYPE EntityDescriptor SYSTEM "http://127.0.0.1:9/x.dtd"><EntityDescriptor'), 'METADATA_DOCTYPE'],
    ['an entity declaration', `<!ENTITY x "y">${AUTH0}`, 'METADATA_DOCTYPE'],
    ['bytes that are not UTF-8', Buffer.from([0x3c, 0x61, 0xff, 0xfe, 0x3e]), 'METADATA_NOT_UTF8'],
    ['two root elements', `${AUTH0}<EntityDescriptor/>`, 'METADATA_MALFORMED'],
    ['an undeclared prefix', AUTH0.replace('<IDPSSODescriptor', '<x:Junk/><IDPSSODescriptor'), 'METADATA_MALFORMED'],
    ['deep nesting', `<a>${'<b>'.repeat(100)}${'</b>'.repeat(100)}</a>`, 'METADATA_TOO_DEEP'],
    ['a federation aggregate', `<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata">${AUTH0}</EntitiesDescriptor>`, 'METADATA_NOT_ENTITY_DESCRIPTOR'],
    ['a root in another namespace', AUTH0.replace('xmlns="urn:oasis:names:tc:SAML:2.0:metadata"', 'xmlns="urn:example"'), 'METADATA_NOT_ENTITY_DESCRIPTOR'],
    ['an EntityDescriptor nested inside another', AUTH0.replace('<IDPSSODescriptor', '<Extensions><EntityDescriptor entityID="urn:evil"/></Extensions><IDPSSODescriptor'), 'METADATA_MULTIPLE_ENTITIES'],
    ['no entityID', AUTH0.replace('entityID="urn:aws-security-project-0an.us.auth0.com"', ''), 'METADATA_NO_ENTITY_ID'],
    ['a past validUntil', AUTH0.replace('<EntityDescriptor ', '<EntityDescriptor validUntil="2020-01-01T00:00:00Z" '), 'METADATA_EXPIRED'],
    ['SP metadata', fixture('auth0-sp-metadata-not-idp.xml'), 'METADATA_NOT_IDP'],
    ['two IDPSSODescriptors', AUTH0.replace(/(<IDPSSODescriptor[\s\S]*<\/IDPSSODescriptor>)/, '$1$1'), 'METADATA_MULTIPLE_IDP'],
    ['SAML 1.1 only', AUTH0.replace('protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"', 'protocolSupportEnumeration="urn:oasis:names:tc:SAML:1.1:protocol"'), 'METADATA_PROTOCOL_UNSUPPORTED'],
    ['only SOAP SSO', AUTH0.replace(/<SingleSignOnService Binding="[^"]+"/g, '<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:SOAP"'), 'METADATA_NO_SSO_ENDPOINT'],
    ['a relative SSO Location', AUTH0.replace(/(<SingleSignOnService [^>]*Location=")https:\/\/[^/]+/g, '$1'), 'METADATA_SSO_URL_INVALID'],
    ['PEM armour inside X509Certificate', AUTH0.replace('<X509Certificate>', '<X509Certificate>-----BEGIN CERTIFICATE-----'), 'METADATA_CERT_UNPARSEABLE'],
  ])('refuses %s', (_what, xml, expected) => {
    expect(code(xml)).toBe(expected);
  });

  it('accepts plain http SSO URLs on loopback (the local Auth0 emulator), and only there', () => {
    const local = AUTH0.split('https://aws-security-project-0an.us.auth0.com').join('http://127.0.0.1:4010');
    expect(code(local)).toBe('OK');
    expect(code(AUTH0.split('https://').join('http://'))).toBe('METADATA_SSO_URL_INVALID');
  });

  it('every refusal says what was wrong', () => {
    const v = checkIdpMetadata(fixture('auth0-sp-metadata-not-idp.xml'), NOW);
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.rejection.status).toBe(400);
      expect(v.rejection.message).toContain('service provider');
      expect(v.rejection.hint).toContain('/samlp/metadata/');
    }
  });
});
