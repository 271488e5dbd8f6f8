import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { checkSpMetadata, type SpMetadataReport } from '../../src/saml/check-sp-metadata.js';
import type { MetadataCheckOptions } from '../../src/saml/check-metadata.js';
import type { FindingCode } from '../../src/saml/findings.js';
import { certificate, fixture, NOW } from './metadata-builder.js';

const SP_FIXTURES = new URL('../../fixtures/sp-metadata/', import.meta.url);
const spFixture = (name: string) => readFileSync(new URL(name, SP_FIXTURES));
const BASE: MetadataCheckOptions = { now: NOW, warnDays: 30 };
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const ARTIFACT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact';
const PAOS = 'urn:oasis:names:tc:SAML:2.0:bindings:PAOS';
const EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

const check = (input: string | Uint8Array, options: Partial<MetadataCheckOptions> = {}) => checkSpMetadata(input, { ...BASE, ...options });
const codes = (r: SpMetadataReport) => ({ errors: r.errors.map((f) => f.code), warnings: r.warnings.map((f) => f.code) });
function expectOnly(r: SpMetadataReport, errors: FindingCode[], warnings: FindingCode[] = []): void {
  expect(codes(r)).toEqual({ errors, warnings });
  expect(r.valid).toBe(errors.length === 0);
}

/** An SP document in the shape Shibboleth SP writes (md: prefix, several ACS bindings with indexes). */
function spMetadata(options: { acs?: string; role?: string; keys?: string; root?: string } = {}): string {
  const acs =
    options.acs ??
    `<md:AssertionConsumerService Binding="${ARTIFACT}" Location="https://sp.example.org/Shibboleth.sso/SAML2/Artifact" index="1"/>
    <md:AssertionConsumerService Binding="${POST}" Location="https://sp.example.org/Shibboleth.sso/SAML2/POST" index="2"/>
    <md:AssertionConsumerService Binding="${PAOS}" Location="https://sp.example.org/Shibboleth.sso/SAML2/ECP" index="3"/>`;
  return `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://sp.example.org/shibboleth"${options.root ?? ''}>
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"${options.role ?? ''}>
    ${options.keys ?? ''}
    <md:NameIDFormat>${EMAIL}</md:NameIDFormat>
    ${acs}
  </md:SPSSODescriptor>
</md:EntityDescriptor>`;
}

