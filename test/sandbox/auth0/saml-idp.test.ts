/**
 * The emulated tenant as a SAML IdP, over real HTTP: metadata compared with a real Auth0 document,
 * the login flow for each binding and IdP-initiated SSO, and the SAMLResponse checked with
 * libraries that are not ours (xml-crypto against /pem, and @node-saml/node-saml as an SP would).
 */
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { SAML } from '@node-saml/node-saml';
import { startAuth0Emulator } from '../../../src/sandbox/auth0/index.js';
import type { Auth0Emulator } from '../../../src/sandbox/types.js';
import { defaultButton, formSubmission, readHtmlPage } from '../../../src/login/html-form.js';
import { loginForm } from '../../../src/login/web-login.js';
import { cookieHeaderFrom, managementApi, managementToken, request, type Api } from '../../helpers/auth0-api.js';

const FIXTURES = new URL('../../../fixtures/conformance/', import.meta.url);
const SAMLP_NS = 'urn:oasis:names:tc:SAML:2.0:protocol';
const ASSERTION_NS = 'urn:oasis:names:tc:SAML:2.0:assertion';
const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
const EMAIL_CLAIM = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress';
const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

const SP_ENTITY = 'https://sp.example/saml2/metadata/42';
const ACS = 'https://sp.example/saml2/acs/42';

let emu: Auth0Emulator;
let api: Api;
/** Amplitude-style app: NameID = email (emailAddress), rsa-sha256. */
let amplitudeApp: string;
/** An app whose samlp addon is `{}`: Auth0's defaults apply. */
let defaultsApp: string;

beforeAll(async () => {
  emu = await startAuth0Emulator();
  api = managementApi(emu, await managementToken(emu));
  amplitudeApp = await createApp({
    audience: SP_ENTITY,
    mappings: { email: EMAIL_CLAIM },
    nameIdentifierFormat: EMAIL_FORMAT,
    nameIdentifierProbes: [EMAIL_CLAIM],
    signatureAlgorithm: 'rsa-sha256',
    digestAlgorithm: 'sha256',
  });
  defaultsApp = await createApp({});
});
afterAll(async () => {
  await emu.close();
});

async function createApp(samlp: Record<string, unknown>, callbacks = [ACS, `${ACS}/alt`]): Promise<string> {
  const res = await api('POST', '/clients', { name: 'SAML test app', callbacks, addons: { samlp } });
  expect(res.status).toBe(201);
  return (res.json as { client_id: string }).client_id;
}

function authnRequest(opts: { id: string; issuer: string; acs?: string }): string {
  const acs = opts.acs ? ` AssertionConsumerServiceURL="${opts.acs}"` : '';
  return (
    `<samlp:AuthnRequest xmlns:samlp="${SAMLP_NS}" xmlns:saml="${ASSERTION_NS}" ID="${opts.id}" Version="2.0" ` +
    `IssueInstant="${new Date().toISOString()}" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"${acs}>` +
    `<saml:Issuer>${opts.issuer}</saml:Issuer></samlp:AuthnRequest>`
  );
}

function redirectUrl(clientId: string, xml: string, relayState?: string): string {
  const params = new URLSearchParams({ SAMLRequest: deflateRawSync(Buffer.from(xml)).toString('base64') });
  if (relayState !== undefined) params.set('RelayState', relayState);
  return `${emu.baseUrl}/samlp/${clientId}?${params.toString()}`;
}


interface PostedResponse {
  action: string;
  relayState: string | undefined;
  samlResponse: string;
  xml: string;
  doc: Document;
}

