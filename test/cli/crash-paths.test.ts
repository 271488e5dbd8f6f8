/**
 * Crash paths with the wrong code (issue 10, point 4), through the built CLI: each input that used
 * to escape as an exception (UNEXPECTED, CHECK_INTERNAL_ERROR, exit 1) gets its own code and exit
 * status, unwritable outputs are usage errors found before anything runs or changes, and files are
 * written atomically under unpredictable temporary names.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/cli/file-store.js';
import type { MetadataReport } from '../../src/saml/check-metadata.js';
import { spawnCli, type CliResult } from '../helpers/run-cli.js';
import { markedClients, removeDir, tempDir, useSandbox } from '../helpers/sandbox.js';
import { auth0Metadata, metadataSigner, signMetadata, withCorruptPublicKey } from '../saml/metadata-builder.js';

const NOW = ['--now', '2026-11-29T00:00:00Z'];
let cwd: string;
beforeAll(() => {
  cwd = tempDir();
});
afterAll(() => removeDir(cwd));

const pem = (base64: string) => `-----BEGIN CERTIFICATE-----\n${base64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;

describe('a certificate whose public key is corrupt', () => {
  it('in the document: CERT_UNPARSABLE (exit 1), not CHECK_INTERNAL_ERROR', async () => {
    const file = join(cwd, 'corrupt-key.xml');
    writeFileSync(file, auth0Metadata({ certificates: [withCorruptPublicKey(metadataSigner().certBase64)] }));
    const r = await spawnCli(['metadata', 'check', file, ...NOW, '--json'], { cwd });
    expect(r.exitCode).toBe(1);
    const codes = (JSON.parse(r.stdout) as MetadataReport).errors.map((e) => e.code);
    expect(codes).toContain('CERT_UNPARSABLE');
    expect(codes).not.toContain('CHECK_INTERNAL_ERROR');
  });

  it('as --signing-cert: SIGNING_CERT_INVALID, a usage error (exit 2), not UNEXPECTED', async () => {
    const doc = join(cwd, 'signed.xml');
    const cert = join(cwd, 'corrupt-key.pem');
    writeFileSync(doc, signMetadata());
    writeFileSync(cert, pem(withCorruptPublicKey(metadataSigner().certBase64)));
    const r = await spawnCli(['metadata', 'check', doc, ...NOW, '--signing-cert', cert, '--json'], { cwd });
    expect(r.exitCode).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'SIGNING_CERT_INVALID', message: expect.stringContaining('public key that cannot be read') } });
  });
});

describe('a config file with a top-level __proto__, constructor or toString object', () => {
  it.each(['__proto__', 'constructor', 'toString'])('%s: CONFIG_INVALID naming the key (exit 2)', async (key) => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir, 'sso-setup.json'), `{"${key}": {"auth0": {"domain": "evil.example"}}}`);
      const r = await spawnCli(['apply', '--dry-run', '--json'], { cwd: dir, env: { AUTH0_DOMAIN: '127.0.0.1:9', AUTH0_CLIENT_ID: 'c', AUTH0_CLIENT_SECRET: 'secret-value', AMPLITUDE_ORG_ID: '1' } });
      expect(r.exitCode).toBe(2);
      const error = (JSON.parse(r.stdout) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toContain(`${key} (sso-setup.json): unknown setting '${key}'`);
      expect(r.stderr).not.toContain('is not a function');
    } finally {
      removeDir(dir);
    }
  });
});

describe('verify --junit', () => {
  /** A tenant that counts requests: an unwritable report path must stop the run before any check. */
  let server: Server;
  let requests = 0;
  let env: Record<string, string>;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      requests++;
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"access_denied"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    env = { AUTH0_DOMAIN: `127.0.0.1:${(server.address() as AddressInfo).port}`, AUTH0_CLIENT_ID: 'c', AUTH0_CLIENT_SECRET: 'secret-value', AMPLITUDE_ORG_ID: '1' };
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  async function verify(args: string[]): Promise<CliResult & { requests: number }> {
    const before = requests;
    const r = await spawnCli(['verify', '--json', ...args], { cwd, env });
    return { ...r, requests: requests - before };
  }

  it('in a directory that does not exist: OUTPUT_UNWRITABLE (exit 2) before any check, one JSON document', async () => {
    const r = await verify(['--junit', '/no/such/dir/j.xml']);
    expect(r.exitCode).toBe(2);
    expect(r.requests).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'OUTPUT_UNWRITABLE', message: expect.stringContaining('the directory /no/such/dir does not exist') } });
  });

  it('naming a directory: OUTPUT_UNWRITABLE (exit 2), and no DIR.tmp left behind', async () => {
    const dir = join(cwd, 'reports');
    mkdirSync(dir);
    const r = await verify(['--junit', dir]);
    expect(r.exitCode).toBe(2);
    expect(r.requests).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'OUTPUT_UNWRITABLE', message: expect.stringContaining('it is a directory') } });
    expect(existsSync(`${dir}.tmp`)).toBe(false);
    expect(readdirSync(cwd).filter((n) => n.includes('.tmp'))).toEqual([]);
  });

  it('a writable path gets the report even when the checks fail, and nothing else is left in the directory', async () => {
    const dir = join(cwd, 'ok');
    mkdirSync(dir);
    const r = await verify(['--junit', join(dir, 'j.xml')]);
    expect(r.exitCode).toBe(1);
    expect(r.requests).toBeGreaterThan(0);
    expect((JSON.parse(r.stdout) as { ok: boolean }).ok).toBe(false);
    expect(readdirSync(dir)).toEqual(['j.xml']);
    expect(readFileSync(join(dir, 'j.xml'), 'utf8')).toContain('<testsuites name="sso-setup verify"');
  });
});