describe('real SP metadata', () => {
  it('Auth0 as an SP (SAML connection): the isDefault POST ACS, signed requests, its signing certificate', async () => {
    const r = await check(fixture('auth0-SP-metadata-SAMLconection-NOT-IDP.xml'));
    expectOnly(r, []);
    expect(r.entityId).toBe('urn:auth0:auth0-service-provider-test:SAMLconection');
    expect(r.acs).toBe('https://auth0-service-provider-test.eu.auth0.com/login/callback?connection=SAMLconection');
    expect(r.assertionConsumerServices).toEqual([{ binding: POST, location: r.acs, index: 0, isDefault: true }]);
    expect(r.authnRequestsSigned).toBe(true);
    expect(r.wantAssertionsSigned).toBe(true);
    expect(r.nameIdFormats).toContain(EMAIL);
    expect(r.certificates).toHaveLength(1);
    expect(r.certificates[0]!.subject).toContain('auth0-service-provider-test.eu.auth0.com');
  });

  it('ruby-saml: md: prefix, validUntil judged at the given clock, loopback-http ACS warned', async () => {
    const r = await check(spFixture('ruby-saml-lyang-saml-proxy-example.xml'), { now: new Date('2026-01-01T00:00:00Z') });
    expectOnly(r, [], ['ACS_LOOPBACK_HTTP']);
    expect(r.entityId).toBe('https://github.com/lyang/saml-proxy-example');
    expect(r.acs).toBe('http://localhost/consume');
    expect(r.nameIdFormats).toEqual(['urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified']);
    // After validUntil the same document is refused.
    expectOnly(await check(spFixture('ruby-saml-lyang-saml-proxy-example.xml'), { now: new Date('2030-06-01T00:00:00Z'), loopbackHttp: 'accept' }), ['METADATA_EXPIRED'], ['SP_CERT_EXPIRED']);
  });

  it('crewjam/saml: the Artifact ACS is ignored, the POST one chosen; expired after its validUntil', async () => {
    const before = await check(spFixture('crewjam-saml-zitadel-EXPIRED.xml'), { now: new Date('2025-05-06T12:00:00Z'), loopbackHttp: 'accept' });
    expectOnly(before, [], ['ACS_BINDING_IGNORED']);
    expect(before.acs).toBe('http://localhost:7777/saml/acs');
    expect(before.nameIdFormats).toEqual([]);
    expect(before.wantAssertionsSigned).toBe(true);
    expect(before.certificates).toEqual([]);
    expectOnly(await check(spFixture('crewjam-saml-zitadel-EXPIRED.xml'), { loopbackHttp: 'accept' }), ['METADATA_EXPIRED', 'METADATA_EXPIRED'], ['ACS_BINDING_IGNORED']);
  });

  it('python3-saml (a real deployment): expired, and its entityID is not a URI', async () => {
    expectOnly(await check(spFixture('python3-saml-cellxgene-gateway-EXPIRED.xml')), ['ENTITY_ID_INVALID', 'METADATA_EXPIRED']);
  });

  it.each(['retool-NO-NAMESPACE.xml', 'samlify-spmeta-NO-NAMESPACE.xml'])('%s: unprefixed elements in no namespace are refused', async (file) => {
    const r = await check(spFixture(file));
    expectOnly(r, ['METADATA_WRONG_ROOT']);
    expect(r.errors[0]!.message).toContain('right name, wrong namespace');
  });

  it('IdP metadata is named as such', async () => {
    expectOnly(await check(fixture('okta-idp.xml')), ['METADATA_NOT_SP']);
  });
});

describe('the ACS rule', () => {
  it('Shibboleth shape: Artifact and PAOS ignored, the POST endpoint chosen whatever its index', async () => {
    const r = await check(spMetadata());
    expectOnly(r, [], ['ACS_BINDING_IGNORED']);
    expect(r.acs).toBe('https://sp.example.org/Shibboleth.sso/SAML2/POST');
    expect(r.assertionConsumerServices.map((a) => a.index)).toEqual([1, 2, 3]);
  });

  it('isDefault="true" wins over document order; without it the first not marked false; several defaults warn', async () => {
    const post = (n: number, extra = '') => `<md:AssertionConsumerService Binding="${POST}" Location="https://sp.example.org/acs/${n}" index="${n}"${extra}/>`;
    expect((await check(spMetadata({ acs: post(0) + post(1, ' isDefault="true"') }))).acs).toBe('https://sp.example.org/acs/1');
    expect((await check(spMetadata({ acs: post(0, ' isDefault="false"') + post(1) }))).acs).toBe('https://sp.example.org/acs/1');
    expect((await check(spMetadata({ acs: post(0, ' isDefault="false"') + post(1, ' isDefault="0"') }))).acs).toBe('https://sp.example.org/acs/0');
    const two = await check(spMetadata({ acs: post(0, ' isDefault="true"') + post(1, ' isDefault="1"') }));
    expectOnly(two, [], ['ACS_DEFAULT_MULTIPLE']);
    expect(two.acs).toBe('https://sp.example.org/acs/0');
  });

  it('refuses no POST ACS, http, bad or duplicate indexes', async () => {
    expectOnly(await check(spMetadata({ acs: `<md:AssertionConsumerService Binding="${PAOS}" Location="https://sp.example.org/ecp" index="1"/>` })), ['ACS_MISSING']);
    expectOnly(await check(spMetadata({ acs: `<md:AssertionConsumerService Binding="${POST}" Location="http://sp.example.org/acs" index="1"/>` })), ['ACS_NOT_HTTPS']);
    expectOnly(await check(spMetadata({ acs: `<md:AssertionConsumerService Binding="${POST}" Location="sp.example.org/acs" index="1"/>` })), ['ACS_LOCATION_INVALID']);
    expectOnly(
      await check(spMetadata({ acs: `<md:AssertionConsumerService Binding="${POST}" Location="https://a.example/acs" index="1"/><md:AssertionConsumerService Binding="${POST}" Location="https://b.example/acs" index="1"/>` })),
      ['ACS_INDEX_INVALID'],
    );
    expectOnly(await check(spMetadata({ acs: `<md:AssertionConsumerService Binding="${POST}" Location="https://a.example/acs" index="-1"/>` })), ['ACS_INDEX_INVALID']);
  });
});

