/**
 * The one HTTP client of the product: undici's fetch over the shared Agent, with a deadline on every
 * attempt and one retry policy (the Auth0 SDK is given this fetch with its own retries off, so there
 * is exactly one retry layer, as in auth0-cli).
 *
 * Two separate budgets:
 * - 5xx answers and connection failures: bounded attempts (4) with exponential backoff and jitter
 *   (not a host name that does not exist: no retry helps);
 * - 429s: a time budget shared by every request of the client (default 120 s of waiting in all).
 *   Each wait is what the server asks for (Retry-After, else x-ratelimit-reset); a wait that does
 *   not fit in what is left of the budget is not started: the request fails at once with
 *   `RateLimitedError`, which the adapters report as AUTH0_RATE_LIMITED / SP_RATE_LIMITED.
 * A request that may not be repeated safely (a POST that creates something) is retried only when
 * it provably never reached the server (429, connection refused); `apply` checks by re-listing
 * whether a create that got a 5xx landed before it tries again.
 */
import { sharedDispatcher } from './agent.js';
import type { RequestLimiter } from './rate-limiter.js';

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface RetryNotice {
  method: string;
  url: string;
  /** `rate-limit`: a 429, counted against the time budget; `error`: a 5xx or a connection failure, counted in attempts. */
  kind: 'rate-limit' | 'error';
  /** 1-based number of the attempt that failed (5xx and connection failures only; 429s do not use attempts). */
  attempt: number;
  maxAttempts: number;
  waitMs: number;
  reason: string;
  status?: number;
  /** Rate-limit waiting done so far by this client, this wait included, and the budget (429s only). */
  rateLimitWaitedMs?: number;
  rateLimitBudgetMs?: number;
}

export interface HttpClientOptions {
  /** Deadline per attempt (connect + headers + body). */
  timeoutMs?: number;
  /** Attempts in all, first included. */
  maxAttempts?: number;
  /** First backoff step; doubles per attempt. */
  baseDelayMs?: number;
  /** Time this client may spend waiting out 429s, summed over all its requests (default 120 s). */
  rateLimitBudgetMs?: number;
  userAgent?: string;
  /** Called before each wait, so the CLI can say why it is waiting. */
  onRetry?: (notice: RetryNotice) => void;
  /** Called after every attempt (for --verbose request logs; never given bodies or headers). */
  onResponse?: (info: { method: string; url: string; status: number | 'error'; ms: number }) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Test hook: a fetch to use instead of undici's. */
  fetchImpl?: FetchLike;
  /** Paces the requests it covers (the Auth0 tenant's rate limit, ./rate-limiter.ts); every attempt goes through it. */
  limiter?: RequestLimiter;
}

export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_ATTEMPTS = 4;
/**
 * Rate-limit waiting allowed per run. Auth0's limits refill within seconds (burst buckets) to a
 * minute (per-minute limits), so two minutes rides out any ordinary burst, while a CI job that
 * meets a longer block fails clearly instead of hanging. `SSO_SETUP_RATE_LIMIT_WAIT` changes it.
 */
export const DEFAULT_RATE_LIMIT_BUDGET_MS = 120_000;
/** A 429 that asks for no wait (or a past reset) still waits this long: never hammer a limiter. */
const MIN_RATE_LIMIT_WAIT_MS = 500;

const RETRYABLE_STATUS = new Set([500, 502, 503, 504]);
/** TLS verification failures: permanent (a retry meets the same certificate), never retried. */
const CERTIFICATE_FAILURES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT', 'CERT_UNTRUSTED', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_REVOKED', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function isCertificateFailure(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && CERTIFICATE_FAILURES.has(code);
}

/** Errors that mean the request never reached the server, so even a POST may be repeated. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);
/**
 * Errors no retry can help: the name does not exist (DNS NXDOMAIN; a mistyped domain). A resolver
 * that cannot answer right now says EAI_AGAIN instead, which is retried.
 */
const PERMANENT = new Set(['ENOTFOUND']);

