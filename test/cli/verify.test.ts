/**
 * `sso-setup verify` spawned against the sandbox: all checks pass right after apply, then each is
 * broken on purpose and the right check id and exit code are asserted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnCli, type CliResult } from '../helpers/run-cli.js';
import { markedClients, removeDir, tempDir, useSandbox } from '../helpers/sandbox.js';
import type { Sandbox } from '../../src/sandbox/index.js';

interface Report {
  ok: boolean;
  checks: { id: string; status: 'pass' | 'warn' | 'fail' | 'skip'; message: string; hint?: string; details?: Record<string, unknown> }[];
}

let cwd: string;
beforeAll(() => {
  cwd = tempDir();
});
afterAll(() => removeDir(cwd));

function run(sb: Sandbox, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return spawnCli(args, { cwd, env: { ...sb.env, ...env }, timeoutMs: 60_000 });
}

async function verify(sb: Sandbox, args: string[] = [], env: Record<string, string> = {}): Promise<{ r: CliResult; report: Report; status: Record<string, string> }> {
  const r = await run(sb, ['verify', '--json', ...args], env);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  const report = JSON.parse(r.stdout) as Report;
  return { r, report, status: Object.fromEntries(report.checks.map((c) => [c.id, c.status])) };
}

const ALL_PASS = {
  credentials: 'pass',
  'idp.client': 'pass',
  'idp.connections': 'pass',
  'idp.metadata': 'pass',
  'idp.certificate': 'pass',
  'sp.trust': 'pass',
  'sso.probe': 'pass',
  'sso.login': 'pass',
};

function clientId(sb: Sandbox): string {
  return markedClients(sb)[0]!.client_id as string;
}

function samlp(sb: Sandbox): Record<string, unknown> {
  return (sb.auth0.tenant.getClient(clientId(sb))!.addons as Record<string, Record<string, unknown>>).samlp!;
}

describe('verify (endpoint delivery)', () => {
  const sandbox = useSandbox();

  beforeAll(async () => {
    const r = await run(sandbox(), ['apply']);
    expect(r.exitCode).toBe(0);
  });

  it('every check passes right after apply; table, JSON and JUnit agree', async () => {
    const sb = sandbox();
    const { r, report, status } = await verify(sb, ['--junit', 'verify.xml']);
    expect(status).toEqual(ALL_PASS);
    expect(report.ok).toBe(true);
    expect(r.exitCode).toBe(0);
    for (const c of report.checks) expect(Object.keys(c)).toEqual(expect.arrayContaining(['id', 'status', 'message']));
    const junit = readFileSync(join(cwd, 'verify.xml'), 'utf8');
    expect(junit).toContain('<testsuite name="sso-setup verify" tests="8" failures="0" errors="0" skipped="0"');
    expect(junit.match(/<testcase /g)).toHaveLength(8);

    const table = await run(sb, ['verify']);
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toMatch(/PASS\s+sso\.login\s+signed in to the SP as /);
    expect(table.stdout).toContain('SSO is healthy (8 pass, 0 warn, 0 fail, 0 skip)');
  });

  it('a login check is skipped without test-user credentials', async () => {
    const sb = sandbox();
    const { r, status } = await verify(sb, [], { SANDBOX_USER_EMAIL: '', SANDBOX_USER_PASSWORD: '' });
    expect(status['sso.login']).toBe('skip');
    expect(r.exitCode).toBe(0);
  });

  it('an edited client (NameID format changed in the dashboard) fails idp.client, exit 1; apply repairs it', async () => {
    const sb = sandbox();
    sb.auth0.tenant.patchClient(clientId(sb), { addons: { samlp: { ...samlp(sb), nameIdentifierFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified' } } });
    const { r, report, status } = await verify(sb);
    expect(r.exitCode).toBe(1);
    expect(status['idp.client']).toBe('fail');
    const check = report.checks.find((c) => c.id === 'idp.client')!;
    expect(check.message).toContain('NameID format');
    expect(check.hint).toContain('sso-setup apply');
    expect((check.details!.drift as { field: string }[]).map((d) => d.field)).toEqual(['addons.samlp.nameIdentifierFormat']);
    expect((await run(sb, ['apply'])).exitCode).toBe(0);
    expect((await verify(sb)).status).toEqual(ALL_PASS);
  });

  it('a wrong ACS in the callbacks fails idp.client and the probe (the IdP answers its error page)', async () => {
    const sb = sandbox();
    sb.auth0.tenant.patchClient(clientId(sb), { callbacks: ['https://wrong.example/acs'] });
    const { r, report, status } = await verify(sb);
    expect(r.exitCode).toBe(1);
    expect(status['idp.client']).toBe('fail');
    expect(status['sso.probe']).toBe('fail');
    expect(report.checks.find((c) => c.id === 'sso.probe')!.details!.status).toBe(400);
    expect((await run(sb, ['apply'])).exitCode).toBe(0);
  });

  it('moving the clock with --now: a warning close to expiry (--strict fails it), a failure after it', async () => {
    const sb = sandbox();
    const { report } = await verify(sb);
    const notAfter = new Date(report.checks.find((c) => c.id === 'idp.certificate')!.details!.notAfter as string);
    const soon = new Date(notAfter.getTime() - 10 * 86_400_000).toISOString();
    const late = new Date(notAfter.getTime() + 86_400_000).toISOString();

    const warned = await verify(sb, ['--now', soon]);
    expect(warned.status['idp.certificate']).toBe('warn');
    expect(warned.report.checks.find((c) => c.id === 'idp.certificate')!.message).toMatch(/expires in (9|10) days/);
    expect(warned.r.exitCode).toBe(0);
    const strict = await verify(sb, ['--now', soon, '--strict']);
    expect(strict.r.exitCode).toBe(1);
    expect(strict.report.ok).toBe(false);

    const expired = await verify(sb, ['--now', late]);
    expect(expired.status['idp.certificate']).toBe('fail');
    expect(expired.r.exitCode).toBe(1);
  });

  it('a signing-key rotation: the pre-trusted next key keeps SSO working (warn), a second one breaks sp.trust and the login', async () => {
    const sb = sandbox();
    sb.auth0.tenant.rotateSigningKey();
    const once = await verify(sb);
    expect(once.status).toEqual({ ...ALL_PASS, 'idp.certificate': 'warn' });
    expect(once.report.checks.find((c) => c.id === 'idp.certificate')!.message).toContain('next signing key');
    expect(once.r.exitCode).toBe(0);

    sb.auth0.tenant.rotateSigningKey();
    const twice = await verify(sb);
    expect(twice.status['sp.trust']).toBe('fail');
    expect(twice.status['sso.login']).toBe('fail');
    expect(twice.r.exitCode).toBe(1);

    expect((await run(sb, ['apply'])).exitCode).toBe(0);
    expect((await verify(sb)).status).toEqual(ALL_PASS);
  });

  it('a revoked scope fails credentials and names the scope', async () => {
    const sb = sandbox();
    const all = sb.auth0.management.scopes;
    sb.auth0.tenant.setManagementScopes(all.filter((s) => s !== 'read:signing_keys'));
    try {
      const { r, report, status } = await verify(sb);
      expect(status.credentials).toBe('fail');
      expect(report.checks.find((c) => c.id === 'credentials')!.message).toContain('read:signing_keys');
      expect(report.checks.find((c) => c.id === 'credentials')!.hint).toContain('Machine to Machine Applications');
      expect(r.exitCode).toBe(1);
    } finally {
      sb.auth0.tenant.setManagementScopes(all);
    }
  });

  it('a test user with a wrong password fails sso.login with LOGIN_REJECTED', async () => {
    const sb = sandbox();
    const { r, report, status } = await verify(sb, [], { SANDBOX_USER_PASSWORD: 'not-the-password' });
    expect(status['sso.login']).toBe('fail');
    expect(report.checks.find((c) => c.id === 'sso.login')!.details!.code).toBe('LOGIN_REJECTED');
    expect(status['sso.probe']).toBe('pass');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).not.toContain('not-the-password');
  });

  it('a usage error is exit 2', async () => {
    const r = await run(sandbox(), ['verify', '--now', 'yesterday']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--now');
  });

  it('a stopped SP fails sp.trust and the login, exit 1', async () => {
    const sb = sandbox();
    await sb.amplitude.close();
    const { r, report, status } = await verify(sb);
    expect(status['sp.trust']).toBe('fail');
    expect(report.checks.find((c) => c.id === 'sp.trust')!.message).toContain('connection refused');
    expect(status['sso.login']).toBe('fail');
    expect(status['idp.client']).toBe('pass');
    expect(r.exitCode).toBe(1);
  });
});

describe('verify (manual delivery)', () => {
  const sandbox = useSandbox();
  const manual = (sb: Sandbox) => ({ AMPLITUDE_SSO_ENDPOINT: '', AMPLITUDE_SSO_TOKEN: '', AMPLITUDE_ORG_ID: sb.amplitude.orgId });

  it('sp.trust: a hand-over is not an upload (warn); a rotation since the hand-over fails it', async () => {
    const sb = sandbox();
    expect((await run(sb, ['apply'], manual(sb))).exitCode).toBe(0);
    const before = await verify(sb, [], { ...manual(sb), SANDBOX_USER_EMAIL: '', SANDBOX_USER_PASSWORD: '' });
    // Handed over, nobody confirmed the upload (confirmation: test/cli/manual-trust.test.ts).
    expect(before.status['sp.trust']).toBe('warn');
    expect(before.report.checks.find((c) => c.id === 'sp.trust')!.message).toContain('upload not confirmed');
    // Nothing can be pre-trusted through Amplitude's UI: the queued next key is a warning.
    expect(before.status['idp.certificate']).toBe('warn');
    expect(before.report.checks.find((c) => c.id === 'idp.certificate')!.message).toContain('a manual upload cannot pre-trust it');

    sb.auth0.tenant.rotateSigningKey();
    const after = await verify(sb, [], { ...manual(sb), SANDBOX_USER_EMAIL: '', SANDBOX_USER_PASSWORD: '' });
    expect(after.status['sp.trust']).toBe('fail');
    expect(after.report.checks.find((c) => c.id === 'sp.trust')!.hint).toContain('upload the new metadata file');
    expect(after.r.exitCode).toBe(1);
  });
});
