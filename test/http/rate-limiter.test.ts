/**
 * The tenant limiter against a model of Auth0's token bucket (the sandbox's own TokenBucket, which
 * writes the x-ratelimit-* headers as the sandbox serves them), on a simulated clock: how many
 * requests are sent, how many meet a 429, and how long they take compared with the bucket's floor.
 */
import { createTenantLimiter, readRateLimitHeaders } from '../../src/http/rate-limiter.js';
import { TokenBucket } from '../../src/sandbox/auth0/rate-limit.js';

/** A simulated clock: sleeps resolve in time order as the clock advances. */
function simulatedClock(start = 1_700_000_000_000) {
  let now = start;
  const timers: { at: number; resolve: () => void }[] = [];
  return {
    now: () => now,
    sleep: (ms: number) =>
      new Promise<void>((resolve) => {
        timers.push({ at: now + ms, resolve });
        timers.sort((a, b) => a.at - b.at);
      }),
    /** Runs until nothing is pending: microtasks first, then the next timer. */
    async run(until: () => boolean) {
      for (let guard = 0; guard < 100_000 && !until(); guard++) {
        await new Promise((r) => setImmediate(r));
        if (until()) break;
        const next = timers.shift();
        if (!next) continue;
        now = Math.max(now, next.at);
        next.resolve();
      }
    },
  };
}

/** Sends `count` requests through the limiter to a bucket; each answer takes `latencyMs`. */
async function drive(count: number, settings: { perSecond: number; burst: number }, latencyMs: number) {
  const clock = simulatedClock();
  const bucket = new TokenBucket(settings, clock.now());
  const limiter = createTenantLimiter({ covers: () => true, now: clock.now, sleep: clock.sleep, maxInFlight: 8 });
  let done = 0;
  let rejected = 0;
  const send = async (): Promise<void> => {
    for (;;) {
      await limiter.acquire();
      await clock.sleep(latencyMs / 2);
      const decision = bucket.take(clock.now());
      await clock.sleep(latencyMs / 2);
      const status = decision.allowed ? 200 : 429;
      limiter.settle({ status, headers: new Headers(decision.headers) });
      if (decision.allowed) return;
      rejected++;
      // As the HTTP client does on a 429: wait what the server asks (x-ratelimit-reset), then again.
      const reset = Number(decision.headers['x-ratelimit-reset']) * 1000;
      await clock.sleep(Math.max(500, reset - clock.now()) + 100);
    }
  };
  const start = clock.now();
  const all = Promise.all(Array.from({ length: count }, () => send().then(() => void done++)));
  await clock.run(() => done === count);
  await all;
  return { seconds: (clock.now() - start) / 1000, rejected, state: limiter.state };
}

describe('createTenantLimiter', () => {
  it("keeps a free-tier tenant (burst 2, 2/s) busy: 60 requests within 1.25x of the bucket's floor, few 429s", async () => {
    const { seconds, rejected, state } = await drive(60, { perSecond: 2, burst: 2 }, 100);
    const floor = (60 - 2) / 2;
    expect(seconds).toBeGreaterThanOrEqual(floor);
    expect(seconds).toBeLessThanOrEqual(floor * 1.25);
    expect(rejected).toBeLessThanOrEqual(3);
    expect(state.limit).toBe(2);
    expect(state.ratePerSecond).toBeGreaterThan(1.6);
    expect(state.ratePerSecond).toBeLessThan(2.6);
  });

  it('learns a faster tenant too (burst 10, 16/s)', async () => {
    const { seconds, rejected, state } = await drive(200, { perSecond: 16, burst: 10 }, 50);
    const floor = (200 - 10) / 16;
    expect(seconds).toBeLessThanOrEqual(floor * 1.25);
    expect(rejected).toBeLessThanOrEqual(5);
    expect(state.ratePerSecond).toBeGreaterThan(12);
  });

  it('lets requests through at once while the bucket has room', async () => {
    const { seconds, rejected } = await drive(9, { perSecond: 50, burst: 100 }, 100);
    expect(rejected).toBe(0);
    // The first request alone (to read the bucket), then the other 8 together (maxInFlight 8): two round trips.
    expect(seconds).toBeLessThanOrEqual(0.25);
  });

  it('covers only what its predicate names', () => {
    const limiter = createTenantLimiter({ covers: (url) => url.startsWith('https://acme.auth0.com/api/v2/') });
    expect(limiter.covers('https://acme.auth0.com/api/v2/clients')).toBe(true);
    expect(limiter.covers('https://acme.auth0.com/samlp/metadata/x')).toBe(false);
  });
});

describe('readRateLimitHeaders', () => {
  it('reads the three headers, and nothing when one is missing or nonsense', () => {
    expect(readRateLimitHeaders(new Headers({ 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1700000001' }))).toEqual({
      limit: 2,
      remaining: 0,
      resetAt: 1_700_000_001_000,
    });
    expect(readRateLimitHeaders(new Headers({ 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '0' }))).toBeUndefined();
    expect(readRateLimitHeaders(new Headers({ 'x-ratelimit-limit': 'x', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' }))).toBeUndefined();
  });
});
