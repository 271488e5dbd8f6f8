/**
 * Overlapping runs, as CI jobs make them: built CLIs spawned together against one sandbox tenant
 * with Auth0 latency, faults set and cleared through the sandbox's admin route. Also duplicates
 * found at the start (left by a killed racer, or not provably), creates whose outcome is unknown,
 * and destroy or a person deleting while apply runs.
 */
import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { jest } from '@jest/globals';
import { BIN, baseEnv, expectExit, parseJson, spawnCli, type CliResult } from '../helpers/run-cli.js';
import { markedClients, readFaults, removeDir, setFaults, tempDir, useSandbox } from '../helpers/sandbox.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { ORIGIN_KEY, parseOrigin } from '../../src/core/overlapping-runs.js';

jest.setTimeout(300_000);

/** Trials per number of concurrent runs (SSO_SETUP_RACE_TRIALS raises it for a longer soak). */
const TRIALS = Number(process.env.SSO_SETUP_RACE_TRIALS ?? 2);
const LATENCY = 'latency=200';
const NICENESS = 10;

interface ApplyJson {
  changed: boolean;
  idp: { clientId?: string; action: string; removedDuplicates?: string[] };
  sp: { action: string };
  metadata?: { certificates: { sha256: string }[] };
  steps: { id: string; status: string }[];
}
interface ErrorJson {
  error: { code: string; message: string; hint: string };
}

let cwd: string;
beforeEach(() => {
  cwd = tempDir();
});
afterEach(() => removeDir(cwd));

function apply(sb: Sandbox, args: string[] = [], env: Record<string, string> = {}): Promise<CliResult> {
  // Up to 5 CLIs at once on a 2-core machine: lower priority, so a test file running beside this one keeps its share.
  return spawnCli(['apply', '--json', ...args], { cwd, env: { ...sb.env, ...env }, timeoutMs: 120_000, niceness: NICENESS });
}

/** Back to an empty tenant and an SP without SSO, so each trial starts as a first setup. */
async function reset(sb: Sandbox): Promise<void> {
  for (const c of markedClients(sb)) sb.auth0.tenant.patchClient(c.client_id as string, { client_metadata: { sso_setup: null, [ORIGIN_KEY]: null } });
  const r = await fetch(sb.amplitude.ssoEndpoint, { method: 'DELETE', headers: { authorization: `Bearer ${sb.amplitude.ssoToken}` } });
  expect(r.status).toBe(204);
  await setFaults(sb.auth0.baseUrl, sb.adminToken, '');
  await setFaults(sb.amplitude.baseUrl, sb.adminToken, '');
}

/** The SP holds the kept application: its SSO URL (unique to the client) and the tenant's signing certificate. */
function expectSpHolds(sb: Sandbox, clientId: string, certificate: string): void {
  const settings = sb.amplitude.settings();
  expect(settings?.ssoUrl).toBe(`${sb.auth0.baseUrl}/samlp/${clientId}`);
  expect(settings?.certificates.map((c) => c.sha256)).toContain(certificate);
}

/** A copy of `kept` as another run would have made it: same settings, with the given origin record (null: none). */
function duplicateOf(sb: Sandbox, kept: Record<string, unknown>, origin: string | null): string {
  const meta = kept.client_metadata as Record<string, string>;
  return sb.auth0.tenant.createClient({
    name: kept.name,
    app_type: kept.app_type,
    callbacks: kept.callbacks,
    addons: { samlp: (kept.addons as Record<string, unknown>).samlp },
    client_metadata: { sso_setup: meta.sso_setup!, ...(origin === null ? {} : { [ORIGIN_KEY]: origin }) },
  });
}

/** The origin of `kept`, moved by `ms` and with another run ID (or another configuration). */
function racerOrigin(kept: Record<string, unknown>, ms: number, config?: string): string {
  const origin = parseOrigin((kept.client_metadata as Record<string, string>)[ORIGIN_KEY])!;
  expect(origin).toBeDefined();
  return `v1 ${new Date(origin.createdAtMs + ms).toISOString()} ${config ?? origin.config} ${'f'.repeat(16)}`;
}

