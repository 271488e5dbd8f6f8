/**
 * The built-in sandbox: a local Auth0 tenant and a local Amplitude org on 127.0.0.1, started
 * together. What `sso-setup sandbox` serves, what `demo` runs against, and what the tests use.
 */
import { startAmplitudeEmulator } from './amplitude/index.js';
import { startAuth0Emulator } from './auth0/index.js';
import type { FaultOptions } from './faults.js';
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
}

export interface Sandbox {
  auth0: Auth0Emulator;
  amplitude: AmplitudeEmulator;
  /** The environment a CLI run needs to use the sandbox (dotenv names; includes secrets). */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const host = opts.host ?? '127.0.0.1';
  const auth0 = await startAuth0Emulator({
    host,
    port: opts.port ?? 0,
    ...(opts.rateLimit ? { rateLimit: opts.rateLimit } : {}),
    ...(opts.auth0Faults ? { faults: opts.auth0Faults } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  let amplitude: AmplitudeEmulator;
  try {
    amplitude = await startAmplitudeEmulator({
      host,
      port: opts.port ? opts.port + 1 : 0,
      ...(opts.orgId ? { orgId: opts.orgId } : {}),
      ...(opts.amplitudeFaults ? { faults: opts.amplitudeFaults } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    });
  } catch (error) {
    await auth0.close();
    throw error;
  }
  return {
    auth0,
    amplitude,
    env: sandboxEnv(auth0, amplitude),
    async close() {
      await Promise.all([auth0.close(), amplitude.close()]);
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
