/**
 * Every value is validated when it is read (issue 10, point 5), by the built CLI: bad domains, ports,
 * host names, schemes, org IDs and empty values are usage errors (exit 2) naming the flag, variable
 * or field, found before any request is made (they used to pass parsing and fail with exit 1 after
 * retries); untrusted text in messages is shown escaped.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { spawnCli, type CliResult } from '../helpers/run-cli.js';
import { removeDir, tempDir } from '../helpers/sandbox.js';
import { auth0Metadata } from '../saml/metadata-builder.js';

/** A stand-in tenant that only counts requests: a refused value must never reach the network. */
let server: Server;
let requests = 0;
let tenant: string;
let cwd: string;

beforeAll(async () => {
  cwd = tempDir();
  server = createServer((_req, res) => {
    requests++;
    res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"access_denied","error_description":"Unauthorized"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tenant = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  removeDir(cwd);
  await new Promise((resolve) => server.close(resolve));
});

/** A complete, valid environment pointing at the counting server. */
const goodEnv = () => ({
  AUTH0_DOMAIN: tenant,
  AUTH0_CLIENT_ID: 'client-id',
  AUTH0_CLIENT_SECRET: 'client-secret-value',
  AMPLITUDE_ORG_ID: '123456',
});

async function apply(args: string[], env: Record<string, string> = {}): Promise<CliResult & { requests: number }> {
  const before = requests;
  const r = await spawnCli(['apply', '--dry-run', ...args], { cwd, env: { ...goodEnv(), ...env } });
  return { ...r, requests: requests - before };
}

function expectUsageError(r: CliResult & { requests: number }, ...words: string[]): void {
  expect(r.exitCode).toBe(2);
  expect(r.requests).toBe(0);
  expect(r.stderr).not.toMatch(/retrying|unexpected error|\n\s+at /);
  for (const w of words) expect(r.stderr).toContain(w);
}

describe('bad values are refused when read, before any request', () => {
  it('the counting tenant does see a valid run (the harness works)', async () => {
    const r = await apply([]);
    expect(r.requests).toBeGreaterThan(0);
  });

  it.each([
    ['a port out of range', 'x.auth0.com:99999'],
    ['port 0', 'x.auth0.com:0'],
    ['an empty label', 'x..auth0.com'],
    ['a label starting with a hyphen', '-x.auth0.com'],
    ['a 10 KB host name', `${'a'.repeat(10_240)}.auth0.com`],
    ['an ftp:// scheme (used to be silently dropped)', 'ftp://x.auth0.com'],
  ])('AUTH0_DOMAIN with %s', async (_name, value) => {
    const r = await apply([], { AUTH0_DOMAIN: value });
    expectUsageError(r, 'auth0.domain (env AUTH0_DOMAIN)', 'is not a host');
    // A long value is cut in the message, not printed whole.
    expect(r.stderr.length).toBeLessThan(2000);
  });

  it('the same values as a flag name the flag', async () => {
    expectUsageError(await apply(['--auth0-domain', 'x.auth0.com:99999']), 'auth0.domain (--auth0-domain)');
  });

  it('org ID -5 (Amplitude org IDs are numbers)', async () => {
    expectUsageError(await apply(['--amplitude-org-id', '-5']), 'amplitude.orgId (--amplitude-org-id)', "'-5' is not an Amplitude org ID");
  });

  it.each([
    ['--auth0-domain', ''],
    ['--auth0-client-id', ''],
    ['--auth0-client-secret', ''],
    ['--amplitude-org-id', ' '],
    ['--amplitude-base-url', ''],
    ['--amplitude-sso-endpoint', ''],
    ['--app-name', ''],
    ['--metadata-file', ''],
    ['--delivery', ''],
    ['--config', ''],
    ['--auth0-client-secret-file', ''],
    ['--amplitude-sso-token-file', ''],
  ])('an empty %s is an error naming it, even though the environment has a value', async (flag, value) => {
    const r = await apply([flag, value], { AMPLITUDE_BASE_URL: 'https://amplitude.com', AMPLITUDE_SSO_ENDPOINT: 'https://sp.example/x', AMPLITUDE_SSO_TOKEN: 'sp-token-value' });
    expectUsageError(r, flag);
  });

  it('an empty value in the config file is an error naming the field', async () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir, 'sso-setup.json'), JSON.stringify({ auth0: { domain: '' }, application: { name: '' } }));
      const r = await spawnCli(['apply', '--dry-run'], { cwd: dir, env: goodEnv() });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain('application.name (sso-setup.json application.name): is empty');
    } finally {
      removeDir(dir);
    }
  });

  it('a config file starting with a byte order mark is read (no invisible character in any message)', async () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir, 'sso-setup.json'), `\ufeff${JSON.stringify({ amplitude: { orgId: 'x1' } })}`);
      const r = await spawnCli(['apply', '--dry-run', '--json'], { cwd: dir, env: { ...goodEnv(), AMPLITUDE_ORG_ID: '' } });
      expect(r.exitCode).toBe(2);
      // The file was parsed: the problem found is its value, not its first character.
      expect(r.stderr).toContain("amplitude.orgId (sso-setup.json amplitude.orgId): 'x1' is not an Amplitude org ID");
      expect(r.stderr + r.stdout).not.toContain('\ufeff');
    } finally {
      removeDir(dir);
    }
  });

  it('a domain with a newline is shown escaped, on one line', async () => {
    const r = await apply([], { AUTH0_DOMAIN: 'acme.auth0.com\nerror: forged line' });
    expectUsageError(r, "'acme.auth0.com\\nerror: forged line' is not a host");
    expect(r.stderr).not.toMatch(/^error: forged line/m);
  });

  it('metadata check --expect-host refuses an empty or malformed host (exit 2)', async () => {
    const file = join(cwd, 'auth0.xml');
    writeFileSync(file, auth0Metadata());
    for (const [value, words] of [
      ['', 'it is empty'],
      ['x.auth0.com:99999', "--expect-host 'x.auth0.com:99999' is not a host"],
      ['ftp://x.auth0.com', 'is not an http(s) URL'],
    ] as const) {
      const r = await spawnCli(['metadata', 'check', file, '--now', '2026-11-29T00:00:00Z', '--expect-host', value], { cwd });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(words);
    }
  });
});

describe('untrusted text in output is escaped', () => {
  it('an entityID with U+202E (right-to-left override) is printed escaped, in the report and in JSON', async () => {
    const file = join(cwd, 'rtl.xml');
    writeFileSync(file, auth0Metadata({ entityId: 'urn:acme.\u202emoc.live' }));
    const human = await spawnCli(['metadata', 'check', file, '--now', '2026-11-29T00:00:00Z'], { cwd });
    expect(human.stdout).toContain('urn:acme.\\u202Emoc.live');
    const json = await spawnCli(['metadata', 'check', file, '--now', '2026-11-29T00:00:00Z', '--json'], { cwd });
    for (const r of [human, json]) expect(r.stdout + r.stderr).not.toContain('\u202e');
    // The JSON document still carries the exact value.
    expect((JSON.parse(json.stdout) as { entityId: string }).entityId).toBe('urn:acme.\u202emoc.live');
  });
});