describe('overlapping applies against one tenant (Auth0 latency 200 ms, set through the admin route)', () => {
  const sandbox = useSandbox();
  /** How many runs, over all trials, found themselves in a race (deleted their own, or one left by a racer). */
  let raced = 0;
  let trials = 0;

  afterAll(() => {
    // When all trials ran (not a single one picked with -t), they exercised the race, not only lucky orderings.
    if (trials === 3 * TRIALS) expect(raced).toBeGreaterThan(0);
  });

  it.each([2, 3, 5])('%i applies started together: one application, all exit 0, the SP holds it, a later apply changes nothing', async (n) => {
    const sb = sandbox();
    for (let trial = 1; trial <= TRIALS; trial++) {
      trials++;
      await reset(sb);
      expect((await setFaults(sb.auth0.baseUrl, sb.adminToken, LATENCY)).faults.latencyMs).toBe(200);
      const runs = await Promise.all(Array.from({ length: n }, () => apply(sb)));
      runs.forEach((r) => expectExit(r, 0));
      const results = runs.map((r) => parseJson<ApplyJson>(r));

      const apps = markedClients(sb);
      expect(apps).toHaveLength(1);
      const kept = apps[0]!.client_id as string;
      expect(results.map((r) => r.idp.clientId)).toEqual(Array(n).fill(kept));
      expect(results.filter((r) => r.idp.action === 'create')).toHaveLength(1);
      raced += results.filter((r) => r.idp.removedDuplicates?.length).length;
      expectSpHolds(sb, kept, results[0]!.metadata!.certificates[0]!.sha256);

      // Latency cleared through the admin route; a later run against the same tenant is a no-op
      // (checked after the last trial: each costs a process start).
      await setFaults(sb.auth0.baseUrl, sb.adminToken, '');
      if (trial < TRIALS) continue;
      const later = await apply(sb);
      expectExit(later, 0);
      expect(parseJson<ApplyJson>(later)).toMatchObject({ changed: false, idp: { clientId: kept, action: 'none' }, sp: { action: 'none' } });
    }
  });

  it('racers killed right after their creates leave duplicates that the next run proves and removes', async () => {
    const sb = sandbox();
    let made = 0;
    for (let attempt = 1; attempt <= 3 && made < 2; attempt++) {
      await reset(sb);
      // Both racers must send their listing before either create lands: with every answer 2 s late, their
      // starts may be up to ~4 s apart (a loaded machine starts node slowly), and both applications stay
      // for at least one answer (the loser's re-listing) before the loser deletes its own.
      await setFaults(sb.auth0.baseUrl, sb.adminToken, 'latency=2000');
      const children = [0, 1].map(() => spawn(process.execPath, ['--', BIN, 'apply'], { cwd, env: baseEnv(sb.env), stdio: 'ignore' }));
      for (const c of children) if (c.pid !== undefined) setPriority(c.pid, NICENESS);
      const closed = children.map((c) => new Promise((r) => c.on('close', r)));
      const deadline = Date.now() + 60_000;
      while (markedClients(sb).length < 2 && Date.now() < deadline && children.some((c) => c.exitCode === null)) await new Promise((r) => setTimeout(r, 10));
      for (const c of children) c.kill('SIGKILL');
      await Promise.all(closed);
      made = markedClients(sb).length;
    }
    expect(made).toBe(2);
    const [first] = [...markedClients(sb)].sort(
      (a, b) => parseOrigin((a.client_metadata as Record<string, string>)[ORIGIN_KEY])!.createdAtMs - parseOrigin((b.client_metadata as Record<string, string>)[ORIGIN_KEY])!.createdAtMs,
    );

    await setFaults(sb.auth0.baseUrl, sb.adminToken, '');
    const next = await apply(sb);
    expectExit(next, 0);
    const out = parseJson<ApplyJson>(next);
    expect(out.idp.clientId).toBe(first!.client_id);
    expect(out.idp.removedDuplicates).toHaveLength(1);
    expect(next.stderr).toMatch(/Deleted the duplicate "Amplitude SSO" \(\w+\) left by overlapping runs/);
    expect(markedClients(sb).map((c) => c.client_id)).toEqual([first!.client_id]);
    expectSpHolds(sb, first!.client_id as string, out.metadata!.certificates[0]!.sha256);
  });
});

