import { EMAIL_CLAIM, NAMEID_EMAIL, NAMEID_UNSPECIFIED, applyAmplitudeRules, isEmail, resolveEmail, type LoginFacts } from '../../../src/sandbox/amplitude/amplitude-rules.js';
import { prefersJson } from '../../../src/sandbox/amplitude/pages.js';

const ACS = 'http://127.0.0.1:1/saml/2/acs/123456';
const good: LoginFacts = {
  issuer: 'urn:tenant.auth0.com',
  nameId: 'alice@example.com',
  nameIdFormat: NAMEID_EMAIL,
  attributes: { [EMAIL_CLAIM]: 'alice@example.com' },
  destination: ACS,
  recipients: [ACS],
};
const expect_ = { acsUrl: ACS, idpEntityId: 'urn:tenant.auth0.com', emailPolicy: 'subject' as const };
const verdict = (f: Partial<LoginFacts>) => {
  const v = applyAmplitudeRules({ ...good, ...f }, expect_);
  return v.ok ? v.email : v.rejection.code;
};

describe("Amplitude's login rules", () => {
  it('accept the profile sso-setup configures', () => {
    expect(verdict({})).toBe('alice@example.com');
    expect(verdict({ nameIdFormat: undefined })).toBe('alice@example.com');
    expect(verdict({ nameIdFormat: NAMEID_UNSPECIFIED, recipients: [] })).toBe('alice@example.com');
  });

  it('name the first thing that is wrong', () => {
    expect(verdict({ destination: undefined })).toBe('SAML_DESTINATION_MISMATCH');
    expect(verdict({ destination: 'https://amplitude.com/saml/2/acs/123456' })).toBe('SAML_DESTINATION_MISMATCH');
    expect(verdict({ recipients: [ACS, 'https://elsewhere.example/acs'] })).toBe('SAML_RECIPIENT_MISMATCH');
    expect(verdict({ issuer: 'urn:other' })).toBe('SAML_ISSUER_MISMATCH');
    expect(verdict({ attributes: {} })).toBe('SAML_ATTRIBUTES_EMPTY');
    expect(verdict({ attributes: { email: ['', '  '] } })).toBe('SAML_ATTRIBUTES_EMPTY');
    expect(verdict({ nameId: undefined })).toBe('SAML_NAMEID_NOT_EMAIL');
    expect(verdict({ nameId: 'auth0|abc' })).toBe('SAML_NAMEID_NOT_EMAIL');
    expect(verdict({ nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient' })).toBe('SAML_NAMEID_NOT_EMAIL');
  });

  it("look the email up in Amplitude's documented order under the lookup policy", () => {
    const lookup = (nameId: string | undefined, attributes: Record<string, string | string[]>) => {
      const r = resolveEmail({ nameId, nameIdFormat: NAMEID_UNSPECIFIED, attributes }, 'lookup');
      return r.ok ? r.email : undefined;
    };
    const all = { email: 'c@example.com', EmailAddress: 'b@example.com', [EMAIL_CLAIM.toUpperCase()]: 'a@example.com' };
    expect(lookup('subject@example.com', all)).toBe('subject@example.com');
    expect(lookup('auth0|1', all)).toBe('a@example.com');
    expect(lookup('auth0|1', { email: 'c@example.com', EmailAddress: 'b@example.com' })).toBe('b@example.com');
    expect(lookup(undefined, { EMAIL: ['not an email', 'c@example.com'] })).toBe('c@example.com');
    expect(lookup('auth0|1', { mail: 'm@example.com' })).toBeUndefined();
  });

  it('take a plain view of what an email is', () => {
    for (const ok of ['a@b.co', 'first.last+tag@sub.example.com']) expect(isEmail(ok)).toBe(true);
    for (const bad of ['', 'a@b', 'a b@c.com', '@c.com', 'a@@c.com', 'a@c.com.', `${'x'.repeat(250)}@c.com`]) expect(isEmail(bad)).toBe(false);
  });
});

describe('content negotiation at the ACS', () => {
  it.each([
    [undefined, false],
    ['*/*', false],
    ['application/json', true],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', false],
    ['application/json, text/html;q=0.5', true],
    ['text/html;q=0.1, application/*', true],
  ])('Accept %p prefers JSON: %p', (accept, json) => {
    expect(prefersJson(accept)).toBe(json);
  });
});
