/**
 * Manual delivery, spawned against the sandbox: a hand-over is recorded as a hand-over, not as the
 * SP's trust. `verify` warns on sp.trust until a person confirms the upload (`confirm-upload`) or a
 * login the SP accepts proves it; a rotation or a new hand-over undoes the confirmation; a stale
 * confirmation is refused.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnCli, type CliResult } from '../helpers/run-cli.js';
import { markedClients, removeDir, tempDir, useSandbox } from '../helpers/sandbox.js';
import type { Sandbox } from '../../src/sandbox/index.js';

import { jest } from '@jest/globals';

// Each test is a story of several spawned runs (3-8 s each on a loaded 2-core machine).
jest.setTimeout(120_000);

interface Check {
  id: string;
  status: 'pass' | 'warn' | 'fail' | 'skip';
  message: string;
  hint?: string;
  details?: Record<string, unknown>;
}

interface ApplyJson {
  sp: { delivery: string; action: string; upload?: { status: string; certificate: string; handedOverAt?: string; confirmedAt?: string } };
  steps: { id: string; status: string; detail?: string }[];
  manualSteps?: string[];
  metadata?: { certificates: { sha256: string }[] };
}

let cwd: string;
beforeAll(() => {
  cwd = tempDir();
});
afterAll(() => removeDir(cwd));

const sandbox = useSandbox();

/** Manual delivery, and no test user unless a test asks for one. */
function manualEnv(sb: Sandbox, extra: Record<string, string> = {}): Record<string, string> {
  return { ...sb.env, AMPLITUDE_SSO_ENDPOINT: '', AMPLITUDE_SSO_TOKEN: '', SANDBOX_USER_EMAIL: '', SANDBOX_USER_PASSWORD: '', ...extra };
}

function run(sb: Sandbox, args: string[], extra: Record<string, string> = {}): Promise<CliResult> {
  return spawnCli(args, { cwd, env: manualEnv(sb, extra), timeoutMs: 60_000 });
}

async function verify(sb: Sandbox, args: string[] = [], extra: Record<string, string> = {}) {
  const r = await run(sb, ['verify', '--json', ...args], extra);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  const checks = (JSON.parse(r.stdout) as { checks: Check[] }).checks;
  const check = (id: string) => checks.find((c) => c.id === id)!;
  return { r, check, spTrust: check('sp.trust') };
}

async function apply(sb: Sandbox): Promise<ApplyJson> {
  const r = await run(sb, ['apply', '--json']);
  expect(r.exitCode).toBe(0);
  return JSON.parse(r.stdout) as ApplyJson;
}

async function confirm(sb: Sandbox, fingerprint: string, json = true) {
  const r = await run(sb, ['confirm-upload', ...(json ? ['--json'] : []), '--fingerprint', fingerprint]);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return r;
}

function errorOf(r: CliResult): { code: string; message: string; hint?: string } {
  return (JSON.parse(r.stdout) as { error: { code: string; message: string; hint?: string } }).error;
}

function metadataOf(sb: Sandbox): Record<string, string> {
  return markedClients(sb)[0]!.client_metadata as Record<string, string>;
}

