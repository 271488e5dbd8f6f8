/**
 * Many orgs in one config (`amplitude.orgs`), as a CI job runs them: the built CLI spawned against a
 * sandbox serving several Amplitude orgs (`startSandbox({ orgs })`, what `sandbox --orgs N` serves),
 * with the config file and per-org tokens the sandbox hands out (SANDBOX_CONFIG,
 * AMPLITUDE_SSO_TOKEN_<orgId>).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { expectExit, parseJson, spawnCli, type CliResult } from '../helpers/run-cli.js';
import { removeDir, setFaults, tempDir, useSandbox } from '../helpers/sandbox.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { shardOf } from '../../src/core/fleet.js';
import { RATE_LIMIT_PRESETS } from '../../src/sandbox/types.js';

jest.setTimeout(240_000);

interface OrgEntry {
  orgId: string;
  status: string;
  result?: { changed: boolean; idp: { clientId?: string; action: string }; sp: { action: string; delivery: string }; metadata?: { certificates: { sha256: string }[] }; manualSteps?: string[]; sp_upload?: unknown };
  error?: { code: string; message: string };
}
interface FleetJson {
  ok: boolean;
  changed: boolean;
  counts: { configured: number; selected: number; failed: number; changed: number };
  orgs: OrgEntry[];
}

let cwd: string;
beforeEach(() => {
  cwd = tempDir();
});
afterEach(() => removeDir(cwd));

function cli(sb: Sandbox, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return spawnCli(args, { cwd, env: { ...sb.env, ...env }, timeoutMs: 180_000 });
}

/** The applications carrying sso-setup's marker, by org. */
function appsByOrg(sb: Sandbox): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of sb.auth0.tenant.listClients()) {
    const marker = (c.client_metadata as Record<string, string> | undefined)?.sso_setup;
    if (!marker?.startsWith('amplitude:')) continue;
    const org = marker.slice('amplitude:'.length);
    out.set(org, [...(out.get(org) ?? []), c.client_id as string]);
  }
  return out;
}

function orgIds(sb: Sandbox): string[] {
  return sb.amplitudeOrgs.map((o) => o.orgId);
}

