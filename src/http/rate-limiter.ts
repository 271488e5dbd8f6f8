/**
 * One limiter per Auth0 tenant, shared by every request of a run (all orgs of a fleet), so the run
 * paces itself instead of spending its time in 429s. Auth0 limits the Management API per tenant
 * with a token bucket and reports it on every answer: `x-ratelimit-limit` (the bucket size, the
 * burst), `x-ratelimit-remaining` (requests left) and `x-ratelimit-reset` (UNIX seconds: when
 * requests are added; Auth0's "Rate limit policy" pages). The free tier is a burst of 2 and 2
 * requests/s.
 *
 * The limiter mirrors that bucket: it starts each request only when the bucket should hold a
 * request for it. The headers give the bucket size and its level; the refill rate is not in them,
 * and `reset` is in whole seconds (too coarse at 2/s: waiting for it costs up to a second per
 * burst), so the rate is learned from the answers: requests the tenant accepted plus the rise of
 * `remaining`, over at least a second since the bucket was last seen full (a full bucket stops
 * filling). Until then it assumes the bucket refills in a second. A 429 still reaches the HTTP
 * client, which waits as the server asks (the run's 429 budget); the limiter only makes 429s rare.
 *
 * Pure policy over an injected clock; the HTTP client calls `acquire` before, and `settle` after,
 * each attempt.
 */

export interface RateLimitHeaders {
  limit: number;
  remaining: number;
  /** Epoch milliseconds. */
  resetAt: number;
}

export interface RequestLimiter {
  /** Whether requests to this URL count against the tenant's limit. */
  covers(url: string): boolean;
  /** Resolves when a request may start; call `settle` with its answer (or undefined on a failure). */
  acquire(): Promise<void>;
  settle(answer: { status: number; headers: Headers } | undefined): void;
  /** What the limiter has learned, for `--verbose` and the bench. */
  readonly state: { limit?: number; ratePerSecond?: number; waitedMs: number; requests: number };
}

export interface LimiterOptions {
  covers: (url: string) => boolean;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Requests in flight at once, whatever the bucket says (a backstop for a large burst). */
  maxInFlight?: number;
}

/** Reads Auth0's headers; undefined when an answer does not carry all three (the SP, the metadata download). */
export function readRateLimitHeaders(headers: Headers): RateLimitHeaders | undefined {
  const limit = Number(headers.get('x-ratelimit-limit'));
  const remaining = Number(headers.get('x-ratelimit-remaining'));
  const reset = Number(headers.get('x-ratelimit-reset'));
  if (!headers.has('x-ratelimit-limit') || !headers.has('x-ratelimit-remaining') || !headers.has('x-ratelimit-reset')) return undefined;
  if (!(limit >= 1) || !(remaining >= 0) || !(reset > 0)) return undefined;
  return { limit, remaining, resetAt: reset * 1000 };
}

/** Below this much learning time the rate estimate is too rough (remaining is a whole number). */
const MIN_LEARNING_MS = 1000;

export function createTenantLimiter(options: LimiterOptions): RequestLimiter {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const maxInFlight = Math.max(1, options.maxInFlight ?? 8);

  let limit: number | undefined;
  /** Requests the bucket holds (as last seen, minus requests started since, plus the learned refill). */
  let tokens = 1;
  let tokensAt = now();
  let resetAt = 0;
  let rate: number | undefined;
  /** Where learning started: the time, the level, and the count of accepted requests then. */
  let anchor: { at: number; remaining: number; accepted: number } | undefined;
  let accepted = 0;
  let inFlight = 0;
  let waitedMs = 0;
  let requests = 0;
  const queue: (() => void)[] = [];
  let timer: Promise<void> | undefined;

  const level = (t: number) => (rate === undefined || limit === undefined ? tokens : Math.min(limit, tokens + ((t - tokensAt) / 1000) * rate));

  /** Starts every queued request the bucket has room for; sets a timer for the next one. */
  const pump = () => {
    while (queue.length && inFlight < maxInFlight) {
      const t = now();
      const available = limit === undefined ? inFlight === 0 : level(t) >= 1;
      if (!available) break;
      // Take one request from the mirrored bucket.
      tokens = level(t) - 1;
      tokensAt = t;
      inFlight++;
      requests++;
      queue.shift()!();
    }
    if (!queue.length || inFlight >= maxInFlight || timer || limit === undefined) return;
    const t = now();
    // Without a learned rate: as if the bucket refilled in a second (Auth0's free tier: burst 2, 2/s),
    // but never past `reset`. Too fast for a slower tenant means a 429 or two in the first second,
    // waited out as the server asks, while the answers teach the limiter the real rate.
    const waitMs = rate === undefined ? Math.min(Math.max(0, resetAt - t), 1000 / limit) + 5 : Math.ceil(((1 - level(t)) / rate) * 1000) + 5;
    waitedMs += waitMs;
    timer = sleep(waitMs).then(() => {
      timer = undefined;
      if (rate === undefined && tokens < 1) {
        tokens = 1;
        tokensAt = now();
      }
      pump();
    });
  };

  return {
    covers: options.covers,
    acquire() {
      return new Promise<void>((resolve) => {
        queue.push(resolve);
        pump();
      });
    },
    settle(answer) {
      inFlight = Math.max(0, inFlight - 1);
      const seen = answer ? readRateLimitHeaders(answer.headers) : undefined;
      if (seen) {
        const t = now();
        limit = seen.limit;
        resetAt = seen.resetAt;
        if (answer!.status !== 429) accepted++;
        if (seen.remaining >= seen.limit - 1 || !anchor) {
          // A (nearly) full bucket stops filling: learning starts again from here.
          anchor = { at: t, remaining: seen.remaining, accepted };
        } else if (t - anchor.at >= MIN_LEARNING_MS) {
          const refilled = seen.remaining - anchor.remaining + (accepted - anchor.accepted);
          if (refilled > 0) rate = refilled / ((t - anchor.at) / 1000);
        }
        // The server's level, less the requests still on their way to it.
        tokens = seen.remaining - inFlight;
        tokensAt = t;
      }
      pump();
    },
    get state() {
      return { ...(limit !== undefined ? { limit } : {}), ...(rate !== undefined ? { ratePerSecond: Math.round(rate * 100) / 100 } : {}), waitedMs, requests };
    },
  };
}