/** What a person does in Amplitude's UI: upload the saved file (the sandbox's endpoint stands in for the form). */
async function personUploads(sb: Sandbox): Promise<void> {
  const xml = readFileSync(join(cwd, `amplitude-idp-metadata-${sb.amplitude.orgId}.xml`), 'utf8');
  const res = await fetch(`${sb.amplitude.ssoEndpoint}?identityProvider=auth0`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${sb.amplitude.ssoToken}`, 'content-type': 'application/samlmetadata+xml' },
    body: xml,
  });
  expect(res.status).toBe(200);
}

describe('manual delivery: hand-over, confirmation, rotation', () => {
  let first: string;

  it('confirming before anything was handed over is refused', async () => {
    const r = await confirm(sandbox(), `AB:${'CD:'.repeat(30)}EF`);
    expect(r.exitCode).toBe(1);
    expect(errorOf(r).code).toBe('UPLOAD_NOTHING_HANDED_OVER');
    expect(errorOf(r).hint).toContain('sso-setup apply');
  });

  it('after a hand-over nobody confirmed, verify warns on sp.trust (it does not pass), and --strict fails', async () => {
    const sb = sandbox();
    const out = await apply(sb);
    first = out.metadata!.certificates[0]!.sha256;
    const at = metadataOf(sb).sso_setup_sp_cert_at!;
    expect(metadataOf(sb).sso_setup_sp_cert).toBe(first);
    expect(metadataOf(sb).sso_setup_sp_confirmed).toBeUndefined();
    expect(out.sp).toMatchObject({ action: 'handover', upload: { status: 'handed-over', certificate: first, handedOverAt: at } });

    const { r, spTrust } = await verify(sb);
    expect(spTrust.status).toBe('warn');
    expect(spTrust.message).toBe(`certificate ${first.slice(0, 17)}… handed over on ${at.slice(0, 10)}, upload not confirmed`);
    expect(spTrust.hint).toContain(`sso-setup confirm-upload --fingerprint ${first}`);
    expect(r.exitCode).toBe(0);
    expect((await run(sb, ['verify', '--strict'])).exitCode).toBe(1);
  });

  it('a re-run of apply changes nothing but reminds the person what is left, in text and JSON', async () => {
    const sb = sandbox();
    const out = await apply(sb);
    expect(out.sp).toMatchObject({ action: 'none', upload: { status: 'handed-over', certificate: first } });
    expect(out.steps.find((s) => s.id === 'sp.upload')).toMatchObject({ status: 'manual', detail: expect.stringContaining('upload not confirmed') });
    expect(out.manualSteps!.join('\n')).toContain(`sso-setup confirm-upload --fingerprint ${first}`);

    const human = await run(sb, ['apply']);
    expect(human.stdout).toContain('No changes');
    expect(human.stdout).toMatch(/By a person:\n  … Upload the metadata file in Amplitude: to do \(handed over \d{4}-\d{2}-\d{2}, upload not confirmed; steps below\)/);
    expect(human.stdout).toContain(`Record that you did: sso-setup confirm-upload --fingerprint ${first}`);
  });

  it('a malformed, missing or wrong fingerprint is refused with a clear error; nothing is recorded', async () => {
    const sb = sandbox();
    const malformed = await confirm(sb, first.slice(0, 23), false);
    expect(malformed.exitCode).toBe(2);
    expect(malformed.stderr).toContain('--fingerprint');
    expect(malformed.stderr).toContain('full SHA-256 fingerprint');
    const missing = await run(sb, ['confirm-upload']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('--fingerprint');

    const other = `AB:${'CD:'.repeat(30)}EF`;
    const wrong = await confirm(sb, other);
    expect(wrong.exitCode).toBe(1);
    expect(errorOf(wrong)).toMatchObject({ code: 'UPLOAD_FINGERPRINT_MISMATCH' });
    expect(errorOf(wrong).message).toContain('is not the certificate last handed over');
    expect(metadataOf(sb).sso_setup_sp_confirmed).toBeUndefined();
  });

  it('confirming the handed-over certificate (any case, colons optional) makes sp.trust pass; apply then leaves nothing to do', async () => {
    const sb = sandbox();
    const r = await confirm(sb, first.replace(/:/g, '').toLowerCase());
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout) as { changed: boolean; upload: { status: string; certificate: string; confirmedAt: string } };
    expect(out).toMatchObject({ changed: true, upload: { status: 'confirmed', certificate: first } });
    expect(metadataOf(sb).sso_setup_sp_confirmed).toBe(`${first} ${out.upload.confirmedAt}`);

    const { spTrust } = await verify(sb);
    expect(spTrust.status).toBe('pass');
    expect(spTrust.message).toContain(`confirmed on ${out.upload.confirmedAt.slice(0, 10)}`);

    const again = await confirm(sb, first, false);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain('Already recorded');
    expect(metadataOf(sb).sso_setup_sp_confirmed).toBe(`${first} ${out.upload.confirmedAt}`);

    const rerun = await apply(sb);
    expect(rerun.sp).toMatchObject({ action: 'none', upload: { status: 'confirmed', confirmedAt: out.upload.confirmedAt } });
    expect(rerun.steps.find((s) => s.id === 'sp.upload')).toMatchObject({ status: 'unchanged' });
    expect(rerun.manualSteps).toBeUndefined();
  });

  it('after a signing-key rotation the confirmation no longer holds; the stale fingerprint is refused; a new hand-over needs a new confirmation', async () => {
    const sb = sandbox();
    sb.auth0.tenant.rotateSigningKey();
    const rotated = await verify(sb);
    expect(rotated.spTrust.status).toBe('fail');
    expect(rotated.spTrust.message).toContain(`but the certificate last handed over to Amplitude is ${first.slice(0, 17)}…`);
    expect(rotated.r.exitCode).toBe(1);

    const stale = await confirm(sb, first);
    expect(stale.exitCode).toBe(1);
    expect(errorOf(stale).code).toBe('UPLOAD_HANDOVER_OUTDATED');
    expect(errorOf(stale).hint).toContain('sso-setup apply');

    const out = await apply(sb);
    const second = out.metadata!.certificates[0]!.sha256;
    expect(second).not.toBe(first);
    expect(out.sp).toMatchObject({ action: 'handover', upload: { status: 'handed-over', certificate: second } });
    expect(metadataOf(sb).sso_setup_sp_confirmed).toBeUndefined();
    expect((await verify(sb)).spTrust).toMatchObject({ status: 'warn', message: expect.stringContaining('upload not confirmed') });

    // The old certificate's confirmation cannot be replayed onto the new hand-over.
    const replay = await confirm(sb, first);
    expect(replay.exitCode).toBe(1);
    expect(errorOf(replay).code).toBe('UPLOAD_FINGERPRINT_MISMATCH');
    expect(metadataOf(sb).sso_setup_sp_confirmed).toBeUndefined();
  });

  it('a login the SP accepts proves the upload without a confirmation', async () => {
    const sb = sandbox();
    const user = { SANDBOX_USER_EMAIL: sb.auth0.user.email, SANDBOX_USER_PASSWORD: sb.auth0.user.password };
    // Nobody uploaded the new file yet: the SP refuses the login, sp.trust stays a warning.
    const before = await verify(sb, [], user);
    expect(before.check('sso.login').status).toBe('fail');
    expect(before.spTrust.status).toBe('warn');

    await personUploads(sb);
    const proven = await verify(sb, [], user);
    expect(proven.check('sso.login').status).toBe('pass');
    expect(proven.spTrust.status).toBe('pass');
    expect(proven.spTrust.message).toContain("Amplitude accepted a login signed with the IdP's current certificate");
    expect(proven.spTrust.details).toMatchObject({ provenByLogin: true, upload: { status: 'handed-over' } });
    expect(proven.r.exitCode).toBe(0);
  });

  it('a confirmed upload, then SSO turned off in Amplitude: the confirmation alone passes, a login in the same run catches it', async () => {
    const sb = sandbox();
    const user = { SANDBOX_USER_EMAIL: sb.auth0.user.email, SANDBOX_USER_PASSWORD: sb.auth0.user.password };
    const second = metadataOf(sb).sso_setup_sp_cert!; // the hand-over after the rotation
    expect((await confirm(sb, second)).exitCode).toBe(0);
    const off = await fetch(sb.amplitude.ssoEndpoint, { method: 'DELETE', headers: { authorization: `Bearer ${sb.amplitude.ssoToken}` } });
    expect(off.status).toBe(204);
    expect((await verify(sb)).spTrust.status).toBe('pass');
    const caught = await verify(sb, [], user);
    expect(caught.check('sso.login').status).toBe('fail');
    expect(caught.spTrust.status).toBe('warn');
    expect(caught.spTrust.message).toContain('Amplitude refused this run');
    expect(caught.r.exitCode).toBe(1);
  });

  it('with endpoint delivery there is nothing to confirm (exit 2)', async () => {
    const sb = sandbox();
    const r = await spawnCli(['confirm-upload', '--fingerprint', first], { cwd, env: sb.env, timeoutMs: 60_000 });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('there is no manual upload to confirm');
  });
});
