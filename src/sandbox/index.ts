/**
 * The built-in sandbox: a local Auth0 tenant and a local Amplitude org on 127.0.0.1, started
 * together. What `sso-setup sandbox` serves, what `demo` runs against, and what the tests use.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAmplitudeEmulator } from './amplitude/index.js';
import { startAuth0Emulator } from './auth0/index.js';
import type { FaultOptions } from './faults.js';
import { RequestLog } from './request-log.js';
import { createSandboxCertificates, TLS_HOST } from './tls.js';
import type { AmplitudeEmulator, Auth0Emulator, RateLimitSettings } from './types.js';
import type { PolisEmulator } from './polis/index.js';

export interface SandboxOptions {
  host?: string;
  /** Port of the Auth0 emulator; the Amplitude emulator takes the next one. 0 (default): any free ports. */
  port?: number;
  rateLimit?: RateLimitSettings;
  auth0Faults?: FaultOptions;
  amplitudeFaults?: FaultOptions;
  /** Clock for both emulators (tests move it). */
  now?: () => Date;
  /** Org ID of the Amplitude emulator (random when absent). */
  orgId?: string;
  /**
   * Serve https (both emulators) with a CA made for this run, on `localhost:PORT`. The CA is written
   * to a private temporary directory (removed by `close()`) and named in the env as NODE_EXTRA_CA_CERTS.
   */
  tls?: boolean;
  /** Seed of both emulators' rate-based faults (default 1): `sandbox --fault-seed N`. */
  faultSeed?: number;
  /**
   * Serve this many Amplitude orgs (1-100), each an emulator of its own with its own settings
   * endpoint, token and admin route; the env then names them through `SANDBOX_CONFIG` (a config file
   * listing every org in `amplitude.orgs`) and `AMPLITUDE_SSO_TOKEN_<orgId>`, instead of the one-org
   * `AMPLITUDE_*` variables. Absent: one org, named by `AMPLITUDE_*`.
   */
  orgs?: number;
  /**
   * Auth0's `enable_client_connections` tenant flag: false starts a tenant whose new applications
   * are enabled on no connection (default true: on every connection, as a new Auth0 tenant).
   */
  enableClientConnections?: boolean;
  /**
   * Give the tenant a custom domain: the Auth0 emulator also answers on a second host name (plain:
   * API domain `127.0.0.1:PORT`, custom domain `localhost:PORT`; with `tls` the other way round, the
   * certificate covering both), and the env adds AUTH0_CUSTOM_DOMAIN.
   */
  customDomain?: boolean;
}

/** Most orgs `--orgs` serves (each is a server of its own). */
export const MAX_SANDBOX_ORGS = 100;

