/**
 * `sso-setup apply` (and destroy) as a user or a CI job runs it: the built CLI spawned against the
 * sandbox over real HTTP.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, baseEnv, spawnCli, type CliResult } from '../helpers/run-cli.js';
import { filesIn, markedClients, removeDir, tempDir, useSandbox } from '../helpers/sandbox.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { managementApi, managementToken } from '../helpers/auth0-api.js';

interface ApplyJson {
  changed: boolean;
  dryRun: boolean;
  idp: { clientId?: string; action: string; diff: { field: string; before: unknown; after: unknown }[] };
  metadata?: { entityId: string; certificates: { sha256: string }[]; file?: string };
  sp: { delivery: string; action: string };
  steps: { id: string; status: string; automated: boolean }[];
  manualSteps?: string[];
}

let cwd: string;
beforeEach(() => {
  cwd = tempDir();
});
afterEach(() => removeDir(cwd));

function run(sb: Sandbox, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return spawnCli(args, { cwd, env: { ...sb.env, ...env }, timeoutMs: 60_000 });
}

function json(r: CliResult): ApplyJson {
  expect(r.stdout.trim().startsWith('{')).toBe(true);
  return JSON.parse(r.stdout) as ApplyJson;
}

/** Management API calls made by the test itself (to set up a situation), with the sandbox's M2M app. */
async function api(sb: Sandbox, method: string, path: string, body?: unknown) {
  return managementApi(sb.auth0, await managementToken(sb.auth0))(method, path, body);
}

describe('apply: first run, re-run, drift', () => {
  const sandbox = useSandbox();

  it('creates the application with the SAML addon, pushes the metadata, and the SP holds the same certificate', async () => {
    const sb = sandbox();
    const r = await run(sb, ['apply', '--json']);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.exitCode).toBe(0);
    const out = json(r);
    expect(out.changed).toBe(true);
    expect(out.idp.action).toBe('create');
    expect(out.sp).toMatchObject({ delivery: 'endpoint', action: 'upload' });
    expect(out.steps.map((s) => [s.id, s.status])).toEqual([
      ['idp.token', 'done'],
      ['idp.client', 'done'],
      ['idp.metadata', 'done'],
      ['sp.deliver', 'done'],
    ]);

    const clients = markedClients(sb);
    expect(clients).toHaveLength(1);
    const client = clients[0]!;
    expect(client.client_id).toBe(out.idp.clientId);
    expect(client.callbacks).toEqual([sb.amplitude.acsUrl]);
    expect((client.addons as Record<string, Record<string, unknown>>).samlp).toMatchObject({
      audience: sb.amplitude.entityId,
      recipient: sb.amplitude.acsUrl,
      destination: sb.amplitude.acsUrl,
      nameIdentifierFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      signatureAlgorithm: 'rsa-sha256',
      digestAlgorithm: 'sha256',
    });
    const settings = sb.amplitude.settings()!;
    expect(settings.idpEntityId).toBe(`urn:${sb.auth0.domain}`);
    expect(settings.certificates.map((c) => c.sha256)).toContain(out.metadata!.certificates[0]!.sha256);
  });

  it('changes nothing on a converged setup, and says so', async () => {
    const sb = sandbox();
    const before = JSON.stringify(markedClients(sb));
    const r = await run(sb, ['apply']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('No changes: everything is already as configured');
    const j = json(await run(sb, ['apply', '--json']));
    expect(j).toMatchObject({ changed: false, idp: { action: 'none', diff: [] }, sp: { action: 'none' } });
    expect(JSON.stringify(markedClients(sb))).toBe(before);
  });

  it('repairs a callback edited in the dashboard and leaves every other field alone', async () => {
    const sb = sandbox();
    const id = markedClients(sb)[0]!.client_id as string;
    const samlp = (sb.auth0.tenant.getClient(id)!.addons as Record<string, Record<string, unknown>>).samlp!;
    sb.auth0.tenant.patchClient(id, {
      callbacks: ['https://evil.example/acs'],
      description: 'edited by a person',
      addons: { samlp: { ...samlp, logout: { callback: 'https://sp.example/slo', slo_enabled: true } }, zoom: { account: 'acme' } },
      client_metadata: { owner: 'it-team' },
    });

    const dry = json(await run(sb, ['apply', '--dry-run', '--json']));
    expect(dry.dryRun).toBe(true);
    expect(dry.idp.action).toBe('update');
    expect(dry.idp.diff).toEqual([{ field: 'callbacks', before: ['https://evil.example/acs'], after: [sb.amplitude.acsUrl] }]);
    expect(sb.auth0.tenant.getClient(id)!.callbacks).toEqual(['https://evil.example/acs']); // dry run changed nothing

    const out = json(await run(sb, ['apply', '--json']));
    expect(out.idp.action).toBe('update');
    const after = sb.auth0.tenant.getClient(id)!;
    expect(after.callbacks).toEqual([sb.amplitude.acsUrl]);
    expect(after.description).toBe('edited by a person');
    expect((after.addons as Record<string, unknown>).zoom).toEqual({ account: 'acme' });
    expect((after.client_metadata as Record<string, string>).owner).toBe('it-team');
    // Auth0 replaces samlp whole; the person's logout setting survived because we sent the merge.
    expect(((after.addons as Record<string, Record<string, unknown>>).samlp!).logout).toEqual({ callback: 'https://sp.example/slo', slo_enabled: true });
  });

  it('repairs a disabled SAML addon and a wrong audience', async () => {
    const sb = sandbox();
    const id = markedClients(sb)[0]!.client_id as string;
    sb.auth0.tenant.patchClient(id, { addons: { samlp: { audience: 'urn:someone-else' } } });
    const out = json(await run(sb, ['apply', '--json']));
    expect(out.idp.diff.map((d) => d.field)).toContain('addons.samlp.audience');
    expect(((sb.auth0.tenant.getClient(id)!.addons as Record<string, Record<string, unknown>>).samlp!).audience).toBe(sb.amplitude.entityId);
  });

  it('makes only the round trips it needs: 5 when converged, each logged under --verbose', async () => {
    const sb = sandbox();
    const r = await run(sb, ['apply', '--verbose']);
    expect(r.exitCode).toBe(0);
    const requests = r.stderr.split('\n').filter((l) => /^debug: [A-Z]+ http/.test(l)).map((l) => l.replace(/^debug: (\S+) http:\/\/[^/]+(\S*) .*$/, '$1 $2'));
    expect(requests.sort()).toEqual(
      [
        'POST /oauth/token',
        'GET /api/v2/clients',
        'GET /api/v2/keys/signing',
        `GET /api/2/orgs/${sb.amplitude.orgId}/sso/saml`,
        `GET /samlp/metadata/${markedClients(sb)[0]!.client_id as string}`,
      ].sort(),
    );
  });

  it('leaves a hand-made application with the same name alone', async () => {
    const sb = sandbox();
    const res = await api(sb, 'POST', '/clients', { name: 'Amplitude SSO', callbacks: ['https://hand.example/cb'] });
    expect(res.status).toBe(201);
    const handMade = res.json as { client_id: string };
    const out = json(await run(sb, ['apply', '--json']));
    expect(out.idp.action).toBe('none');
    expect(sb.auth0.tenant.getClient(handMade.client_id)!.callbacks).toEqual(['https://hand.example/cb']);
    expect(markedClients(sb)).toHaveLength(1);
  });
});