/** Drives the browser part: SSO endpoint → login form → credentials → auto-submitting form. */
async function login(start: Promise<Awaited<ReturnType<typeof request>>>, password = emu.user.password): Promise<PostedResponse> {
  const first = await start;
  expect(first.status).toBe(302);
  // The login is bound to the session cookie the SSO endpoint sets, as at Auth0.
  const cookie = cookieHeaderFrom(first);
  expect(cookie).toMatch(/^auth0=[\w-]+; auth0_compat=[\w-]+$/);
  const loginUrl = new URL(first.headers.get('location')!, emu.baseUrl);
  expect(loginUrl.pathname).toBe('/u/login');

  const page = await request(loginUrl.href, { headers: { cookie } });
  expect(page.status).toBe(200);
  const html = await readHtmlPage(page.text, loginUrl.href);
  const form = loginForm(html)!;
  const submission = formSubmission(form.form, html, defaultButton(form.form), { username: emu.user.email.toUpperCase(), password })!;
  // Auth0's markup: no action (back to /u/login?state=…), the state, and the default button's action=default.
  expect(submission.url).toBe(loginUrl.href);
  expect(submission.entries).toEqual([
    ['state', loginUrl.searchParams.get('state')],
    ['action', 'default'],
    ['username', emu.user.email.toUpperCase()],
    ['password', password],
  ]);

  const posted = await request(submission.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: submission.body!,
  });
  expect(posted.status).toBe(302);
  const resume = await request(new URL(posted.headers.get('location')!, emu.baseUrl).href, { headers: { cookie } });
  expect(resume.status).toBe(200);
  expect(resume.headers.get('content-type')).toMatch(/^text\/html/);
  const auto = await readHtmlPage(resume.text, `${emu.baseUrl}/authorize/resume`);
  const fields = new Map(auto.forms[0]!.controls.map((c) => [c.name, c.value]));
  const samlResponse = fields.get('SAMLResponse')!;
  const xml = Buffer.from(samlResponse, 'base64').toString('utf8');
  return {
    action: formSubmission(auto.forms[0]!, auto, undefined)!.url,
    relayState: fields.get('RelayState'),
    samlResponse,
    xml,
    doc: new DOMParser().parseFromString(xml, 'text/xml'),
  };
}

function one(doc: Document | Element, ns: string, name: string): Element {
  const found = doc.getElementsByTagNameNS(ns, name);
  expect(found.length).toBeGreaterThanOrEqual(1);
  return found[0]!;
}

async function currentPem(): Promise<string> {
  const res = await request(`${emu.baseUrl}/pem`);
  expect(res.status).toBe(200);
  return res.text;
}

/** Verifies the one ds:Signature with xml-crypto and returns the element it covers. */
function verifiedSignedElement(xml: string, doc: Document, pem: string): { element: Element; signatureAlgorithm: string; digestAlgorithm: string } {
  const signatures = doc.getElementsByTagNameNS(DSIG_NS, 'Signature');
  expect(signatures).toHaveLength(1);
  const signature = signatures[0]!;
  const sig = new SignedXml({ publicCert: pem });
  sig.loadSignature(signature.toString());
  expect(sig.checkSignature(xml)).toBe(true);
  const uri = one(signature, DSIG_NS, 'Reference').getAttribute('URI')!;
  const element = signature.parentNode as Element;
  expect(`#${element.getAttribute('ID')}`).toBe(uri);
  return {
    element,
    signatureAlgorithm: one(signature, DSIG_NS, 'SignatureMethod').getAttribute('Algorithm')!,
    digestAlgorithm: one(signature, DSIG_NS, 'DigestMethod').getAttribute('Algorithm')!,
  };
}

function attributes(doc: Document): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const a of Array.from(doc.getElementsByTagNameNS(ASSERTION_NS, 'Attribute'))) {
    out[a.getAttribute('Name')!] = Array.from(a.getElementsByTagNameNS(ASSERTION_NS, 'AttributeValue')).map((v) => v.textContent ?? '');
  }
  return out;
}

