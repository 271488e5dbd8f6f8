import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EXIT, SsoError, type ExitCode } from '../../errors.js';
import { parseFaultSpec, type FaultOptions } from '../../sandbox/faults.js';
import { polisSandboxConfig, startSandbox, toDotenv, type Sandbox } from '../../sandbox/index.js';
import { ADMIN_FAULTS_PATH, ADMIN_REQUESTS_PATH } from '../../sandbox/admin.js';
import { RATE_LIMIT_PRESETS, type RateLimitSettings } from '../../sandbox/types.js';
import type { Context } from '../context.js';
import { writeFileAtomic } from '../file-store.js';
import { POLIS_PACKAGE, type PolisEmulator } from '../../sandbox/polis/index.js';

export interface SandboxFlags {
  port?: number;
  envFile?: string;
  latencyMs?: number;
  rateLimit?: string;
  auth0Faults?: string;
  amplitudeFaults?: string;
  tls?: boolean;
  faultSeed?: number;
  orgs?: number;
  /** commander's `--no-default-connection`: false when given. */
  defaultConnection?: boolean;
  customDomain?: boolean;
  polis?: boolean;
}

/** Starts both emulators, writes the env file, and serves until SIGINT/SIGTERM. */
export async function runSandboxCommand(ctx: Context, flags: SandboxFlags): Promise<ExitCode> {
  const rateLimit = flags.rateLimit ? parseRateLimit(flags.rateLimit) : undefined;
  const auth0Faults = faults(flags.auth0Faults, '--auth0-faults', flags.latencyMs);
  const amplitudeFaults = faults(flags.amplitudeFaults, '--amplitude-faults', flags.latencyMs);
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox({
      ...(flags.port !== undefined ? { port: flags.port } : {}),
      ...(rateLimit ? { rateLimit } : {}),
      ...(auth0Faults ? { auth0Faults } : {}),
      ...(amplitudeFaults ? { amplitudeFaults } : {}),
      ...(flags.tls ? { tls: true } : {}),
      ...(flags.faultSeed !== undefined ? { faultSeed: flags.faultSeed } : {}),
      ...(flags.orgs !== undefined ? { orgs: flags.orgs } : {}),
      ...(flags.defaultConnection === false ? { enableClientConnections: false } : {}),
      ...(flags.customDomain ? { customDomain: true } : {}),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new SsoError('SANDBOX_PORT_IN_USE', `port ${flags.port}, or one of the ${flags.orgs ?? 1} after it, is already in use`, {
        exit: EXIT.usage,
        hint: 'Choose another --port, or omit it to use any free ports.',
      });
    }
    throw error;
  }
  // Ory Polis (the real library) next to the emulators: loaded only with --polis (~1.5 s, ~240 MB installed).
  let polis: PolisEmulator | undefined;
  /** With --polis: a config file for the Polis target (SANDBOX_POLIS_CONFIG), in a directory removed on close. */
  let polisConfig: { dir: string; file: string } | undefined;
  const closeAll = async () => {
    await Promise.all([sandbox.close(), polis?.close(), polisConfig && rm(polisConfig.dir, { recursive: true, force: true })]);
  };
  if (flags.polis) {
    try {
      const { startPolisEmulator } = await import('../../sandbox/polis/index.js');
      polis = await startPolisEmulator();
      const dir = await mkdtemp(join(tmpdir(), 'sso-setup-sandbox-polis-'));
      polisConfig = { dir, file: join(dir, 'sso-setup.json') };
      await writeFile(polisConfig.file, polisSandboxConfig(sandbox.auth0, polis), { mode: 0o644 });
    } catch (error) {
      await closeAll();
      throw error;
    }
    ctx.secrets.add(polis.apiKey);
    Object.assign(sandbox.env, polisEnv(polis), { SANDBOX_POLIS_CONFIG: polisConfig.file });
  }
  // The sandbox's own credentials are throw-away, but treat them like any secret in output.
  ctx.secrets.add(sandbox.env.AUTH0_CLIENT_SECRET);
  for (const org of sandbox.amplitudeOrgs) ctx.secrets.add(org.ssoToken);
  ctx.secrets.add(sandbox.adminToken);
  try {
    let envFile: string | undefined;
    if (flags.envFile) {
      envFile = resolve(ctx.cwd, flags.envFile);
      // Created 0600 (umask can only take permissions away), so no reader ever sees the credentials.
      await writeFileAtomic(envFile, toDotenv(sandbox.env), { mode: 0o600 });
    }
    const summary = {
      auth0: {
        url: sandbox.auth0.baseUrl,
        domain: sandbox.auth0.domain,
        ...(sandbox.auth0.customDomain ? { customDomain: sandbox.auth0.customDomain } : {}),
        newApplicationsGetConnections: flags.defaultConnection !== false,
      },
      amplitude: {
        url: sandbox.amplitude.baseUrl,
        orgId: sandbox.amplitude.orgId,
        entityId: sandbox.amplitude.entityId,
        acsUrl: sandbox.amplitude.acsUrl,
        loginUrl: sandbox.amplitude.loginUrl,
        ssoEndpoint: sandbox.amplitude.ssoEndpoint,
      },
      ...(flags.orgs !== undefined
        ? { orgs: sandbox.amplitudeOrgs.map((o) => ({ orgId: o.orgId, url: o.baseUrl, ssoEndpoint: o.ssoEndpoint, loginUrl: o.loginUrl })), config: sandbox.configFile }
        : {}),
      user: { email: sandbox.auth0.user.email },
      ...(sandbox.tls ? { tls: { caFile: sandbox.tls.caFile } } : {}),
      // Set or clear faults while serving (bearer SANDBOX_ADMIN_TOKEN from the env file).
      faultsAdmin: [`${sandbox.auth0.baseUrl}${ADMIN_FAULTS_PATH}`, ...sandbox.amplitudeOrgs.map((o) => `${o.baseUrl}${ADMIN_FAULTS_PATH}`)],
      requestsAdmin: `${sandbox.auth0.baseUrl}${ADMIN_REQUESTS_PATH}`,
      ...(polis
        ? { polis: { url: polis.url, tenant: polis.tenant, product: polis.product, entityId: polis.entityId, acsUrl: polis.acsUrl, redirectUrl: polis.redirectUrl, config: polisConfig?.file } }
        : {}),
      ...(envFile ? { envFile } : {}),
    };
    if (ctx.output.json) {
      ctx.io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    } else {
      ctx.io.stdout.write(
        [
          `Auth0 sandbox:     ${sandbox.auth0.baseUrl}  (AUTH0_DOMAIN=${sandbox.auth0.domain})`,
          ...(sandbox.auth0.customDomain
            ? [`  custom domain:         ${sandbox.auth0.customDomain} (AUTH0_CUSTOM_DOMAIN: SAML metadata, SSO and login pages; the Management API stays on ${sandbox.auth0.domain})`]
            : []),
          flags.defaultConnection === false
            ? '  connections:           new applications are enabled on none (--no-default-connection)'
            : '  connections:           new applications are enabled on Username-Password-Authentication (the database holding the sandbox user)',
          ...sandbox.amplitudeOrgs.flatMap((o) => [
            `Amplitude sandbox: ${o.baseUrl}  (org ${o.orgId})`,
            `  SSO settings endpoint: ${o.ssoEndpoint}`,
            `  SP-initiated login:    ${o.loginUrl}`,
          ]),
          ...(sandbox.configFile ? [`Config naming every org: ${sandbox.configFile} (SANDBOX_CONFIG; each org's token: AMPLITUDE_SSO_TOKEN_<org id>)`] : []),
          ...(polis
            ? [
                `Ory Polis (${POLIS_PACKAGE}, in memory): ${polis.url}  (tenant ${polis.tenant}, product ${polis.product})`,
                `  SP entity ID ${polis.entityId}, ACS ${polis.acsUrl}; connection API ${polis.url}/api/v1/sso (Authorization: Api-Key $POLIS_API_KEY)`,
                `  config for the Polis target: ${polisConfig?.file} (SANDBOX_POLIS_CONFIG)`,
              ]
            : []),
          `Sandbox user: ${sandbox.auth0.user.email}`,
          ...(sandbox.tls
            ? [`TLS: both serve https with a CA made for this run: ${sandbox.tls.caFile} (give it to clients as NODE_EXTRA_CA_CERTS; a node process reads it at start-up only)`]
            : []),
          `Faults: GET/POST ${summary.faultsAdmin.join(' and ')} (bearer SANDBOX_ADMIN_TOKEN); requests served: GET ${summary.requestsAdmin}`,
          envFile
            ? `Credentials written to ${envFile}. Try: set -a; . ${flags.envFile}; set +a; sso-setup apply${sandbox.configFile ? ' --config "$SANDBOX_CONFIG"' : ''}`
            : `Pass --env-file FILE to get the credentials (AUTH0_*, AMPLITUDE_*, SANDBOX_*${sandbox.tls ? ', NODE_EXTRA_CA_CERTS' : ''}) in dotenv format.`,
          'Serving until Ctrl-C.',
          '',
        ].join('\n'),
      );
    }
    const signal = await ctx.interrupted();
    ctx.io.stderr.write(`${signal}: stopping the sandbox\n`);
  } finally {
    await closeAll();
  }
  return EXIT.ok;
}

