/**
 * Any SAML SP from its metadata (`apply --sp-metadata`, `sp` in the config file), against the sandbox:
 * real SP metadata documents (fixtures/sp-metadata, fixtures/metadata: provenance beside them) configure
 * the Auth0 application (callbacks = the POST ACS, audience = entity ID, the NameID format the SP lists),
 * the IdP metadata is handed over as a file with generic steps, a re-run changes nothing, verify probes
 * with the SP's entity ID and ACS, destroy removes it. Hostile or wrong SP metadata changes nothing.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { REPO_ROOT, runCli, spawnCli, type CliResult } from '../helpers/run-cli.js';
import { markedClients, removeDir, tempDir, useSandbox } from '../helpers/sandbox.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { issueSelfSigned, type IssuedCertificate } from '../../src/sandbox/x509.js';

jest.setTimeout(120_000);

const EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

/**
 * Real SP metadata documents and what the checker reads from them (PROVENANCE.md beside each). None has
 * a validUntil: ruby-saml's document (valid until 2030-05-31) would make the suite depend on the date.
 * Their expired SP certificates are warnings (an IdP does not need them unless requests are signed).
 */
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const REAL_SPS = [
  {
    file: 'fixtures/metadata/auth0-SP-metadata-Samleiki-NOT-IDP.xml',
    entityId: 'urn:auth0:auth0-service-provider-test:Samleiki',
    acs: 'https://auth0-service-provider-test.eu.auth0.com/login/callback?connection=Samleiki',
    nameIdFormat: EMAIL,
    // AuthnRequestsSigned="true" with its certificate: Auth0 is told to check its requests (signingCert).
    signsRequests: true,
  },
  {
    file: 'fixtures/metadata/auth0-SP-metadata-SAMLconection-NOT-IDP.xml',
    entityId: 'urn:auth0:auth0-service-provider-test:SAMLconection',
    acs: 'https://auth0-service-provider-test.eu.auth0.com/login/callback?connection=SAMLconection',
    nameIdFormat: EMAIL,
    signsRequests: true,
  },
  {
    // Sanity.io lists only persistent: the NameID is the user ID, not the email.
    file: 'fixtures/sp-metadata/sanity-tormodu-sso-saml-example.xml',
    entityId: 'https://sso.sanity.io/saml/a46e0104',
    acs: 'https://api.sanity.io/v2021-10-01/auth/saml/callback/a46e0104',
    nameIdFormat: PERSISTENT,
  },
  {
    // Shibboleth SP: six ACS endpoints, one of them HTTP-POST; no NameID format listed.
    file: 'fixtures/sp-metadata/shibboleth-sp-unicon-idp-testbed.xml',
    entityId: 'https://sp.idptestbed/shibboleth',
    acs: 'https://idptestbed/Shibboleth.sso/SAML2/POST',
    nameIdFormat: EMAIL,
  },
  {
    file: 'fixtures/sp-metadata/simplesamlphp-sp-unicon-idp-testbed.xml',
    entityId: 'http://idptestbed/sp/simplesamlphp',
    acs: 'https://idptestbed/simplesaml/module.php/saml/sp/saml2-acs.php/default-sp',
    nameIdFormat: EMAIL,
  },
  {
    // AD FS federation metadata: signed, with an IdP role beside the SP role.
    file: 'fixtures/sp-metadata/adfs-mbelouar-e2ip-iam-lab.xml',
    entityId: 'http://adfs.my-lab.local/adfs/services/trust',
    acs: 'https://adfs.my-lab.local/adfs/ls/',
    nameIdFormat: EMAIL,
  },
];

interface Check {
  id: string;
  status: string;
  message: string;
  hint?: string;
}

let cwd: string;
beforeAll(() => {
  cwd = tempDir();
});
afterAll(() => removeDir(cwd));

const sandbox = useSandbox();

/** The sandbox's env without a test user: the real SPs' hosts are not reachable from a test. */
function env(sb: Sandbox, extra: Record<string, string> = {}): Record<string, string> {
  return { ...sb.env, SANDBOX_USER_EMAIL: '', SANDBOX_USER_PASSWORD: '', ...extra };
}