export interface Sandbox {
  auth0: Auth0Emulator;
  /** The first (with `orgs` unset, the only) Amplitude org. */
  amplitude: AmplitudeEmulator;
  /** Every Amplitude org, `amplitude` first. */
  amplitudeOrgs: AmplitudeEmulator[];
  /** Every request the sandbox served, all emulators (also `GET /__sandbox/requests`). */
  requests: RequestLog;
  /** With `orgs`: the config file naming every org (`SANDBOX_CONFIG`; removed by `close()`). */
  configFile?: string;
  /** The environment a CLI run needs to use the sandbox (dotenv names; includes secrets). */
  env: Record<string, string>;
  /** With `tls`: the CA certificate (PEM) and the file it was written to. */
  tls?: { caPem: string; caFile: string };
  /** Bearer token of both emulators' admin route `/__sandbox/faults` (also `env.SANDBOX_ADMIN_TOKEN`). */
  adminToken: string;
  close(): Promise<void>;
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const host = opts.host ?? '127.0.0.1';
  let tls: { caPem: string; caFile: string; dir: string; server: { cert: string; key: string } } | undefined;
  if (opts.tls) {
    const certs = createSandboxCertificates();
    const dir = await mkdtemp(join(tmpdir(), 'sso-setup-sandbox-'));
    const caFile = join(dir, 'ca.pem');
    await writeFile(caFile, certs.caPem, { mode: 0o644 });
    tls = { caPem: certs.caPem, caFile, dir, server: certs.server };
  }
  const served = tls ? { tls: tls.server, publicHost: TLS_HOST } : {};
  // The custom domain's host name: another name of the loopback listener, covered by the certificate.
  const customDomainHost = opts.customDomain ? (tls ? '127.0.0.1' : 'localhost') : undefined;
  const removeCa = async () => {
    if (tls) await rm(tls.dir, { recursive: true, force: true });
  };
  const adminToken = `sbx_admin_${randomBytes(24).toString('base64url')}`;
  const requests = new RequestLog();
  const common = { adminToken, requestLog: requests, ...(opts.faultSeed !== undefined ? { faultSeed: opts.faultSeed } : {}) };
  let auth0: Auth0Emulator;
  try {
    auth0 = await startAuth0Emulator({
      ...common,
      host,
      ...served,
      port: opts.port ?? 0,
      ...(opts.rateLimit ? { rateLimit: opts.rateLimit } : {}),
      ...(opts.auth0Faults ? { faults: opts.auth0Faults } : {}),
      ...(opts.now ? { now: opts.now } : {}),
      ...(opts.enableClientConnections === false ? { enableClientConnections: false } : {}),
      ...(customDomainHost ? { customDomainHost } : {}),
    });
  } catch (error) {
    await removeCa();
    throw error;
  }
  const count = opts.orgs ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > MAX_SANDBOX_ORGS) throw new RangeError(`orgs must be 1 to ${MAX_SANDBOX_ORGS}, got ${count}`);
  const amplitudeOrgs: AmplitudeEmulator[] = [];
  const stopAll = async () => {
    await Promise.all([auth0.close(), ...amplitudeOrgs.map((a) => a.close())]);
    await removeCa();
  };
  try {
    const used = new Set<string>();
    for (let i = 0; i < count; i++) {
      // Org IDs are random and distinct; the first keeps `opts.orgId`.
      let orgId = i === 0 ? opts.orgId : undefined;
      while (orgId === undefined || used.has(orgId)) orgId = String(randomInt(100_000, 1_000_000_000));
      used.add(orgId);
      amplitudeOrgs.push(
        await startAmplitudeEmulator({
          ...common,
          host,
          ...served,
          port: opts.port ? opts.port + 1 + i : 0,
          orgId,
          ...(opts.amplitudeFaults ? { faults: opts.amplitudeFaults } : {}),
          ...(opts.now ? { now: opts.now } : {}),
        }),
      );
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  const amplitude = amplitudeOrgs[0]!;
  const env: Record<string, string> = { ...sandboxEnv(auth0, amplitude), SANDBOX_ADMIN_TOKEN: adminToken };
  let configDir: string | undefined;
  let configFile: string | undefined;
  if (opts.orgs !== undefined) {
    // The orgs are named by the config file; the one-org variables would contradict it.
    for (const name of ['AMPLITUDE_ORG_ID', 'AMPLITUDE_BASE_URL', 'AMPLITUDE_SSO_ENDPOINT', 'AMPLITUDE_SSO_TOKEN']) delete env[name];
    for (const org of amplitudeOrgs) env[`AMPLITUDE_SSO_TOKEN_${org.orgId}`] = org.ssoToken;
    configDir = await mkdtemp(join(tmpdir(), 'sso-setup-sandbox-config-'));
    configFile = join(configDir, 'sso-setup.json');
    await writeFile(configFile, sandboxConfig(auth0, amplitudeOrgs), { mode: 0o644 });
    env.SANDBOX_CONFIG = configFile;
  }
  if (tls) Object.assign(env, { NODE_EXTRA_CA_CERTS: tls.caFile, SANDBOX_TLS: '1' });
  return {
    auth0,
    amplitude,
    amplitudeOrgs,
    requests,
    ...(configFile ? { configFile } : {}),
    env,
    ...(tls ? { tls: { caPem: tls.caPem, caFile: tls.caFile } } : {}),
    adminToken,
    async close() {
      await stopAll();
      if (configDir) await rm(configDir, { recursive: true, force: true });
    },
  };
}

/** The config file of `orgs`: the tenant and every org with its endpoint; no secrets (those are in the env). */
export function sandboxConfig(auth0: Auth0Emulator, orgs: AmplitudeEmulator[]): string {
  const config = {
    auth0: { domain: auth0.domain, clientId: auth0.management.clientId },
    amplitude: { orgs: orgs.map((o) => ({ orgId: o.orgId, baseUrl: o.baseUrl, ssoEndpoint: o.ssoEndpoint })) },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/**
 * The config file of `--polis` (SANDBOX_POLIS_CONFIG): the tenant and the Polis target, as `apply` and
 * `verify` read a Polis target; no secrets (AUTH0_CLIENT_SECRET and POLIS_API_KEY are in the env).
 */
export function polisSandboxConfig(auth0: Auth0Emulator, polis: PolisEmulator): string {
  const config = {
    auth0: { domain: auth0.domain, ...(auth0.customDomain ? { customDomain: auth0.customDomain } : {}) },
    polis: { url: polis.url, tenant: polis.tenant, product: polis.product, redirectUrls: [polis.redirectUrl] },
    application: { name: 'Polis SSO (sandbox)' },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

export function sandboxEnv(auth0: Auth0Emulator, amplitude: AmplitudeEmulator): Record<string, string> {
  return {
    AUTH0_DOMAIN: auth0.domain,
    ...(auth0.customDomain ? { AUTH0_CUSTOM_DOMAIN: auth0.customDomain } : {}),
    AUTH0_CLIENT_ID: auth0.management.clientId,
    AUTH0_CLIENT_SECRET: auth0.management.clientSecret,
    AMPLITUDE_ORG_ID: amplitude.orgId,
    AMPLITUDE_BASE_URL: amplitude.baseUrl,
    AMPLITUDE_SSO_ENDPOINT: amplitude.ssoEndpoint,
    AMPLITUDE_SSO_TOKEN: amplitude.ssoToken,
    SANDBOX_USER_EMAIL: auth0.user.email,
    SANDBOX_USER_PASSWORD: auth0.user.password,
  };
}

/** dotenv format: one NAME=value per line, values quoted when they need it. */
export function toDotenv(env: Record<string, string>): string {
  return (
    Object.entries(env)
      .map(([k, v]) => `${k}=${/^[A-Za-z0-9_.:/@+-]*$/.test(v) ? v : JSON.stringify(v)}`)
      .join('\n') + '\n'
  );
}