describe('atomic writes', () => {
  it('never use a predictable temporary name: a planted <target>.tmp symlink is not followed', async () => {
    const dir = join(cwd, 'atomic');
    mkdirSync(dir);
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'untouched');
    const target = join(dir, 'report.xml');
    symlinkSync(victim, `${target}.tmp`);
    await writeFileAtomic(target, 'new content');
    expect(readFileSync(target, 'utf8')).toBe('new content');
    expect(readFileSync(victim, 'utf8')).toBe('untouched');
    expect(readdirSync(dir).sort()).toEqual(['report.xml', 'report.xml.tmp', 'victim.txt']);
  });

  it('leave nothing behind when the rename fails', async () => {
    const dir = join(cwd, 'atomic-fail');
    mkdirSync(join(dir, 'target-is-a-dir', 'child'), { recursive: true });
    await expect(writeFileAtomic(join(dir, 'target-is-a-dir'), 'x')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['target-is-a-dir']);
  });
});

describe('apply --metadata-file in a directory that does not exist', () => {
  const sandbox = useSandbox();

  it('is a usage error (exit 2) found before the Auth0 application is created', async () => {
    const sb = sandbox();
    const r = await spawnCli(['apply', '--metadata-file', '/no/such/dir/x.xml', '--json'], {
      cwd,
      env: { ...sb.env, AMPLITUDE_SSO_ENDPOINT: '', AMPLITUDE_SSO_TOKEN: '' },
      timeoutMs: 60_000,
    });
    expect(r.exitCode).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'OUTPUT_UNWRITABLE', message: expect.stringContaining('(--metadata-file)') } });
    expect(markedClients(sb)).toEqual([]);
  });

  it('from the config file, names the field', async () => {
    const sb = sandbox();
    const dir = tempDir();
    try {
      writeFileSync(join(dir, 'sso-setup.json'), JSON.stringify({ amplitude: { metadataFile: 'missing/x.xml' } }));
      const r = await spawnCli(['apply', '--dry-run'], { cwd: dir, env: { ...sb.env, AMPLITUDE_SSO_ENDPOINT: '', AMPLITUDE_SSO_TOKEN: '' }, timeoutMs: 60_000 });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain('(sso-setup.json amplitude.metadataFile): the directory');
      expect(markedClients(sb)).toEqual([]);
    } finally {
      removeDir(dir);
    }
  });
});