describe('three orgs: apply, re-apply, verify', () => {
  const sandbox = useSandbox({ orgs: 3 });

  it('the sandbox hands out a config naming every org and a token per org, and no one-org variables', () => {
    const sb = sandbox();
    const config = JSON.parse(readFileSync(sb.env.SANDBOX_CONFIG!, 'utf8')) as { amplitude: { orgs: { orgId: string; ssoEndpoint: string }[] } };
    expect(config.amplitude.orgs.map((o) => o.orgId)).toEqual(orgIds(sb));
    expect(config.amplitude.orgs.map((o) => o.ssoEndpoint)).toEqual(sb.amplitudeOrgs.map((o) => o.ssoEndpoint));
    for (const o of sb.amplitudeOrgs) expect(sb.env[`AMPLITUDE_SSO_TOKEN_${o.orgId}`]).toBe(o.ssoToken);
    expect(new Set(sb.amplitudeOrgs.map((o) => o.ssoToken)).size).toBe(3);
    expect(readFileSync(sb.env.SANDBOX_CONFIG!, 'utf8')).not.toContain(sb.amplitudeOrgs[0]!.ssoToken);
    for (const name of ['AMPLITUDE_ORG_ID', 'AMPLITUDE_SSO_ENDPOINT', 'AMPLITUDE_SSO_TOKEN']) expect(sb.env[name]).toBeUndefined();
  });

  it('creates one application per org and pushes each its metadata; a re-run changes nothing; verify passes every org', async () => {
    const sb = sandbox();
    const first = await cli(sb, ['apply', '--config', sb.env.SANDBOX_CONFIG!, '--json']);
    expectExit(first, 0);
    const out = parseJson<FleetJson>(first);
    expect(out.ok).toBe(true);
    expect(out.orgs.map((o) => [o.orgId, o.status, o.result?.idp.action, o.result?.sp.action])).toEqual(orgIds(sb).map((id) => [id, 'changed', 'create', 'upload']));
    const apps = appsByOrg(sb);
    for (const [i, org] of sb.amplitudeOrgs.entries()) {
      expect(apps.get(org.orgId)).toEqual([out.orgs[i]!.result!.idp.clientId]);
      // Each org's SP holds its own application's SSO URL and the tenant's certificate.
      expect(org.settings()?.ssoUrl).toBe(`${sb.auth0.baseUrl}/samlp/${out.orgs[i]!.result!.idp.clientId}`);
      expect(org.settings()?.certificates.map((c) => c.sha256)).toContain(out.orgs[i]!.result!.metadata!.certificates[0]!.sha256);
    }
    // Each application is named after its org (Auth0 names need not be unique; people need to tell them apart).
    expect(sb.auth0.tenant.listClients().filter((c) => String(c.name).startsWith('Amplitude SSO (')).map((c) => c.name).sort()).toEqual(orgIds(sb).map((id) => `Amplitude SSO (${id})`).sort());

    const again = await cli(sb, ['apply', '--config', sb.env.SANDBOX_CONFIG!, '--json']);
    expectExit(again, 0);
    const second = parseJson<FleetJson>(again);
    expect(second.changed).toBe(false);
    expect(second.orgs.map((o) => [o.status, o.result?.idp.action, o.result?.sp.action])).toEqual(orgIds(sb).map(() => ['unchanged', 'none', 'none']));

    const text = await cli(sb, ['apply', '--config', sb.env.SANDBOX_CONFIG!]);
    expectExit(text, 0);
    for (const id of orgIds(sb)) expect(text.stdout).toMatch(new RegExp(`^${id}\\s+no change \\(\\w+\\)\\s+no change \\(endpoint\\)\\s+ok`, 'm'));
    expect(text.stdout).toContain('3 org(s): 0 changed, 3 already as configured, 0 failed');

    const verify = await cli(sb, ['verify', '--config', sb.env.SANDBOX_CONFIG!, '--json', '--junit', join(cwd, 'verify.xml')]);
    expectExit(verify, 0);
    const report = parseJson<{ ok: boolean; orgs: { orgId: string; ok: boolean; checks: { id: string; status: string }[] }[] }>(verify);
    expect(report.ok).toBe(true);
    expect(report.orgs.map((o) => o.orgId)).toEqual(orgIds(sb));
    for (const o of report.orgs) expect(o.checks.filter((c) => c.status !== 'pass').map((c) => c.id)).toEqual([]);
    const junit = readFileSync(join(cwd, 'verify.xml'), 'utf8');
    expect([...junit.matchAll(/<testsuite name="([^"]+)" tests="(\d+)" failures="(\d+)"/g)].map((m) => [m[1], m[2], m[3]])).toEqual(
      // Eight checks per org (idp.connections among them).
      orgIds(sb).map((id) => [`sso-setup verify org ${id}`, '8', '0']),
    );
  });

  it('--only selects orgs (an org not configured is a usage error); --shard K/N splits them by the documented hash', async () => {
    const sb = sandbox();
    const [a, b] = orgIds(sb);
    const only = await cli(sb, ['apply', '--config', sb.env.SANDBOX_CONFIG!, '--dry-run', '--json', '--only', b!, '--only', a!]);
    expectExit(only, 0);
    const picked = parseJson<FleetJson>(only);
    // In the configured order, whatever the order of the flags.
    expect(picked.orgs.map((o) => o.orgId)).toEqual([a, b]);
    expect(picked.counts).toMatchObject({ configured: 3, selected: 2 });

    const unknown = await cli(sb, ['apply', '--config', sb.env.SANDBOX_CONFIG!, '--only', '999999']);
    expectExit(unknown, 2);
    expect(unknown.stderr).toContain('--only 999999: not among the configured orgs');

    const seen: string[] = [];
    for (let k = 1; k <= 4; k++) {
      const r = await cli(sb, ['apply', '--config', sb.env.SANDBOX_CONFIG!, '--dry-run', '--json', '--shard', `${k}/4`]);
      expectExit(r, 0);
      const ids = parseJson<FleetJson>(r).orgs.map((o) => o.orgId);
      expect(ids).toEqual(orgIds(sb).filter((id) => shardOf(id, 4) === k));
      seen.push(...ids);
    }
    expect(seen.sort()).toEqual([...orgIds(sb)].sort());

    const bad = await cli(sb, ['apply', '--config', sb.env.SANDBOX_CONFIG!, '--shard', '5/4']);
    expectExit(bad, 2);
    expect(bad.stderr).toContain('--shard');
  });

  it("one org's SP endpoint down: that org fails, the others converge, exit 1; once it is back a re-run converges it", async () => {
    const sb = sandbox();
    // Start each org afresh: SSO off at every SP (the tenant keeps the applications).
    for (const o of sb.amplitudeOrgs) await fetch(o.ssoEndpoint, { method: 'DELETE', headers: { authorization: `Bearer ${o.ssoToken}` } });
    const down = sb.amplitudeOrgs[1]!;
    await setFaults(down.baseUrl, sb.adminToken, 'drop=1000');
    const r = await cli(sb, ['apply', '--config', sb.env.SANDBOX_CONFIG!, '--json']);
    await setFaults(down.baseUrl, sb.adminToken, '');
    expectExit(r, 1);
    const out = parseJson<FleetJson>(r);
    expect(out.ok).toBe(false);
    expect(out.counts).toMatchObject({ selected: 3, failed: 1 });
    expect(out.orgs.map((o) => [o.orgId, o.status])).toEqual([
      [orgIds(sb)[0], 'changed'],
      [down.orgId, 'failed'],
      [orgIds(sb)[2], 'changed'],
    ]);
    expect(out.orgs[1]!.error!.code).toBe('SP_UNREACHABLE');
    expect(sb.amplitudeOrgs[0]!.settings()).toBeDefined();
    expect(sb.amplitudeOrgs[2]!.settings()).toBeDefined();
    expect(down.settings()).toBeUndefined();

    const text = await cli(sb, ['apply', '--config', sb.env.SANDBOX_CONFIG!]);
    expectExit(text, 0);
    expect(text.stdout).toMatch(new RegExp(`^${down.orgId}\\s+no change \\(\\w+\\)\\s+pushed \\(endpoint\\)\\s+changed`, 'm'));
    expect(down.settings()).toBeDefined();
  });

  it('destroy --only removes that org alone', async () => {
    const sb = sandbox();
    const target = orgIds(sb)[2]!;
    expectExit(await cli(sb, ['apply', '--config', sb.env.SANDBOX_CONFIG!]), 0);
    const r = await cli(sb, ['destroy', '--config', sb.env.SANDBOX_CONFIG!, '--yes', '--json', '--only', target]);
    expectExit(r, 0);
    const out = parseJson<{ ok: boolean; orgs: { orgId: string; status: string }[] }>(r);
    expect(out.orgs).toEqual([expect.objectContaining({ orgId: target, status: 'destroyed' })]);
    const apps = appsByOrg(sb);
    expect(apps.has(target)).toBe(false);
    for (const id of orgIds(sb).slice(0, 2)) expect(apps.get(id)).toHaveLength(1);
    expect(sb.amplitudeOrgs[2]!.settings()).toBeUndefined();
  });
});

