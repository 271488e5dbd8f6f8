/**
 * The README's first command (`sso-setup demo`) and `sso-setup sandbox --env-file`, as processes.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, baseEnv, spawnCli } from '../helpers/run-cli.js';
import { readFaults, removeDir, setFaults, tempDir } from '../helpers/sandbox.js';

import { jest } from '@jest/globals';
import { parseDotenv } from '../helpers/dotenv.js';

jest.setTimeout(60_000);

let cwd: string;
beforeEach(() => {
  cwd = tempDir();
});
afterEach(() => removeDir(cwd));

/**
 * `sso-setup sandbox --env-file FILE --json ARGS…` as a process: its summary (printed once both
 * servers listen) and env file; `stop()` sends SIGTERM and gives the exit code.
 */
async function serveSandbox(envFile: string, args: string[]): Promise<{ stdout: string; env: () => Record<string, string>; stop: () => Promise<number> }> {
  const child = spawn(process.execPath, ['--', BIN, 'sandbox', '--env-file', envFile, '--json', ...args], {
    cwd,
    env: baseEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  const deadline = Date.now() + 20_000;
  while (!stdout.includes('}') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return {
    stdout,
    env: () => parseDotenv(readFileSync(envFile, 'utf8')),
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

describe('demo', () => {
  it('runs apply on the built-in sandbox and ends with the signed-in line, exit 0', async () => {
    // A person's real Auth0 settings must not leak into the demo.
    const r = await spawnCli(['demo'], { cwd, env: { AUTH0_DOMAIN: 'real-tenant.example.com', AUTH0_CLIENT_SECRET: 'do-not-use-me-123456' }, timeoutMs: 60_000 });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(/^signed in to Amplitude \(sandbox\) as \S+@\S+$/);
    expect(r.stderr).toContain('Sandbox up');
    expect(r.stderr).toContain('Created Auth0 application');
    expect(r.stderr).toContain('SP settings updated');
    expect(r.stderr).toContain('Amplitude accepted the signed assertion');
    expect(r.stdout + r.stderr).not.toContain('real-tenant.example.com');
  });

  it('--json prints one document', async () => {
    const r = await spawnCli(['demo', '--json'], { cwd, timeoutMs: 60_000 });
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout) as { signedIn: boolean; email: string; apply: { changed: boolean } };
    expect(doc).toMatchObject({ signedIn: true, apply: { changed: true } });
  });

  it('--custom-domain: the login goes through the custom domain, whose entity ID the SP trusts', async () => {
    const r = await spawnCli(['demo', '--custom-domain', '--json'], { cwd, timeoutMs: 60_000 });
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout) as { signedIn: boolean; apply: { metadata: { entityId: string; ssoUrl: string } }; login: { trail: string[] } };
    expect(doc.signedIn).toBe(true);
    expect(doc.apply.metadata.entityId).toMatch(/^urn:localhost:\d+$/);
    expect(doc.apply.metadata.ssoUrl).toMatch(/^http:\/\/localhost:\d+\/samlp\//);
    expect(doc.login.trail.some((step) => /^GET http:\/\/localhost:\d+\/u\/login$/.test(step))).toBe(true);
  });
});

describe('sandbox', () => {
  it('writes the env file once both servers listen, serves apply, and exits 0 on SIGTERM', async () => {
    const envFile = join(cwd, 'sandbox.env');
    const served = await serveSandbox(envFile, ['--fault-seed', '5']);
    const stdout = served.stdout;
    try {
      const summary = JSON.parse(stdout) as { auth0: { domain: string; url: string }; amplitude: { orgId: string; url: string }; envFile: string; faultsAdmin: string[] };
      expect(summary.envFile).toBe(envFile);
      expect(existsSync(envFile)).toBe(true);
      expect(statSync(envFile).mode & 0o777).toBe(0o600);
      const env = served.env();
      expect(Object.keys(env).sort()).toEqual(
        [
          'AUTH0_DOMAIN',
          'AUTH0_CLIENT_ID',
          'AUTH0_CLIENT_SECRET',
          'AMPLITUDE_ORG_ID',
          'AMPLITUDE_BASE_URL',
          'AMPLITUDE_SSO_ENDPOINT',
          'AMPLITUDE_SSO_TOKEN',
          'SANDBOX_USER_EMAIL',
          'SANDBOX_USER_PASSWORD',
          'SANDBOX_ADMIN_TOKEN',
        ].sort(),
      );
      expect(env.AUTH0_DOMAIN).toBe(summary.auth0.domain);
      expect(env.AUTH0_DOMAIN).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(stdout).not.toContain(env.AUTH0_CLIENT_SECRET!);
      expect(stdout).not.toContain(env.SANDBOX_ADMIN_TOKEN!);
      expect(summary.faultsAdmin).toEqual([`${summary.auth0.url}/__sandbox/faults`, `${summary.amplitude.url}/__sandbox/faults`]);
      expect((await readFaults(summary.auth0.url, env.SANDBOX_ADMIN_TOKEN!)).faults).toEqual({ seed: 5 });

      const apply = await spawnCli(['apply', '--json'], { cwd, env });
      expect(apply.exitCode).toBe(0);
      const verify = await spawnCli(['verify', '--json'], { cwd, env });
      expect(verify.exitCode).toBe(0);
      expect((JSON.parse(verify.stdout) as { ok: boolean }).ok).toBe(true);

      // Faults set and cleared while it serves, through the admin route and the env file's token.
      await setFaults(summary.amplitude.url, env.SANDBOX_ADMIN_TOKEN!, '5xx=100,method=GET');
      const broken = await spawnCli(['verify', '--json'], { cwd, env });
      expect(broken.exitCode).toBe(1);
      expect((JSON.parse(broken.stdout) as { checks: { id: string; details?: { code?: string } }[] }).checks.find((c) => c.id === 'sp.trust')?.details?.code).toBe('SP_SERVER_ERROR');
      await setFaults(summary.amplitude.url, env.SANDBOX_ADMIN_TOKEN!, '');
      expect((await spawnCli(['verify', '--json'], { cwd, env })).exitCode).toBe(0);
    } finally {
      expect(await served.stop()).toBe(0);
    }
  });

  it('fresh random credentials on every start', async () => {
    const read = async () => {
      const envFile = join(cwd, `e${Math.random()}.env`);
      const child = spawn(process.execPath, ['--', BIN, 'sandbox', '--env-file', envFile], { cwd, env: baseEnv(), stdio: 'ignore' });
      const deadline = Date.now() + 20_000;
      while (!existsSync(envFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const env = parseDotenv(readFileSync(envFile, 'utf8'));
      child.kill('SIGINT');
      await new Promise((r) => child.on('close', r));
      return env;
    };
    const a = await read();
    const b = await read();
    expect(a.AUTH0_CLIENT_SECRET).not.toBe(b.AUTH0_CLIENT_SECRET);
    expect(a.AMPLITUDE_SSO_TOKEN).not.toBe(b.AMPLITUDE_SSO_TOKEN);
    expect(a.SANDBOX_USER_PASSWORD).not.toBe(b.SANDBOX_USER_PASSWORD);
    expect(a.SANDBOX_ADMIN_TOKEN).not.toBe(b.SANDBOX_ADMIN_TOKEN);
  });

  it('--custom-domain --no-default-connection: a second host name in the env, and new applications on no connection', async () => {
    const served = await serveSandbox(join(cwd, 'sandbox.env'), ['--custom-domain', '--no-default-connection']);
    try {
      const summary = JSON.parse(served.stdout) as { auth0: { domain: string; customDomain: string; newApplicationsGetConnections: boolean } };
      const env = served.env();
      expect(env.AUTH0_CUSTOM_DOMAIN).toBe(summary.auth0.customDomain);
      expect(summary.auth0.customDomain).toBe(summary.auth0.domain.replace('127.0.0.1', 'localhost'));
      expect(summary.auth0.newApplicationsGetConnections).toBe(false);
      const apply = await spawnCli(['apply', '--json'], { cwd, env });
      expect(apply.exitCode).toBe(0);
      expect(apply.stderr).toContain('No connection is enabled for "Amplitude SSO"');
      expect((JSON.parse(apply.stdout) as { metadata: { entityId: string } }).metadata.entityId).toBe(`urn:${env.AUTH0_CUSTOM_DOMAIN}`);
      const verify = await spawnCli(['verify', '--json'], { cwd, env });
      expect(verify.exitCode).toBe(1);
      expect((JSON.parse(verify.stdout) as { checks: { id: string; status: string }[] }).checks.find((c) => c.id === 'idp.connections')?.status).toBe('fail');
    } finally {
      expect(await served.stop()).toBe(0);
    }
  });

  it('a bad flag value is a usage error', async () => {
    const r = await spawnCli(['sandbox', '--rate-limit', 'lots'], { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("--rate-limit 'lots' is not a rate");
  });
});