/** A 429 whose wait does not fit in what is left of the client's rate-limit budget. */
export class RateLimitedError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    /** What the server asked for (or our backoff when it did not say). */
    readonly askedMs: number,
    /** What was left of the budget. */
    readonly leftMs: number,
    readonly budgetMs: number,
  ) {
    super(`${method} ${url} is rate-limited`);
    this.name = 'RateLimitedError';
  }

  /** Why the client gave up, for messages. */
  get explanation(): string {
    return `asked to wait ${seconds(this.askedMs)} s, more than the ${seconds(this.leftMs)} s left of the run's ${seconds(this.budgetMs)} s rate-limit budget`;
  }

  /** For `--json` error details. */
  get details(): { askedSeconds: number; budgetSeconds: number } {
    return { askedSeconds: Math.ceil(this.askedMs / 1000), budgetSeconds: Math.round(this.budgetMs / 1000) };
  }
}

/** Milliseconds as seconds for messages: one decimal below 10 s, whole seconds above. */
export function seconds(ms: number): string {
  return ms < 10_000 ? (ms / 1000).toFixed(1) : String(Math.round(ms / 1000));
}

export class HttpTimeoutError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly timeoutMs: number,
  ) {
    super(`${method} ${url} timed out after ${timeoutMs} ms`);
    this.name = 'HttpTimeoutError';
  }
}

/** Builds the product's fetch. Bodies must be strings, bytes or URLSearchParams (so retries can resend them). */
export function createHttpClient(options: HttpClientOptions = {}): FetchLike {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  const baseDelayMs = options.baseDelayMs ?? 500;
  const rateLimitBudgetMs = Math.max(0, options.rateLimitBudgetMs ?? DEFAULT_RATE_LIMIT_BUDGET_MS);
  // Shared by every request of this client: the budget is per run, not per request.
  let rateLimitWaitedMs = 0;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;

  return async (input, init = {}) => {
    const request = input instanceof Request ? input : undefined;
    const url = request ? request.url : String(input);
    const method = (init.method ?? request?.method ?? 'GET').toUpperCase();
    const repeatable = isRepeatable(method, url);
    const doFetch = options.fetchImpl ?? (await undiciFetch());
    const headers = new Headers(init.headers ?? request?.headers);
    if (options.userAgent && !headers.has('user-agent')) headers.set('user-agent', options.userAgent);

    let attempt = 1;
    let rateLimited = 0;
    const limiter = options.limiter?.covers(url) ? options.limiter : undefined;
    for (;;) {
      if (limiter) await limiter.acquire();
      const deadline = AbortSignal.timeout(timeoutMs);
      const signal = init.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
      const started = now();
      let response: Response | undefined;
      let failure: unknown;
      try {
        response = await doFetch(url, { ...init, method, headers, signal, redirect: init.redirect ?? 'manual' });
      } catch (error) {
        failure = deadline.aborted && !init.signal?.aborted ? new HttpTimeoutError(method, url, timeoutMs) : error;
      }
      limiter?.settle(response ? { status: response.status, headers: response.headers } : undefined);
      options.onResponse?.({ method, url, status: response?.status ?? 'error', ms: now() - started });

      if (init.signal?.aborted) throw failure ?? new Error('aborted');
      if (response?.status === 429) {
        // A 429 was not processed, so even a POST may be repeated; only time limits the retries.
        rateLimited++;
        const asked = rateLimitWaitMs(response.headers, now()) ?? backoffMs(rateLimited, 1000);
        const waitMs = Math.max(MIN_RATE_LIMIT_WAIT_MS, asked);
        const leftMs = rateLimitBudgetMs - rateLimitWaitedMs;
        if (waitMs > leftMs) {
          await response.body?.cancel().catch(() => undefined);
          throw new RateLimitedError(method, url, waitMs, Math.max(0, leftMs), rateLimitBudgetMs);
        }
        rateLimitWaitedMs += waitMs;
        options.onRetry?.({
          method,
          url,
          kind: 'rate-limit',
          attempt,
          maxAttempts,
          waitMs,
          status: 429,
          reason: 'rate limited (429)',
          rateLimitWaitedMs,
          rateLimitBudgetMs,
        });
        // The caller's deadline ends the wait too: then this answer is the last one.
        if (!(await pause(waitMs, init.signal))) return response;
        await response.body?.cancel().catch(() => undefined);
        continue;
      }
      const last = attempt >= maxAttempts;
      if (response) {
        if (!RETRYABLE_STATUS.has(response.status) || last || !repeatable) return response;
        const waitMs = backoffMs(attempt, baseDelayMs);
        options.onRetry?.({ method, url, kind: 'error', attempt, maxAttempts, waitMs, status: response.status, reason: `server error (${response.status})` });
        if (!(await pause(waitMs, init.signal))) return response;
        await response.body?.cancel().catch(() => undefined);
        attempt++;
        continue;
      }
      const code = errorCode(failure);
      // A closed dispatcher means the process is shutting down: retrying cannot help.
      if (code === 'UND_ERR_DESTROYED' || code === 'UND_ERR_CLOSED' || (code !== undefined && PERMANENT.has(code)) || isCertificateFailure(failure)) throw failure;
      if (last || !(repeatable || (code !== undefined && NEVER_SENT.has(code)))) throw failure;
      const waitMs = backoffMs(attempt, baseDelayMs);
      options.onRetry?.({ method, url, kind: 'error', attempt, maxAttempts, waitMs, reason: describeFailure(failure) });
      if (!(await pause(waitMs, init.signal))) throw failure;
      attempt++;
    }
  };

  /** Waits, unless the caller's signal aborts first (false then). */
  async function pause(ms: number, signal: AbortSignal | null | undefined): Promise<boolean> {
    if (!signal) {
      await sleep(ms);
      return true;
    }
    if (signal.aborted) return false;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<false>((resolve) => {
      onAbort = () => resolve(false);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([sleep(ms).then(() => true), aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort!);
    }
  }
}

/**
 * Whether repeating the request cannot do harm. PATCH counts: sso-setup only ever sends whole
 * objects, so a repeated PATCH lands on the same state. Token requests create nothing.
 */
export function isRepeatable(method: string, url: string): boolean {
  if (method !== 'POST') return true;
  return new URL(url).pathname === '/oauth/token';
}

/** How long a 429 asks us to wait: Retry-After (seconds or HTTP date), else x-ratelimit-reset (epoch seconds). */
export function rateLimitWaitMs(headers: Headers, nowMs: number): number | undefined {
  const retryAfter = headers.get('retry-after');
  if (retryAfter) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - nowMs);
  }
  const reset = Number(headers.get('x-ratelimit-reset'));
  if (headers.has('x-ratelimit-reset') && Number.isFinite(reset) && reset > 0) {
    // A small margin: the bucket refills at the reset second, not before.
    return Math.max(0, reset * 1000 - nowMs) + 100;
  }
  return undefined;
}

