import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { captureIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import type { MetadataReport } from '../../src/saml/check-metadata.js';
import { SecretRegistry } from '../../src/secrets.js';
import { BIN, REPO_ROOT, baseEnv, runCli, spawnCli } from '../helpers/run-cli.js';
import { auth0Metadata, certificate } from '../saml/metadata-builder.js';

const AUTH0 = 'fixtures/metadata/auth0-idp-ijin-2016.xml';
const EXPIRED = 'fixtures/metadata/pingone-idp.xml';
const NOW = ['--now', '2026-11-29T00:00:00Z'];
const run = (argv: string[], opts: { tty?: boolean; env?: NodeJS.ProcessEnv } = {}) => runCli(argv, { cwd: REPO_ROOT, ...opts });

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'sso-setup-metadata-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('sso-setup metadata check (in-process)', () => {
  it('prints a verdict, the findings, the entity, endpoints and certificates; exit 0 with warnings', async () => {
    const r = await run(['metadata', 'check', AUTH0, ...NOW]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    const out = r.stdout;
    expect(out.split('\n')[0]).toBe('VALID    SAML IdP metadata for urn:ijin.auth0.com is usable (1 warning).');
    expect(out).toContain('Warnings\n  ! CERT_SIGNATURE_SHA1  The signing certificate CN=ijin.auth0.com');
    expect(out).toContain('Entity ID       urn:ijin.auth0.com\n');
    expect(out).toContain('SSO             HTTP-Redirect  https://ijin.auth0.com/samlp/iDC9GHTe9nM2w1L146zn2o7qxEgpoEZI\n');
    expect(out).toContain('                HTTP-POST      https://ijin.auth0.com/samlp/iDC9GHTe9nM2w1L146zn2o7qxEgpoEZI\n');
    expect(out).toContain('Signing certificates (1)\n  CN=ijin.auth0.com\n');
    expect(out).toMatch(/SHA-256 {4}([0-9A-F]{2}:){31}[0-9A-F]{2}\n/);
    expect(out).toContain('Not after  2029-10-08T15:49:30.000Z (1044 days left)');
    expect(out).not.toMatch(/\u001b\[/);
  });

  it('exits 1 for invalid metadata and says why', async () => {
    const r = await run(['metadata', 'check', EXPIRED, ...NOW]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout.split('\n')[0]).toMatch(/^INVALID {2}SAML IdP metadata for https:\/\/auth\.pingone\.com\/\S+ must not be used: 1 error\.$/);
    expect(r.stdout).toContain('✖ CERT_EXPIRED');
    expect(r.stdout).toContain('(expired 741 days ago)');
  });

  it('--role sp checks SP metadata: the POST ACS, NameID formats and signing needs; IdP metadata is refused', async () => {
    const sp = 'fixtures/metadata/auth0-SP-metadata-SAMLconection-NOT-IDP.xml';
    const r = await run(['metadata', 'check', sp, '--role', 'sp', ...NOW]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('VALID    SAML SP metadata for urn:auth0:auth0-service-provider-test:SAMLconection is usable.');
    expect(r.stdout).toContain('ACS (POST)      https://auth0-service-provider-test.eu.auth0.com/login/callback?connection=SAMLconection\n');
    expect(r.stdout).toContain('Wants signed    true (assertions)\nSigns requests  true\n');
    const json = await run(['metadata', 'check', sp, '--role', 'sp', ...NOW, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: true, role: 'sp', acs: expect.stringContaining('/login/callback'), authnRequestsSigned: true });
    const idp = await run(['metadata', 'check', AUTH0, '--role', 'sp', ...NOW]);
    expect(idp.exitCode).toBe(1);
    expect(idp.stdout).toContain('✖ METADATA_NOT_SP');
    const bad = await run(['metadata', 'check', AUTH0, '--role', 'both']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain("'both' is invalid");
  });

  it('--json prints exactly the report', async () => {
    const r = await run(['metadata', 'check', AUTH0, ...NOW, '--json', '--expect-entity-id', 'urn:ijin.auth0.com', '--expect-host', 'ijin.auth0.com']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as MetadataReport;
    expect(Object.keys(report)).toEqual(
      expect.arrayContaining(['valid', 'entityId', 'sso', 'certificates', 'errors', 'warnings']),
    );
    expect(report.valid).toBe(true);
    expect(report.sso[0]).toEqual({ binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect', location: 'https://ijin.auth0.com/samlp/iDC9GHTe9nM2w1L146zn2o7qxEgpoEZI' });
    expect(Object.keys(report.certificates[0]!)).toEqual(
      expect.arrayContaining(['sha256', 'subject', 'notBefore', 'notAfter', 'keyAlgorithm', 'keyBits', 'signatureAlgorithm']),
    );
    expect(report.certificates[0]!.notAfter).toBe('2029-10-08T15:49:30.000Z');
    expect(report.warnings).toEqual([{ code: 'CERT_SIGNATURE_SHA1', message: expect.stringContaining('SHA-1') }]);
  });

  it('fails on an unexpected entity ID or host (exit 1)', async () => {
    const r = await run(['metadata', 'check', AUTH0, ...NOW, '--json', '--expect-entity-id', 'urn:acme.auth0.com']);
    expect(r.exitCode).toBe(1);
    expect((JSON.parse(r.stdout) as MetadataReport).errors.map((e) => e.code)).toEqual(['ENTITY_ID_MISMATCH']);
  });

  it('judges certificates at --now and warns within --warn-days', async () => {
    const early = await run(['metadata', 'check', 'fixtures/metadata/entra-idp-ssoready-adfs-dir.xml', '--now', '2026-11-10T00:00:00Z', '--json']);
    expect(early.exitCode).toBe(0);
    expect((JSON.parse(early.stdout) as MetadataReport).warnings.map((w) => w.code)).toContain('CERT_EXPIRES_SOON');
    const quiet = await run(['metadata', 'check', 'fixtures/metadata/entra-idp-ssoready-adfs-dir.xml', '--now', '2026-11-10T00:00:00Z', '--warn-days', '3', '--json']);
    expect((JSON.parse(quiet.stdout) as MetadataReport).warnings.map((w) => w.code)).not.toContain('CERT_EXPIRES_SOON');
    expect((await run(['metadata', 'check', 'fixtures/metadata/entra-idp-ssoready-adfs-dir.xml', ...NOW])).exitCode).toBe(1);
  });

  it('a missing file is a usage error (exit 2) naming the path', async () => {
    const r = await run(['metadata', 'check', 'no/such/metadata.xml']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('error: Cannot read no/such/metadata.xml: no such file.\nCheck the path of the metadata file.\n');
    const json = await run(['metadata', 'check', 'no/such/metadata.xml', '--json']);
    expect(json.exitCode).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({ error: { code: 'INPUT_NOT_FOUND', message: 'Cannot read no/such/metadata.xml: no such file.', hint: 'Check the path of the metadata file.' } });
  });

  it('a directory, a bad flag value or an unusable --signing-cert is a usage error', async () => {
    expect((await run(['metadata', 'check', 'fixtures'])).exitCode).toBe(2);
    expect((await run(['metadata', 'check', AUTH0, '--now', 'yesterday'])).exitCode).toBe(2);
    const missing = await run(['metadata', 'check', AUTH0, '--signing-cert', 'nope.pem']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('Cannot read nope.pem: no such file.');
    const junk = join(tmp, 'junk.pem');
    writeFileSync(junk, 'this is not a certificate');
    const bad = await run(['metadata', 'check', AUTH0, '--signing-cert', junk, '--json']);
    expect(bad.exitCode).toBe(2);
    expect((JSON.parse(bad.stdout) as { error: { code: string } }).error.code).toBe('SIGNING_CERT_INVALID');
  });

  it('--signing-cert requires the document to be signed by that certificate', async () => {
    const pem = join(tmp, 'signer.pem');
    writeFileSync(pem, certificate({ commonName: 'x' }).certPem);
    const r = await run(['metadata', 'check', AUTH0, ...NOW, '--signing-cert', pem, '--json']);
    expect(r.exitCode).toBe(1);
    expect((JSON.parse(r.stdout) as MetadataReport).errors.map((e) => e.code)).toEqual(['SIGNATURE_MISSING']);
  });

  it('--schema validates against the XSDs', async () => {
    const r = await run(['metadata', 'check', 'fixtures/metadata/keycloak-realm-descriptor.xml', ...NOW, '--schema', '--json']);
    expect(r.exitCode).toBe(1);
    const report = JSON.parse(r.stdout) as MetadataReport;
    expect(report.schemaValidated).toBe(true);
    expect(report.errors.map((e) => e.code)).toEqual(['SCHEMA_INVALID']);
  });

  it('refuses a file over the size cap without reading all of it', async () => {
    const big = join(tmp, 'big.xml');
    writeFileSync(big, `<a>${'x'.repeat(2 * 1024 * 1024)}</a>`);
    const r = await run(['metadata', 'check', big, '--json']);
    expect(r.exitCode).toBe(1);
    expect((JSON.parse(r.stdout) as MetadataReport).errors.map((e) => e.code)).toEqual(['INPUT_TOO_LARGE']);
  });

  it('colours human output only on a terminal without NO_COLOR', async () => {
    const tty = await run(['metadata', 'check', EXPIRED, ...NOW], { tty: true });
    expect(tty.stdout).toMatch(/\u001b\[31m/);
    const noColor = await run(['metadata', 'check', EXPIRED, ...NOW], { tty: true, env: { NO_COLOR: '1' } });
    expect(noColor.stdout).not.toMatch(/\u001b\[/);
  });

  it('never lets control characters from the document reach the terminal', async () => {
    const evil = certificate({ commonName: 'acme\u001b[2J\u001b]0;owned\u0007', daysAfter: 5 });
    const file = join(tmp, 'evil.xml');
    writeFileSync(file, auth0Metadata({ certificates: [evil.certBase64], entityId: 'urn:acme&#155;31m' }));
    const r = await run(['metadata', 'check', file, ...NOW]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('CERT_EXPIRES_SOON');
    expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });

  it("reads stdin for '-'", async () => {
    const secrets = new SecretRegistry();
    const io = captureIO(secrets, { stdin: Readable.from([readFileSync(join(REPO_ROOT, AUTH0))]) });
    const exit = await main(['metadata', 'check', '-', ...NOW, '--json'], { io, secrets, env: {}, cwd: REPO_ROOT });
    expect(exit).toBe(0);
    expect((JSON.parse(io.out()) as MetadataReport).entityId).toBe('urn:ijin.auth0.com');
  });

  describe('from a URL', () => {
    let server: Server;
    let base: string;
    beforeAll(async () => {
      server = createServer((req, res) => {
        if (req.url === '/samlp/metadata/ok') res.writeHead(200, { 'content-type': 'application/xml' }).end(readFileSync(join(REPO_ROOT, AUTH0)));
        else if (req.url === '/moved') res.writeHead(302, { location: 'http://localhost/elsewhere' }).end();
        else res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('downloads and checks (plain http is allowed on loopback)', async () => {
      const r = await run(['metadata', 'check', `${base}/samlp/metadata/ok`, ...NOW, '--json']);
      expect(r.exitCode).toBe(0);
      expect((JSON.parse(r.stdout) as MetadataReport).entityId).toBe('urn:ijin.auth0.com');
    });

    it('reports download failures with their codes', async () => {
      const missing = await run(['metadata', 'check', `${base}/samlp/metadata/nope`, '--json']);
      expect(missing.exitCode).toBe(1);
      expect((JSON.parse(missing.stdout) as { error: { code: string } }).error.code).toBe('DOWNLOAD_HTTP_STATUS');
      const offHost = await run(['metadata', 'check', `${base}/moved`, '--json']);
      expect((JSON.parse(offHost.stdout) as { error: { code: string } }).error.code).toBe('REDIRECT_OFF_HOST');
      const insecure = await run(['metadata', 'check', 'http://idp.example.com/metadata']);
      expect(insecure.exitCode).toBe(2);
      expect(insecure.stderr).toContain('Refusing plain http to idp.example.com');
    });
  });
});

describe('sso-setup metadata check (spawned; needs npm run build)', () => {
  it('exit codes 0, 1 and 2 from a real process', async () => {
    const [ok, bad, usage] = await Promise.all([
      spawnCli(['metadata', 'check', AUTH0, ...NOW]),
      spawnCli(['metadata', 'check', EXPIRED, ...NOW]),
      spawnCli(['metadata', 'check', 'missing.xml']),
    ]);
    expect([ok.exitCode, bad.exitCode, usage.exitCode]).toEqual([0, 1, 2]);
    expect(ok.stdout.startsWith('VALID ')).toBe(true);
    expect(bad.stdout.startsWith('INVALID ')).toBe(true);
    expect(usage.stderr).toContain('missing.xml');
  });

  it("reads stdin for '-' and prints one JSON document", async () => {
    const r = await spawnCli(['metadata', 'check', '-', ...NOW, '--json'], { input: readFileSync(join(REPO_ROOT, AUTH0)) });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    expect((JSON.parse(r.stdout) as MetadataReport).valid).toBe(true);
  });

  it('documents the flags in --help', async () => {
    const r = await spawnCli(['metadata', 'check', '--help']);
    expect(r.exitCode).toBe(0);
    for (const flag of ['--expect-entity-id', '--expect-host', '--now', '--warn-days', '--signing-cert', '--schema', 'Examples:']) expect(r.stdout).toContain(flag);
  });
});

describe('start-up stays lazy (needs npm run build)', () => {
  const HEAVY = /node_modules\/(auth0|@inquirer|ora|undici|xml-crypto|@xmldom|xmllint-wasm|chalk|parse5|entities|tough-cookie|tldts)\//;

  /** Runs the CLI with a module hook that records every module the process loads. */
  function loadedModules(argv: string[]): Promise<{ exitCode: number; modules: string[] }> {
    const dir = mkdtempSync(join(tmpdir(), 'sso-setup-loads-'));
    const log = join(dir, 'loaded.txt');
    writeFileSync(
      join(dir, 'hooks.mjs'),
      `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, result.url + '\\n');
  return result;
}
`,
    );
    writeFileSync(
      join(dir, 'register.mjs'),
      `import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
register('./hooks.mjs', import.meta.url);
const require = createRequire(import.meta.url);
process.on('exit', () => appendFileSync(${JSON.stringify(log)}, Object.keys(require.cache).join('\\n') + '\\n'));
`,
    );
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', join(dir, 'register.mjs'), BIN, ...argv], { cwd: REPO_ROOT, env: baseEnv(), stdio: 'ignore' });
      child.on('error', reject);
      child.on('close', (code) => {
        const modules = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((m) => m.replace(/\\/g, '/'));
        rmSync(dir, { recursive: true, force: true });
        resolve({ exitCode: code ?? -1, modules });
      });
    });
  }

  it.each([[['--help']], [['help', 'apply']]])('%j loads no package at all: the page was rendered at build time', async (argv) => {
    const { exitCode, modules } = await loadedModules(argv);
    expect(exitCode).toBe(0);
    expect(modules.some((m) => m.endsWith('bin/sso-setup.cjs'))).toBe(true); // the hook does see loads
    expect(modules.filter((m) => m.includes('node_modules/') || m.endsWith('bundle-loader.cjs'))).toEqual([]);
  });

  it('metadata check of an unsigned file loads the CLI bundle, but not the Auth0 SDK, prompts, spinners, HTTP, signature stack or login walk', async () => {
    const { exitCode, modules } = await loadedModules(['metadata', 'check', AUTH0, ...NOW]);
    expect(exitCode).toBe(0);
    expect(modules.some((m) => m.endsWith('bin/bundle-loader.cjs'))).toBe(true);
    expect(modules.filter((m) => HEAVY.test(m))).toEqual([]);
  });
});