describe('duplicates found at the start', () => {
  const sandbox = useSandbox();
  afterEach(() => reset(sandbox()));

  async function setUp(sb: Sandbox): Promise<Record<string, unknown>> {
    expectExit(await apply(sb), 0);
    return markedClients(sb)[0]!;
  }

  it('a duplicate a racer left (same configuration, created 3 s later) is removed; until then verify warns and keeps working', async () => {
    const sb = sandbox();
    const kept = await setUp(sb);
    const dup = duplicateOf(sb, kept, racerOrigin(kept, 3000));

    const verify = await spawnCli(['verify', '--json'], { cwd, env: sb.env, timeoutMs: 60_000, niceness: NICENESS });
    expectExit(verify, 0);
    const check = parseJson<{ checks: { id: string; status: string; message: string; details: { clientId: string; duplicates: string[] } }[] }>(verify).checks.find((c) => c.id === 'idp.client')!;
    expect(check).toMatchObject({ status: 'warn', details: { clientId: kept.client_id, duplicates: [dup] } });
    expect(check.message).toContain('left by overlapping apply runs');

    const dry = await apply(sb, ['--dry-run']);
    expectExit(dry, 0);
    expect(parseJson<ApplyJson>(dry).steps.find((s) => s.id === 'idp.duplicates')?.status).toBe('planned');
    expect(markedClients(sb)).toHaveLength(2);

    const r = await apply(sb);
    expectExit(r, 0);
    expect(parseJson<ApplyJson>(r).idp).toMatchObject({ clientId: kept.client_id, removedDuplicates: [dup] });
    expect(markedClients(sb).map((c) => c.client_id)).toEqual([kept.client_id]);
    expect(sb.auth0.tenant.getClient(dup)).toBeUndefined();
  });

  it.each([
    ['made by hand (no origin record)', null, /was not created by sso-setup/],
    ['from another configuration', 'other-config', /created from different configurations/],
    ['created 11 minutes later', 'late', /11 minutes apart/],
    ['with a malformed origin record', 'v1 yesterday', /was not created by sso-setup/],
  ])('a duplicate %s keeps the clear AUTH0_DUPLICATE_APPLICATION error and nothing is deleted', async (_what, kind, reason) => {
    const sb = sandbox();
    const kept = await setUp(sb);
    const origin = kind === null ? null : kind === 'other-config' ? racerOrigin(kept, 1000, '0123456789abcdef') : kind === 'late' ? racerOrigin(kept, 11 * 60_000) : kind;
    const dup = duplicateOf(sb, kept, origin);

    const r = await apply(sb);
    expectExit(r, 1);
    const { error } = parseJson<ErrorJson>(r);
    expect(error.code).toBe('AUTH0_DUPLICATE_APPLICATION');
    expect(error.message).toMatch(reason);
    expect(error.message).toContain(dup);
    expect(error.hint).toContain("remove 'sso_setup'");
    expect(markedClients(sb)).toHaveLength(2);

    const verify = await spawnCli(['verify', '--json'], { cwd, env: sb.env, timeoutMs: 60_000, niceness: NICENESS });
    expectExit(verify, 1);
    expect(parseJson<{ checks: { id: string; status: string }[] }>(verify).checks.find((c) => c.id === 'idp.client')?.status).toBe('fail');
  });

  it('without delete:clients a run goes on with the kept application and says what is left to delete', async () => {
    const sb = sandbox();
    const kept = await setUp(sb);
    const dup = duplicateOf(sb, kept, racerOrigin(kept, 2000));
    const scopes = sb.auth0.management.scopes;
    sb.auth0.tenant.setManagementScopes(scopes.filter((s) => s !== 'delete:clients'));
    try {
      const r = await apply(sb);
      expectExit(r, 0);
      expect(r.stderr).toContain(`lacks delete:clients`);
      expect(r.stderr).toContain(dup);
      const out = parseJson<ApplyJson>(r);
      expect(out.idp.clientId).toBe(kept.client_id);
      expect(out.steps.find((s) => s.id === 'idp.duplicates')?.status).toBe('manual');
      expect(markedClients(sb)).toHaveLength(2);
    } finally {
      sb.auth0.tenant.setManagementScopes(scopes);
    }
    expectExit(await apply(sb), 0);
    expect(markedClients(sb).map((c) => c.client_id)).toEqual([kept.client_id]);
  });
});

