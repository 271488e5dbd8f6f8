/**
 * Builds the adapters a setup command talks to (Auth0, the SP) from resolved configuration, all on
 * one HTTP client, so retries, timeouts, connection reuse and request logs are the same everywhere.
 */
import type { ResolvedConfig } from '../config/types.js';
import type { IdpAdmin, Progress, SpConnector } from '../core/ports.js';
import { createHttpClient, type FetchLike } from '../http/client.js';
import { createAuth0Admin } from '../idp/auth0/management.js';
import { createEndpointSp } from '../sp/amplitude/endpoint.js';
import { createManualSp } from '../sp/amplitude/manual.js';
import { debug, type Context } from './context.js';

export interface Services {
  http: FetchLike;
  idp: IdpAdmin;
  sp: SpConnector;
}

export const USER_AGENT = 'sso-setup';

export function createHttp(ctx: Context, progress: Progress | undefined, timeoutMs?: number): FetchLike {
  return createHttpClient({
    ...(timeoutMs ? { timeoutMs } : {}),
    userAgent: USER_AGENT,
    onRetry: (n) => {
      const host = safeHost(n.url);
      const text = `${host}: ${n.reason}; retrying in ${(n.waitMs / 1000).toFixed(1)} s (attempt ${n.attempt + 1} of ${n.maxAttempts})`;
      if (progress) progress.info(text);
      else ctx.io.stderr.write(`${text}\n`);
    },
    onResponse: (r) => debug(ctx, `${r.method} ${r.url.split('?')[0]} → ${r.status} (${r.ms} ms)`),
  });
}

export function createServices(ctx: Context, config: ResolvedConfig, progress: Progress | undefined): Services {
  ctx.secrets.add(config.auth0.clientSecret);
  if (config.amplitude.delivery.kind === 'endpoint') ctx.secrets.add(config.amplitude.delivery.token);
  const http = createHttp(ctx, progress);
  const idp = createAuth0Admin(config.auth0, http, ctx.secrets);
  const delivery = config.amplitude.delivery;
  const sp = delivery.kind === 'endpoint' ? createEndpointSp(delivery.url, delivery.token, http) : createManualSp(delivery.metadataFile);
  return { http, idp, sp };
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