function run(sb: Sandbox, args: string[], extra: Record<string, string> = {}): Promise<CliResult> {
  return spawnCli(args, { cwd, env: env(sb, extra), timeoutMs: 60_000 });
}

function clientsMarked(sb: Sandbox, value: string): Record<string, unknown>[] {
  return sb.auth0.tenant.listClients().filter((c) => (c.client_metadata as Record<string, string> | undefined)?.sso_setup === value);
}

function fixture(path: string): string {
  return join(REPO_ROOT, path);
}

describe('apply --sp-metadata with real SP metadata', () => {
  it.each(REAL_SPS)('$file configures the Auth0 application from the SP metadata', async (sp) => {
    const sb = sandbox();
    const r = await run(sb, ['apply', '--json', '--sp-metadata', fixture(sp.file)]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.exitCode).toBe(0);
    const [client, ...others] = clientsMarked(sb, `saml:${sp.entityId}`);
    expect(others).toEqual([]);
    expect(client).toMatchObject({ app_type: 'regular_web', callbacks: [sp.acs] });
    const samlp = (client!.addons as Record<string, Record<string, unknown>>).samlp!;
    expect(samlp).toMatchObject({ audience: sp.entityId, recipient: sp.acs, destination: sp.acs, nameIdentifierFormat: sp.nameIdFormat, signResponse: false, signatureAlgorithm: 'rsa-sha256' });
    expect(samlp.signingCert === undefined).toBe(!('signsRequests' in sp));
    expect(samlp.nameIdentifierProbes).toEqual([sp.nameIdFormat === PERSISTENT ? 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier' : 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress']);
    const result = JSON.parse(r.stdout) as { sp: { delivery: string; target: string }; manualSteps: string[] };
    expect(result.sp.delivery).toBe('manual');
    // The IdP metadata is handed over as a file, named after the SP, with steps that name no Amplitude.
    expect(readFileSync(result.sp.target, 'utf8')).toContain('IDPSSODescriptor');
    expect(result.manualSteps.join('\n')).toContain(result.sp.target);
    expect(result.manualSteps.join('\n')).not.toMatch(/Amplitude/);
    // The Amplitude org of the same sandbox is untouched.
    expect(markedClients(sb)).toEqual([]);
  });

  it('a full story: re-apply changes nothing, verify probes as the SP, confirm-upload, destroy', async () => {
    const sb = sandbox();
    const sp = REAL_SPS[3]!;
    const args = ['--sp-metadata', fixture(sp.file), '--metadata-file', 'shibboleth-idp.xml', '--app-name', 'Shibboleth SP'];
    const first = await run(sb, ['apply', '--json', ...args]);
    expect(first.exitCode).toBe(0);
    const again = await run(sb, ['apply', '--json', ...args]);
    expect(again.exitCode).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ changed: false, idp: { action: 'none' }, sp: { action: 'none' } });

    const verify = await run(sb, ['verify', '--json', ...args]);
    expect(verify.stderr).not.toMatch(/\n\s+at /);
    const checks = (JSON.parse(verify.stdout) as { checks: Check[] }).checks;
    const check = (id: string) => checks.find((c) => c.id === id)!;
    expect(check('idp.client')).toMatchObject({ status: 'pass', message: expect.stringContaining('as sp.idptestbed needs') });
    // The IdP answered an AuthnRequest carrying the SP's entity ID and ACS.
    expect(check('sso.probe').status).toBe('pass');
    expect(check('sp.trust')).toMatchObject({ status: 'warn', hint: expect.stringContaining("sp.idptestbed's SAML settings") });
    expect(check('sso.login').status).toBe('skip');
    expect(verify.exitCode).toBe(0);

    const certificate = (JSON.parse(first.stdout) as { metadata: { certificates: { sha256: string }[] } }).metadata.certificates[0]!.sha256;
    const confirm = await run(sb, ['confirm-upload', '--fingerprint', certificate, ...args]);
    expect(confirm.exitCode).toBe(0);
    expect(confirm.stdout).toContain('was uploaded in sp.idptestbed');
    const after = await run(sb, ['verify', '--json', ...args]);
    expect((JSON.parse(after.stdout) as { checks: Check[] }).checks.find((c) => c.id === 'sp.trust')!.status).toBe('pass');

    const destroy = await run(sb, ['destroy', '--yes', ...args]);
    expect(destroy.exitCode).toBe(0);
    expect(destroy.stdout).toContain('Left to you, in sp.idptestbed:');
    expect(clientsMarked(sb, `saml:${sp.entityId}`)).toEqual([]);
  });

  it('reads the SP metadata from the config file (sp.metadata) and from a URL', async () => {
    const sb = sandbox();
    const sp = REAL_SPS[3]!;
    const server = await serve(readFileSync(fixture(sp.file)));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/saml/metadata`;
      const config = join(cwd, 'generic.json');
      writeFileSync(config, JSON.stringify({ sp: { metadata: url, metadataFile: 'from-url.xml' }, application: { name: 'Shibboleth test SP' } }));
      const r = await run(sb, ['apply', '--json', '--config', config]);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.exitCode).toBe(0);
      expect(clientsMarked(sb, `saml:${sp.entityId}`)).toEqual([expect.objectContaining({ name: 'Shibboleth test SP', callbacks: [sp.acs] })]);
      expect(existsSync(join(cwd, 'from-url.xml'))).toBe(true);
      await run(sb, ['destroy', '--yes', '--config', config]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('hostile or wrong SP metadata changes nothing', () => {
  const minimalSp = (acs: string, extra = '') =>
    `<?xml version="1.0"?>\n<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp.example.com/saml">` +
    `<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${extra}` +
    `<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${acs}" index="0"/>` +
    '</md:SPSSODescriptor></md:EntityDescriptor>';
  const cases: [string, string, string[]][] = [
    ['an entity expanding in the ACS (DOCTYPE)', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "https://evil.example/acs">]>' + minimalSp('&a;').replace('<?xml version="1.0"?>\n', ''), ['XML_DOCTYPE_FORBIDDEN']],
    ['a javascript: ACS', minimalSp('javascript:alert(1)'), ['ACS_LOCATION_INVALID']],
    ['a plain-http ACS on a public host', minimalSp('http://sp.example.com/acs'), ['ACS_NOT_HTTPS']],
    ['a comment inside the NameID format', minimalSp('https://sp.example.com/acs', '<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:<!-- x -->emailAddress</md:NameIDFormat>'), ['XML_COMMENT_IN_VALUE']],
    ['no HTTP-POST ACS (Artifact only)', minimalSp('https://sp.example.com/acs').replace('bindings:HTTP-POST', 'bindings:HTTP-Artifact'), ['ACS_MISSING']],
  ];

  it.each(cases)('%s', async (_name, xml, codes) => {
    const sb = sandbox();
    const file = join(cwd, `hostile-${codes[0]}.xml`);
    writeFileSync(file, xml);
    const before = sb.auth0.tenant.listClients().length;
    const r = await runCli(['apply', '--json', '--sp-metadata', file], { env: env(sb), cwd });
    expect(r.exitCode).toBe(2);
    const error = JSON.parse(r.stdout) as { error: { code: string; details: { errors: { code: string }[] } } };
    expect(error.error.code).toBe('SP_METADATA_INVALID');
    expect(error.error.details.errors.map((e) => e.code)).toEqual(expect.arrayContaining(codes));
    expect(sb.auth0.tenant.listClients().length).toBe(before);
  });

  it.each([
    ['fixtures/metadata/attacks/billion-laughs.xml', 'XML_DOCTYPE_FORBIDDEN'],
    ['fixtures/metadata/attacks/xxe-file-entity.xml', 'XML_DOCTYPE_FORBIDDEN'],
    ['fixtures/metadata/attacks/numeric-charref-flood.xml', 'INPUT_TOO_LARGE'],
    ['fixtures/metadata/attacks/two-root-elements.xml', 'XML_MULTIPLE_ROOTS'],
    ['fixtures/sp-metadata/crewjam-saml-zitadel-EXPIRED.xml', 'METADATA_EXPIRED'],
    ['fixtures/sp-metadata/samlify-spmeta-NO-NAMESPACE.xml', 'METADATA_WRONG_ROOT'],
    // IdP metadata where the SP's belongs: the usual mix-up.
    ['fixtures/metadata/attacks/http-sso-location.xml', 'METADATA_NOT_SP'],
  ])('%s is refused with %s, in text too, and nothing is created', async (file, code) => {
    const sb = sandbox();
    const before = sb.auth0.tenant.listClients().length;
    const r = await runCli(['apply', '--sp-metadata', fixture(file)], { env: env(sb), cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('failed the checks');
    expect(r.stderr).toContain(code);
    expect(r.stderr).toContain('sso-setup metadata check --role sp');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(sb.auth0.tenant.listClients().length).toBe(before);
  });

  it('reads the SP metadata from stdin (-), and refuses stdin for both the metadata and a secret', async () => {
    const sb = sandbox();
    const sp = REAL_SPS[2]!;
    const xml = readFileSync(fixture(sp.file));
    const piped = await spawnCli(['apply', '--dry-run', '--json', '--sp-metadata', '-'], { cwd, env: env(sb), input: xml, timeoutMs: 60_000 });
    expect(piped.exitCode).toBe(0);
    expect(JSON.parse(piped.stdout)).toMatchObject({ dryRun: true, sp: { delivery: 'manual' } });
    const before = clientsMarked(sb, `saml:${sp.entityId}`);
    const twice = await spawnCli(['apply', '--sp-metadata', '-', '--auth0-client-secret-file', '-'], { cwd, env: env(sb, { AUTH0_CLIENT_SECRET: '' }), input: xml, timeoutMs: 60_000 });
    expect(twice.exitCode).toBe(2);
    expect(twice.stderr).toContain('only one of the secrets and the SP metadata can be read from stdin');
    expect(clientsMarked(sb, `saml:${sp.entityId}`)).toEqual(before);
  });

  it('a missing file, and an unreachable URL, are named with the setting that gave them', async () => {
    const sb = sandbox();
    const missing = await runCli(['apply', '--sp-metadata', 'nope.xml'], { env: env(sb), cwd });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('nope.xml (--sp-metadata)');
    const server = await serve(Buffer.from(''));
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    const unreachable = await runCli(['apply', '--sp-metadata', `http://127.0.0.1:${port}/md.xml`], { env: env(sb), cwd });
    expect(unreachable.exitCode).not.toBe(0);
    expect(unreachable.stderr).toContain(`http://127.0.0.1:${port}/md.xml (--sp-metadata)`);
    expect(unreachable.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('configuration rules of a generic SP', () => {
  it('refuses Amplitude settings beside sp, endpoint delivery, and a response signature an SP wanting signed assertions refuses', async () => {
    const sb = sandbox();
    const sp = fixture(REAL_SPS[0]!.file);
    const before = clientsMarked(sb, `saml:${REAL_SPS[0]!.entityId}`);
    const both = join(cwd, 'both.json');
    writeFileSync(both, JSON.stringify({ amplitude: { orgId: '123456' }, sp: { metadata: sp } }));
    const r1 = await runCli(['apply', '--config', both], { env: env(sb), cwd });
    expect(r1.exitCode).toBe(2);
    expect(r1.stderr).toContain('both.json amplitude): is set, but this configuration wires a SAML SP from its metadata');

    const r2 = await runCli(['apply', '--sp-metadata', sp, '--delivery', 'endpoint', '--amplitude-org-id', '123456'], { env: env(sb), cwd });
    expect(r2.exitCode).toBe(2);
    expect(r2.stderr).toContain("'endpoint' is not a delivery of a SAML SP known from its metadata");
    expect(r2.stderr).toContain('--amplitude-org-id (--amplitude-org-id): is an Amplitude setting');

    const badFile = await runCli(['apply', '--sp-metadata', sp, '--metadata-file', 'idp\u0007.xml'], { env: env(sb), cwd });
    expect(badFile.exitCode).toBe(2);
    expect(badFile.stderr).toMatch(/sp\.metadataFile \(--metadata-file\): .* is not a file path/);

    const signed = join(cwd, 'signed.json');
    writeFileSync(signed, JSON.stringify({ sp: { metadata: sp }, saml: { signResponse: true } }));
    const r3 = await runCli(['apply', '--config', signed], { env: env(sb), cwd });
    expect(r3.exitCode).toBe(2);
    expect(r3.stderr).toContain('WantAssertionsSigned');
    expect(clientsMarked(sb, `saml:${REAL_SPS[0]!.entityId}`)).toEqual(before);
  });
});

function serve(body: Buffer): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' });
      res.end(body);
    });
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/**
 * A SAML SP written by somebody else: @node-saml/node-saml (passport-saml's core) serves its own SP
 * metadata and validates what the IdP posts to its ACS, trusting only the IdP metadata file `apply`
 * handed over once "uploaded" (read by the SP from that file). verify's sso.login then proves the whole
 * round trip; before the upload the SP refuses the assertion.
 */
describe('a node-saml SP from its own metadata: the login round trip', () => {
  it('apply hands over the file; verify fails sso.login until the SP holds it, then passes sso.login and sp.trust', async () => {
    const sb = sandbox();
    const idpFile = join(cwd, 'node-saml-idp.xml');
    const sp = await startNodeSamlSp(() => (existsSync(idpFile) && uploaded ? readFileSync(idpFile, 'utf8') : undefined));
    let uploaded = false;
    try {
      const args = ['--sp-metadata', `${sp.url}/saml/metadata`, '--metadata-file', idpFile];
      const applied = await run(sb, ['apply', '--json', ...args]);
      expect(applied.stderr).not.toMatch(/\n\s+at /);
      expect(applied.exitCode).toBe(0);
      expect(clientsMarked(sb, `saml:${sp.entityId}`)).toEqual([expect.objectContaining({ callbacks: [`${sp.url}/saml/acs`] })]);

      const user = { SANDBOX_USER_EMAIL: sb.env.SANDBOX_USER_EMAIL!, SANDBOX_USER_PASSWORD: sb.env.SANDBOX_USER_PASSWORD! };
      const before = await run(sb, ['verify', '--json', ...args], user);
      const checksBefore = (JSON.parse(before.stdout) as { checks: Check[] }).checks;
      expect(checksBefore.find((c) => c.id === 'sso.login')).toMatchObject({ status: 'fail', message: expect.stringContaining('the SP refused the assertion') });
      expect(before.exitCode).toBe(1);

      uploaded = true;
      const after = await run(sb, ['verify', '--json', ...args], user);
      const checks = (JSON.parse(after.stdout) as { checks: Check[] }).checks;
      expect(checks.find((c) => c.id === 'sso.login')).toMatchObject({ status: 'pass' });
      expect(checks.find((c) => c.id === 'sp.trust')).toMatchObject({ status: 'pass', message: expect.stringContaining('accepted a login signed with the IdP') });
      expect(after.exitCode).toBe(0);
      expect(sp.logins).toEqual([sb.env.SANDBOX_USER_EMAIL]);
    } finally {
      await sp.close();
    }
  });
});

describe('an SP that signs its AuthnRequests', () => {
  it('apply gives Auth0 its certificate (signingCert): a signed request gets the login page, an unsigned one is refused; verify skips the probe it cannot sign', async () => {
    const sb = sandbox();
    const now = Date.now();
    const signing = issueSelfSigned({ commonName: 'node-saml SP', notBefore: new Date(now - 86_400_000), notAfter: new Date(now + 3650 * 86_400_000), extensions: 'none' });
    const sp = await startNodeSamlSp(() => undefined, signing);
    try {
      const args = ['--sp-metadata', `${sp.url}/saml/metadata`, '--metadata-file', join(cwd, 'signing-sp-idp.xml')];
      const applied = await run(sb, ['apply', '--json', ...args]);
      expect(applied.stderr).not.toMatch(/\n\s+at /);
      expect(applied.exitCode).toBe(0);
      const [client] = clientsMarked(sb, `saml:${sp.entityId}`);
      const samlp = (client!.addons as Record<string, Record<string, unknown>>).samlp!;
      expect(String(samlp.signingCert).replace(/\s+/g, '')).toBe(signing.certPem.replace(/\s+/g, ''));

      const ssoUrl = `${sb.auth0.baseUrl}/samlp/${String(client!.client_id)}`;
      const signed = await fetch(await sp.authnRequestUrl(ssoUrl, true), { redirect: 'manual' });
      expect(signed.status).toBe(302);
      expect(signed.headers.get('location')).toMatch(/\/u\/login|\/login/);
      const unsigned = await fetch(await sp.authnRequestUrl(ssoUrl, false), { redirect: 'manual' });
      expect(unsigned.status).toBeGreaterThanOrEqual(400);

      const verify = await run(sb, ['verify', '--json', ...args]);
      const checks = (JSON.parse(verify.stdout) as { checks: Check[] }).checks;
      expect(checks.find((c) => c.id === 'sso.probe')).toMatchObject({ status: 'skip', message: expect.stringContaining('sso-setup cannot sign as the SP') });
      expect(checks.find((c) => c.id === 'idp.client')?.status).toBe('pass');
      // A re-run changes nothing: the certificate is compared like every other setting.
      const again = await run(sb, ['apply', '--json', ...args]);
      expect(JSON.parse(again.stdout)).toMatchObject({ idp: { action: 'none' } });
    } finally {
      await sp.close();
    }
  });
});

async function startNodeSamlSp(idpMetadata: () => string | undefined, signing?: IssuedCertificate) {
  const { SAML, ValidateInResponseTo } = await import('@node-saml/node-saml');
  const logins: string[] = [];
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const entityId = `${url}/saml/metadata`;
  const saml = (idpCert: string, entryPoint?: string, signed = true) =>
    new SAML({
      idpCert,
      ...(entryPoint ? { entryPoint } : {}),
      // An SP that signs its AuthnRequests (its metadata then says AuthnRequestsSigned="true").
      ...(signing && signed ? { privateKey: signing.privateKeyPem, signatureAlgorithm: 'sha256' as const } : {}),
      issuer: entityId,
      audience: entityId,
      callbackUrl: `${url}/saml/acs`,
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: false,
      // IdP-initiated: the response answers no request of ours.
      validateInResponseTo: ValidateInResponseTo.never,
      identifierFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    });
  server.on('request', (req, res) => {
    const reply = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/saml/metadata') return reply(200, saml('unused').generateServiceProviderMetadata(null, signing ? signing.certPem : undefined), 'application/samlmetadata+xml');
    if (req.method !== 'POST' || req.url !== '/saml/acs') return reply(404, { ok: false, error: 'not found' });
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      const metadata = idpMetadata();
      // The certificate of the uploaded IdP metadata: what an admin's upload gives the SP.
      const cert = metadata && /<(?:ds:)?X509Certificate>([^<]+)</.exec(metadata)?.[1];
      if (!cert) return reply(403, { ok: false, error: 'SSO is not configured: no identity provider uploaded' });
      saml(cert.replace(/\s+/g, ''))
        .validatePostResponseAsync(Object.fromEntries(new URLSearchParams(body)))
        .then(({ profile }) => {
          logins.push(String(profile?.nameID));
          reply(200, { ok: true, email: profile?.nameID });
        })
        .catch((error: Error) => reply(403, { ok: false, error: error.message }));
    });
  });
  /** An SP-initiated AuthnRequest to the IdP's SSO URL (HTTP-Redirect), signed when the SP signs, or not. */
  const authnRequestUrl = (ssoUrl: string, signed: boolean) => saml('unused', ssoUrl, signed).getAuthorizeUrlAsync('', undefined, {});
  return { url, entityId, logins, authnRequestUrl, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