describe('a list with a manual-delivery org', () => {
  const sandbox = useSandbox({ orgs: 2 });

  it('saves that org its own file and records the hand-over on its application; confirm-upload takes the org with --only', async () => {
    const sb = sandbox();
    const [pushed, manual] = sb.amplitudeOrgs;
    const configFile = join(cwd, 'fleet.json');
    writeFileSync(
      configFile,
      JSON.stringify({ amplitude: { orgs: [{ orgId: pushed!.orgId, baseUrl: pushed!.baseUrl, ssoEndpoint: pushed!.ssoEndpoint }, { orgId: manual!.orgId, baseUrl: manual!.baseUrl, delivery: 'manual' }] } }),
    );
    const r = await cli(sb, ['apply', '--config', configFile, '--json']);
    expectExit(r, 0);
    const out = parseJson<FleetJson>(r);
    const entry = out.orgs[1]!;
    expect(entry.result!.sp).toMatchObject({ delivery: 'manual', action: 'handover' });
    const file = join(cwd, `amplitude-idp-metadata-${manual!.orgId}.xml`);
    expect(readFileSync(file, 'utf8')).toContain('EntityDescriptor');
    const cert = entry.result!.metadata!.certificates[0]!.sha256;
    expect(entry.result!.manualSteps!.join('\n')).toContain(`sso-setup confirm-upload --fingerprint ${cert}`);

    const ambiguous = await cli(sb, ['confirm-upload', '--config', configFile, '--fingerprint', cert]);
    expectExit(ambiguous, 2);
    expect(ambiguous.stderr).toContain('--only');
    const confirm = await cli(sb, ['confirm-upload', '--config', configFile, '--only', manual!.orgId, '--fingerprint', cert]);
    expectExit(confirm, 0);

    const verify = await cli(sb, ['verify', '--config', configFile, '--json'], { SANDBOX_USER_EMAIL: '', SANDBOX_USER_PASSWORD: '' });
    expectExit(verify, 0);
    const report = parseJson<{ orgs: { orgId: string; checks: { id: string; status: string; message: string }[] }[] }>(verify);
    const trust = report.orgs[1]!.checks.find((c) => c.id === 'sp.trust')!;
    expect(trust.status).toBe('pass');
    expect(trust.message).toMatch(/confirmed/);
  });
});

