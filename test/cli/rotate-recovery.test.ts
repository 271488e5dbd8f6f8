/**
 * `sso-setup rotate`'s failures around the rotate request itself, with the built CLI against one
 * sandbox org (an endpoint SP): the rotate request failing without effect (ROTATE_FAILED), and Auth0
 * serving the metadata of before the rotation right after it (ROTATE_METADATA_STALE). Each asserts the
 * exit, the code and the hint, what the keys and the SP's trust are left as, and that a plain re-run
 * repairs it without a second rotation. The steps build on each other, in order.
 */
import { X509Certificate } from 'node:crypto';
import { jest } from '@jest/globals';
import { expectExit, parseJson, spawnCli, type CliResult } from '../helpers/run-cli.js';
import { markedClients, setFaults, useSandbox, useTempDir } from '../helpers/sandbox.js';
import type { FaultsView } from '../../src/sandbox/admin.js';

jest.setTimeout(240_000);

const sandbox = useSandbox();
const workDir = useTempDir();

function cli(args: string[]): Promise<CliResult> {
  return spawnCli(args, { cwd: workDir(), env: sandbox().env, timeoutMs: 180_000 });
}

/** Runs `run` with the Auth0 emulator's faults set to `spec`, clearing them after; and how many faults of `kind` it met. */
async function withAuth0Faults<T>(spec: string, kind: keyof FaultsView['injected'], run: () => Promise<T>): Promise<{ value: T; injected: number }> {
  const sb = sandbox();
  const before = (await setFaults(sb.auth0.baseUrl, sb.adminToken, spec)).injected[kind];
  let cleared: FaultsView | undefined;
  try {
    const value = await run();
    cleared = await setFaults(sb.auth0.baseUrl, sb.adminToken, '');
    return { value, injected: cleared.injected[kind] - before };
  } finally {
    if (!cleared) await setFaults(sb.auth0.baseUrl, sb.adminToken, '');
  }
}

interface ErrorJson {
  error: { code: string; message: string; hint: string; details?: { failed?: { orgId: string; code: string }[] } };
}

const keys = () => sandbox().auth0.tenant.signingKeys();
const sha256 = (pem: string) => new X509Certificate(pem).fingerprint256;
const shaOf = (role: 'current' | 'next') => sha256(keys().find((k) => k[role] && !k.revoked)!.cert);
const ring = () => ({ current: keys().find((k) => k.current)!.kid, next: keys().find((k) => k.next)!.kid, count: keys().length });
/** What the SP trusts now, sorted. */
const spTrusts = () => sandbox().amplitude.settings()!.certificates.map((c) => c.sha256).sort();
/** The current and the next key: what a finished rotation (or an apply) leaves the SP trusting. */
const bothKeys = () => [shaOf('current'), shaOf('next')].sort();

describe('sso-setup rotate: failures around the rotate request', () => {
  it('a rotate request that fails and did not happen is ROTATE_FAILED: nothing rotated, SSO as before; the re-run rotates once', async () => {
    expectExit(await cli(['apply', '--json']), 0);
    expect(spTrusts()).toEqual(bothKeys());
    const before = ring();
    const trustedBefore = spTrusts();

    // One 503 on the rotate request: its outcome is unknown to the CLI until it reads the keys again.
    const { value: failed, injected } = await withAuth0Faults('5xx=1,path=/api/v2/keys/signing/rotate,method=POST', 'serverError', () => cli(['rotate', '--yes', '--json']));
    // Exactly one 503 was served: the CLI did not repeat the POST.
    expect(injected).toBe(1);
    expectExit(failed, 1);
    const err = parseJson<ErrorJson>(failed).error;
    expect(err.code).toBe('ROTATE_FAILED');
    expect(err.message).toContain('and the keys show it did not happen');
    expect(err.hint).toBe('Run `sso-setup rotate` again: it reads the keys and the SPs first, and rotates only if no rotation is half done.');
    expect(ring()).toEqual(before);
    expect(spTrusts()).toEqual(trustedBefore);

    const again = await cli(['rotate', '--yes', '--json']);
    expectExit(again, 0);
    const out = parseJson<{ ok: boolean; rotated: { from: string; to: string; queued: string }; keyCount: number }>(again);
    expect(out.ok).toBe(true);
    expect(out.rotated).toEqual({ from: before.current, to: before.next, queued: ring().next });
    expect([ring().current, ring().count, out.keyCount]).toEqual([before.next, before.count + 1, before.count + 1]);
    expect(spTrusts()).toEqual(bothKeys());
  });

  it('Auth0 serving the metadata of before the rotation is ROTATE_METADATA_STALE (in ROTATE_INCOMPLETE); the re-run finishes without rotating again', async () => {
    const sb = sandbox();
    const [client] = markedClients(sb);
    const metadataUrl = `${sb.auth0.baseUrl}/samlp/metadata/${client!.client_id as string}`;
    const before = { ...ring(), currentSha: shaOf('current') };
    expect(spTrusts()).toEqual(bothKeys());

    // A cache in front of the metadata keeps what it serves now (the current key) and serves it once more, after the rotation.
    const { value: run, injected } = await withAuth0Faults('stale=1,path=/samlp/metadata/', 'stale', async () => {
      expect((await fetch(metadataUrl)).status).toBe(200);
      return cli(['rotate', '--yes', '--json']);
    });
    expect(injected).toBe(1);
    expectExit(run, 1);
    const err = parseJson<ErrorJson>(run).error;
    expect(err.code).toBe('ROTATE_INCOMPLETE');
    expect(err.details?.failed).toEqual([{ orgId: sb.amplitude.orgId, code: 'ROTATE_METADATA_STALE' }]);
    expect(err.message).toContain(`${sb.amplitude.orgId}: ROTATE_METADATA_STALE the IdP metadata still carries`);
    expect(err.hint).toContain('run `sso-setup rotate` again: it sees the rotation was made and only updates the SPs (it does not rotate again)');
    // Rotated once; the SP was sent the old metadata and the new next key: it does not trust the key Auth0 signs with now.
    expect([ring().current, ring().count]).toEqual([before.next, before.count + 1]);
    expect(spTrusts()).toEqual([before.currentSha, shaOf('next')].sort());
    expect(spTrusts()).not.toContain(shaOf('current'));

    const dry = parseJson<{ plan: { mode: string } }>(await cli(['rotate', '--dry-run', '--json']));
    expect(dry.plan.mode).toBe('finish');
    const again = await cli(['rotate', '--yes', '--json']);
    expectExit(again, 0);
    const out = parseJson<{ ok: boolean; rotated?: unknown; keyCount: number }>(again);
    expect(out.ok).toBe(true);
    expect(out.rotated).toBeUndefined();
    // No second rotation, and the SP trusts the current and the next key again.
    expect([ring().current, ring().count, out.keyCount]).toEqual([before.next, before.count + 1, before.count + 1]);
    expect(spTrusts()).toEqual(bothKeys());
  });
});
