/**
 * Connections end to end, the built CLI spawned against the sandbox: a tenant whose new
 * applications get no connection (apply warns, verify fails, the IdP refuses the login) repaired
 * by `apply --connection`; an application turned off on its connection in the dashboard, caught
 * by verify and repaired by apply from the config file; the scopes it needs and a name the tenant
 * does not have, refused before anything changes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnCli, type CliResult } from '../helpers/run-cli.js';
import { markedClients, removeDir, tempDir, useSandbox } from '../helpers/sandbox.js';
import type { Sandbox } from '../../src/sandbox/index.js';

import { jest } from '@jest/globals';

jest.setTimeout(120_000);

const DB = 'Username-Password-Authentication';

interface Check {
  id: string;
  status: string;
  message: string;
  hint?: string;
  details?: Record<string, unknown>;
}

let cwd: string;
beforeEach(() => {
  cwd = tempDir();
});
afterEach(() => removeDir(cwd));

function run(sb: Sandbox, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return spawnCli(args, { cwd, env: { ...sb.env, ...env }, timeoutMs: 90_000 });
}

async function verify(sb: Sandbox, args: string[] = []): Promise<{ r: CliResult; checks: Record<string, Check> }> {
  const r = await run(sb, ['verify', '--json', ...args]);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  const report = JSON.parse(r.stdout) as { checks: Check[] };
  return { r, checks: Object.fromEntries(report.checks.map((c) => [c.id, c])) };
}

function statuses(checks: Record<string, Check>): Record<string, string> {
  return Object.fromEntries(Object.entries(checks).map(([id, c]) => [id, c.status]));
}

function applyJson(r: CliResult): { changed: boolean; connections?: { managed: boolean; action: string; enabled: string[]; diff: unknown[] }; steps: { id: string; status: string }[] } {
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return JSON.parse(r.stdout) as ReturnType<typeof applyJson>;
}

function appId(sb: Sandbox): string {
  return markedClients(sb)[0]!.client_id as string;
}

describe('a tenant whose new applications get no connection', () => {
  const sandbox = useSandbox({ enableClientConnections: false });

  it('apply warns, verify fails (and the IdP refuses the login), apply --connection repairs it', async () => {
    const sb = sandbox();
    const first = await run(sb, ['apply', '--json']);
    expect(first.exitCode).toBe(0);
    expect(applyJson(first).connections).toEqual({ managed: false, action: 'none', enabled: [], diff: [] });
    expect(first.stderr).toContain('No connection is enabled for "Amplitude SSO": every sign-in to Amplitude fails');
    expect(sb.auth0.tenant.connectionsOf(appId(sb))).toEqual([]);

    const broken = await verify(sb);
    expect(broken.r.exitCode).toBe(1);
    expect(broken.checks['idp.connections']).toMatchObject({ status: 'fail', details: { enabled: [] } });
    expect(broken.checks['idp.connections']!.hint).toContain('sso-setup apply --connection NAME');
    // The IdP's own answer: Auth0's error page for an application no connection serves.
    expect(broken.checks['sso.probe']).toMatchObject({ status: 'fail', details: { code: 'IDP_ERROR_PAGE', status: 400 } });
    expect(broken.checks['sso.probe']!.message).toContain('no connections enabled for the client');
    expect(broken.checks['sso.probe']!.hint).toContain('see idp.connections');
    expect(broken.checks['sso.login']!.status).toBe('fail');

    // The plan shows the change and changes nothing.
    const plan = await run(sb, ['apply', '--dry-run', '--json', '--connection', DB]);
    expect(plan.exitCode).toBe(0);
    expect(applyJson(plan).connections).toEqual({ managed: true, action: 'update', enabled: [DB], diff: [{ field: 'connections', before: [], after: [DB] }] });
    expect(sb.auth0.tenant.connectionsOf(appId(sb))).toEqual([]);
    const planText = await run(sb, ['apply', '--dry-run', '--connection', DB]);
    expect(planText.stdout).toContain(`  Connections: will be enabled on exactly ${DB}\n    ~ connections:\n        + ${DB}\n`);

    const repair = await run(sb, ['apply', '--json', '--connection', DB]);
    expect(repair.exitCode).toBe(0);
    const repaired = applyJson(repair);
    expect(repaired.changed).toBe(true);
    expect(repaired.steps).toContainEqual({ id: 'idp.connections', title: 'Enable the application on its connections', status: 'done', automated: true, detail: DB });
    expect(sb.auth0.tenant.connectionsOf(appId(sb))).toEqual([DB]);

    const healthy = await verify(sb, ['--connection', DB]);
    expect(healthy.r.exitCode).toBe(0);
    expect(Object.values(statuses(healthy.checks)).every((s) => s === 'pass')).toBe(true);
    expect(healthy.checks['idp.connections']!.message).toBe(`served by ${DB} (as configured)`);

    const again = applyJson(await run(sb, ['apply', '--json', '--connection', DB]));
    expect(again.changed).toBe(false);
    expect(again.connections).toMatchObject({ managed: true, action: 'none', enabled: [DB] });
  });
});

describe('an application turned off on its connection in the dashboard', () => {
  const sandbox = useSandbox();

  it('verify catches it (fail, then warn naming it), apply from the config file turns it back on and the other off', async () => {
    const sb = sandbox();
    writeFileSync(join(cwd, 'sso-setup.json'), JSON.stringify({ application: { connections: [DB] } }));
    expect((await run(sb, ['apply'])).exitCode).toBe(0);
    const id = appId(sb);
    expect(sb.auth0.tenant.connectionsOf(id)).toEqual([DB]);
    expect(statuses((await verify(sb)).checks)['idp.connections']).toBe('pass');

    // An admin turns the application off on its connection (Applications > the app > Connections).
    sb.auth0.tenant.setConnectionEnabled(DB, id, false);
    const off = await verify(sb);
    expect(off.r.exitCode).toBe(1);
    expect(off.checks['idp.connections']!.status).toBe('fail');

    // ... and on another one: the login page then offers only that one, which the test user is not in.
    sb.auth0.tenant.createConnection('acme-google', 'google-oauth2');
    sb.auth0.tenant.setConnectionEnabled('acme-google', id, true);
    const other = await verify(sb);
    expect(other.checks['idp.connections']).toMatchObject({
      status: 'warn',
      message: `served by acme-google; the application is turned off on ${DB}; it is also enabled on acme-google, which the configuration does not name`,
      details: { disabled: [DB], extra: ['acme-google'] },
    });
    expect(other.checks['sso.login']).toMatchObject({ status: 'fail', details: { code: 'LOGIN_UNEXPECTED_PAGE' } });

    const text = await run(sb, ['apply']);
    expect(text.exitCode).toBe(0);
    expect(text.stderr).toContain(`✔ The application is enabled on ${DB} (turned off on acme-google)`);
    expect(text.stdout).toContain(`~ connections:\n        - acme-google\n        + ${DB}\n`);
    expect(sb.auth0.tenant.connectionsOf(id)).toEqual([DB]);
    const healthy = await verify(sb);
    expect(healthy.r.exitCode).toBe(0);
    expect(statuses(healthy.checks)['idp.connections']).toBe('pass');
  });
});

describe('refused before anything changes', () => {
  const sandbox = useSandbox();
  afterEach(() => sandbox().auth0.tenant.setManagementScopes([...ALL]));
  let ALL: string[];
  beforeAll(() => {
    ALL = [...sandbox().auth0.management.scopes];
  });

  it('a connection the tenant does not have: exit 2, its connections listed, no application made', async () => {
    const sb = sandbox();
    const r = await run(sb, ['apply', '--connection', 'Google', '--connection', DB]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('error: the tenant has no connection named "Google" (--connection)');
    expect(r.stderr).toContain(`Its connections: ${DB}.`);
    expect(markedClients(sb)).toHaveLength(0);
  });

  it('configured connections need read:connections and update:connections, named with where to grant them', async () => {
    const sb = sandbox();
    sb.auth0.tenant.setManagementScopes(ALL.filter((s) => s !== 'update:connections'));
    const r = await run(sb, ['apply', '--json', '--connection', DB]);
    expect(r.exitCode).toBe(1);
    const error = (JSON.parse(r.stdout) as { error: { code: string; message: string; hint: string } }).error;
    expect(error).toMatchObject({ code: 'AUTH0_MISSING_SCOPE', message: 'the Management API token lacks update:connections (needed to enable the application on its connections)' });
    expect(error.hint).toContain('Auth0 Management API > Machine to Machine Applications');
    expect(markedClients(sb)).toHaveLength(0);
    // A dry run reads only.
    expect((await run(sb, ['apply', '--dry-run', '--connection', DB])).exitCode).toBe(0);

    sb.auth0.tenant.setManagementScopes(ALL.filter((s) => s !== 'read:connections'));
    const read = await run(sb, ['apply', '--dry-run', '--connection', DB]);
    expect(read.exitCode).toBe(1);
    expect(read.stderr).toContain('the Management API token lacks read:connections');
    // Without configured connections apply needs neither (it then only cannot warn about them).
    const unmanaged = await run(sb, ['apply']);
    expect(unmanaged.exitCode).toBe(0);
    const checks = (await verify(sb)).checks;
    expect(checks['credentials']).toMatchObject({ status: 'fail', message: 'the Management API token lacks read:connections' });
    expect(checks['idp.connections']).toMatchObject({ status: 'skip', message: 'needs the read:connections scope' });
  });
});
