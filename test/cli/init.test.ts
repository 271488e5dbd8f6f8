/**
 * `sso-setup init` driven through a real pseudo-terminal (util-linux `script`), answering inquirer's
 * real prompts with keystrokes, against the sandbox.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEY, PtySession, usePtySessions } from '../helpers/pty.js';
import { spawnCli } from '../helpers/run-cli.js';
import { markedClients, useSandbox } from '../helpers/sandbox.js';
import type { Sandbox } from '../../src/sandbox/index.js';

import { jest } from '@jest/globals';

jest.setTimeout(60_000);

const ptys = usePtySessions();
let cwd: string;
beforeEach(() => {
  cwd = ptys.cwd();
});

/** The environment a person has before init: nothing about Auth0 or Amplitude. */
function bareEnv(): NodeJS.ProcessEnv {
  return { HOME: cwd };
}

function start(args: string[] = [], env: NodeJS.ProcessEnv = bareEnv()): PtySession {
  return ptys.start(['init', ...args], { env });
}

async function answerTenant(pty: PtySession, sb: Sandbox, secret = sb.auth0.management.clientSecret): Promise<void> {
  await pty.answer('Auth0 domain', sb.auth0.domain);
  await pty.waitFor('answers like an Auth0 tenant');
  await pty.answer('Management API client ID', sb.auth0.management.clientId);
  await pty.answer('Management API client secret (hidden)', secret);
}

async function answerOrgByAcsUrl(pty: PtySession, sb: Sandbox): Promise<void> {
  // Pasting the ACS URL gives both the org ID and the base URL.
  await pty.answer('Amplitude org ID, or paste the ACS URL', sb.amplitude.acsUrl);
}

const CONNECTIONS_PROMPT = 'Connections that may sign in to Amplitude';
const DB = 'Username-Password-Authentication';

/** The connections multi-select: Enter with none selected leaves the application's connections alone. */
async function leaveConnections(pty: PtySession): Promise<void> {
  await pty.waitFor(CONNECTIONS_PROMPT);
  await pty.type(KEY.enter);
}

/** Starts init in a folder with sso-setup.json and accepts its tenant (domain, client ID), typing the secret. */
async function startWithSavedTenant(sb: Sandbox): Promise<PtySession> {
  const pty = start();
  await pty.waitFor('Auth0 domain');
  await pty.type(KEY.enter);
  await pty.answer('Management API client ID', '');
  await pty.answer('Management API client secret (hidden)', sb.auth0.management.clientSecret);
  return pty;
}

/** Starts init in a folder with sso-setup.json: every earlier answer comes back as the default, Enter accepts it. */
async function rerunWithSavedAnswers(sb: Sandbox): Promise<PtySession> {
  const pty = await startWithSavedTenant(sb);
  await pty.answer('Amplitude org ID', '');
  await pty.waitFor('How should the IdP metadata reach Amplitude?');
  await pty.type(KEY.enter);
  await pty.answer('Name of the Auth0 application', '');
  await leaveConnections(pty);
  return pty;
}

