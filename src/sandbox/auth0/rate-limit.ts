/**
 * Auth0's rate limiting: a token bucket per tenant ("burst" = bucket size, "sustained" = refill
 * rate; docs "Rate limit policy"), reported on every response with `x-ratelimit-limit` (bucket
 * size), `x-ratelimit-remaining` and `x-ratelimit-reset` (UNIX seconds). Auth0 describes reset as
 * the time "until the rate limit resets", so it is when the bucket is full again, rounded up: a
 * client that sleeps until then always finds a request available. The clock is passed in.
 */
import type { RateLimitSettings } from '../types.js';

export interface RateLimitDecision {
  allowed: boolean;
  headers: Record<string, string>;
}

export class TokenBucket {
  #settings: RateLimitSettings;
  #tokens: number;
  #updatedAt: number;

  constructor(settings: RateLimitSettings, nowMs: number) {
    this.#settings = checkSettings(settings);
    this.#tokens = settings.burst;
    this.#updatedAt = nowMs;
  }

  get settings(): RateLimitSettings {
    return { ...this.#settings };
  }

  /** New settings start with a full bucket. */
  configure(settings: RateLimitSettings, nowMs: number): void {
    this.#settings = checkSettings(settings);
    this.#tokens = settings.burst;
    this.#updatedAt = nowMs;
  }

  /** Takes one request from the bucket if one is available. */
  take(nowMs: number): RateLimitDecision {
    this.#refill(nowMs);
    const allowed = this.#tokens >= 1;
    if (allowed) this.#tokens -= 1;
    return { allowed, headers: this.#headers(nowMs) };
  }

  /** The current state, without taking a request (for answers that were not rate-limited, such as injected 503s). */
  peek(nowMs: number): Record<string, string> {
    this.#refill(nowMs);
    return this.#headers(nowMs);
  }

  /** Headers of a response the bucket did not decide (an injected 429 that asks for `waitSeconds`). */
  exhaustedHeaders(nowMs: number, waitSeconds: number): Record<string, string> {
    return {
      'x-ratelimit-limit': String(this.#settings.burst),
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(Math.ceil((nowMs + waitSeconds * 1000) / 1000)),
    };
  }

  #refill(nowMs: number): void {
    const elapsed = Math.max(0, nowMs - this.#updatedAt) / 1000;
    this.#tokens = Math.min(this.#settings.burst, this.#tokens + elapsed * this.#settings.perSecond);
    this.#updatedAt = nowMs;
  }

  #headers(nowMs: number): Record<string, string> {
    const missing = this.#settings.burst - this.#tokens;
    const fullAt = nowMs + (missing / this.#settings.perSecond) * 1000;
    return {
      'x-ratelimit-limit': String(this.#settings.burst),
      'x-ratelimit-remaining': String(Math.floor(this.#tokens)),
      'x-ratelimit-reset': String(Math.ceil(fullAt / 1000)),
    };
  }
}

function checkSettings(s: RateLimitSettings): RateLimitSettings {
  if (!(s.perSecond > 0) || !(s.burst >= 1)) throw new RangeError(`rate limit needs perSecond > 0 and burst >= 1, got ${JSON.stringify(s)}`);
  return { perSecond: s.perSecond, burst: s.burst };
}