describe('metadata', () => {
  test('has the structure of a real Auth0 document, with the sandbox host, http and the current cert', async () => {
    const res = await request(`${emu.baseUrl}/samlp/metadata/${amplitudeApp}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/xml');
    expect(res.text.startsWith('<EntityDescriptor ')).toBe(true); // no XML declaration, default namespace

    const cert = new X509Certificate(await currentPem());
    const certB64 = cert.raw.toString('base64');
    // A real document (2023) with its tenant-specific values swapped for the sandbox's.
    const real = readFileSync(new URL('auth0-idp-metadata-2023.xml', FIXTURES), 'utf8');
    const realClient = /samlp\/([A-Za-z0-9]{32})"/.exec(real)![1]!;
    const expected = real
      .replace(/<X509Certificate>[^<]+<\/X509Certificate>/, `<X509Certificate>${certB64}</X509Certificate>`)
      .replaceAll('urn:dev-rd4ugvvduiwgubhu.us.auth0.com', `urn:${emu.domain}`)
      .replaceAll('https://dev-rd4ugvvduiwgubhu.us.auth0.com', emu.baseUrl)
      .replaceAll(realClient, amplitudeApp)
      .trimEnd();
    expect(res.text.trimEnd()).toBe(expected);
    expect(cert.subject).toBe(`CN=${emu.domain}`);
  });

  test('is 404 for an unknown client and for a client without the samlp addon', async () => {
    expect((await request(`${emu.baseUrl}/samlp/metadata/nope`)).status).toBe(404);
    expect((await request(`${emu.baseUrl}/samlp/metadata/${emu.management.clientId}`)).status).toBe(404);
  });

  test('/pem and /cer serve the current signing certificate', async () => {
    const pem = await currentPem();
    const cer = await fetch(`${emu.baseUrl}/cer`);
    const der = Buffer.from(await cer.arrayBuffer());
    expect(new X509Certificate(pem).raw.equals(der)).toBe(true);
    const current = emu.tenant.signingKeys().find((k) => k.current)!;
    expect(new X509Certificate(current.cert).fingerprint256).toBe(new X509Certificate(der).fingerprint256);
  });
});

describe('SP-initiated login', () => {
  test('Redirect binding: signed assertion per the addon, NameID = email, audience/recipient/destination', async () => {
    const id = '_req-redirect-1';
    const posted = await login(request(redirectUrl(amplitudeApp, authnRequest({ id, issuer: 'urn:ignored-by-addon-audience', acs: ACS }), 'relay/state?x=1')));
    expect(posted.action).toBe(ACS);
    expect(posted.relayState).toBe('relay/state?x=1');

    const { element, signatureAlgorithm, digestAlgorithm } = verifiedSignedElement(posted.xml, posted.doc, await currentPem());
    expect(element.localName).toBe('Assertion');
    expect(signatureAlgorithm).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    expect(digestAlgorithm).toBe('http://www.w3.org/2001/04/xmlenc#sha256');

    const response = posted.doc.documentElement!;
    expect(response.localName).toBe('Response');
    expect(response.getAttribute('Destination')).toBe(ACS);
    expect(response.getAttribute('InResponseTo')).toBe(id);
    expect(one(posted.doc, ASSERTION_NS, 'Issuer').textContent).toBe(`urn:${emu.domain}`);
    expect(one(posted.doc, ASSERTION_NS, 'Audience').textContent).toBe(SP_ENTITY);
    const confirmation = one(posted.doc, ASSERTION_NS, 'SubjectConfirmationData');
    expect(confirmation.getAttribute('Recipient')).toBe(ACS);
    expect(confirmation.getAttribute('InResponseTo')).toBe(id);
    const nameId = one(posted.doc, ASSERTION_NS, 'NameID');
    expect(nameId.textContent).toBe(emu.user.email);
    expect(nameId.getAttribute('Format')).toBe(EMAIL_FORMAT);

    const attrs = attributes(posted.doc);
    expect(attrs[EMAIL_CLAIM]).toEqual([emu.user.email]);
    expect(attrs['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname']).toEqual([emu.user.givenName]);
    expect(attrs['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname']).toEqual([emu.user.familyName]);
    expect(attrs['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier']).toEqual([emu.user.userId]);
    expect(attrs['http://schemas.auth0.com/clientID']).toEqual([amplitudeApp]);

    // Lifetime: Auth0's default 3600 s.
    const conditions = one(posted.doc, ASSERTION_NS, 'Conditions');
    const lifetime = Date.parse(conditions.getAttribute('NotOnOrAfter')!) - Date.parse(conditions.getAttribute('NotBefore')!);
    expect(lifetime).toBe(3600_000);
  });

  test('POST binding with Auth0 defaults: rsa-sha1/sha1, audience = the request Issuer, NameID = user_id', async () => {
    const id = '_req-post-1';
    const body = new URLSearchParams({
      SAMLRequest: Buffer.from(authnRequest({ id, issuer: 'urn:sp:entity', acs: `${ACS}/alt` })).toString('base64'),
      RelayState: 'r2',
    });
    const posted = await login(request(`${emu.baseUrl}/samlp/${defaultsApp}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }));
    expect(posted.action).toBe(`${ACS}/alt`);
    expect(posted.relayState).toBe('r2');
    const { element, signatureAlgorithm, digestAlgorithm } = verifiedSignedElement(posted.xml, posted.doc, await currentPem());
    expect(element.localName).toBe('Assertion');
    expect(signatureAlgorithm).toBe('http://www.w3.org/2000/09/xmldsig#rsa-sha1');
    expect(digestAlgorithm).toBe('http://www.w3.org/2000/09/xmldsig#sha1');
    expect(one(posted.doc, ASSERTION_NS, 'Audience').textContent).toBe('urn:sp:entity');
    const nameId = one(posted.doc, ASSERTION_NS, 'NameID');
    expect(nameId.textContent).toBe(emu.user.userId);
    expect(nameId.getAttribute('Format')).toBe('urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified');
    expect(attributes(posted.doc)['http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn']).toEqual([emu.user.email]);
  });

  test('signResponse signs the Response instead of the Assertion', async () => {
    const app = await createApp({ audience: SP_ENTITY, signResponse: true });
    const posted = await login(request(redirectUrl(app, authnRequest({ id: '_sr', issuer: SP_ENTITY, acs: ACS }))));
    const { element } = verifiedSignedElement(posted.xml, posted.doc, await currentPem());
    expect(element.localName).toBe('Response');
  });

  test('an ACS that is not in callbacks gets a 400 "Callback URL mismatch" page', async () => {
    const res = await request(redirectUrl(amplitudeApp, authnRequest({ id: '_bad', issuer: SP_ENTITY, acs: 'https://evil.example/acs' })));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.text).toContain('Callback URL mismatch');
    expect(res.text).toContain('https://evil.example/acs');
  });

  test('unknown clients, clients without the addon and garbage requests get error pages', async () => {
    expect((await request(`${emu.baseUrl}/samlp/nope`)).status).toBe(400);
    const noAddon = await request(`${emu.baseUrl}/samlp/${emu.management.clientId}`);
    expect(noAddon.status).toBe(400);
    expect(noAddon.text).toContain('SAML2 Web App addon');
    const garbage = await request(`${emu.baseUrl}/samlp/${amplitudeApp}?SAMLRequest=${encodeURIComponent(Buffer.from('not xml at all').toString('base64'))}`);
    expect(garbage.status).toBe(400);
    // A deflate bomb (10 MB of XML in ~10 KB) is refused before samlp inflates it.
    const bomb = deflateRawSync(Buffer.from(`<samlp:AuthnRequest xmlns:samlp="${SAMLP_NS}">${'<a/>'.repeat(2_500_000)}</samlp:AuthnRequest>`));
    const refused = await request(`${emu.baseUrl}/samlp/${amplitudeApp}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ SAMLRequest: bomb.toString('base64') }),
    });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('too large');
  });

  test('wrong credentials re-show the form with an error; a used or unknown state is refused', async () => {
    const first = await request(redirectUrl(amplitudeApp, authnRequest({ id: '_pw', issuer: SP_ENTITY, acs: ACS })));
    const cookie = cookieHeaderFrom(first);
    const state = new URL(first.headers.get('location')!, emu.baseUrl).searchParams.get('state')!;
    const wrong = await request(`${emu.baseUrl}/u/login?state=${encodeURIComponent(state)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({ state, username: emu.user.email, password: 'wrong' }),
    });
    expect(wrong.status).toBe(400);
    const page = await readHtmlPage(wrong.text, `${emu.baseUrl}/u/login`);
    expect(page.alerts).toEqual(['Wrong email or password']);
    expect(loginForm(page)?.password?.name).toBe('password');
    // Skipping the login is not possible.
    expect((await request(`${emu.baseUrl}/authorize/resume?state=${encodeURIComponent(state)}`, { headers: { cookie } })).status).toBe(400);
    expect((await request(`${emu.baseUrl}/u/login?state=forged`, { headers: { cookie } })).status).toBe(400);
  });

  test("a login without its session cookie gets Auth0's couldn't-find-your-session error", async () => {
    const first = await request(redirectUrl(amplitudeApp, authnRequest({ id: '_nc', issuer: SP_ENTITY, acs: ACS })));
    const loginUrl = new URL(first.headers.get('location')!, emu.baseUrl).href;
    for (const headers of [{}, { cookie: 'auth0=someone-else' }] as Record<string, string>[]) {
      const page = await request(loginUrl, { headers });
      expect(page.status).toBe(400);
      expect(page.text).toContain("since we couldn&#39;t find your session");
    }
    // The fallback cookie alone is enough (browsers that drop SameSite=None cookies).
    const compat = cookieHeaderFrom(first).split('; ').find((c) => c.startsWith('auth0_compat='))!;
    expect((await request(loginUrl, { headers: { cookie: compat } })).status).toBe(200);
  });
});

