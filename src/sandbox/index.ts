/**
 * The built-in sandbox: a local Auth0 tenant and a local Amplitude org on 127.0.0.1, started
 * together. What `sso-setup sandbox` serves, what `demo` runs against, and what the tests use.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAmplitudeEmulator } from './amplitude/index.js';
import { startAuth0Emulator } from './auth0/index.js';
import type { FaultOptions } from './faults.js';
import { createSandboxCertificates, TLS_HOST } from './tls.js';
import type { AmplitudeEmulator, Auth0Emulator, RateLimitSettings } from './types.js';

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
}

export interface Sandbox {
  auth0: Auth0Emulator;
  amplitude: AmplitudeEmulator;
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
  const removeCa = async () => {
    if (tls) await rm(tls.dir, { recursive: true, force: true });
  };
  const adminToken = `sbx_admin_${randomBytes(24).toString('base64url')}`;
  const common = { adminToken, ...(opts.faultSeed !== undefined ? { faultSeed: opts.faultSeed } : {}) };
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
    });
  } catch (error) {
    await removeCa();
    throw error;
  }
  let amplitude: AmplitudeEmulator;
  try {
    amplitude = await startAmplitudeEmulator({
      ...common,
      host,
      ...served,
      port: opts.port ? opts.port + 1 : 0,
      ...(opts.orgId ? { orgId: opts.orgId } : {}),
      ...(opts.amplitudeFaults ? { faults: opts.amplitudeFaults } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    });
  } catch (error) {
    await auth0.close();
    await removeCa();
    throw error;
  }
  const env = { ...sandboxEnv(auth0, amplitude), SANDBOX_ADMIN_TOKEN: adminToken };
  if (tls) Object.assign(env, { NODE_EXTRA_CA_CERTS: tls.caFile, SANDBOX_TLS: '1' });
  return {
    auth0,
    amplitude,
    env,
    ...(tls ? { tls: { caPem: tls.caPem, caFile: tls.caFile } } : {}),
    adminToken,
    async close() {
      await Promise.all([auth0.close(), amplitude.close()]);
      await removeCa();
    },
  };
}

export function sandboxEnv(auth0: Auth0Emulator, amplitude: AmplitudeEmulator): Record<string, string> {
  return {
    AUTH0_DOMAIN: auth0.domain,
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