describe('creates whose outcome is unknown', () => {
  const sandbox = useSandbox();
  afterEach(() => reset(sandbox()));
  const createOnly = 'method=POST,path=/api/v2/clients';

  it('503 on the create: a re-list proves nothing was made, so it creates again, once', async () => {
    const sb = sandbox();
    const before = (await setFaults(sb.auth0.baseUrl, sb.adminToken, `5xx=1,${createOnly}`)).injected.serverError;
    const r = await apply(sb);
    expectExit(r, 0);
    expect(r.stderr).toMatch(/Auth0 did not confirm the create \(Auth0 failed to create the application \(HTTP 503/);
    expect(r.stderr).toMatch(/It was not: nothing carries sso_setup=amplitude:\d+; creating it again in 1 s/);
    expect((await readFaults(sb.auth0.baseUrl, sb.adminToken)).injected.serverError).toBe(before + 1);
    expect(markedClients(sb)).toHaveLength(1);
    expect(parseJson<ApplyJson>(r).idp.action).toBe('create');
  });

  it('the create landed but its answer was lost: the re-list finds it, and there is no second application', async () => {
    const sb = sandbox();
    const before = (await setFaults(sb.auth0.baseUrl, sb.adminToken, `lost=1,${createOnly}`)).injected.lost;
    const r = await apply(sb);
    expectExit(r, 0);
    expect((await readFaults(sb.auth0.baseUrl, sb.adminToken)).injected.lost).toBe(before + 1);
    expect(r.stderr).toMatch(/Auth0 did not confirm the create/);
    expect(r.stderr).toMatch(/It was: going on with "Amplitude SSO" \(\w+\)/);
    const apps = markedClients(sb);
    expect(apps).toHaveLength(1);
    expect(parseJson<ApplyJson>(r).idp.clientId).toBe(apps[0]!.client_id);
  });

  it('a create that keeps failing stops after 3 attempts with nothing made; with the faults cleared a re-run converges', async () => {
    const sb = sandbox();
    const before = (await setFaults(sb.auth0.baseUrl, sb.adminToken, `5xx=10,${createOnly}`)).injected.serverError;
    const r = await apply(sb);
    expectExit(r, 1);
    expect(parseJson<ErrorJson>(r).error.code).toBe('AUTH0_SERVER_ERROR');
    expect((await readFaults(sb.auth0.baseUrl, sb.adminToken)).injected.serverError).toBe(before + 3);
    expect(markedClients(sb)).toHaveLength(0);

    await setFaults(sb.auth0.baseUrl, sb.adminToken, '');
    const again = await apply(sb);
    expectExit(again, 0);
    expect(markedClients(sb)).toHaveLength(1);
  });
});

describe('deleting while another command runs', () => {
  const sandbox = useSandbox();
  afterEach(() => reset(sandbox()));

  it('an application created while destroy runs: DESTROY_INCOMPLETE, and destroy again finishes', async () => {
    const sb = sandbox();
    expectExit(await apply(sb), 0);
    const before = markedClients(sb)[0]!;
    await setFaults(sb.auth0.baseUrl, sb.adminToken, 'latency=400');
    const destroying = spawnCli(['destroy', '--yes', '--json'], { cwd, env: sb.env, timeoutMs: 60_000, niceness: NICENESS });
    // As soon as destroy has deleted the application, an overlapping apply makes a new one.
    const deadline = Date.now() + 30_000;
    while (sb.auth0.tenant.getClient(before.client_id as string) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const created = duplicateOf(sb, before, racerOrigin(before, 5000));
    const r = await destroying;
    expectExit(r, 1);
    const { error } = parseJson<ErrorJson>(r);
    expect(error.code).toBe('DESTROY_INCOMPLETE');
    expect(error.message).toContain(created);
    expect(error.hint).toContain('run destroy again');

    await setFaults(sb.auth0.baseUrl, sb.adminToken, '');
    expectExit(await spawnCli(['destroy', '--yes'], { cwd, env: sb.env, timeoutMs: 60_000, niceness: NICENESS }), 0);
    expect(markedClients(sb)).toHaveLength(0);
  });

  it('the application removed while apply runs: AUTH0_APPLICATION_DELETED, and a re-run sets it up again', async () => {
    const sb = sandbox();
    await setFaults(sb.auth0.baseUrl, sb.adminToken, 'latency=400');
    const applying = apply(sb);
    const deadline = Date.now() + 30_000;
    while (markedClients(sb).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const made = markedClients(sb)[0]!;
    sb.auth0.tenant.patchClient(made.client_id as string, { client_metadata: { sso_setup: null } });
    const r = await applying;
    expectExit(r, 1);
    expect(parseJson<ErrorJson>(r).error.code).toBe('AUTH0_APPLICATION_DELETED');

    await setFaults(sb.auth0.baseUrl, sb.adminToken, '');
    expectExit(await apply(sb), 0);
    expect(markedClients(sb)).toHaveLength(1);
  });
});
