/**
 * Ory Polis as an apply/verify/destroy target, spawned against the sandbox and the real Polis library
 * (`@boxyhq/saml-jackson`, in memory): apply reads Polis's SP metadata, creates the Auth0 application with
 * its entity ID and ACS and pushes the IdP metadata through the connection API; the read-back is what Polis
 * holds; a re-run sends nothing; verify's sso.login runs Polis's OAuth flow through its ACS; destroy removes
 * the connection and the application. Amplitude's org in the same sandbox is never touched.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { spawnCli, type CliResult } from '../helpers/run-cli.js';
import { markedClients, removeDir, tempDir, usePolis, useSandbox, type TestPolis } from '../helpers/sandbox.js';
import { request } from '../helpers/auth0-api.js';
import type { Sandbox } from '../../src/sandbox/index.js';

jest.setTimeout(180_000);

interface Check {
  id: string;
  status: string;
  message: string;
  details?: Record<string, unknown>;
}

const sandbox = useSandbox();
const polisOf = usePolis();
let polis: TestPolis;
let cwd: string;
let config: string;
beforeAll(async () => {
  polis = polisOf();
  cwd = tempDir();
  config = join(cwd, 'polis.json');
  // What `sandbox --polis` writes as SANDBOX_POLIS_CONFIG.
  writeFileSync(config, JSON.stringify({ auth0: { domain: sandbox().env.AUTH0_DOMAIN }, polis: { url: polis.url, tenant: polis.tenant, product: polis.product, redirectUrls: [polis.redirectUrl] }, application: { name: 'Polis SSO (sandbox)' } }));
}, 30_000);
afterAll(() => removeDir(cwd));

function env(sb: Sandbox, extra: Record<string, string> = {}): Record<string, string> {
  return { ...sb.env, POLIS_API_KEY: polis.apiKey, SANDBOX_USER_EMAIL: '', SANDBOX_USER_PASSWORD: '', ...extra };
}

function run(args: string[], extra: Record<string, string> = {}): Promise<CliResult> {
  return spawnCli([...args, '--config', config], { cwd, env: env(sandbox(), extra), timeoutMs: 90_000 });
}

async function connections(): Promise<Record<string, unknown>[]> {
  const r = await request(`${polis.url}/api/v1/sso?tenant=${polis.tenant}&product=${polis.product}`, { headers: { authorization: `Api-Key ${polis.apiKey}` } });
  return r.json as Record<string, unknown>[];
}

const marker = () => `polis:${polis.tenant}/${polis.product}`;
const polisClients = (sb: Sandbox) => sb.auth0.tenant.listClients().filter((c) => (c.client_metadata as Record<string, string> | undefined)?.sso_setup === marker());

it('apply pushes through the connection API and reads back; a re-run sends nothing; verify signs in through Polis; destroy removes both sides', async () => {
  const sb = sandbox();
  const applied = await run(['apply', '--json']);
  expect(applied.stderr).not.toMatch(/\n\s+at /);
  expect(applied.exitCode).toBe(0);
  const result = JSON.parse(applied.stdout) as { changed: boolean; sp: { delivery: string; action: string; target: string }; metadata: { entityId: string; certificates: { sha256: string }[] } };
  expect(result).toMatchObject({ changed: true, sp: { delivery: 'endpoint', action: 'upload' } });
  // The Auth0 application carries Polis's SP identity, read from Polis's own metadata.
  const [client, ...others] = polisClients(sb);
  expect(others).toEqual([]);
  expect(client).toMatchObject({ name: 'Polis SSO (sandbox)', callbacks: [polis.acsUrl] });
  expect((client!.addons as Record<string, Record<string, unknown>>).samlp).toMatchObject({ audience: polis.entityId, recipient: polis.acsUrl });
  // Polis holds one SAML connection with the IdP's entity ID and certificate.
  const [connection, ...more] = await connections();
  expect(more).toEqual([]);
  expect(connection).toMatchObject({ tenant: polis.tenant, product: polis.product, defaultRedirectUrl: polis.redirectUrl, idpMetadata: expect.objectContaining({ entityID: result.metadata.entityId }) });
  expect(markedClients(sb)).toEqual([]);

  const again = await run(['apply', '--json']);
  expect(again.exitCode).toBe(0);
  expect(JSON.parse(again.stdout)).toMatchObject({ changed: false, idp: { action: 'none' }, sp: { action: 'none' } });
  expect(((await connections())[0] as { clientID: string }).clientID).toBe((connection as { clientID: string }).clientID);

  const user = { SANDBOX_USER_EMAIL: sb.env.SANDBOX_USER_EMAIL!, SANDBOX_USER_PASSWORD: sb.env.SANDBOX_USER_PASSWORD! };
  const verify = await run(['verify', '--json'], user);
  expect(verify.stderr).not.toMatch(/\n\s+at /);
  const checks = (JSON.parse(verify.stdout) as { checks: Check[] }).checks;
  const check = (id: string) => checks.find((c) => c.id === id)!;
  expect(check('idp.client')).toMatchObject({ status: 'pass', message: expect.stringContaining('as Polis needs') });
  expect(check('sp.trust')).toMatchObject({ status: 'pass', message: expect.stringContaining("the SP trusts the IdP's current certificate") });
  expect(check('sso.probe').status).toBe('pass');
  expect(check('sso.login')).toMatchObject({ status: 'pass' });
  // Polis cannot hold the next key: verify says a rotation would break SSO until apply runs.
  expect(check('idp.certificate')).toMatchObject({ status: 'warn', message: expect.stringContaining('the SP does not trust yet') });
  expect(verify.exitCode).toBe(0);

  const destroy = await run(['destroy', '--yes', '--json']);
  expect(destroy.exitCode).toBe(0);
  expect(await connections()).toEqual([]);
  expect(polisClients(sb)).toEqual([]);
});

it('a wrong API key, a missing one, and an unreachable Polis are clear errors and change nothing', async () => {
  const sb = sandbox();
  const wrong = await run(['apply'], { POLIS_API_KEY: 'not-the-key' });
  expect(wrong.exitCode).toBe(1);
  expect(wrong.stderr).toContain('Polis refused the API key (401');
  expect(wrong.stderr).toContain('POLIS_API_KEY');
  expect(wrong.stderr).not.toContain('not-the-key');

  const missing = await run(['apply'], { POLIS_API_KEY: '' });
  expect(missing.exitCode).toBe(2);
  expect(missing.stderr).toContain("polis.apiKey (missing): Polis's API key is not set");

  const down = await run(['apply'], { POLIS_URL: 'http://127.0.0.1:9' });
  expect(down.exitCode).not.toBe(0);
  expect(down.stderr).toContain('http://127.0.0.1:9/.well-known/sp-metadata (env POLIS_URL)');
  expect(down.stderr).not.toMatch(/\n\s+at /);
  expect(await connections()).toEqual([]);
  // The run with the wrong key created the Auth0 application before Polis refused: the next run repairs.
  expect(polisClients(sb).length).toBeLessThanOrEqual(1);
  const repaired = await run(['apply', '--json']);
  expect(repaired.exitCode).toBe(0);
  expect(await connections()).toHaveLength(1);
  await run(['destroy', '--yes']);
});

it('rotate refuses a Polis target with what to do instead', async () => {
  const r = await run(['rotate', '--dry-run']);
  expect(r.exitCode).toBe(2);
  expect(r.stderr).toContain('rotate handles Amplitude targets; this configuration wires Polis');
  expect(r.stderr).toContain('run `sso-setup apply` at once');
});