describe('init', () => {
  const sandbox = useSandbox();

  it('refuses without a terminal (exit 2) and points to apply', async () => {
    const r = await spawnCli(['init'], { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('init is an interactive wizard and needs a terminal');
    expect(r.stderr).toContain('sso-setup apply');
    const ci = start([], { ...bareEnv(), CI: 'true' });
    await ci.waitFor('(CI is set)');
    expect(await ci.exited).toBe(2);
  });

  it('refuses a config wiring another SP (sp, polis) or --sp-metadata, pointing to apply, before asking anything', async () => {
    writeFileSync(join(cwd, 'sso-setup.json'), JSON.stringify({ auth0: { domain: 'acme.us.auth0.com' }, sp: { metadata: 'sp.xml' } }));
    const fromFile = start();
    await fromFile.waitFor('init sets up Amplitude, and sso-setup.json wires a SAML SP from its metadata (sp)');
    expect(fromFile.screen).toContain('sso-setup apply');
    expect(fromFile.screen).not.toContain('Auth0 domain');
    expect(await fromFile.exited).toBe(2);
    const fromFlag = start(['--config', 'other.json', '--polis-url', 'https://sso.example.com']);
    await fromFlag.waitFor('the flags wire Ory Polis (polis)');
    expect(await fromFlag.exited).toBe(2);
  });

  it('Ctrl-C half-way leaves nothing behind and says how to resume; the re-run completes (manual delivery)', async () => {
    const sb = sandbox();
    const first = start();
    await answerTenant(first, sb);
    await first.waitFor('Credentials work');
    await first.waitFor('Amplitude org ID');
    await first.type(KEY.ctrlC);
    const out = await first.waitFor('run `sso-setup init` again to resume');
    expect(out).toContain('init was cancelled');
    expect(await first.exited).toBe(130);
    expect(markedClients(sb)).toHaveLength(0);
    expect(existsSync(join(cwd, 'sso-setup.json'))).toBe(false);

    const pty = start();
    await answerTenant(pty, sb);
    await answerOrgByAcsUrl(pty, sb);
    await pty.waitFor('How should the IdP metadata reach Amplitude?');
    await pty.type(KEY.enter); // manual upload (the default)
    await pty.answer('Name of the Auth0 application', '');
    await leaveConnections(pty);
    await pty.waitFor('Plan (dry run: nothing was changed)');
    const plan = await pty.waitFor('Apply this plan?');
    // The steps in Amplitude are shown once, when they are due (after the apply), not in the plan.
    expect(plan).toContain('Upload the metadata file in Amplitude: to do once the plan is applied (you will be walked through it)');
    expect(plan).not.toContain('Upload Metadata File');
    await pty.type('y', KEY.enter);
    await pty.waitFor('Now the part Amplitude does not let a program do');
    const steps = await pty.waitFor('Have you uploaded the file and clicked Save? (y/N)');
    expect(steps).toContain('Settings > Organization settings > Access & SSO Settings');
    expect(steps).toContain('Upload Metadata File: choose');
    // The default is No: Enter does not claim an upload nobody made.
    await pty.type(KEY.enter);
    await pty.waitFor('Not confirmed. What now?');
    await pty.type(KEY.down, KEY.enter); // I will upload it later
    const later = await pty.waitFor('Run `sso-setup verify` now?');
    const handedOver = (markedClients(sb)[0]!.client_metadata as Record<string, string>).sso_setup_sp_cert!;
    expect(later).toContain('until you confirm the upload, `sso-setup verify` warns on sp.trust');
    expect(later).toContain(`sso-setup confirm-upload --fingerprint ${handedOver}`);
    await pty.type('y', KEY.enter);
    const report = await pty.waitFor(/SSO is healthy \([^)]*\)/);
    expect(report).toMatch(/WARN\s+sp\.trust\s+certificate [0-9A-F:]+… handed over on \d{4}-\d{2}-\d{2}, upload not confirmed/);
    const tail = await pty.waitFor('sso-verify.xml');
    expect(tail).toContain('sso-setup apply --config sso-setup.json');
    expect(tail).toContain('AUTH0_CLIENT_SECRET');
    expect(await pty.exited).toBe(0);
    expect(pty.screen.split('Upload Metadata File: choose').length - 1).toBe(1);

    expect(markedClients(sb)).toHaveLength(1);
    const file = join(cwd, `amplitude-idp-metadata-${sb.amplitude.orgId}.xml`);
    expect(readFileSync(file, 'utf8')).toContain(`urn:${sb.auth0.domain}`);
    const config = JSON.parse(readFileSync(join(cwd, 'sso-setup.json'), 'utf8')) as Record<string, Record<string, string>>;
    expect(config.auth0).toEqual({ domain: sb.auth0.domain, clientId: sb.auth0.management.clientId });
    expect(config.amplitude).toMatchObject({ orgId: sb.amplitude.orgId, delivery: 'manual', baseUrl: sb.amplitude.baseUrl });
    expect(readFileSync(join(cwd, 'sso-setup.json'), 'utf8')).not.toContain(sb.auth0.management.clientSecret);
    expect(pty.screen).not.toContain(sb.auth0.management.clientSecret);

    // CI replays the saved answers with the secret from the environment.
    const replay = await spawnCli(['apply', '--json'], { cwd, env: { AUTH0_CLIENT_SECRET: sb.auth0.management.clientSecret } });
    expect(replay.exitCode).toBe(0);
    expect(JSON.parse(replay.stdout)).toMatchObject({
      changed: false,
      idp: { action: 'none' },
      sp: { delivery: 'manual', action: 'none', upload: { status: 'handed-over', certificate: handedOver } },
    });
    expect(markedClients(sb)[0]!.client_metadata).not.toHaveProperty('sso_setup_sp_confirmed');
  });

  it('re-running on a configured org shows what exists and offers to repair or leave it', async () => {
    const sb = sandbox();
    const id = markedClients(sb)[0]!.client_id as string;
    sb.auth0.tenant.patchClient(id, { callbacks: ['https://drifted.example/acs'] });
    // What the first init left behind.
    writeFileSync(
      join(cwd, 'sso-setup.json'),
      JSON.stringify({
        auth0: { domain: sb.auth0.domain, clientId: sb.auth0.management.clientId },
        amplitude: { orgId: sb.amplitude.orgId, baseUrl: sb.amplitude.baseUrl, delivery: 'manual' },
        application: { name: 'Amplitude SSO' },
      }),
    );
    const pty = await rerunWithSavedAnswers(sb);
    const plan = await pty.waitFor(`already exists (${id}). What now?`);
    expect(plan).toContain(`~ callbacks:\n        - https://drifted.example/acs\n        + ${sb.amplitude.acsUrl}\n`);
    await pty.type(KEY.down, KEY.enter); // Leave it as it is
    await pty.waitFor('Left as it is');
    await pty.answer('Run `sso-setup verify` now?', 'n');
    expect(await pty.exited).toBe(0);
    expect(sb.auth0.tenant.getClient(id)!.callbacks).toEqual(['https://drifted.example/acs']);

    const repair = await rerunWithSavedAnswers(sb);
    await repair.waitFor('What now?');
    await repair.type(KEY.enter); // Repair it
    await repair.waitFor('Updated the Auth0 application: callbacks');
    // Nobody confirmed the upload the first time: it is walked through again. No, then show the steps again, then later.
    await repair.waitFor('Have you uploaded the file and clicked Save? (y/N)');
    await repair.type('n', KEY.enter);
    await repair.waitFor('Not confirmed. What now?');
    await repair.type(KEY.enter); // Show the steps again and wait
    await repair.waitFor('Upload Metadata File: choose');
    await repair.answer('Have you uploaded the file and clicked Save?', 'n');
    await repair.waitFor('Not confirmed. What now?');
    await repair.type(KEY.down, KEY.enter); // later
    await repair.answer('Run `sso-setup verify` now?', 'n');
    expect(await repair.exited).toBe(0);
    expect(sb.auth0.tenant.getClient(id)!.callbacks).toEqual([sb.amplitude.acsUrl]);
    expect(sb.auth0.tenant.getClient(id)!.client_metadata).not.toHaveProperty('sso_setup_sp_confirmed');

    // Everything in sync but the upload: the wizard says so and asks; "yes" records the confirmation.
    const confirm = await rerunWithSavedAnswers(sb);
    await confirm.waitFor('The upload in Amplitude is not confirmed yet.');
    await confirm.answer('Have you uploaded the file and clicked Save?', 'y');
    await confirm.waitFor('Recorded: you confirmed uploading certificate');
    const handedOver = (sb.auth0.tenant.getClient(id)!.client_metadata as Record<string, string>).sso_setup_sp_cert!;
    expect((sb.auth0.tenant.getClient(id)!.client_metadata as Record<string, string>).sso_setup_sp_confirmed).toMatch(new RegExp(`^${handedOver} \\d{4}-`));
    await confirm.answer('Run `sso-setup verify` now?', 'y');
    const report = await confirm.waitFor(/SSO is healthy \([^)]*\)/);
    expect(report).toMatch(/PASS\s+sp\.trust\s+a person confirmed on \d{4}-\d{2}-\d{2}/);
    expect(await confirm.exited).toBe(0);
  });
});

