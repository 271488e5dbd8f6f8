/**
 * What the sandbox served, request by request, for counting a run's round trips: every request to
 * any emulator of one sandbox (the Auth0 tenant and each Amplitude org) with when it arrived and
 * when its answer was sent, on one monotonic clock. Read through the admin route
 * (`GET /__sandbox/requests`, ./admin.ts) or in process.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface LoggedRequest {
  method: string;
  /** `host:port/path`, without the query. */
  target: string;
  status: number;
  /** Milliseconds on the sandbox's monotonic clock. */
  startMs: number;
  endMs: number;
}

/** At most this many entries are kept (the oldest are dropped): a sandbox that serves for days stays small. */
const MAX_ENTRIES = 20_000;

export class RequestLog {
  #entries: LoggedRequest[] = [];

  /** Records `req` once its answer is sent (or the connection ends). */
  track(req: IncomingMessage, res: ServerResponse): void {
    const startMs = performance.now();
    const target = `${req.headers.host ?? ''}${(req.url ?? '/').split('?')[0]}`;
    const method = req.method ?? 'GET';
    res.once('close', () => {
      this.#entries.push({ method, target, status: res.statusCode, startMs, endMs: performance.now() });
      if (this.#entries.length > MAX_ENTRIES) this.#entries.splice(0, this.#entries.length - MAX_ENTRIES);
    });
  }

  entries(): LoggedRequest[] {
    return this.#entries.map((e) => ({ ...e }));
  }

  clear(): void {
    this.#entries = [];
  }
}

/**
 * The number of sequential round trips in a set of requests: the longest chain of requests each of
 * which started after the previous one's answer was sent. Requests that overlap in time (sent
 * concurrently) are one round trip. With latency added to every answer, CPU time between requests
 * cannot be mistaken for a round trip, and concurrency cannot hide one.
 */
export function sequentialRoundTrips(requests: readonly Pick<LoggedRequest, 'startMs' | 'endMs'>[]): number {
  const sorted = [...requests].sort((a, b) => a.startMs - b.startMs);
  const depth: number[] = [];
  let longest = 0;
  for (let i = 0; i < sorted.length; i++) {
    let d = 1;
    for (let j = 0; j < i; j++) if (sorted[j]!.endMs <= sorted[i]!.startMs) d = Math.max(d, depth[j]! + 1);
    depth.push(d);
    longest = Math.max(longest, d);
  }
  return longest;
}