test('IdP-initiated: no SAMLRequest, the response goes to callbacks[0] without InResponseTo', async () => {
  const posted = await login(request(`${emu.baseUrl}/samlp/${amplitudeApp}?RelayState=deep-link`));
  expect(posted.action).toBe(ACS);
  expect(posted.relayState).toBe('deep-link');
  expect(posted.doc.documentElement!.getAttribute('InResponseTo')).toBeNull();
  expect(one(posted.doc, ASSERTION_NS, 'SubjectConfirmationData').getAttribute('Recipient')).toBe(ACS);
  expect(one(posted.doc, ASSERTION_NS, 'Audience').textContent).toBe(SP_ENTITY);
  verifiedSignedElement(posted.xml, posted.doc, await currentPem());
});

test('an SP library (node-saml) accepts the response, and rejects it with one signed byte changed', async () => {
  const id = '_nodesaml-1';
  const posted = await login(request(redirectUrl(amplitudeApp, authnRequest({ id, issuer: SP_ENTITY, acs: ACS }))));
  const sp = new SAML({
    idpCert: await currentPem(),
    issuer: SP_ENTITY,
    audience: SP_ENTITY,
    callbackUrl: ACS,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    validateInResponseTo: 'never' as never,
  });
  const { profile } = await sp.validatePostResponseAsync({ SAMLResponse: posted.samlResponse });
  expect(profile?.nameID).toBe(emu.user.email);
  expect(profile?.nameIDFormat).toBe(EMAIL_FORMAT);
  expect(profile?.issuer).toBe(`urn:${emu.domain}`);

  const tampered = posted.xml.replace(`>${emu.user.email}</saml:NameID>`, `>mallory@sandbox.example</saml:NameID>`);
  expect(tampered).not.toBe(posted.xml);
  await expect(sp.validatePostResponseAsync({ SAMLResponse: Buffer.from(tampered).toString('base64') })).rejects.toThrow();
});