describe('init: interrupted while applying', () => {
  const sandbox = useSandbox();

  it('Ctrl-C during the apply stops at once, says how to resume, and the re-run converges', async () => {
    const sb = sandbox();
    sb.amplitude.faults.set({ latencyMs: 2500 }); // a slow SP: the apply is still running when Ctrl-C comes
    const env = { ...bareEnv(), AUTH0_CLIENT_ID: sb.auth0.management.clientId, AUTH0_CLIENT_SECRET: sb.auth0.management.clientSecret, AMPLITUDE_SSO_TOKEN: sb.amplitude.ssoToken };
    const answerAll = async (pty: PtySession, firstTime: boolean) => {
      await pty.answer('Auth0 domain', sb.auth0.domain);
      await pty.answer('Use the Management API credentials', 'y');
      await pty.answer('Amplitude org ID', sb.amplitude.acsUrl);
      await pty.waitFor('How should the IdP metadata reach Amplitude?');
      // The first time the default is manual; the re-run defaults to the saved answer (endpoint).
      await pty.type(...(firstTime ? [KEY.down, KEY.enter] : [KEY.enter]));
      await pty.answer('SP settings endpoint URL', '');
      await pty.answer('Use the token in AMPLITUDE_SSO_TOKEN?', 'y');
      await pty.answer('Name of the Auth0 application', '');
      await leaveConnections(pty);
    };
    const first = start([], env);
    await answerAll(first, true);
    await first.answer('Apply this plan?', 'y');
    await first.waitFor('Uploading the metadata');
    await first.type(KEY.ctrlC);
    await first.waitFor('run `sso-setup init` again to resume');
    expect(await first.exited).toBe(130);
    expect(markedClients(sb)).toHaveLength(1);
    expect(sb.amplitude.settings()).toBeUndefined();

    sb.amplitude.faults.clear();
    const again = start([], env);
    await answerAll(again, false);
    await again.waitFor(`already exists (${markedClients(sb)[0]!.client_id as string}). What now?`);
    await again.type(KEY.enter); // Repair it
    await again.waitFor('SP settings updated');
    await again.answer('Run `sso-setup verify` now?', 'n');
    expect(await again.exited).toBe(0);
    expect(markedClients(sb)).toHaveLength(1);
    expect(sb.amplitude.settings()).toBeDefined();
  });
});

