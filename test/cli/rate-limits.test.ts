/**
 * Rate limits on both sides, as a CI job meets them: bursts of 429s are waited out (each wait said
 * on stderr), a limit longer than the run's budget fails at once with a clear code. Faults are set
 * and cleared through the sandbox's admin route; the built CLI is spawned.
 */
import { spawnCli, type CliResult } from '../helpers/run-cli.js';
import { markedClients, readFaults, removeDir, setFaults, tempDir, useSandbox } from '../helpers/sandbox.js';
import type { Sandbox } from '../../src/sandbox/index.js';

let cwd: string;
beforeEach(() => {
  cwd = tempDir();
});
afterEach(() => removeDir(cwd));

const sandbox = useSandbox();
afterEach(async () => {
  const sb = sandbox();
  await setFaults(sb.auth0.baseUrl, sb.adminToken, '');
  await setFaults(sb.amplitude.baseUrl, sb.adminToken, '');
});

function apply(sb: Sandbox, env: Record<string, string> = {}): Promise<CliResult> {
  return spawnCli(['apply', '--json'], { cwd, env: { ...sb.env, ...env }, timeoutMs: 90_000 });
}

function errorOf(r: CliResult): { code: string; message: string; hint: string; details: Record<string, unknown> } {
  return (JSON.parse(r.stdout) as { error: { code: string; message: string; hint: string; details: Record<string, unknown> } }).error;
}

const waitLines = (r: CliResult) => r.stderr.split('\n').filter((l) => /rate limited \(429\); retrying in/.test(l));

describe('rate limits', () => {
  it('a burst of 5 429s from Auth0 is waited out, more than the 4 attempts 5xx errors get; each wait is said', async () => {
    const sb = sandbox();
    const before = (await setFaults(sb.auth0.baseUrl, sb.adminToken, '429=5,reset=1')).injected.rateLimited;
    const r = await apply(sb);
    expect(r.exitCode).toBe(0);
    expect((await readFaults(sb.auth0.baseUrl, sb.adminToken)).injected.rateLimited).toBe(before + 5);
    const lines = waitLines(r);
    expect(lines).toHaveLength(5);
    expect(lines.at(-1)).toMatch(/^· 127\.0\.0\.1:\d+: rate limited \(429\); retrying in \d\.\d s \(\d+\.\d of 120 s of rate-limit waiting used\)$/);
    expect(markedClients(sb)).toHaveLength(1);
  });

  it('a burst of 5 429s from the SP settings endpoint is waited out too', async () => {
    const sb = sandbox();
    const before = (await setFaults(sb.amplitude.baseUrl, sb.adminToken, '429=5,reset=1')).injected.rateLimited;
    const r = await apply(sb);
    expect(r.exitCode).toBe(0);
    expect((await readFaults(sb.amplitude.baseUrl, sb.adminToken)).injected.rateLimited).toBe(before + 5);
    expect(waitLines(r)).toHaveLength(5);
    expect(waitLines(r).every((l) => l.includes(new URL(sb.amplitude.baseUrl).host))).toBe(true);
    expect(sb.amplitude.settings()).toBeDefined();
  });

  it('Auth0 asking for a wait longer than the budget fails at once with AUTH0_RATE_LIMITED, and says how to allow more', async () => {
    const sb = sandbox();
    await setFaults(sb.auth0.baseUrl, sb.adminToken, '429=1,reset=300,path=/api/v2/clients');
    const r = await apply(sb);
    expect(r.exitCode).toBe(1);
    const error = errorOf(r);
    expect(error.code).toBe('AUTH0_RATE_LIMITED');
    expect(error.message).toMatch(/kept rate-limiting the request to list applications: asked to wait 30\d s, more than the 120 s left of the run's 120 s rate-limit budget/);
    expect(error.hint).toContain('SSO_SETUP_RATE_LIMIT_WAIT');
    expect(error.details).toMatchObject({ budgetSeconds: 120 });
    // It did not wait: no wait line at all.
    expect(waitLines(r)).toEqual([]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('the SP asking for a wait longer than the budget fails at once with SP_RATE_LIMITED (not SP_SERVER_ERROR)', async () => {
    const sb = sandbox();
    // SSO off at the SP, so the run has to push.
    await fetch(sb.amplitude.ssoEndpoint, { method: 'DELETE', headers: { authorization: `Bearer ${sb.amplitude.ssoToken}` } });
    await setFaults(sb.amplitude.baseUrl, sb.adminToken, '429=1,reset=600,method=PUT');
    const r = await apply(sb);
    expect(r.exitCode).toBe(1);
    const error = errorOf(r);
    expect(error.code).toBe('SP_RATE_LIMITED');
    expect(error.message).toMatch(/the SP settings endpoint \S+ kept rate-limiting PUT requests: asked to wait 600\.?\d* s/);
    expect(waitLines(r)).toEqual([]);
    // The Auth0 side was done; a re-run once the limit is gone converges.
    await setFaults(sb.amplitude.baseUrl, sb.adminToken, '');
    const again = await apply(sb);
    expect(again.exitCode).toBe(0);
    expect(sb.amplitude.settings()).toBeDefined();
  });

  it('SSO_SETUP_RATE_LIMIT_WAIT sets the budget: 5 s of 1 s waits runs out; a bad value is a usage error', async () => {
    const sb = sandbox();
    // The budget counts from the run's start: 5 s leaves room for at least one 1 s wait even when a loaded
    // machine takes seconds to start the CLI (with 2 s, a slow start left none: seen once in CI).
    await setFaults(sb.auth0.baseUrl, sb.adminToken, '429=20,reset=1,path=/oauth/token');
    const r = await apply(sb, { SSO_SETUP_RATE_LIMIT_WAIT: '5' });
    expect(r.exitCode).toBe(1);
    expect(errorOf(r).code).toBe('AUTH0_RATE_LIMITED');
    expect(errorOf(r).message).toMatch(/get a Management API token: asked to wait \d\.\d s, more than the \d\.\d s left of the run's 5\.0 s rate-limit budget/);
    expect(waitLines(r).length).toBeGreaterThanOrEqual(1);
    expect(waitLines(r).length).toBeLessThanOrEqual(6);

    for (const bad of ['soon', '-1', '3601', '1.5', '']) {
      const u = await apply(sb, { SSO_SETUP_RATE_LIMIT_WAIT: bad });
      expect(u.exitCode).toBe(2);
      expect(errorOf(u).code).toBe('CONFIG_INVALID');
      expect(errorOf(u).message).toBe(`env SSO_SETUP_RATE_LIMIT_WAIT: ${JSON.stringify(bad)} is not a whole number of seconds from 0 to 3600`);
    }
  });
});