describe('apply: failures, retries and re-runs', () => {
  const sandbox = useSandbox();
  afterEach(() => {
    sandbox().auth0.faults.clear();
    sandbox().amplitude.faults.clear();
  });

  it('a wrong secret gives a clear error and exit 1, and no stack trace', async () => {
    const sb = sandbox();
    const canary = 'CANARY-wrong-secret-7f3a9c';
    const r = await run(sb, ['apply'], { AUTH0_CLIENT_SECRET: canary });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('error: Auth0 refused a Management API token');
    // The hint names where each value came from.
    expect(r.stderr).toContain('Check the client ID (env AUTH0_CLIENT_ID) and the client secret (env AUTH0_CLIENT_SECRET) against Auth0 > Applications');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout + r.stderr).not.toContain(canary);
    expect(markedClients(sb)).toHaveLength(0);

    writeFileSync(join(cwd, 'secret.txt'), canary);
    const fromFile = await run(sb, ['apply', '--auth0-client-secret-file', 'secret.txt', '--auth0-client-id', sb.env.AUTH0_CLIENT_ID!], { AUTH0_CLIENT_SECRET: '' });
    expect(fromFile.exitCode).toBe(1);
    expect(fromFile.stderr).toContain('Check the client ID (--auth0-client-id) and the client secret (--auth0-client-secret-file secret.txt) against');
  });

  it('a missing scope gives an error that names the scope, before changing anything', async () => {
    const sb = sandbox();
    const scopes = sb.auth0.management.scopes;
    sb.auth0.tenant.setManagementScopes(scopes.filter((s) => s !== 'create:clients'));
    try {
      const r = await run(sb, ['apply', '--json']);
      expect(r.exitCode).toBe(1);
      const err = (JSON.parse(r.stdout) as { error: { code: string; message: string; hint: string } }).error;
      expect(err.code).toBe('AUTH0_MISSING_SCOPE');
      expect(err.message).toContain('create:clients');
      expect(err.hint).toContain('Machine to Machine Applications');
      expect(markedClients(sb)).toHaveLength(0);
    } finally {
      sb.auth0.tenant.setManagementScopes(scopes);
    }
  });

  it('an SP push that fails says what was done and what was not; a re-run converges with one application', async () => {
    const sb = sandbox();
    sb.amplitude.faults.set({ next5xx: 20, methods: ['PUT'] });
    const r = await run(sb, ['apply']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('What was done:');
    expect(r.stderr).toMatch(/✔ Create Auth0 application/);
    expect(r.stderr).toMatch(/✖ Push the metadata to the SP settings endpoint/);
    expect(r.stderr).toContain('SP settings endpoint failed');
    expect(sb.amplitude.settings()).toBeUndefined();
    expect(markedClients(sb)).toHaveLength(1);

    sb.amplitude.faults.clear();
    const again = json(await run(sb, ['apply', '--json']));
    expect(again).toMatchObject({ changed: true, idp: { action: 'none' }, sp: { action: 'upload' } });
    expect(markedClients(sb)).toHaveLength(1);
    expect(sb.amplitude.settings()).toBeDefined();
  });

  it('survives a burst of 429s and 5xx errors from Auth0, saying why it waits', async () => {
    const sb = sandbox();
    sb.auth0.faults.set({ burst429: 2, burst429ResetSeconds: 1, paths: ['/api/v2/'] });
    const r = await run(sb, ['apply']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/rate limited \(429\); retrying in \d/);
    expect(sb.auth0.faults.injected.rateLimited).toBe(2);

    sb.auth0.faults.set({ next5xx: 2, methods: ['GET'], paths: ['/api/v2/clients'] });
    const s = await run(sb, ['apply']);
    expect(s.exitCode).toBe(0);
    expect(s.stderr).toMatch(/server error \(503\); retrying/);
    expect(sb.auth0.faults.injected.serverError).toBe(2);

    // The metadata download goes through the same client: a dropped connection is retried too.
    sb.auth0.faults.set({ nextDrop: 1, paths: ['/samlp/metadata/'] });
    const d = await run(sb, ['apply']);
    expect(d.exitCode).toBe(0);
    expect(d.stderr).toMatch(/connection dropped; retrying/);
    expect(sb.auth0.faults.injected.drop).toBe(1);
  });

  it('a run killed half-way is simply run again and converges, with no second application', async () => {
    const sb = sandbox();
    removeApp(sb);
    sb.amplitude.faults.set({ latencyMs: 4000 });
    const child = spawn(process.execPath, [BIN, 'apply'], { cwd, env: baseEnv(sb.env), stdio: 'ignore' });
    const deadline = Date.now() + 20_000;
    while (markedClients(sb).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    expect(markedClients(sb)).toHaveLength(1);
    sb.amplitude.faults.clear();
    const again = json(await run(sb, ['apply', '--json']));
    expect(again.idp.action).toBe('none');
    expect(markedClients(sb)).toHaveLength(1);
    expect(sb.amplitude.settings()).toBeDefined();
  });
});

function removeApp(sb: Sandbox): void {
  for (const c of markedClients(sb)) sb.auth0.tenant.patchClient(c.client_id as string, { client_metadata: { sso_setup: null } });
}

describe('apply: manual delivery, secrets, configuration, destroy', () => {
  const sandbox = useSandbox();

  function manualEnv(sb: Sandbox): Record<string, string> {
    return { AMPLITUDE_SSO_ENDPOINT: '', AMPLITUDE_SSO_TOKEN: '' , AMPLITUDE_ORG_ID: sb.amplitude.orgId };
  }

  it('without an SP endpoint, saves the metadata, prints the steps left to a person, and records the hand-over (not an upload)', async () => {
    const sb = sandbox();
    const r = await run(sb, ['apply', '--json'], manualEnv(sb));
    expect(r.exitCode).toBe(0);
    const out = json(r);
    expect(out.sp).toMatchObject({ delivery: 'manual', action: 'handover', upload: { status: 'handed-over', certificate: out.metadata!.certificates[0]!.sha256 } });
    const file = out.metadata!.file!;
    expect(file).toBe(join(cwd, `amplitude-idp-metadata-${sb.amplitude.orgId}.xml`));
    expect(readFileSync(file, 'utf8')).toContain(`entityID="urn:${sb.auth0.domain}"`);
    expect(out.manualSteps!.join('\n')).toContain('Settings > Organization settings > Access & SSO Settings');
    expect(out.manualSteps!.join('\n')).toContain(`Upload Metadata File: choose ${file}`);
    expect(out.steps.find((s) => s.id === 'sp.upload')).toMatchObject({ automated: false, status: 'manual' });
    const meta = markedClients(sb)[0]!.client_metadata as Record<string, string>;
    expect(meta.sso_setup_sp_cert).toBe(out.metadata!.certificates[0]!.sha256);
    expect(meta.sso_setup_sp_confirmed).toBeUndefined();

    // A re-run changes nothing, and does not pretend the upload happened: it is still to do.
    const human = await run(sb, ['apply'], manualEnv(sb));
    expect(human.stdout).toContain('No changes');
    expect(human.stdout).toMatch(/By a person:\n  … Upload the metadata file in Amplitude: to do \(handed over \d{4}-\d{2}-\d{2}, upload not confirmed; steps below\)/);
  });

  it('no secret or token appears in any output or file, even with --verbose and --json', async () => {
    const sb = sandbox();
    const outputs = [
      await run(sb, ['apply', '--verbose']),
      await run(sb, ['apply', '--json', '--verbose']),
      await run(sb, ['apply', '--dry-run', '--verbose'], manualEnv(sb)),
      await run(sb, ['apply', '--verbose'], manualEnv(sb)),
      await run(sb, ['verify', '--verbose', '--junit', 'report.xml']),
      await run(sb, ['apply', '--verbose'], { AMPLITUDE_SSO_ENDPOINT: `${sb.amplitude.ssoEndpoint}x` }),
    ];
    const handedOver = (markedClients(sb)[0]!.client_metadata as Record<string, string>).sso_setup_sp_cert!;
    const confirmed = await run(sb, ['confirm-upload', '--verbose', '--fingerprint', handedOver], manualEnv(sb));
    expect(confirmed.exitCode).toBe(0);
    outputs.push(confirmed);
    const texts = [...outputs.map((o) => o.stdout + o.stderr), ...filesIn(cwd).map((f) => f.text)];
    expect(filesIn(cwd).length).toBeGreaterThanOrEqual(2);
    for (const t of texts) {
      expect(t).not.toContain(sb.env.AUTH0_CLIENT_SECRET);
      expect(t).not.toContain(sb.env.AMPLITUDE_SSO_TOKEN);
      expect(t).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/); // no JWT (Management API token)
    }
    expect(outputs[0]!.stderr).toMatch(/debug: POST .*\/oauth\/token → 200/);
  }, 120_000); // eight spawned runs, --verbose

  it('a configuration error names the field and where it came from, exit 2', async () => {
    const sb = sandbox();
    writeFileSync(join(cwd, 'sso-setup.json'), JSON.stringify({ amplitude: { orgId: 'not an id' }, auth0: { clientSecret: 'x' } }));
    const r = await run(sb, ['apply'], { AMPLITUDE_ORG_ID: '', AUTH0_DOMAIN: 'http://acme.example.com' });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('auth0.domain (env AUTH0_DOMAIN)');
    expect(r.stderr).toContain('amplitude.orgId (sso-setup.json amplitude.orgId)');
    expect(r.stderr).toContain('auth0.clientSecret (sso-setup.json): secrets are not read from the config file');
    const bad = await run(sb, ['apply', '--delivery', 'carrier-pigeon']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--delivery');
  });

  it('destroy asks for confirmation unless --yes, then removes the application and disables SSO; apply recreates it', async () => {
    const sb = sandbox();
    await run(sb, ['apply']);
    expect(markedClients(sb)).toHaveLength(1);
    const refused = await run(sb, ['destroy']);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('--yes');
    expect(markedClients(sb)).toHaveLength(1);

    const r = await run(sb, ['destroy', '--yes', '--json']);
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout) as { changed: boolean; idp: { deleted: unknown[] }; sp: { action: string } };
    expect(out.changed).toBe(true);
    expect(out.idp.deleted).toHaveLength(1);
    expect(markedClients(sb)).toHaveLength(0);
    expect(sb.amplitude.settings()).toBeUndefined();

    const again = await run(sb, ['destroy', '--yes']);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain('Nothing to destroy');

    const back = json(await run(sb, ['apply', '--json']));
    expect(back.idp.action).toBe('create');
    expect(markedClients(sb)).toHaveLength(1);
    expect(existsSync(join(cwd, 'sso-setup.json'))).toBe(false);
  });
});
