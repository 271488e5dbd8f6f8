/**
 * The token bucket behind the x-ratelimit-* headers, with an explicit clock: burst, refill at the
 * sustained rate, and `reset` as the epoch second when the bucket is full again.
 */
import { TokenBucket } from '../../../src/sandbox/auth0/rate-limit.js';

const T0 = 1_800_000_000_000; // ms, on a second boundary

test('a full bucket allows `burst` requests, then refuses until it refills', () => {
  const bucket = new TokenBucket({ perSecond: 2, burst: 2 }, T0);
  expect(bucket.take(T0).headers).toEqual({ 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '1', 'x-ratelimit-reset': String(T0 / 1000 + 1) });
  expect(bucket.take(T0).allowed).toBe(true);
  const refused = bucket.take(T0);
  expect(refused.allowed).toBe(false);
  expect(refused.headers['x-ratelimit-remaining']).toBe('0');
  expect(refused.headers['x-ratelimit-reset']).toBe(String(T0 / 1000 + 1));
  expect(bucket.take(T0 + 499).allowed).toBe(false); // 0.998 of a request so far
  expect(bucket.take(T0 + 500).allowed).toBe(true);
  expect(bucket.take(T0 + 1500).headers['x-ratelimit-remaining']).toBe('1');
});

test('reset rounds up to the next whole second and never lies about an empty bucket', () => {
  const bucket = new TokenBucket({ perSecond: 1, burst: 3 }, T0 + 250);
  for (let i = 0; i < 3; i++) bucket.take(T0 + 250);
  const refused = bucket.take(T0 + 250);
  expect(refused.allowed).toBe(false);
  expect(refused.headers['x-ratelimit-reset']).toBe(String(Math.ceil((T0 + 250 + 3000) / 1000)));
});

test('configure starts over with a full bucket; nonsense settings are refused', () => {
  const bucket = new TokenBucket({ perSecond: 1, burst: 1 }, T0);
  bucket.take(T0);
  bucket.configure({ perSecond: 5, burst: 10 }, T0);
  expect(bucket.take(T0).headers['x-ratelimit-remaining']).toBe('9');
  expect(() => bucket.configure({ perSecond: 0, burst: 1 }, T0)).toThrow(RangeError);
  expect(bucket.exhaustedHeaders(T0, 3)).toEqual({ 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(T0 / 1000 + 3) });
});
