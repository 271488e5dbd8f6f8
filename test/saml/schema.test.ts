import { checkMetadata, type MetadataReport } from '../../src/saml/check-metadata.js';
import { interpretSchemaErrors, splitOutput, validateMetadataSchema } from '../../src/saml/schema.js';
import { fixture, NOW } from './metadata-builder.js';

// Each validation starts a worker and libxml2 (~150-200 ms), so this file checks a few documents only.
const check = (name: string): Promise<MetadataReport> => checkMetadata(fixture(name), { now: NOW, warnDays: 30, schema: true });
const codes = (r: MetadataReport) => ({ errors: r.errors.map((f) => f.code), warnings: r.warnings.map((f) => f.code) });

describe('XML Schema validation (--schema)', () => {
  it('accepts a real Auth0 document against the shipped XSDs', async () => {
    const r = await check('auth0-idp-aws-security-project-0an-2025-repo-unknown.xml');
    expect(r.schemaValidated).toBe(true);
    expect(codes(r)).toEqual({ errors: [], warnings: [] });
  });

  it('refuses a schema-invalid document (Keycloak 4: KeyDescriptor after SingleSignOnService), naming the line', async () => {
    const r = await check('keycloak-realm-descriptor.xml');
    expect(codes(r).errors).toEqual(['SCHEMA_INVALID']);
    expect(r.errors[0]!.message).toMatch(/line \d+: Element 'md:KeyDescriptor': This element is not expected/);
  });

  it("warns, without failing, about Entra's WS-Federation RoleDescriptors it cannot validate", async () => {
    const r = await check('entra-azuread-federationmetadata-signed.xml');
    expect(r.valid).toBe(true);
    expect(codes(r).warnings).toEqual(['CERT_EXPIRED_ROTATION', 'SIGNATURE_SIGNER_NOT_PINNED', 'SCHEMA_EXTENSION_NOT_VALIDATED', 'SCHEMA_EXTENSION_NOT_VALIDATED']);
    expect(r.warnings[2]!.message).toContain('fed:SecurityTokenServiceType');
  });

  it('also catches the signature-wrapping sample', async () => {
    expect(codes(await check('attacks/xsw-entra-signed-entity-wrapped-in-extensions.xml')).errors).toEqual(['KEY_SIGNING_MISSING', 'SIGNATURE_MISPLACED', 'SCHEMA_INVALID']);
  });
});

describe('documents validated together (the orgs of a fleet)', () => {
  it('gives each concurrent document its own verdict from one shared libxml2 run', async () => {
    const good = fixture('auth0-idp-aws-security-project-0an-2025-repo-unknown.xml').toString('utf8');
    const bad = good.replace('<KeyDescriptor', '<Bogus/><KeyDescriptor');
    expect(bad).not.toBe(good);
    const results = await Promise.all([good, bad, good, 'not xml <a', good].map((text) => validateMetadataSchema(text)));
    expect(results[0]).toEqual([]);
    expect(results[1]!.map((f) => f.code)).toEqual(['SCHEMA_INVALID']);
    expect(results[1]![0]!.message).toMatch(/line \d+: Element 'md:Bogus': This element is not expected/);
    expect(results[2]).toEqual([]);
    expect(results[3]!.map((f) => f.code)).toEqual(['SCHEMA_INVALID']);
    expect(results[4]).toEqual([]);
  });

  it("splits xmllint's report by document name (metadata-1 is not metadata-10), dropping context lines", () => {
    const names = Array.from({ length: 11 }, (_, i) => `metadata-${i}.xml`);
    const output = [
      'metadata-0.xml validates',
      "metadata-1.xml:3: Schemas validity error : Element 'x': This element is not expected.",
      'metadata-1.xml fails to validate',
      "metadata-10.xml:1: parser error : Couldn't find end of Start Tag a line 1",
      '<a',
      '  ^',
      '',
    ].join('\n');
    const docs = splitOutput(output, names);
    expect(docs[0]).toEqual({ valid: true, errors: [] });
    expect(docs[1]).toEqual({ valid: false, errors: [{ message: "Schemas validity error : Element 'x': This element is not expected.", loc: { lineNumber: 3 } }] });
    expect(docs[10]!.valid).toBe(false);
    expect(docs[10]!.errors).toHaveLength(1);
    // A document xmllint said nothing about is not valid.
    expect(docs[5]).toEqual({ valid: false, errors: [] });
  });
});

describe('interpretSchemaErrors', () => {
  const unresolved = (type: string) => ({
    message: `Schemas validity error : Element '{urn:oasis:names:tc:SAML:2.0:metadata}RoleDescriptor', attribute '{http://www.w3.org/2001/XMLSchema-instance}type': The QName value '{urn:example:ext}${type}' of the xsi:type attribute does not resolve to a type definition.`,
    loc: { lineNumber: 3 },
  });
  const abstract = { message: "Schemas validity error : Element '{urn:oasis:names:tc:SAML:2.0:metadata}RoleDescriptor': The type definition is abstract.", loc: { lineNumber: 3 } };

  it('turns an unknown RoleDescriptor type into one warning per type, keeping other errors', () => {
    const other = { message: "Schemas validity error : Element '{urn:oasis:names:tc:SAML:2.0:metadata}IDPSSODescriptor', attribute 'x': The attribute 'x' is not allowed.", loc: { lineNumber: 9 } };
    const findings = interpretSchemaErrors([unresolved('A'), abstract, unresolved('A'), abstract, other]);
    expect(findings.map((f) => f.code)).toEqual(['SCHEMA_EXTENSION_NOT_VALIDATED', 'SCHEMA_INVALID']);
    expect(findings[1]!.message).toContain("line 9: Element 'md:IDPSSODescriptor', attribute 'x'");
  });

  it('keeps an abstract-type error that is not explained by an unknown extension type', () => {
    expect(interpretSchemaErrors([abstract]).map((f) => f.code)).toEqual(['SCHEMA_INVALID']);
  });

  it('caps the number of findings', () => {
    const many = Array.from({ length: 25 }, (_, i) => ({ message: `error ${i}`, loc: null }));
    const findings = interpretSchemaErrors(many);
    expect(findings).toHaveLength(11);
    expect(findings[10]!.message).toContain('15 more');
  });
});