describe('signing needs', () => {
  const keys = (base64: string) =>
    `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${base64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;

  it('AuthnRequestsSigned without a signing certificate is refused; with one it is read', async () => {
    expectOnly(await check(spMetadata({ role: ' AuthnRequestsSigned="true"' })), ['SP_SIGNING_CERT_MISSING'], ['ACS_BINDING_IGNORED']);
    const cert = certificate({ commonName: 'sp.example.org' });
    const r = await check(spMetadata({ role: ' AuthnRequestsSigned="true" WantAssertionsSigned="false"', keys: keys(cert.certBase64) }));
    expectOnly(r, [], ['ACS_BINDING_IGNORED']);
    expect(r.authnRequestsSigned).toBe(true);
    expect(r.wantAssertionsSigned).toBe(false);
    expect(r.certificates.map((c) => c.sha256)).toEqual([new X509Certificate(cert.certPem).fingerprint256]);
  });

  it('an expired SP certificate only warns (the IdP trusts the key); non-boolean flags are refused', async () => {
    const old = certificate({ commonName: 'sp.example.org', daysBefore: 800, daysAfter: -10 });
    expectOnly(await check(spMetadata({ keys: keys(old.certBase64) })), [], ['ACS_BINDING_IGNORED', 'SP_CERT_EXPIRED']);
    expectOnly(await check(spMetadata({ role: ' WantAssertionsSigned="True"' })), ['WANT_ASSERTIONS_SIGNED_INVALID'], ['ACS_BINDING_IGNORED']);
  });
});

describe('hostile SP metadata', () => {
  const attacks: [string, FindingCode][] = [
    ['billion-laughs.xml', 'XML_DOCTYPE_FORBIDDEN'],
    ['xxe-file-entity.xml', 'XML_DOCTYPE_FORBIDDEN'],
    ['external-dtd-ssrf.xml', 'XML_DOCTYPE_FORBIDDEN'],
    ['two-root-elements.xml', 'XML_MULTIPLE_ROOTS'],
  ];
  it.each(attacks)('%s is refused at the XML layer (%s)', async (file, code) => {
    const r = await check(fixture(`attacks/${file}`));
    expect(r.valid).toBe(false);
    expect(r.errors[0]!.code).toBe(code);
  });

  it('a comment inside the ACS-bearing NameIDFormat, a duplicate ID and a second SPSSODescriptor are refused', async () => {
    const comment = spMetadata().replace(`<md:NameIDFormat>${EMAIL}`, `<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:<!-- x -->emailAddress`);
    expect(codes(await check(comment)).errors).toContain('XML_COMMENT_IN_VALUE');
    const ids = spMetadata({ root: ' ID="_a"', role: ' ID="_a"' });
    expect(codes(await check(ids)).errors).toEqual(['XML_DUPLICATE_ID']);
    const twoRoles = spMetadata().replace('</md:EntityDescriptor>', `<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:AssertionConsumerService Binding="${POST}" Location="https://evil.example/acs" index="9"/></md:SPSSODescriptor></md:EntityDescriptor>`);
    const r = await check(twoRoles);
    expect(codes(r).errors).toEqual(['SP_ROLE_MULTIPLE']);
    expect(r.acs).toBe('https://sp.example.org/Shibboleth.sso/SAML2/POST');
  });
});