/** What `--polis` adds to the env file: where Polis is and the API key of its connection API. */
function polisEnv(polis: PolisEmulator): Record<string, string> {
  return {
    POLIS_URL: polis.url,
    POLIS_API_KEY: polis.apiKey,
    POLIS_TENANT: polis.tenant,
    POLIS_PRODUCT: polis.product,
    POLIS_ENTITY_ID: polis.entityId,
    POLIS_ACS_URL: polis.acsUrl,
    POLIS_REDIRECT_URL: polis.redirectUrl,
  };
}

function parseRateLimit(value: string): RateLimitSettings {
  if (value === 'free' || value === 'generous') return RATE_LIMIT_PRESETS[value];
  const m = /^(\d+(?:\.\d+)?)(?:\/(\d+))?$/.exec(value);
  if (!m || Number(m[1]) <= 0) {
    throw new SsoError('USAGE_INVALID_ARGUMENT', `--rate-limit '${value}' is not a rate`, {
      exit: EXIT.usage,
      hint: "Use 'free' (Auth0's free tier: 2/s), 'generous' (the default), or N[/BURST] requests per second.",
    });
  }
  const perSecond = Number(m[1]);
  return { perSecond, burst: m[2] ? Number(m[2]) : Math.max(1, Math.ceil(perSecond)) };
}

function faults(spec: string | undefined, flag: string, latencyMs: number | undefined): FaultOptions | undefined {
  let out: FaultOptions | undefined;
  if (spec) {
    try {
      out = parseFaultSpec(spec);
    } catch (error) {
      throw new SsoError('USAGE_INVALID_ARGUMENT', `${flag}: ${(error as Error).message}`, {
        exit: EXIT.usage,
        hint: `e.g. ${flag} latency=50,429=3,reset=2,5xx=0.1,drop=0.05,method=POST,path=/api/v2/clients`,
      });
    }
  }
  if (latencyMs) out = { ...(out ?? {}), latencyMs: out?.latencyMs ?? latencyMs };
  return out;
}
