/**
 * Builds the adapters a setup command talks to (Auth0, the SP) from resolved configuration, all on
 * one HTTP client, so retries, timeouts, connection reuse and request logs are the same everywhere.
 */
import type { ResolvedConfig } from '../config/types.js';
import type { IdpAdmin, Progress, SpConnector } from '../core/ports.js';
import { createHttpClient, DEFAULT_RATE_LIMIT_BUDGET_MS, seconds, type FetchLike, type RetryNotice } from '../http/client.js';
import { createTenantLimiter, type RequestLimiter } from '../http/rate-limiter.js';
import { ENV } from '../config/inputs.js';
import { usageError } from '../errors.js';
import { createAuth0Admin } from '../idp/auth0/management.js';
import { createSpConnector } from '../sp/targets.js';
import { debug, type Context } from './context.js';

export interface Services {
  http: FetchLike;
  idp: IdpAdmin;
  sp: SpConnector;
}

export const USER_AGENT = 'sso-setup';

export function createHttp(ctx: Context, progress: Progress | undefined, timeoutMs?: number, limiter?: RequestLimiter): FetchLike {
  return createHttpClient({
    ...(timeoutMs ? { timeoutMs } : {}),
    ...(limiter ? { limiter } : {}),
    rateLimitBudgetMs: rateLimitBudgetMs(ctx.env),
    userAgent: USER_AGENT,
    onRetry: (n) => {
      const text = retryLine(n);
      if (progress) progress.info(text);
      else ctx.io.stderr.write(`${text}\n`);
    },
    onResponse: (r) => debug(ctx, `${r.method} ${r.url.split('?')[0]} → ${r.status} (${r.ms} ms)`),
  });
}

/** The Auth0 side of a run: one HTTP client whose Management API requests share one tenant limiter. */
export interface TenantServices {
  http: FetchLike;
  idp: IdpAdmin;
  limiter: RequestLimiter;
}

export function createTenantServices(ctx: Context, auth0: ResolvedConfig['auth0'], progress: Progress | undefined): TenantServices {
  ctx.secrets.add(auth0.clientSecret);
  const origin = new URL(auth0.baseUrl).origin;
  // What Auth0 counts against the tenant's Management API limit: the API and its token endpoint.
  const limiter = createTenantLimiter({
    covers: (url) => {
      const u = new URL(url);
      return u.origin === origin && (u.pathname.startsWith('/api/v2/') || u.pathname === '/oauth/token');
    },
  });
  const http = createHttp(ctx, progress, undefined, limiter);
  return { http, idp: createAuth0Admin(auth0, http, ctx.secrets), limiter };
}

/** The SP side of one org, on the run's HTTP client. */
export function createSp(ctx: Context, config: ResolvedConfig, http: FetchLike): SpConnector {
  return createSpConnector(config.sp, http, (secret) => ctx.secrets.add(secret));
}

export function createServices(ctx: Context, config: ResolvedConfig, progress: Progress | undefined): Services {
  const { http, idp } = createTenantServices(ctx, config.auth0, progress);
  return { http, idp, sp: createSp(ctx, config, http) };
}

/** The line printed before each wait: why, how long, and what is left of the budget that applies. */
export function retryLine(n: RetryNotice): string {
  const budget =
    n.kind === 'rate-limit'
      ? `${seconds(n.rateLimitWaitedMs ?? n.waitMs)} of ${seconds(n.rateLimitBudgetMs ?? 0)} s of rate-limit waiting used`
      : `attempt ${n.attempt + 1} of ${n.maxAttempts}`;
  return `${safeHost(n.url)}: ${n.reason}; retrying in ${(n.waitMs / 1000).toFixed(1)} s (${budget})`;
}

/** `SSO_SETUP_RATE_LIMIT_WAIT`: whole seconds of rate-limit waiting a run may do (0 = never wait on a 429). */
export function rateLimitBudgetMs(env: NodeJS.ProcessEnv): number {
  const raw = env[ENV.rateLimitWait];
  if (raw === undefined) return DEFAULT_RATE_LIMIT_BUDGET_MS;
  if (!/^\d{1,4}$/.test(raw.trim()) || Number(raw) > 3600) {
    throw usageError(
      'CONFIG_INVALID',
      `env ${ENV.rateLimitWait}: ${JSON.stringify(raw)} is not a whole number of seconds from 0 to 3600`,
      `Set it to whole seconds, e.g. ${ENV.rateLimitWait}=300, or unset it for the default (${DEFAULT_RATE_LIMIT_BUDGET_MS / 1000} s).`,
    );
  }
  return Number(raw) * 1000;
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
