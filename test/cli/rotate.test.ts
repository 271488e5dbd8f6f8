/**
 * `sso-setup rotate` against one sandbox serving three Amplitude orgs: two pushed to over the SP
 * settings endpoint, one configured as manual delivery (the test plays the person who uploads its
 * file, through that org's settings endpoint, which is what an upload in Amplitude's UI does).
 * The steps build on each other, in order: dry run, a manual org blocking the rotation, a rotation,
 * a rotation interrupted after Auth0 rotated and its re-run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { jest } from '@jest/globals';
import { expectExit, parseJson, spawnCli, type CliResult } from '../helpers/run-cli.js';
import { removeDir, setFaults, tempDir, useSandbox } from '../helpers/sandbox.js';
import { managementApi, managementToken } from '../helpers/auth0-api.js';
import type { Sandbox } from '../../src/sandbox/index.js';

jest.setTimeout(240_000);

const sandbox = useSandbox({ orgs: 3 });
let cwd: string;
let config: string;
beforeAll(() => {
  cwd = tempDir();
});
afterAll(() => removeDir(cwd));

function cli(args: string[]): Promise<CliResult> {
  return spawnCli(args, { cwd, env: sandbox().env, timeoutMs: 180_000 });
}

const keys = () => sandbox().auth0.tenant.signingKeys();
const currentKid = () => keys().find((k) => k.current)!.kid;
const nextKey = () => keys().find((k) => k.next)!;
const sha256 = (pem: string) => new X509Certificate(pem).fingerprint256;
const orgs = () => sandbox().amplitudeOrgs;
const manualOrg = () => orgs()[2]!;
const manualFile = () => join(cwd, `amplitude-idp-metadata-${manualOrg().orgId}.xml`);

/** What a person does in Amplitude's UI: upload the saved file (here through the org's settings endpoint). */
async function uploadManualFile(): Promise<void> {
  const org = manualOrg();
  const res = await fetch(org.ssoEndpoint, {
    method: 'PUT',
    headers: { authorization: `Bearer ${org.ssoToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ identityProvider: 'auth0', metadataXml: readFileSync(manualFile(), 'utf8'), additionalCertificates: [] }),
  });
  expect(res.status).toBe(200);
}

function markerOf(clientId: string): Record<string, string> {
  const c = sandbox().auth0.tenant.listClients().find((x) => x.client_id === clientId)!;
  return c.client_metadata as Record<string, string>;
}

interface PlanJson {
  mode: string;
  keys: { current: { kid: string }; next: { kid: string; sha256: string }; count: number };
  orgs: { orgId: string; delivery: string; before: string; clientId?: string }[];
  unmanaged: { clientId: string; name: string }[];
}
interface VerifyJson {
  ok: boolean;
  orgs: { orgId: string; ok: boolean; checks: { id: string; status: string; message: string }[] }[];
}

describe('sso-setup rotate', () => {
  let unmanagedId: string;

  it('refuses before any apply; --dry-run prints the plan, names the SAML applications it does not manage, and changes nothing', async () => {
    const sb = sandbox();
    const [a, b, c] = orgs();
    config = join(cwd, 'sso-setup.json');
    writeFileSync(
      config,
      JSON.stringify({
        amplitude: {
          orgs: [
            { orgId: a!.orgId, baseUrl: a!.baseUrl, ssoEndpoint: a!.ssoEndpoint },
            { orgId: b!.orgId, baseUrl: b!.baseUrl, ssoEndpoint: b!.ssoEndpoint },
            { orgId: c!.orgId, baseUrl: c!.baseUrl, delivery: 'manual' },
          ],
        },
      }),
    );
    // Before any apply: nothing to rotate for, refused before anything changes.
    const keysBefore = JSON.stringify(keys());
    const early = await cli(['rotate', '--config', config, '--yes', '--json']);
    expectExit(early, 1);
    const notSetUp = parseJson<{ error: { code: string; message: string; hint: string } }>(early).error;
    expect(notSetUp.code).toBe('ROTATE_NOT_SET_UP');
    expect(notSetUp.message).toContain(a!.orgId);
    expect(notSetUp.hint).toContain('sso-setup apply');
    expect(JSON.stringify(keys())).toBe(keysBefore);

    expectExit(await cli(['apply', '--config', config, '--json']), 0);
    // Another SAML application on the tenant, made by hand: it shares the key, and sso-setup cannot update its SP.
    unmanagedId = sb.auth0.tenant.createClient({ name: 'Legacy wiki (SAML)', app_type: 'regular_web', addons: { samlp: { audience: 'urn:wiki' } } });

    const before = { keys: JSON.stringify(keys()), file: readFileSync(manualFile(), 'utf8'), settings: JSON.stringify(orgs().map((o) => o.settings())) };
    const dry = await cli(['rotate', '--config', config, '--dry-run', '--json']);
    expectExit(dry, 0);
    const out = parseJson<{ ok: boolean; dryRun: boolean; plan: PlanJson }>(dry);
    expect(out.dryRun).toBe(true);
    expect(out.plan.mode).toBe('rotate');
    expect(out.plan.keys.next.kid).toBe(nextKey().kid);
    expect(out.plan.unmanaged).toEqual([{ clientId: unmanagedId, name: 'Legacy wiki (SAML)' }]);
    expect(out.plan.orgs.map((o) => [o.orgId, o.delivery, o.before])).toEqual([
      [a!.orgId, 'endpoint', 'ready'],
      [b!.orgId, 'endpoint', 'ready'],
      [c!.orgId, 'manual', 'hand-over'],
    ]);
    const text = await cli(['rotate', '--config', config, '--dry-run']);
    expectExit(text, 0);
    expect(text.stdout).toContain('Not protected');
    expect(text.stdout).toContain(`"Legacy wiki (SAML)" (${unmanagedId})`);
    expect({ keys: JSON.stringify(keys()), file: readFileSync(manualFile(), 'utf8'), settings: JSON.stringify(orgs().map((o) => o.settings())) }).toEqual(before);
    // Without a terminal or --yes, a real run is refused before anything is read or changed.
    const unconfirmed = await cli(['rotate', '--config', config]);
    expectExit(unconfirmed, 2);
    expect(unconfirmed.stderr).toContain('--yes');
  });

  it('a manual org blocks the rotation until the upload of its new file (current and next key) is confirmed', async () => {
    const kid = currentKid();
    const count = keys().length;
    const next = sha256(nextKey().cert);
    const blocked = await cli(['rotate', '--config', config, '--yes', '--json']);
    expectExit(blocked, 1);
    const err = parseJson<{ error: { code: string; hint: string } }>(blocked).error;
    expect(err.code).toBe('ROTATE_MANUAL_UNCONFIRMED');
    expect(err.hint).toContain(`sso-setup confirm-upload --only ${manualOrg().orgId} --fingerprint ${next}`);
    expect(err.hint).toContain('--accept-manual-outage');
    expect([currentKid(), keys().length]).toEqual([kid, count]);
    // The file holds both keys, and the hand-over of the next key is recorded (the earlier confirmation, if any, dropped).
    const file = readFileSync(manualFile(), 'utf8');
    const certs = [...file.matchAll(/<(?:ds:)?X509Certificate>([^<]+)</g)].map((m) => new X509Certificate(Buffer.from(m[1]!, 'base64')).fingerprint256);
    expect(certs).toEqual([sha256(keys().find((k) => k.current)!.cert), next]);
    const manualClient = sandbox().auth0.tenant.listClients().find((c) => (c.client_metadata as Record<string, string> | undefined)?.sso_setup === `amplitude:${manualOrg().orgId}`)!;
    expect(markerOf(manualClient.client_id as string).sso_setup_sp_cert).toBe(next);
    // apply leaves a rotation's hand-over alone.
    const apply = await cli(['apply', '--config', config, '--only', manualOrg().orgId, '--json']);
    expectExit(apply, 0);
    expect(readFileSync(manualFile(), 'utf8')).toBe(file);

    await uploadManualFile();
    expectExit(await cli(['confirm-upload', '--config', config, '--only', manualOrg().orgId, '--fingerprint', next]), 0);
  });

  it("rotates the tenant's key once and leaves every org passing verify, with no certificate or trust warning on the endpoint orgs", async () => {
    const before = { kid: currentKid(), next: nextKey().kid, count: keys().length };
    const run = await cli(['rotate', '--config', config, '--yes', '--json']);
    expectExit(run, 0);
    const out = parseJson<{ ok: boolean; rotated: { from: string; to: string; queued: string }; keyCount: number; verify: VerifyJson['orgs'] }>(run);
    expect(out.rotated).toEqual({ from: before.kid, to: before.next, queued: nextKey().kid });
    expect([currentKid(), keys().length, out.keyCount]).toEqual([before.next, before.count + 1, before.count + 1]);
    // Each endpoint SP holds exactly the new current and the new next key.
    const want = [sha256(keys().find((k) => k.current)!.cert), sha256(nextKey().cert)].sort();
    for (const o of orgs().slice(0, 2)) expect(o.settings()!.certificates.map((c) => c.sha256).sort()).toEqual(want);

    const verify = await cli(['verify', '--config', config, '--json']);
    expectExit(verify, 0);
    const report = parseJson<VerifyJson>(verify);
    expect(report.orgs.map((o) => [o.orgId, o.ok])).toEqual(orgs().map((o) => [o.orgId, true]));
    for (const o of report.orgs.slice(0, 2)) expect(o.checks.filter((c) => c.status !== 'pass').map((c) => `${c.id}: ${c.message}`)).toEqual([]);
    // The manual org: its SP accepted a login signed with the new key (the uploaded file held it).
    const manual = report.orgs[2]!.checks;
    expect(manual.find((c) => c.id === 'sp.trust')!.status).toBe('pass');
    expect(manual.find((c) => c.id === 'sso.login')!.status).toBe('pass');
  });

  it('a rotation interrupted after Auth0 rotated (an SP push failing) exits 1 saying what to do; the re-run finishes it without rotating again', async () => {
    const sb = sandbox();
    const down = orgs()[1]!;
    const before = { kid: currentKid(), next: nextKey().kid, count: keys().length };
    await setFaults(down.baseUrl, sb.adminToken, '5xx=1000,method=PUT');
    let failed: CliResult;
    try {
      failed = await cli(['rotate', '--config', config, '--yes', '--accept-manual-outage', '--json']);
    } finally {
      await setFaults(down.baseUrl, sb.adminToken, '');
    }
    expectExit(failed, 1);
    const err = parseJson<{ error: { code: string; message: string; hint: string } }>(failed).error;
    expect(err.code).toBe('ROTATE_INCOMPLETE');
    expect(err.message).toContain(down.orgId);
    expect(err.hint).toContain('run `sso-setup rotate` again');
    expect([currentKid(), keys().length]).toEqual([before.next, before.count + 1]);

    // The person uploads the manual org's new file (handed over before the rotation), and confirms it.
    await uploadManualFile();
    expectExit(await cli(['confirm-upload', '--config', config, '--only', manualOrg().orgId, '--fingerprint', sha256(keys().find((k) => k.current)!.cert)]), 0);

    const dry = parseJson<{ plan: PlanJson }>(await cli(['rotate', '--config', config, '--dry-run', '--json']));
    expect(dry.plan.mode).toBe('finish');
    const again = await cli(['rotate', '--config', config, '--yes', '--json']);
    expectExit(again, 0);
    const out = parseJson<{ rotated?: unknown; keyCount: number }>(again);
    expect(out.rotated).toBeUndefined();
    // No second rotation: the same current key, the same number of keys.
    expect([currentKid(), keys().length, out.keyCount]).toEqual([before.next, before.count + 1, before.count + 1]);
    const verify = parseJson<VerifyJson>(await cli(['verify', '--config', config, '--json']));
    expect(verify.ok).toBe(true);
    for (const o of verify.orgs.slice(0, 2)) expect(o.checks.filter((c) => c.status !== 'pass').map((c) => c.id)).toEqual([]);
    // The unmanaged application was named, never touched.
    expect(sb.auth0.tenant.listClients().find((c) => c.client_id === unmanagedId)!.addons).toEqual({ samlp: { audience: 'urn:wiki' } });
  });

  it('a rotate request whose answer is lost is not repeated: the keys show it happened, and the run goes on', async () => {
    const sb = sandbox();
    // The manual org's file with the (new) next key first: refused, then uploaded and confirmed.
    expectExit(await cli(['rotate', '--config', config, '--yes', '--json']), 1);
    await uploadManualFile();
    expectExit(await cli(['confirm-upload', '--config', config, '--only', manualOrg().orgId, '--fingerprint', sha256(nextKey().cert)]), 0);
    const before = { next: nextKey().kid, count: keys().length };
    const lostBefore = (await setFaults(sb.auth0.baseUrl, sb.adminToken, 'lost=1,method=POST,path=/api/v2/keys/signing/rotate')).injected.lost;
    let run: CliResult;
    try {
      run = await cli(['rotate', '--config', config, '--yes', '--json']);
    } finally {
      expect((await setFaults(sb.auth0.baseUrl, sb.adminToken, '')).injected.lost).toBe(lostBefore + 1);
    }
    expectExit(run, 0);
    const out = parseJson<{ rotated: { to: string }; keyCount: number }>(run);
    expect(out.rotated.to).toBe(before.next);
    // Exactly one rotation.
    expect([currentKid(), keys().length, out.keyCount]).toEqual([before.next, before.count + 1, before.count + 1]);
  });

  it("an SP that cannot be given the next key stops the rotation before Auth0 rotates: SSO keeps working, and a re-run of apply repairs the SP", async () => {
    const sb = sandbox();
    const org = orgs()[0]!;
    const headers = { authorization: `Bearer ${org.ssoToken}`, 'content-type': 'application/json' };
    // The SP trusts the current key only (someone re-uploaded the metadata by hand: no next key).
    const stored = (await (await fetch(org.ssoEndpoint, { headers })).json()) as { metadataXml: string };
    expect((await fetch(org.ssoEndpoint, { method: 'PUT', headers, body: JSON.stringify({ identityProvider: 'auth0', metadataXml: stored.metadataXml }) })).status).toBe(200);
    const before = { kid: currentKid(), count: keys().length };
    await setFaults(org.baseUrl, sb.adminToken, '5xx=1000,method=PUT');
    let refused: CliResult;
    try {
      refused = await cli(['rotate', '--config', config, '--yes', '--accept-manual-outage', '--json']);
    } finally {
      await setFaults(org.baseUrl, sb.adminToken, '');
    }
    expectExit(refused, 1);
    const err = parseJson<{ error: { code: string; message: string } }>(refused).error;
    expect(err.code).toBe('ROTATE_PRETRUST_FAILED');
    expect(err.message).toContain(org.orgId);
    expect(err.message).toContain('nothing was rotated, SSO works as before');
    expect([currentKid(), keys().length]).toEqual([before.kid, before.count]);
    const verify = parseJson<VerifyJson>(await cli(['verify', '--config', config, '--only', org.orgId, '--json']));
    expect(verify.orgs[0]!.checks.find((c) => c.id === 'sp.trust')!.status).toBe('pass');
    expectExit(await cli(['apply', '--config', config, '--only', org.orgId, '--json']), 0);
    const trusted = (await (await fetch(org.ssoEndpoint, { headers })).json()) as { certificates: { sha256: string }[] };
    expect(trusted.certificates.map((c) => c.sha256)).toContain(sha256(nextKey().cert));
  });

  it("Auth0's limit of 5 rotations a day: a refused rotation changes nothing and says when to try again", async () => {
    const sb = sandbox();
    const api = managementApi(sb.auth0, await managementToken(sb.auth0));
    // Use up what is left of the day's five rotations.
    for (let i = 0; i < 5; i++) {
      const status = (await api('POST', '/keys/signing/rotate')).status;
      if (status === 429) break;
      expect(status).toBe(201);
    }
    // Those rotations bypassed sso-setup: apply brings every endpoint SP to the new keys; then ask for a rotation.
    expectExit(await cli(['apply', '--config', config, '--json']), 0);
    const before = { kid: currentKid(), count: keys().length };
    const refused = await cli(['rotate', '--config', config, '--yes', '--accept-manual-outage', '--json']);
    expectExit(refused, 1);
    const err = parseJson<{ error: { code: string; hint: string } }>(refused).error;
    expect(err.code).toBe('ROTATE_RATE_LIMITED');
    expect(err.hint).toContain('Nothing was rotated');
    expect([currentKid(), keys().length]).toEqual([before.kid, before.count]);
  });

  it('a token without the rotation scopes is refused before anything changes, naming them', async () => {
    const sb = sandbox();
    const before = { keys: JSON.stringify(keys()), file: readFileSync(manualFile(), 'utf8') };
    sb.auth0.tenant.setManagementScopes(['read:clients', 'update:clients', 'read:signing_keys']);
    const r = await cli(['rotate', '--config', config, '--yes', '--accept-manual-outage', '--json']);
    expectExit(r, 1);
    const err = parseJson<{ error: { code: string; message: string } }>(r).error;
    expect(err.code).toBe('AUTH0_MISSING_SCOPE');
    expect(err.message).toContain('create:signing_keys, update:signing_keys');
    expect({ keys: JSON.stringify(keys()), file: readFileSync(manualFile(), 'utf8') }).toEqual(before);
  });
});
