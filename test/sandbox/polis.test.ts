/**
 * The real Ory Polis library (`@boxyhq/saml-jackson`, engine "mem") behind `sandbox --polis`'s routes, driven
 * by the Polis connector (src/sp/polis) and a SAML login from the Auth0 sandbox: push, read back, re-apply,
 * the OAuth code flow through Polis's ACS, destroy. One Auth0 sandbox and one Polis for the file.
 */
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createPolisSp, type PolisTarget } from '../../src/sp/polis/connector.js';
import { polisLogin } from '../../src/sp/polis/login.js';
import { checkSpMetadata } from '../../src/saml/check-sp-metadata.js';
import { managementApi, managementToken, request } from '../helpers/auth0-api.js';
import { usePolis, useSandbox } from '../helpers/sandbox.js';
import { parseDotenv } from '../helpers/dotenv.js';
import { checkConfigObject } from '../../src/config/validate.js';
import { BIN, baseEnv } from '../helpers/run-cli.js';

const sandbox = useSandbox();
const polis = usePolis();

const target = (): PolisTarget => ({ url: polis().url, tenant: polis().tenant, product: polis().product, redirectUrls: [polis().redirectUrl], defaultRedirectUrl: polis().redirectUrl });

/** An Auth0 SAML application for Polis (what apply creates), and its IdP metadata. */
async function auth0AppForPolis(): Promise<{ clientId: string; metadata: string; signingCert: string }> {
  const { auth0 } = sandbox();
  const api = managementApi(auth0, await managementToken(auth0));
  const created = await api('POST', '/clients', {
    name: 'Polis (test)',
    app_type: 'regular_web',
    callbacks: [polis().acsUrl],
    addons: { samlp: { audience: polis().entityId, nameIdentifierFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress' } },
  });
  expect(created.status).toBe(201);
  const clientId = (created.json as { client_id: string }).client_id;
  const metadata = await request(`${auth0.baseUrl}/samlp/metadata/${clientId}`);
  const cert = /<X509Certificate>([^<]+)<\/X509Certificate>/.exec(metadata.text)![1]!;
  return { clientId, metadata: metadata.text, signingCert: new X509Certificate(Buffer.from(cert, 'base64')).fingerprint256 };
}

it('serves its SP metadata from the library: entity ID and ACS pass the SP checker', async () => {
  const xml = (await request(`${polis().url}/.well-known/sp-metadata`)).text;
  const report = await checkSpMetadata(xml, { now: new Date(), warnDays: 30, loopbackHttp: 'accept' });
  expect(report.errors).toEqual([]);
  expect(report.entityId).toBe(polis().entityId);
  expect(report.acs).toBe(polis().acsUrl);
});

it('the connection API needs the API key', async () => {
  const none = await request(`${polis().url}/api/v1/sso?tenant=${polis().tenant}&product=${polis().product}`);
  expect(none.status).toBe(401);
  const wrong = createPolisSp(target(), 'not-the-key', fetch);
  await expect(wrong.readTrust(undefined)).rejects.toMatchObject({ code: 'SP_UNAUTHORIZED' });
});

it('push, read back, re-apply (same connection), SAML login through Polis with the OAuth code exchanged, destroy', async () => {
  const { auth0 } = sandbox();
  const sp = createPolisSp(target(), polis().apiKey, fetch);
  expect(await sp.readTrust(undefined)).toEqual({ kind: 'endpoint', enabled: false });

  const app = await auth0AppForPolis();
  const trust = await sp.upload(app.metadata, []);
  expect(trust).toEqual({
    kind: 'endpoint',
    enabled: true,
    idpEntityId: `urn:${auth0.domain}`,
    ssoUrl: `${auth0.baseUrl}/samlp/${app.clientId}`,
    certificates: [app.signingCert],
  });
  const first = await sp.connection();
  expect(await sp.readTrust(undefined)).toEqual(trust);

  // Re-apply: the same connection is updated (PATCH), not a second one created.
  expect(await sp.upload(app.metadata, [])).toEqual(trust);
  const again = await sp.connection();
  expect(again?.clientID).toBe(first?.clientID);
  const all = await request(`${polis().url}/api/v1/sso?tenant=${polis().tenant}&product=${polis().product}`, { headers: { authorization: `Api-Key ${polis().apiKey}` } });
  expect(all.json).toHaveLength(1);

  // The OAuth flow an app runs against Polis (verify's sso.login): authorize → Auth0 login → Polis's ACS → code → token → profile.
  const login = await polisLogin({
    http: fetch,
    polis: { url: polis().url, tenant: polis().tenant, product: polis().product, redirectUrl: polis().redirectUrl },
    user: { email: auth0.user.email, password: auth0.user.password },
    idpOrigins: [auth0.baseUrl],
  });
  expect(login).toMatchObject({ outcome: 'signed-in', status: 200, email: auth0.user.email });
  await sp.disable();
  expect(await sp.readTrust(undefined)).toEqual({ kind: 'endpoint', enabled: false });
  await sp.disable(); // already gone: not an error
}, 60_000);

it('sandbox --polis --custom-domain (a real process) serves Polis, writes POLIS_* to the env file (the key opens the connection API) and a Polis config (SANDBOX_POLIS_CONFIG, no secrets) removed when it stops', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sso-setup-polis-'));
  const envFile = join(dir, 'sandbox.env');
  const child = spawn(process.execPath, ['--', BIN, 'sandbox', '--polis', '--custom-domain', '--env-file', envFile, '--json'], { cwd: dir, env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  let configFile: string | undefined;
  try {
    const deadline = Date.now() + 40_000;
    while (!stdout.trimEnd().endsWith('}') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const summary = JSON.parse(stdout) as { auth0: { domain: string; customDomain: string }; polis: { url: string; tenant: string; product: string; entityId: string; acsUrl: string; redirectUrl: string; config: string } };
    const env = parseDotenv(readFileSync(envFile, 'utf8'));
    expect(env).toMatchObject({ POLIS_URL: summary.polis.url, POLIS_TENANT: 'sandbox.example', POLIS_PRODUCT: 'sso-setup', POLIS_ENTITY_ID: 'https://saml.boxyhq.com', POLIS_ACS_URL: `${summary.polis.url}/api/oauth/saml` });
    expect(stdout).not.toContain(env.POLIS_API_KEY!);
    const list = await request(`${env.POLIS_URL}/api/v1/sso?tenant=${env.POLIS_TENANT}&product=${env.POLIS_PRODUCT}`, { headers: { authorization: `Api-Key ${env.POLIS_API_KEY}` } });
    expect(list.status).toBe(200);
    expect(list.json).toEqual([]);

    // The config for the Polis target: where everything is, no secrets (those are in the env file).
    configFile = env.SANDBOX_POLIS_CONFIG!;
    expect(summary.auth0.customDomain).toMatch(/^localhost:\d+$/);
    expect(summary.polis.config).toBe(configFile);
    const text = readFileSync(configFile, 'utf8');
    expect(JSON.parse(text)).toEqual({
      auth0: { domain: summary.auth0.domain, customDomain: summary.auth0.customDomain },
      polis: { url: summary.polis.url, tenant: 'sandbox.example', product: 'sso-setup', redirectUrls: [summary.polis.redirectUrl] },
      application: { name: 'Polis SSO (sandbox)' },
    });
    expect(checkConfigObject(JSON.parse(text))).toEqual([]);
    for (const secret of [env.POLIS_API_KEY!, env.AUTH0_CLIENT_SECRET!, env.SANDBOX_ADMIN_TOKEN!, env.SANDBOX_USER_PASSWORD!, env.AMPLITUDE_SSO_TOKEN!]) {
      expect(secret).toBeTruthy();
      expect(text).not.toContain(secret);
    }
  } finally {
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  }
  expect(configFile).toBeDefined();
  expect(existsSync(dirname(configFile!))).toBe(false);
}, 60_000);
