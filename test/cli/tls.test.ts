/**
 * `sandbox --tls`: the CLI and Auth0's unmodified SDK over https against the sandbox, trusting its
 * CA only through NODE_EXTRA_CA_CERTS (which a node process reads at start-up, so every client here
 * is a spawned process); without it, TLS verification refuses the connection.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import { BIN, REPO_ROOT, baseEnv, spawnCli, type CliResult } from '../helpers/run-cli.js';
import { useSandbox, useTempDir } from '../helpers/sandbox.js';

jest.setTimeout(90_000);

const sandbox = useSandbox({ tls: true });
const workDir = useTempDir();
let cwd: string;
beforeEach(() => {
  cwd = workDir();
});

test('the sandbox serves https on localhost with a CA of its own, named in the env', () => {
  const sb = sandbox();
  expect(sb.auth0.baseUrl).toBe(`https://${sb.auth0.domain}`);
  expect(sb.auth0.domain).toMatch(/^localhost:\d+$/);
  expect(sb.amplitude.baseUrl).toMatch(/^https:\/\/localhost:\d+$/);
  expect(sb.env).toMatchObject({ AUTH0_DOMAIN: sb.auth0.domain, SANDBOX_TLS: '1', NODE_EXTRA_CA_CERTS: sb.tls!.caFile });
  const ca = new X509Certificate(readFileSync(sb.tls!.caFile));
  expect(ca.ca).toBe(true);
});

test('apply and verify over https, trusting the sandbox CA through NODE_EXTRA_CA_CERTS', async () => {
  const sb = sandbox();
  const apply = await spawnCli(['apply', '--json'], { cwd, env: sb.env, timeoutMs: 60_000 });
  expect(apply.stderr).not.toMatch(/\n\s+at /);
  expect(apply.exitCode).toBe(0);
  const applied = JSON.parse(apply.stdout) as { idp: { action: string }; metadata: { url: string; entityId: string } };
  expect(applied.idp.action).toBe('create');
  expect(applied.metadata.url).toMatch(new RegExp(`^https://${sb.auth0.domain}/samlp/metadata/`));
  expect(applied.metadata.entityId).toBe(`urn:${sb.auth0.domain}`);

  const verify = await spawnCli(['verify', '--json'], { cwd, env: sb.env, timeoutMs: 60_000 });
  expect(verify.exitCode).toBe(0);
  const report = JSON.parse(verify.stdout) as { ok: boolean; checks: { id: string; status: string }[] };
  expect(report.ok).toBe(true);
  // Every check passed, the full SAML login over https included.
  expect(report.checks.map((c) => [c.id, c.status])).toEqual([
    ['credentials', 'pass'],
    ['idp.client', 'pass'],
    ['idp.connections', 'pass'],
    ['idp.metadata', 'pass'],
    ['idp.certificate', 'pass'],
    ['sp.trust', 'pass'],
    ['sso.probe', 'pass'],
    ['sso.login', 'pass'],
  ]);
});

test('without the CA, TLS verification refuses the sandbox: AUTH0_UNREACHABLE, nothing sent', async () => {
  const sb = sandbox();
  const { NODE_EXTRA_CA_CERTS: _ca, ...env } = sb.env;
  const before = sb.auth0.tenant.listClients().length;
  const r: CliResult = await spawnCli(['apply', '--json'], { cwd, env, timeoutMs: 60_000 });
  expect(r.exitCode).toBe(1);
  const error = (JSON.parse(r.stdout) as { error: { code: string; message: string; hint: string } }).error;
  expect(error.code).toBe('AUTH0_UNREACHABLE');
  expect(error.message).toMatch(/its TLS certificate is not trusted \(self-signed certificate in certificate chain\)/);
  expect(error.hint).toContain('NODE_EXTRA_CA_CERTS');
  // A certificate does not change between attempts: no retry.
  expect(r.stderr).not.toContain('retrying');
  expect(sb.auth0.tenant.listClients()).toHaveLength(before);
});

test("Auth0's official SDK runs unchanged against it (ManagementClient with just the domain)", async () => {
  const sb = sandbox();
  const script = join(dirname(fileURLToPath(import.meta.url)), '..', 'helpers', 'sdk-unmodified.mjs');
  const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [script], { cwd: REPO_ROOT, env: baseEnv(sb.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
  expect(out.stderr).toBe('');
  expect(out.code).toBe(0);
  const result = JSON.parse(out.stdout) as {
    created: string;
    listed: string[];
    keys: { current: boolean; next: boolean }[];
    refused: { badRequest: boolean; statusCode: number; body: { message: string; errorCode: string } };
    missing: { notFound: boolean; statusCode: number };
  };
  expect(result.listed).toContain(result.created);
  expect(result.keys.filter((k) => k.current)).toHaveLength(1);
  expect(result.refused).toMatchObject({ badRequest: true, statusCode: 400, body: { errorCode: 'invalid_body' } });
  expect(result.refused.body.message).toContain('format callback-url: not a url');
  expect(result.missing).toEqual({ notFound: true, statusCode: 404 });
});

test('`sandbox --tls --env-file`: the env adds NODE_EXTRA_CA_CERTS and SANDBOX_TLS=1; the CA is removed on exit', async () => {
  const envFile = join(cwd, 'tls.env');
  const child = spawn(process.execPath, ['--', BIN, 'sandbox', '--tls', '--env-file', envFile], { cwd, env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  let caFile = '';
  try {
    const deadline = Date.now() + 30_000;
    while (!existsSync(envFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const env = Object.fromEntries(readFileSync(envFile, 'utf8').split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    expect(env.SANDBOX_TLS).toBe('1');
    expect(env.AUTH0_DOMAIN).toMatch(/^localhost:\d+$/);
    expect(env.AMPLITUDE_BASE_URL).toMatch(/^https:\/\/localhost:\d+$/);
    caFile = env.NODE_EXTRA_CA_CERTS!;
    expect(new X509Certificate(readFileSync(caFile)).ca).toBe(true);
    const verify = await spawnCli(['apply', '--json'], { cwd, env, timeoutMs: 60_000 });
    expect(verify.exitCode).toBe(0);
  } finally {
    child.kill('SIGINT');
  }
  expect(await exited).toBe(0);
  expect(existsSync(caFile)).toBe(false);
});

test('`demo --tls` runs the whole flow over https in one process', async () => {
  const r = await spawnCli(['demo', '--tls'], { cwd, timeoutMs: 60_000 });
  expect(r.exitCode).toBe(0);
  expect(r.stderr).toMatch(/Sandbox up: Auth0 at https:\/\/localhost:\d+/);
  expect(r.stdout.trim().split('\n').at(-1)).toMatch(/^signed in to Amplitude \(sandbox\) as \S+@\S+$/);
});
