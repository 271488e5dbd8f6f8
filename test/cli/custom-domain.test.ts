/**
 * A custom domain, the built CLI against a sandbox tenant that has one: the Management API and its
 * token on the tenant's domain (127.0.0.1:PORT), the IdP's metadata, entity ID, SSO and login pages
 * on the custom domain (localhost:PORT, the same server under a second name). apply and verify go
 * green with that split (each request on the host it belongs to), and a mismatch is caught: an SP
 * still set up with the tenant's own entity ID, and a custom domain the tenant does not serve.
 * Over TLS the sandbox's certificate covers both names.
 */
import { jest } from '@jest/globals';
import { spawnCli, type CliResult } from '../helpers/run-cli.js';
import { markedClients, useSandbox, useTempDir } from '../helpers/sandbox.js';
import type { Sandbox } from '../../src/sandbox/index.js';

jest.setTimeout(120_000);

const workDir = useTempDir();

interface Check {
  id: string;
  status: string;
  message: string;
  details?: Record<string, unknown>;
}

function run(sb: Sandbox, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return spawnCli(args, { cwd: workDir(), env: { ...sb.env, ...env }, timeoutMs: 90_000 });
}

/** `debug: GET http://host:port/path → 200 (3 ms)` lines of --verbose, as [method, host, path]. */
function requestsOf(r: CliResult): [string, string, string][] {
  return r.stderr
    .split('\n')
    .map((l) => /^debug: (\S+) (https?:\/\/[^/]+)(\S*) → /.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1]!, new URL(m[2]!).host, m[3]!]);
}

async function verify(sb: Sandbox, args: string[] = [], env: Record<string, string> = {}): Promise<{ r: CliResult; checks: Record<string, Check> }> {
  const r = await run(sb, ['verify', '--json', ...args], env);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return { r, checks: Object.fromEntries((JSON.parse(r.stdout) as { checks: Check[] }).checks.map((c) => [c.id, c])) };
}

describe('a tenant with a custom domain', () => {
  const sandbox = useSandbox({ customDomain: true });

  it('apply and verify go green with the API on the domain and SAML on the custom domain', async () => {
    const sb = sandbox();
    const custom = sb.auth0.customDomain!;
    expect(custom).toBe(`localhost:${sb.auth0.port}`);
    expect(sb.env.AUTH0_CUSTOM_DOMAIN).toBe(custom);
    expect(sb.auth0.domain).toBe(`127.0.0.1:${sb.auth0.port}`);

    const apply = await run(sb, ['apply', '--json', '--verbose']);
    expect(apply.exitCode).toBe(0);
    const out = JSON.parse(apply.stdout) as { metadata: { url: string; entityId: string; ssoUrl: string } };
    const id = markedClients(sb)[0]!.client_id as string;
    // What Auth0 emits on a custom domain: metadata there, entity ID urn:<custom domain>, SSO there.
    expect(out.metadata).toMatchObject({ url: `http://${custom}/samlp/metadata/${id}`, entityId: `urn:${custom}`, ssoUrl: `http://${custom}/samlp/${id}` });
    expect(sb.amplitude.settings()).toMatchObject({ idpEntityId: `urn:${custom}`, ssoUrl: `http://${custom}/samlp/${id}` });
    for (const [method, host, path] of requestsOf(apply)) {
      if (path.startsWith('/api/v2/') || path === '/oauth/token') expect([method, path, host]).toEqual([method, path, sb.auth0.domain]);
      if (path.startsWith('/samlp/')) expect([method, path, host]).toEqual([method, path, custom]);
    }
    expect(requestsOf(apply).filter(([, , path]) => path.startsWith('/samlp/'))).toHaveLength(1);

    const checked = await verify(sb, ['--verbose']);
    expect(checked.r.exitCode).toBe(0);
    expect(Object.values(checked.checks).map((c) => [c.id, c.status])).toEqual(Object.keys(checked.checks).map((k) => [k, 'pass']));
    expect(checked.checks['idp.metadata']!.message).toBe(`urn:${custom} served at http://${custom}/samlp/metadata/${id} and valid`);
    // The login walk stayed on the custom domain (SSO, login page, resume) and the SP.
    const login = requestsOf(checked.r).filter(([, , path]) => /^\/(samlp|u\/login|authorize)/.test(path));
    expect(login.length).toBeGreaterThanOrEqual(4);
    expect(new Set(login.map(([, host]) => host))).toEqual(new Set([custom]));
    expect(requestsOf(checked.r).filter(([, , path]) => path.startsWith('/api/v2/')).every(([, host]) => host === sb.auth0.domain)).toBe(true);
  });

  it('an SP set up before the custom domain is caught (sp.trust and the login fail), and apply repairs it', async () => {
    const sb = sandbox();
    const custom = sb.auth0.customDomain!;
    // Set up against the tenant's own domain (no custom domain configured yet).
    expect((await run(sb, ['apply'], { AUTH0_CUSTOM_DOMAIN: '' })).exitCode).toBe(0);
    expect(sb.amplitude.settings()!.idpEntityId).toBe(`urn:${sb.auth0.domain}`);

    const { r, checks } = await verify(sb);
    expect(r.exitCode).toBe(1);
    expect(checks['idp.metadata']!.status).toBe('pass');
    expect(checks['sp.trust']).toMatchObject({ status: 'fail', details: { idpEntityId: `urn:${sb.auth0.domain}`, expectedEntityId: `urn:${custom}` } });
    expect(checks['sp.trust']!.message).toBe(`the SP expects the IdP urn:${sb.auth0.domain}, but the IdP's metadata names it urn:${custom}: the SP refuses its assertions`);
    // And so it does: Amplitude (the sandbox's) refuses an assertion issued on the custom domain.
    expect(checks['sso.login']).toMatchObject({ status: 'fail', details: { code: 'SP_REJECTED_ASSERTION' } });
    expect(checks['sso.login']!.message).toContain('SAML_ISSUER_MISMATCH');

    const plan = await run(sb, ['apply', '--dry-run']);
    expect(plan.stdout).toContain(`~ idpEntityId: urn:${sb.auth0.domain} → urn:${custom}`);
    expect((await run(sb, ['apply'])).exitCode).toBe(0);
    expect(sb.amplitude.settings()!.idpEntityId).toBe(`urn:${custom}`);
    expect((await verify(sb)).r.exitCode).toBe(0);
  });

  it('metadata check expects urn:<custom domain> on a custom domain: the tenant domain’s entity ID is a mismatch', async () => {
    const sb = sandbox();
    const custom = sb.auth0.customDomain!;
    const url = `http://${custom}/samlp/metadata/${markedClients(sb)[0]!.client_id as string}`;
    const right = await spawnCli(['metadata', 'check', url, '--expect-entity-id', `urn:${custom}`, '--expect-host', custom, '--json'], { cwd: workDir() });
    expect(right.exitCode).toBe(0);
    const wrong = await spawnCli(['metadata', 'check', url, '--expect-entity-id', `urn:${sb.auth0.domain}`, '--json'], { cwd: workDir() });
    expect(wrong.exitCode).toBe(1);
    expect((JSON.parse(wrong.stdout) as { errors: { code: string }[] }).errors.map((e) => e.code)).toContain('ENTITY_ID_MISMATCH');
  });
});