/** Exponential backoff with ±20 % jitter, capped at 10 s. */
export function backoffMs(attempt: number, baseDelayMs: number): number {
  const exp = Math.min(10_000, baseDelayMs * 2 ** (attempt - 1));
  return Math.round(exp * (0.8 + Math.random() * 0.4));
}

export function errorCode(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export function describeFailure(error: unknown): string {
  if (error instanceof HttpTimeoutError) return `timed out after ${error.timeoutMs} ms`;
  if (error instanceof RateLimitedError) return `rate-limited: ${error.explanation}`;
  const code = errorCode(error);
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection dropped';
    case 'ENOTFOUND':
      return 'no such host (DNS)';
    case 'EAI_AGAIN':
      return 'DNS lookup failed for now';
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connect timed out';
    default: {
      if (isCertificateFailure(error)) {
        const detail = (error as { cause?: { message?: string } })?.cause?.message ?? code;
        return `its TLS certificate is not trusted (${detail})`;
      }
      const cause = (error as { cause?: { message?: string } })?.cause?.message;
      return cause ?? (error instanceof Error ? error.message : String(error));
    }
  }
}

let undiciFetchFn: FetchLike | undefined;
async function undiciFetch(): Promise<FetchLike> {
  if (!undiciFetchFn) {
    const { fetch } = await import('undici');
    // The agent is looked up per request: closeSharedDispatcher() may have replaced it since.
    undiciFetchFn = async (input, init) =>
      fetch(input as never, { ...(init as object), dispatcher: await sharedDispatcher() } as never) as unknown as Promise<Response>;
  }
  return undiciFetchFn;
}