describe('init: credentials and the endpoint delivery', () => {
  const sandbox = useSandbox();

  it('a wrong secret is reported and corrected on the retry, keeping the other answers', async () => {
    const sb = sandbox();
    const pty = start();
    await answerTenant(pty, sb, 'wrong-secret-value-123456');
    await pty.waitFor('Auth0 refused a Management API token');
    // The hint points at what was typed, not at environment variables nobody set.
    const refusal = await pty.waitFor('Management API client ID');
    expect(refusal).toContain('Check the client ID and secret you entered against Auth0 > Applications');
    expect(refusal).not.toContain('AUTH0_CLIENT');
    // Asked again; the client ID is offered as the default.
    await pty.type(KEY.enter);
    await pty.answer('Management API client secret (hidden)', sb.auth0.management.clientSecret);
    await pty.waitFor('Credentials work');
    await pty.waitFor('Amplitude org ID');
    await pty.type(KEY.ctrlC);
    expect(await pty.exited).toBe(130);
    expect(pty.screen).not.toContain('wrong-secret-value-123456');
    // Nothing is echoed for a secret, not even one mask character per key (that would tell its length).
    const secretLines = pty.screen.split('\n').filter((l) => l.includes('client secret (hidden)'));
    expect(secretLines.length).toBeGreaterThanOrEqual(2);
    for (const line of secretLines) expect(line).not.toContain('*');
    expect(pty.screen).toContain('[input is masked]');
  });

  it('a missing scope is named with how to grant it; after granting, a retry goes on', async () => {
    const sb = sandbox();
    const all = sb.auth0.management.scopes;
    sb.auth0.tenant.setManagementScopes(all.filter((s) => s !== 'create:clients'));
    const pty = start();
    await answerTenant(pty, sb);
    const shown = await pty.waitFor('What now?');
    expect(shown).toContain('lacks create:clients');
    expect(shown).toContain('Auth0 Management API > Machine to Machine Applications');
    sb.auth0.tenant.setManagementScopes(all); // the person grants it in the dashboard
    await pty.type(KEY.enter); // I have granted the scopes: try again
    await pty.waitFor('Credentials work');
    await pty.waitFor('Amplitude org ID');
    await pty.type(KEY.ctrlC);
    expect(await pty.exited).toBe(130);
  });

  it('the happy path with the SP endpoint: from nothing to a passing verify, with env credentials offered', async () => {
    const sb = sandbox();
    const env = {
      ...bareEnv(),
      AUTH0_CLIENT_ID: sb.auth0.management.clientId,
      AUTH0_CLIENT_SECRET: sb.auth0.management.clientSecret,
      AMPLITUDE_SSO_TOKEN: sb.amplitude.ssoToken,
      SANDBOX_USER_EMAIL: sb.auth0.user.email,
      SANDBOX_USER_PASSWORD: sb.auth0.user.password,
    };
    writeFileSync(join(cwd, 'note.txt'), 'not a config');
    // A second connection: new applications get it too (the tenant enables every connection for them).
    sb.auth0.tenant.createConnection('acme-google', 'google-oauth2');
    const pty = start([], env);
    await pty.answer('Auth0 domain', sb.auth0.domain);
    await pty.answer('Use the Management API credentials in AUTH0_CLIENT_ID', 'y');
    await pty.waitFor('Credentials work');
    await pty.answer('Amplitude org ID', sb.amplitude.orgId);
    await pty.waitFor('Where is your Amplitude organisation hosted?');
    await pty.type(KEY.down, KEY.enter);
    await pty.answer('Amplitude base URL', sb.amplitude.baseUrl);
    await pty.waitFor('How should the IdP metadata reach Amplitude?');
    await pty.type(KEY.down, KEY.enter); // SP settings endpoint
    await pty.answer('SP settings endpoint URL', ''); // the default is derived from the org
    await pty.answer('Use the token in AMPLITUDE_SSO_TOKEN?', 'y');
    await pty.answer('Name of the Auth0 application', 'Amplitude (wizard)');
    // The tenant's connections, none selected; space selects the database connection (the first).
    const offered = await pty.waitFor('acme-google (google-oauth2)');
    expect(offered).toContain(`◯ ${DB} (auth0)`);
    await pty.type(KEY.space);
    await pty.waitFor(`◉ ${DB} (auth0)`);
    await pty.type(KEY.enter);
    const plan = await pty.waitFor('Apply this plan?');
    expect(plan).toContain(`Connections: will be enabled on exactly ${DB}`);
    await pty.type('y', KEY.enter);
    await pty.waitFor('SP settings updated');
    await pty.answer('Run `sso-setup verify` now?', 'y');
    const report = await pty.waitFor(/SSO is healthy \([^)]*\)/);
    expect(report).toMatch(/PASS\s+sp\.trust/);
    expect(report).toMatch(/PASS\s+sso\.login/);
    expect(await pty.exited).toBe(0);
    expect(markedClients(sb)[0]!.name).toBe('Amplitude (wizard)');
    expect(sb.amplitude.settings()).toBeDefined();
    const config = JSON.parse(readFileSync(join(cwd, 'sso-setup.json'), 'utf8')) as { amplitude: Record<string, string>; application: Record<string, unknown> };
    expect(config.amplitude).toMatchObject({ delivery: 'endpoint', ssoEndpoint: sb.amplitude.ssoEndpoint });
    expect(config.application).toEqual({ name: 'Amplitude (wizard)', connections: [DB] });
    expect(readFileSync(join(cwd, 'sso-setup.json'), 'utf8')).not.toContain(sb.amplitude.ssoToken);
    // Enabled on exactly the chosen one: the tenant had enabled acme-google for it too, apply turned that off.
    expect(sb.auth0.tenant.connectionsOf(markedClients(sb)[0]!.client_id as string)).toEqual([DB]);

    // The re-run offers the saved choice pre-selected.
    const again = start([], env);
    await again.waitFor('Auth0 domain');
    await again.type(KEY.enter);
    await again.answer('Use the Management API credentials in AUTH0_CLIENT_ID', 'y');
    await again.answer('Amplitude org ID', '');
    await again.waitFor('How should the IdP metadata reach Amplitude?');
    await again.type(KEY.enter);
    await again.answer('SP settings endpoint URL', '');
    await again.answer('Use the token in AMPLITUDE_SSO_TOKEN?', 'y');
    await again.answer('Name of the Auth0 application', '');
    const preselected = await again.waitFor('acme-google (google-oauth2)');
    expect(preselected.slice(preselected.lastIndexOf(CONNECTIONS_PROMPT))).toMatch(new RegExp(`◉ ${DB} \\(auth0\\)[\\s\\S]*◯ acme-google`));
    await again.type(KEY.ctrlC);
    expect(await again.exited).toBe(130);
  });
});