test('after a key rotation the IdP signs with the new current key and the metadata shows it', async () => {
  const before = await currentPem();
  emu.tenant.rotateSigningKey();
  const after = await currentPem();
  expect(after).not.toBe(before);
  const metadata = await request(`${emu.baseUrl}/samlp/metadata/${amplitudeApp}`);
  expect(metadata.text).toContain(new X509Certificate(after).raw.toString('base64'));
  const posted = await login(request(redirectUrl(amplitudeApp, authnRequest({ id: '_rot', issuer: SP_ENTITY, acs: ACS }))));
  verifiedSignedElement(posted.xml, posted.doc, after);
  const stale = new SignedXml({ publicCert: before });
  stale.loadSignature(posted.doc.getElementsByTagNameNS(DSIG_NS, 'Signature')[0]!.toString());
  expect(() => stale.checkSignature(posted.xml)).toThrow();
});

test('with the addon at its defaults, the response has the shape of a real Auth0 response', async () => {
  const real = new DOMParser().parseFromString(readFileSync(new URL('auth0-samlp-response.gosaml2-2016.scrubbed.xml', FIXTURES), 'utf8'), 'text/xml');
  const posted = await login(request(`${emu.baseUrl}/samlp/${defaultsApp}`));
  const children = (e: Element): string[] => Array.from(e.childNodes).filter((n): n is Element => n.nodeType === 1 && n.localName !== 'Signature').map((n) => n.localName!);
  expect(children(posted.doc.documentElement!)).toEqual(children(real.documentElement!)); // Issuer, Status, Assertion
  const assertion = (d: Document): Element => one(d, ASSERTION_NS, 'Assertion');
  // saml@4 appends the AttributeStatement after the AuthnStatement; the 2016 service had it before.
  expect(children(assertion(posted.doc)).sort()).toEqual(children(assertion(real)).sort());
  expect(one(posted.doc, ASSERTION_NS, 'SubjectConfirmation').getAttribute('Method')).toBe('urn:oasis:names:tc:SAML:2.0:cm:bearer');
  expect(one(posted.doc, ASSERTION_NS, 'AuthnContextClassRef').textContent).toBe(one(real, ASSERTION_NS, 'AuthnContextClassRef').textContent);

  // Every claim the real default mapping emitted, except properties the sandbox user lacks
  // (`locale`) and the flattened `identities` array that the 2016 service rendered as "[object Object]".
  const expected = Object.keys(attributes(real)).filter((n) => !n.endsWith('/locale') && n !== 'http://schemas.auth0.com/identities');
  expect(Object.keys(attributes(posted.doc))).toEqual(expect.arrayContaining(expected));
});