describe('a custom domain the tenant does not serve', () => {
  const sandbox = useSandbox();

  it('is caught before anything reaches the SP: the metadata there names the tenant, not the custom domain', async () => {
    const sb = sandbox();
    // The same server answers on localhost, but as the tenant's own domain: no custom domain is set up in it.
    const unserved = `localhost:${sb.auth0.port}`;
    const r = await run(sb, ['apply', '--json'], { AUTH0_CUSTOM_DOMAIN: unserved });
    expect(r.exitCode).toBe(1);
    const error = (JSON.parse(r.stdout) as { error: { code: string; message: string; details: { errors: { code: string }[] } } }).error;
    expect(error.code).toBe('IDP_METADATA_INVALID');
    expect(error.details.errors.map((e) => e.code)).toEqual(expect.arrayContaining(['ENTITY_ID_MISMATCH', 'SSO_HOST_MISMATCH']));
    expect(sb.amplitude.settings()).toBeUndefined();
  });
});

describe('over TLS', () => {
  const sandbox = useSandbox({ tls: true, customDomain: true });

  it('the certificate covers both names: apply and verify pass with the API on localhost and SAML on 127.0.0.1', async () => {
    const sb = sandbox();
    expect(sb.auth0.domain).toBe(`localhost:${sb.auth0.port}`);
    expect(sb.auth0.customDomain).toBe(`127.0.0.1:${sb.auth0.port}`);
    const apply = await run(sb, ['apply', '--json']);
    expect(apply.exitCode).toBe(0);
    expect((JSON.parse(apply.stdout) as { metadata: { entityId: string; url: string } }).metadata).toMatchObject({
      entityId: `urn:${sb.auth0.customDomain!}`,
      url: expect.stringMatching(new RegExp(`^https://${sb.auth0.customDomain!.replace(/\./g, '\\.')}/samlp/metadata/`)),
    });
    const { r, checks } = await verify(sb);
    expect(r.exitCode).toBe(0);
    expect(checks['sso.login']!.status).toBe('pass');
  });
});
