/**
 * Auth0's 400s reach the user as AUTH0_INVALID_REQUEST with Auth0's own message and a hint naming
 * the fix: the built CLI spawned against the sandbox, whose validation refuses what Auth0 refuses.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { spawnCli, type CliResult } from '../helpers/run-cli.js';
import { useSandbox, useTempDir } from '../helpers/sandbox.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { managementApi, managementToken } from '../helpers/auth0-api.js';

const sandbox = useSandbox();
const workDir = useTempDir();
let cwd: string;
beforeEach(() => {
  cwd = workDir();
});

function run(sb: Sandbox, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return spawnCli(args, { cwd, env: { ...sb.env, ...env }, timeoutMs: 60_000 });
}

function errorOf(r: CliResult): { code: string; message: string; hint: string } {
  return (JSON.parse(r.stdout) as { error: { code: string; message: string; hint: string } }).error;
}

test("an application whose metadata is full: Auth0's 400 names the limit, the hint says how to make room", async () => {
  const sb = sandbox();
  const api = managementApi(sb.auth0, await managementToken(sb.auth0));
  // Someone's application already carries sso-setup's marker and 9 keys of their own.
  const theirs = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`team_key_${i}`, 'x']));
  const created = await api('POST', '/clients', {
    name: 'Amplitude SSO',
    callbacks: [sb.amplitude.acsUrl],
    client_metadata: { sso_setup: `amplitude:${sb.amplitude.orgId}`, ...theirs },
  });
  expect(created.status).toBe(201);

  // Manual delivery records the handed-over certificate in client_metadata: two more keys.
  const r = await run(sb, ['apply', '--json', '--delivery', 'manual', '--metadata-file', join(cwd, 'idp.xml')]);
  expect(r.exitCode).toBe(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  const error = errorOf(r);
  expect(error.code).toBe('AUTH0_INVALID_REQUEST');
  expect(error.message).toContain("Payload validation error: 'Too many properties defined (12), maximum 10' on property client_metadata.");
  expect(error.hint).toMatch(/10 keys.*Application Metadata/);

  // Making room is enough: the next run converges.
  const id = String((created.json as { client_id: string }).client_id);
  sb.auth0.tenant.patchClient(id, { client_metadata: Object.fromEntries(Object.keys(theirs).map((k) => [k, null])) });
  const again = await run(sb, ['apply', '--json', '--delivery', 'manual', '--metadata-file', join(cwd, 'idp.xml')]);
  expect(again.exitCode).toBe(0);
});

test('a callback that is not a URL is refused when read (CONFIG_INVALID naming it, exit 2), before Auth0 sees it; nothing created', async () => {
  // Issue 10: every value is checked by the config schema when read (saml.callbacks items are https
  // URLs), so this no longer reaches Auth0's own callback-url validation as an AUTH0_INVALID_REQUEST.
  const sb = sandbox();
  writeFileSync(join(cwd, 'sso-setup.json'), JSON.stringify({ saml: { callbacks: [sb.amplitude.acsUrl, 'amplitude acs'] } }));
  const before = sb.auth0.tenant.listClients().length;
  const r = await run(sb, ['apply', '--json']);
  expect(r.exitCode).toBe(2);
  const error = errorOf(r);
  expect(error.code).toBe('CONFIG_INVALID');
  expect(error.message).toContain("saml.callbacks.1 (sso-setup.json saml.callbacks.1): 'amplitude acs' is not an https URL");
  expect(sb.auth0.tenant.listClients()).toHaveLength(before);
});
