import { readdirSync } from 'node:fs';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { checkMetadata, type MetadataCheckOptions, type MetadataReport } from '../../src/saml/check-metadata.js';
import { FINDING_CODES, type FindingCode } from '../../src/saml/findings.js';
import { auth0Metadata, certificate, CLIENT_ID, DAY, DOMAIN, fixture, FIXTURES, NOW } from './metadata-builder.js';

const BASE: MetadataCheckOptions = { now: NOW, warnDays: 30 };
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

function check(input: string | Uint8Array, options: Partial<MetadataCheckOptions> = {}): Promise<MetadataReport> {
  return checkMetadata(input, { ...BASE, ...options });
}

const codes = (r: MetadataReport) => ({ errors: r.errors.map((f) => f.code), warnings: r.warnings.map((f) => f.code) });

function expectOnly(r: MetadataReport, errors: FindingCode[], warnings: FindingCode[] = []): void {
  expect(codes(r)).toEqual({ errors, warnings });
  expect(r.valid).toBe(errors.length === 0);
}

describe('the five real Auth0 IdP documents', () => {
  const auth0 = [
    ['auth0-idp-ijin-2016.xml', 'ijin.auth0.com', true],
    ['auth0-idp-mvanholsteijn-eu-2016.xml', 'mvanholsteijn.eu.auth0.com', true],
    ['auth0-idp-dev-tyj7qyzz-2019-reformatted.xml', 'dev-tyj7qyzz.auth0.com', false],
    ['auth0-idp-dev-rd4ugvvduiwgubhu-2023-repo-unknown.xml', 'dev-rd4ugvvduiwgubhu.us.auth0.com', false],
    ['auth0-idp-aws-security-project-0an-2025-repo-unknown.xml', 'aws-security-project-0an.us.auth0.com', false],
  ] as const;

  it.each(auth0)('%s passes for urn:%s (SHA-1 warning: %s)', async (file, domain, sha1) => {
    const r = await check(fixture(file), { expectEntityId: `urn:${domain}`, expectHost: domain });
    expectOnly(r, [], sha1 ? ['CERT_SIGNATURE_SHA1'] : []);
    expect(r.entityId).toBe(`urn:${domain}`);
    expect(r.sso.map((s) => s.binding)).toEqual([REDIRECT, POST]);
    expect(r.sso.every((s) => s.location.startsWith(`https://${domain}/samlp/`))).toBe(true);
    expect(r.nameIdFormats).toContain('urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
    expect(r.signed).toBe(false);
    expect(r.certificates).toHaveLength(1);
    const cert = r.certificates[0]!;
    expect(cert).toMatchObject({ keyAlgorithm: 'RSA', keyBits: 2048, use: 'signing', expired: false });
    expect(cert.signatureAlgorithm).toBe(sha1 ? 'sha1WithRSAEncryption' : 'sha256WithRSAEncryption');
    expect(cert.daysLeft).toBeGreaterThan(365);
    const pem = /<X509Certificate>([^<]+)</.exec(fixture(file).toString('utf8'))![1]!.replace(/\s+/g, '');
    expect(cert.sha256).toBe(new X509Certificate(Buffer.from(pem, 'base64')).fingerprint256);
  });

  it('reads the re-indented 2019 document: whitespace trimmed in NameIDFormat and the certificate', async () => {
    const r = await check(fixture('auth0-idp-dev-tyj7qyzz-2019-reformatted.xml'));
    expect(r.nameIdFormats).toEqual([
      'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
      'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
    ]);
    expect(r.certificates[0]!.subject).toBe('CN=dev-tyj7qyzz.auth0.com');
  });

  it('fails on the wrong entity ID or host, naming both values', async () => {
    const r = await check(fixture('auth0-idp-ijin-2016.xml'), { expectEntityId: 'urn:acme.auth0.com', expectHost: 'acme.auth0.com' });
    expect(codes(r).errors).toEqual(['ENTITY_ID_MISMATCH', 'SSO_HOST_MISMATCH', 'SSO_HOST_MISMATCH']);
    expect(r.errors[0]!.message).toContain('"urn:ijin.auth0.com", expected "urn:acme.auth0.com"');
    expect(r.errors[1]!.message).toContain('is on ijin.auth0.com, expected acme.auth0.com');
  });

  it('takes --expect-host as a host, host:port or URL', async () => {
    for (const host of ['IJIN.auth0.com', 'https://ijin.auth0.com/samlp/metadata/x', 'ijin.auth0.com/']) {
      expect((await check(fixture('auth0-idp-ijin-2016.xml'), { expectHost: host })).valid).toBe(true);
    }
    expect(codes(await check(fixture('auth0-idp-ijin-2016.xml'), { expectHost: 'ijin.auth0.com:8443' })).errors).toContain('SSO_HOST_MISMATCH');
  });
});

describe('the other real documents', () => {
  it.each(['auth0-SP-metadata-SAMLconection-NOT-IDP.xml', 'auth0-SP-metadata-Samleiki-NOT-IDP.xml'])('%s is SP metadata', async (file) => {
    const r = await check(fixture(file));
    expectOnly(r, ['METADATA_NOT_IDP']);
    expect(r.errors[0]!.message).toMatch(/^This is SP metadata/);
    expect(r.entityId).toMatch(/^urn:auth0:auth0-service-provider-test:/);
  });

  it('catches the expired PingOne certificate', async () => {
    const r = await check(fixture('pingone-idp.xml'));
    expectOnly(r, ['CERT_EXPIRED']);
    expect(r.errors[0]!.message).toContain('expired on 2024-11-17T16:17:59.000Z');
    expect(r.certificates[0]).toMatchObject({ expired: true, daysLeft: -741 });
  });

  it('judges the ssoready Entra certificate at --now: expiring soon on 2026-11-01, expired on 2026-11-29', async () => {
    const before = await check(fixture('entra-idp-ssoready-adfs-dir.xml'), { now: new Date('2026-11-01T00:00:00Z') });
    expectOnly(before, [], ['CERT_EXPIRES_SOON', 'SIGNATURE_SIGNER_NOT_PINNED']);
    expect(before.warnings[0]!.message).toContain('in 15 days');
    const after = await check(fixture('entra-idp-ssoready-adfs-dir.xml'));
    expectOnly(after, ['CERT_EXPIRED'], ['SIGNATURE_SIGNER_NOT_PINNED']);
    expect(after.signature).toMatchObject({ verified: true, pinned: false });
  });

  it('accepts the Entra rotation (one expired, one valid signing certificate) with a warning', async () => {
    const r = await check(fixture('entra-azuread-federationmetadata-signed.xml'));
    expectOnly(r, [], ['CERT_EXPIRED_ROTATION', 'SIGNATURE_SIGNER_NOT_PINNED']);
    expect(r.certificates.map((c) => c.expired)).toEqual([true, false]);
    expect(r.signature).toMatchObject({ verified: true, signatureAlgorithm: 'rsa-sha256', digestAlgorithm: 'sha256' });
    expect(r.certificates.map((c) => c.sha256)).toContain(r.signature!.signerSha256);
  });

  it('refuses the Samleiki federation aggregate, saying what it holds and what to do', async () => {
    const r = await check(fixture('federation-aggregate-samleiki-signed.xml'));
    expectOnly(r, ['METADATA_AGGREGATE']);
    expect(r.errors[0]!.message).toContain('holding 19 entities');
    expect(r.errors[0]!.message).toContain('pass the metadata of the one IdP');
  });

  it('refuses authentik: broken signature, expired certificate, non-URI entity ID', async () => {
    const r = await check(fixture('authentik-idp-signed.xml'));
    expect(codes(r).errors).toEqual(['ENTITY_ID_INVALID', 'CERT_EXPIRED', 'SIGNATURE_INVALID']);
    expect(r.errors[2]!.message).toContain('changed after it was signed');
  });

  it.each(['okta-idp.xml', 'google-workspace-idp.xml', 'shibboleth-idp-utexas-guest.xml'])('accepts %s', async (file) => {
    expectOnly(await check(fixture(file)), []);
  });

  it('accepts Keycloak on localhost with warnings: loopback http, SOAP/Artifact ignored', async () => {
    expectOnly(await check(fixture('keycloak-idp.xml')), [], ['SSO_LOOPBACK_HTTP', 'SSO_LOOPBACK_HTTP', 'SSO_BINDING_IGNORED']);
  });
});

describe('every attack fixture', () => {
  const expected: Record<string, FindingCode> = {
    'billion-laughs.xml': 'XML_DOCTYPE_FORBIDDEN',
    'quadratic-blowup.xml': 'XML_DOCTYPE_FORBIDDEN',
    'xxe-file-entity.xml': 'XML_DOCTYPE_FORBIDDEN',
    'external-dtd-ssrf.xml': 'XML_DOCTYPE_FORBIDDEN',
    'comment-in-nameidformat.xml': 'XML_COMMENT_IN_VALUE',
    'two-root-elements.xml': 'XML_MULTIPLE_ROOTS',
    'proto-pollution-names.xml': 'IDP_ROLE_MISSING',
    'numeric-charref-flood.xml': 'INPUT_TOO_LARGE',
    'http-sso-location.xml': 'SSO_NOT_HTTPS',
    'xsw-entra-signed-entity-wrapped-in-extensions.xml': 'SIGNATURE_MISPLACED',
  };

  it('has an expectation for each file in attacks/', () => {
    expect(readdirSync(new URL('attacks/', FIXTURES)).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.entries(expected))('%s is invalid with %s, in under 2 s', async (file, code) => {
    const started = performance.now();
    const r = await check(fixture(`attacks/${file}`));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(r.valid).toBe(false);
    expect(codes(r).errors).toContain(code);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('still refuses the character-reference flood when the cap is raised to its 1 MiB ceiling', async () => {
    const r = await check(fixture('attacks/numeric-charref-flood.xml'), { maxBytes: 4 * 1024 * 1024 });
    expect(r.valid).toBe(false);
    expect(codes(r).errors).toContain('KEY_SIGNING_MISSING');
  });

  it('reads the outer (attacker) entity of the wrapping attack, never the signed inner one', async () => {
    const r = await check(fixture('attacks/xsw-entra-signed-entity-wrapped-in-extensions.xml'));
    expect(r.certificates).toEqual([]);
    expect(r.signed).toBe(true);
    expect(r.signature?.verified).toBe(false);
  });
});

describe('certificate edge cases in an Auth0-shaped document', () => {
  it('accepts a plain valid document with no findings', async () => {
    const r = await check(auth0Metadata(), { expectEntityId: `urn:${DOMAIN}`, expectHost: DOMAIN });
    expectOnly(r, []);
    expect(r.sso[0]).toEqual({ binding: REDIRECT, location: `https://${DOMAIN}/samlp/${CLIENT_ID}` });
    expect(r.slo[0]).toEqual({ binding: REDIRECT, location: `https://${DOMAIN}/samlp/${CLIENT_ID}/logout` });
  });

  it('expired: error CERT_EXPIRED with the date', async () => {
    const r = await check(auth0Metadata({ certificates: [certificate({ daysBefore: 400, daysAfter: -3 }).certBase64] }));
    expectOnly(r, ['CERT_EXPIRED']);
    expect(r.errors[0]!.message).toMatch(/expired on \S+ \(3 days before 2026-11-29\)/);
    expect(r.certificates[0]).toMatchObject({ expired: true, daysLeft: -3 });
  });

  it('not yet valid: error beyond 5 minutes of skew, fine within it', async () => {
    const later = certificate({ notBefore: new Date(NOW.getTime() + DAY), notAfter: new Date(NOW.getTime() + 400 * DAY) });
    expectOnly(await check(auth0Metadata({ certificates: [later.certBase64] })), ['CERT_NOT_YET_VALID']);
    const skewed = certificate({ notBefore: new Date(NOW.getTime() + 2 * 60_000), notAfter: new Date(NOW.getTime() + 400 * DAY) });
    expectOnly(await check(auth0Metadata({ certificates: [skewed.certBase64] })), []);
  });

  it('expiring within --warn-days: a warning, and none with a smaller window', async () => {
    const soon = certificate({ daysAfter: 10 }).certBase64;
    const r = await check(auth0Metadata({ certificates: [soon] }));
    expectOnly(r, [], ['CERT_EXPIRES_SOON']);
    expect(r.warnings[0]!.message).toContain('in 10 days');
    expectOnly(await check(auth0Metadata({ certificates: [soon] }), { warnDays: 5 }), []);
  });

  it('RSA-1024: error; RSA-2048 and RSA-3072: no finding (Auth0 uses 2048 everywhere)', async () => {
    expectOnly(await check(auth0Metadata({ certificates: [certificate({ rsaBits: 1024 }).certBase64] })), ['CERT_KEY_TOO_SMALL']);
    expectOnly(await check(auth0Metadata({ certificates: [certificate().certBase64] })), []);
    expectOnly(await check(auth0Metadata({ certificates: [certificate({ rsaBits: 3072 }).certBase64] })), []);
  });

  it('EC P-256: accepted', async () => {
    const r = await check(auth0Metadata({ certificates: [certificate({ keyType: 'ec' }).certBase64] }));
    expectOnly(r, []);
    expect(r.certificates[0]).toMatchObject({ keyAlgorithm: 'EC', keyBits: 256 });
  });

  it('MD5-signed certificate: an error', async () => {
    // issueSelfSigned does not sign with MD5; relabel a certificate's algorithm (nobody verifies the
    // self-signature here, only its algorithm is judged).
    const der = Buffer.from(certificate().certBase64, 'base64');
    const sha256WithRsa = Buffer.from('06092a864886f70d01010b', 'hex');
    const md5WithRsa = Buffer.from('06092a864886f70d010104', 'hex');
    let relabelled = der;
    for (let at = relabelled.indexOf(sha256WithRsa); at >= 0; at = relabelled.indexOf(sha256WithRsa)) {
      relabelled = Buffer.concat([relabelled.subarray(0, at), md5WithRsa, relabelled.subarray(at + md5WithRsa.length)]);
    }
    const r = await check(auth0Metadata({ certificates: [relabelled.toString('base64')] }));
    expectOnly(r, ['CERT_SIGNATURE_MD5']);
    expect(r.certificates[0]!.signatureAlgorithm).toBe('md5WithRSAEncryption');
  });

  it('a DSA key: an error', async () => {
    const keys = generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 });
    const r = await check(auth0Metadata({ certificates: [certificate({ keys }).certBase64] }));
    expectOnly(r, ['CERT_KEY_UNSUPPORTED']);
    expect(r.certificates[0]!.keyAlgorithm).toBe('DSA');
  });

  it('SHA-1 signed certificate: a warning only', async () => {
    expectOnly(await check(auth0Metadata({ certificates: [certificate({ hash: 'sha1' }).certBase64] })), [], ['CERT_SIGNATURE_SHA1']);
  });

  it('garbage base64, PEM armour, non-DER: errors naming the line', async () => {
    const garbage = await check(auth0Metadata({ certificates: ['%%% not base64 %%%'] }));
    expectOnly(garbage, ['CERT_INVALID_BASE64']);
    expect(garbage.errors[0]!.message).toMatch(/^The X509Certificate on line 1 is not valid base64/);
    expectOnly(await check(auth0Metadata({ certificates: [certificate().certPem] })), ['CERT_INVALID_BASE64']);
    expectOnly(await check(auth0Metadata({ certificates: [Buffer.from('just some bytes').toString('base64')] })), ['CERT_UNPARSABLE']);
    expect(garbage.certificates).toEqual([]);
  });

  it('no signing key: error (no KeyDescriptor, only an encryption key, or one without a certificate)', async () => {
    const enc = `<KeyDescriptor use="encryption"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>${certificate().certBase64}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>`;
    expectOnly(await check(auth0Metadata({ keyDescriptors: '' })), ['KEY_SIGNING_MISSING']);
    expectOnly(await check(auth0Metadata({ keyDescriptors: enc })), ['KEY_SIGNING_MISSING']);
    expectOnly(
      await check(auth0Metadata({ keyDescriptors: '<KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><KeyName>k</KeyName></KeyInfo></KeyDescriptor>' })),
      ['KEY_SIGNING_MISSING'],
      ['KEY_DESCRIPTOR_NO_CERTIFICATE'],
    );
  });

  it('a KeyDescriptor without use counts as signing; an invalid use is an error', async () => {
    const cert = certificate().certBase64;
    const kd = (use: string) => `<KeyDescriptor${use}><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>${cert}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>`;
    const r = await check(auth0Metadata({ keyDescriptors: kd('') }));
    expectOnly(r, []);
    expect(r.certificates[0]!.use).toBe('unspecified');
    expect(codes(await check(auth0Metadata({ keyDescriptors: kd(' use="signing"') + kd(' use="sign"') }))).errors).toEqual(['KEY_USE_INVALID']);
  });

  it('several signing keys during a rotation: all listed in document order, deduplicated', async () => {
    const old = certificate({ commonName: 'old', daysBefore: 900, daysAfter: -20 }).certBase64;
    const current = certificate({ commonName: 'current' }).certBase64;
    const next = certificate({ commonName: 'next', daysBefore: 1, daysAfter: 5000 }).certBase64;
    const r = await check(auth0Metadata({ certificates: [old, current, next, current] }));
    expectOnly(r, [], ['CERT_EXPIRED_ROTATION']);
    expect(r.certificates.map((c) => c.subject)).toEqual(['CN=old', 'CN=current', 'CN=next']);
    expect(r.warnings[0]!.message).toContain('CN=old');
  });

  it('more than three signing certificates: a warning', async () => {
    const certs = ['a', 'b', 'c', 'd'].map((cn) => certificate({ commonName: cn }).certBase64);
    expectOnly(await check(auth0Metadata({ certificates: certs })), [], ['CERT_TOO_MANY']);
  });

  it('every signing certificate expired: one error each', async () => {
    const a = certificate({ commonName: 'a', daysAfter: -1 }).certBase64;
    const b = certificate({ commonName: 'b', daysAfter: -2 }).certBase64;
    expectOnly(await check(auth0Metadata({ certificates: [a, b] })), ['CERT_EXPIRED', 'CERT_EXPIRED']);
  });
});

describe('bad input of every kind gets a specific finding', () => {
  it.each([
    ['an empty file', Buffer.alloc(0), 'INPUT_EMPTY'],
    ['an HTML error page', '<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body>nope</body></html>', 'INPUT_HTML'],
    ['an XHTML page', '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>', 'INPUT_HTML'],
    ['a JSON body', '{"statusCode":401,"error":"Unauthorized"}', 'INPUT_JSON'],
    ['truncated XML', auth0Metadata().slice(0, 900), 'XML_TRUNCATED'],
    ['UTF-16 input', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(auth0Metadata(), 'utf16le')]), 'XML_ENCODING_UNSUPPORTED'],
    ['a SAML response', '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_1" Version="2.0"/>', 'METADATA_WRONG_ROOT'],
    ['metadata in the wrong namespace', '<EntityDescriptor entityID="urn:x" xmlns="urn:oasis:names:tc:SAML:1.0:metadata"/>', 'METADATA_WRONG_ROOT'],
  ])('%s', async (_name, input, code) => {
    const r = await check(input);
    expectOnly(r, [code as FindingCode]);
  });

  it('an aggregate built in memory: says how many entities and IdPs it holds', async () => {
    const entity = (id: string) => auth0Metadata({ entityId: id }).replace(' xmlns="urn:oasis:names:tc:SAML:2.0:metadata"', '');
    const doc = `<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" Name="test-federation">${entity('urn:a')}${entity('urn:b')}</EntitiesDescriptor>`;
    const r = await check(doc);
    expectOnly(r, ['METADATA_AGGREGATE']);
    expect(r.errors[0]!.message).toContain('"test-federation") holding 2 entities, 2 of them IdPs (urn:a, urn:b)');
  });

  it('never throws and only uses catalogued codes, whatever the bytes', async () => {
    const original = Buffer.from(auth0Metadata());
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 150; i++) {
      const bytes = Buffer.from(original);
      for (let j = 0; j < 1 + Math.floor(random() * 4); j++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      const r = await check(bytes);
      for (const f of [...r.errors, ...r.warnings]) {
        expect(FINDING_CODES[f.code]).toBeDefined();
        expect(f.message).not.toMatch(/\n/);
      }
      expect(r.valid).toBe(r.errors.length === 0);
    }
  });
});

describe('structure, endpoints and values', () => {
  it('entityID: missing, surrounded by whitespace, not a URI, too long', async () => {
    expect(codes(await check(auth0Metadata({ entityId: null }))).errors).toEqual(['ENTITY_ID_MISSING']);
    expect(codes(await check(auth0Metadata({ entityId: ' urn:x ' }))).errors).toEqual(['ENTITY_ID_INVALID']);
    expect(codes(await check(auth0Metadata({ entityId: 'acme' }))).errors).toEqual(['ENTITY_ID_INVALID']);
    expect(codes(await check(auth0Metadata({ entityId: `urn:${'x'.repeat(1100)}` }))).errors).toEqual(['ENTITY_ID_INVALID']);
  });

  it('validUntil in the past expires the document; bad dates and durations are errors', async () => {
    expectOnly(await check(auth0Metadata({ rootAttributes: 'validUntil="2026-11-28T00:00:00Z"' })), ['METADATA_EXPIRED']);
    expectOnly(await check(auth0Metadata({ roleAttributes: 'validUntil="2026-01-01T00:00:00"' })), ['METADATA_EXPIRED']);
    expectOnly(await check(auth0Metadata({ rootAttributes: 'validUntil="2027-01-01T00:00:00Z" cacheDuration="PT30M"' })), []);
    expectOnly(await check(auth0Metadata({ rootAttributes: 'validUntil="next week"' })), ['METADATA_VALID_UNTIL_INVALID']);
    expectOnly(await check(auth0Metadata({ rootAttributes: 'cacheDuration="30 minutes"' })), ['METADATA_CACHE_DURATION_INVALID']);
  });

  it('protocolSupportEnumeration must include SAML 2.0; one IDPSSODescriptor only', async () => {
    const saml1 = auth0Metadata().replace('protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"', 'protocolSupportEnumeration="urn:oasis:names:tc:SAML:1.1:protocol"');
    expectOnly(await check(saml1), ['PROTOCOL_UNSUPPORTED']);
    const both = auth0Metadata().replace('protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"', 'protocolSupportEnumeration=" urn:oasis:names:tc:SAML:1.1:protocol  urn:oasis:names:tc:SAML:2.0:protocol "');
    expectOnly(await check(both), []);
    const doc = auth0Metadata();
    const role = /<IDPSSODescriptor[\s\S]*<\/IDPSSODescriptor>/.exec(doc)![0];
    expectOnly(await check(doc.replace(role, role + role)), ['IDP_ROLE_MULTIPLE']);
  });

  it('SSO endpoints: required, https, absolute, no credentials or fragment', async () => {
    const sso = (binding: string, location: string) => `<SingleSignOnService Binding="${binding}" Location="${location}"/>`;
    expectOnly(await check(auth0Metadata({ singleSignOn: '' })), ['SSO_MISSING']);
    expectOnly(await check(auth0Metadata({ singleSignOn: sso('urn:oasis:names:tc:SAML:2.0:bindings:SOAP', 'https://x/') })), ['SSO_MISSING']);
    expectOnly(await check(auth0Metadata({ singleSignOn: sso(REDIRECT, 'http://evil.example/sso') })), ['SSO_NOT_HTTPS']);
    expectOnly(await check(auth0Metadata({ singleSignOn: sso(REDIRECT, '/samlp/x') })), ['SSO_LOCATION_INVALID']);
    expectOnly(await check(auth0Metadata({ singleSignOn: sso(REDIRECT, 'https://user:pw@x.example/sso') })), ['SSO_LOCATION_INVALID']);
    expectOnly(await check(auth0Metadata({ singleSignOn: sso(REDIRECT, 'https://x.example/sso#frag') })), ['SSO_LOCATION_INVALID']);
    expectOnly(await check(auth0Metadata({ singleSignOn: sso(REDIRECT, 'javascript:alert(1)') })), ['SSO_LOCATION_INVALID']);
    expectOnly(await check(auth0Metadata({ singleSignOn: sso(REDIRECT, ' https://x.example/sso ') })), []);
  });

  it('SSO endpoints: http on loopback (the sandbox) warns, POST-only warns', async () => {
    const sso = (binding: string, location: string) => `<SingleSignOnService Binding="${binding}" Location="${location}"/>`;
    const sandbox = await check(auth0Metadata({ singleSignOn: sso(REDIRECT, 'http://127.0.0.1:4010/samlp/x') }), { expectHost: '127.0.0.1:4010' });
    expectOnly(sandbox, [], ['SSO_LOOPBACK_HTTP']);
    const production = await check(auth0Metadata({ singleSignOn: sso(REDIRECT, 'http://127.0.0.1:4010/samlp/x') }), { loopbackHttp: 'error' });
    expectOnly(production, ['SSO_NOT_HTTPS']);
    const knowingly = await check(auth0Metadata({ singleSignOn: sso(REDIRECT, 'http://127.0.0.1:4010/samlp/x') }), { loopbackHttp: 'accept', expectHost: '127.0.0.1' });
    expectOnly(knowingly, []);
    expectOnly(await check(auth0Metadata({ singleSignOn: sso(POST, `https://${DOMAIN}/samlp/x`) })), [], ['SSO_REDIRECT_MISSING']);
  });

  it('SLO endpoints: bad ones warn but do not fail', async () => {
    const doc = auth0Metadata().replace(`Location="https://${DOMAIN}/samlp/${CLIENT_ID}/logout"`, 'Location="http://evil.example/logout"');
    expectOnly(await check(doc), [], ['SLO_LOCATION_INVALID']);
  });

  it('NameID formats: unknown ones warn; a required one must be offered', async () => {
    const email = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
    expectOnly(await check(auth0Metadata(), { requireNameIdFormat: email }), []);
    expectOnly(await check(auth0Metadata({ nameIdFormats: '<NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</NameIDFormat>' }), { requireNameIdFormat: email }), ['NAMEID_FORMAT_NOT_OFFERED']);
    expectOnly(await check(auth0Metadata({ nameIdFormats: '' }), { requireNameIdFormat: email }), [], ['NAMEID_FORMAT_UNLISTED']);
    expectOnly(await check(auth0Metadata({ nameIdFormats: '<NameIDFormat>urn:example:custom</NameIDFormat>' })), [], ['NAMEID_FORMAT_UNKNOWN']);
  });

  it('WantAuthnRequestsSigned is read as xs:boolean', async () => {
    expect((await check(auth0Metadata({ roleAttributes: 'WantAuthnRequestsSigned="1"' }))).wantAuthnRequestsSigned).toBe(true);
    expect((await check(auth0Metadata({ roleAttributes: 'WantAuthnRequestsSigned=" false "' }))).wantAuthnRequestsSigned).toBe(false);
    expect((await check(auth0Metadata())).wantAuthnRequestsSigned).toBeNull();
    expectOnly(await check(auth0Metadata({ roleAttributes: 'WantAuthnRequestsSigned="yes"' })), ['WANT_AUTHN_REQUESTS_SIGNED_INVALID']);
  });

  it('a comment inside a value we read is an error (comment injection)', async () => {
    const cert = certificate().certBase64;
    const split = `${cert.slice(0, 100)}<!-- x -->${cert.slice(100)}`;
    expectOnly(await check(auth0Metadata({ certificates: [split] })), ['XML_COMMENT_IN_VALUE']);
  });

  it('duplicate IDs are an error', async () => {
    const doc = auth0Metadata({ rootAttributes: 'ID="_a"', roleAttributes: 'ID="_a"' });
    expectOnly(await check(doc), ['XML_DUPLICATE_ID']);
  });
});