describe('twenty orgs on a free-tier tenant (2 requests/s)', () => {
  const sandbox = useSandbox({ orgs: 20, rateLimit: RATE_LIMIT_PRESETS.free });

  it('converge in one run with one token and one signing-key read, and a re-run changes nothing', async () => {
    const sb = sandbox();
    sb.requests.clear();
    const r = await cli(sb, ['apply', '--config', sb.env.SANDBOX_CONFIG!, '--json']);
    expectExit(r, 0);
    const out = parseJson<FleetJson>(r);
    expect(out.counts).toMatchObject({ selected: 20, changed: 20, failed: 0 });
    const apps = appsByOrg(sb);
    for (const o of sb.amplitudeOrgs) {
      expect(apps.get(o.orgId)).toHaveLength(1);
      expect(o.settings()?.ssoUrl).toBe(`${sb.auth0.baseUrl}/samlp/${apps.get(o.orgId)![0]}`);
    }
    const auth0 = sb.requests.entries().filter((e) => e.target.startsWith(sb.auth0.domain));
    expect(auth0.filter((e) => e.target.endsWith('/oauth/token'))).toHaveLength(1);
    expect(auth0.filter((e) => e.target.endsWith('/api/v2/keys/signing'))).toHaveLength(1);
    // Listings are shared: the first by all orgs, later ones coalesced (not 2 per org).
    const listings = auth0.filter((e) => e.method === 'GET' && e.target.endsWith('/api/v2/clients')).length;
    expect(listings).toBeLessThanOrEqual(8);
    // Creates: one per org, none repeated.
    expect(auth0.filter((e) => e.method === 'POST' && e.target.endsWith('/api/v2/clients') && e.status === 201)).toHaveLength(20);

    const again = await cli(sb, ['apply', '--config', sb.env.SANDBOX_CONFIG!, '--json']);
    expectExit(again, 0);
    expect(parseJson<FleetJson>(again).counts).toMatchObject({ selected: 20, changed: 0, failed: 0 });
  });
});

describe('connections and a custom domain across orgs', () => {
  const sandbox = useSandbox({ orgs: 3, customDomain: true, enableClientConnections: false });
  const DB = 'Username-Password-Authentication';

  it('each org’s application on its connections (shared, or the entry’s own), the tenant’s read once; SAML on the custom domain', async () => {
    const sb = sandbox();
    sb.auth0.tenant.createConnection('acme-google', 'google-oauth2');
    const config = JSON.parse(readFileSync(sb.env.SANDBOX_CONFIG!, 'utf8')) as { amplitude: { orgs: Record<string, unknown>[] }; application?: Record<string, unknown> };
    config.application = { ...config.application, connections: [DB] };
    config.amplitude.orgs[2]!.connections = ['acme-google'];
    const file = join(cwd, 'fleet.json');
    writeFileSync(file, JSON.stringify(config));
    sb.requests.clear();
    const r = await cli(sb, ['apply', '--config', file, '--json']);
    expectExit(r, 0);
    const apps = appsByOrg(sb);
    const [a, b, c] = orgIds(sb).map((id) => apps.get(id)![0]!);
    expect([a!, b!, c!].map((id) => sb.auth0.tenant.connectionsOf(id))).toEqual([[DB], [DB], ['acme-google']]);
    const auth0 = sb.requests.entries();
    expect(auth0.filter((e) => e.method === 'GET' && e.target === `${sb.auth0.domain}/api/v2/connections`)).toHaveLength(1);
    // The custom domain is the tenant's: every org's SP trusts urn:<custom domain> and its SSO URL.
    const custom = sb.auth0.customDomain!;
    for (const [i, o] of sb.amplitudeOrgs.entries()) {
      expect(o.settings()).toMatchObject({ idpEntityId: `urn:${custom}`, ssoUrl: `http://${custom}/samlp/${[a, b, c][i]!}` });
    }

    // --connection overrides the file for every org.
    const plan = await cli(sb, ['apply', '--config', file, '--connection', DB, '--dry-run', '--json']);
    expectExit(plan, 0);
    const planned = parseJson<{ orgs: { result: { connections: { enabled: string[]; action: string } } }[] }>(plan);
    expect(planned.orgs.map((o) => [o.result.connections.enabled, o.result.connections.action])).toEqual([
      [[DB], 'none'],
      [[DB], 'none'],
      [[DB], 'update'],
    ]);

    const verify = await cli(sb, ['verify', '--config', file, '--json']);
    const report = parseJson<{ orgs: { checks: { id: string; status: string; message: string }[] }[] }>(verify);
    expect(report.orgs.map((o) => o.checks.find((ch) => ch.id === 'idp.connections')!.message)).toEqual([
      `served by ${DB} (as configured)`,
      `served by ${DB} (as configured)`,
      'served by acme-google (as configured)',
    ]);
    for (const o of report.orgs) expect(o.checks.find((ch) => ch.id === 'idp.metadata')!.message).toContain(`urn:${custom} served at http://${custom}/samlp/metadata/`);
  });
});