describe('init: a config listing several orgs (amplitude.orgs)', () => {
  const sandbox = useSandbox();

  it('sets up the org picked from the list, or adds one, leaving the other entries as they were', async () => {
    const sb = sandbox();
    // No application for this org yet (the one the sandbox set up no longer carries the marker).
    for (const c of markedClients(sb)) sb.auth0.tenant.patchClient(c.client_id as string, { client_metadata: { sso_setup: null } });
    const other = { orgId: '999001', delivery: 'manual', metadataFile: 'other.xml', name: 'Kept as it is' };
    const path = join(cwd, 'sso-setup.json');
    writeFileSync(
      path,
      JSON.stringify({
        auth0: { domain: sb.auth0.domain, clientId: sb.auth0.management.clientId },
        amplitude: { baseUrl: sb.amplitude.baseUrl, delivery: 'manual', orgs: [other, { orgId: sb.amplitude.orgId }] },
        application: { name: 'Amplitude SSO' },
      }),
    );
    const pty = await startWithSavedTenant(sb);
    await pty.waitFor('sso-setup.json lists 2 Amplitude orgs. Which one do you want to set up?');
    const choices = await pty.waitFor('Add another org to the list');
    expect(choices).toContain(`Org ${sb.amplitude.orgId}`);
    await pty.type(KEY.down, KEY.enter); // the sandbox's org, second in the list
    await pty.waitFor('How should the IdP metadata reach Amplitude?');
    await pty.type(KEY.enter); // manual: the list's default
    // The application's name as apply names a listed org's: "<application.name> (<orgId>)".
    await pty.answer(`Name of the Auth0 application (Amplitude SSO (${sb.amplitude.orgId}))`, '');
    await leaveConnections(pty);
    await pty.answer('Apply this plan?', 'y');
    await pty.answer('Have you uploaded the file and clicked Save?', 'n');
    await pty.waitFor('Not confirmed. What now?');
    await pty.type(KEY.down, KEY.enter); // later
    await pty.answer('Run `sso-setup verify` now?', 'n');
    const tail = await pty.waitFor('sso-verify.xml');
    expect(tail).toContain(`this one only: --only ${sb.amplitude.orgId}`);
    expect(await pty.exited).toBe(0);

    const saved = JSON.parse(readFileSync(path, 'utf8')) as { amplitude: { orgs: unknown[] } };
    expect(saved.amplitude.orgs).toEqual([other, { orgId: sb.amplitude.orgId }]);
    expect(markedClients(sb).map((c) => c.name)).toEqual([`Amplitude SSO (${sb.amplitude.orgId})`]);
    // What init did is what apply does for that org: CI's replay of the whole list changes nothing for it.
    const replay = await spawnCli(['apply', '--only', sb.amplitude.orgId, '--json'], { cwd, env: { AUTH0_CLIENT_SECRET: sb.auth0.management.clientSecret } });
    expect(replay.exitCode).toBe(0);
    expect(JSON.parse(replay.stdout)).toMatchObject({ changed: false, orgs: [{ orgId: sb.amplitude.orgId, status: 'unchanged' }] });

    // Adding an org: its entry is appended with what differs from the list's defaults.
    const add = await startWithSavedTenant(sb);
    await add.waitFor('Which one do you want to set up?');
    await add.type(KEY.down, KEY.down, KEY.enter); // Add another org to the list
    await add.answer('Amplitude org ID', '999002');
    await add.waitFor('How should the IdP metadata reach Amplitude?');
    await add.type(KEY.enter);
    await add.answer('Name of the Auth0 application', 'Staging');
    await leaveConnections(add);
    await add.answer('Apply this plan?', 'y');
    await add.answer('Have you uploaded the file and clicked Save?', 'n');
    await add.waitFor('Not confirmed. What now?');
    await add.type(KEY.down, KEY.enter);
    await add.answer('Run `sso-setup verify` now?', 'n');
    expect(await add.exited).toBe(0);
    const grown = JSON.parse(readFileSync(path, 'utf8')) as { amplitude: { orgs: unknown[] } };
    expect(grown.amplitude.orgs).toEqual([other, { orgId: sb.amplitude.orgId }, { orgId: '999002', name: 'Staging' }]);
    const added = sb.auth0.tenant.listClients().filter((c) => (c.client_metadata as Record<string, string> | undefined)?.sso_setup === 'amplitude:999002');
    expect(added.map((c) => c.name)).toEqual(['Staging']);
    expect(markedClients(sb).map((c) => c.name)).toEqual([`Amplitude SSO (${sb.amplitude.orgId})`]);
  });
});
