/**
 * Fault injection for a sandbox server, so tests and benchmarks can exercise the CLI's timeouts,
 * retries and re-runs: added latency, a burst of 429s, a rate (or a count) of 5xx answers, and
 * dropped connections. Counts (`next…`) are deterministic and meant for tests; rates are for
 * benchmarks and use a seeded generator (`--fault-seed`) so a run can be repeated; `nextStale` is a
 * cache in front of the server that answers with what it kept. Faults can be
 * replaced while the server runs: in process with `set`, from outside with the admin route
 * (./admin.ts).
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

export interface FaultOptions {
  /** Added to every response, in milliseconds. */
  latencyMs?: number;
  /** The next N matching requests answer 429 (with the server's own 429 body and headers). */
  burst429?: number;
  /** Seconds the 429s above ask the client to wait (via the server's rate-limit headers). */
  burst429ResetSeconds?: number;
  /** The next N matching requests answer 503. */
  next5xx?: number;
  /** Fraction (0..1) of matching requests answered 503. */
  errorRate?: number;
  /** The next N matching requests have their connection destroyed without an answer. */
  nextDrop?: number;
  /** Fraction (0..1) of matching requests dropped. */
  dropRate?: number;
  /**
   * The next N matching requests are carried out, but their answer is lost (the connection is
   * dropped instead): a create that landed although the client saw a failure.
   */
  nextLost?: number;
  /**
   * A cache in front of the server (a CDN): the first matching request for a URL after this is set is
   * answered as usual and its answer kept; the next N matching requests for that URL get the kept answer,
   * whatever changed since (as Auth0 may serve its metadata of before a key rotation for a moment).
   */
  nextStale?: number;
  /** Only requests whose path starts with one of these are affected (default: all). */
  paths?: string[];
  /** Only these methods are affected (default: all). */
  methods?: string[];
  /** Seed for the rate-based faults. */
  seed?: number;
}

export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'drop' }
  | { kind: 'lost' }
  | { kind: 'rate-limited'; resetSeconds: number }
  | { kind: 'server-error' }
  /** Serve as usual, and hand the answer to `keep` (see `keepAnswer`). */
  | { kind: 'keep'; keep: (answer: KeptAnswer) => void }
  /** Answer with what was kept (see `replayAnswer`). */
  | { kind: 'stale'; answer: KeptAnswer };

/** An answer as a cache keeps it. */
export interface KeptAnswer {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

export const DEFAULT_FAULT_SEED = 1;

export class Faults {
  #opts: FaultOptions = {};
  #random: () => number = mulberry32(DEFAULT_FAULT_SEED);
  readonly #defaultSeed: number;
  /** Counts of injected faults, for tests to assert that a fault really happened. */
  readonly injected = { drop: 0, rateLimited: 0, serverError: 0, lost: 0, stale: 0 };
  /** The answers `nextStale` kept, by method and URL; a new setting starts with none. */
  readonly #kept = new Map<string, KeptAnswer>();

  /** `defaultSeed` seeds the rate-based faults of every `set` that names no seed of its own. */
  constructor(opts: FaultOptions = {}, defaultSeed = DEFAULT_FAULT_SEED) {
    this.#defaultSeed = defaultSeed;
    this.set(opts);
  }

  /** Replaces the fault settings (counts restart, the generator is seeded again). */
  set(opts: FaultOptions): void {
    this.#opts = { ...opts, seed: opts.seed ?? this.#defaultSeed };
    this.#random = mulberry32(this.#opts.seed!);
    this.#kept.clear();
  }

  /** Adds to the current settings. */
  update(opts: Partial<FaultOptions>): void {
    this.#opts = { ...this.#opts, ...opts };
  }

  clear(): void {
    this.set({});
  }

  get options(): Readonly<FaultOptions> {
    return this.#opts;
  }

  /** Waits out the configured latency, then decides what this request gets. */
  async decide(req: IncomingMessage): Promise<FaultDecision> {
    const o = this.#opts;
    if (o.latencyMs && o.latencyMs > 0) await new Promise((r) => setTimeout(r, o.latencyMs));
    if (!this.#matches(req)) return { kind: 'none' };
    if (o.nextDrop && o.nextDrop > 0) {
      o.nextDrop--;
      this.injected.drop++;
      return { kind: 'drop' };
    }
    if (o.nextLost && o.nextLost > 0) {
      o.nextLost--;
      this.injected.lost++;
      return { kind: 'lost' };
    }
    if (o.burst429 && o.burst429 > 0) {
      o.burst429--;
      this.injected.rateLimited++;
      return { kind: 'rate-limited', resetSeconds: o.burst429ResetSeconds ?? 1 };
    }
    if (o.next5xx && o.next5xx > 0) {
      o.next5xx--;
      this.injected.serverError++;
      return { kind: 'server-error' };
    }
    if (o.nextStale && o.nextStale > 0) {
      const key = `${req.method ?? 'GET'} ${req.url ?? '/'}`;
      const kept = this.#kept.get(key);
      if (!kept) return { kind: 'keep', keep: (answer) => this.#kept.set(key, answer) };
      o.nextStale--;
      this.injected.stale++;
      return { kind: 'stale', answer: kept };
    }
    if (o.dropRate && this.#random() < o.dropRate) {
      this.injected.drop++;
      return { kind: 'drop' };
    }
    if (o.errorRate && this.#random() < o.errorRate) {
      this.injected.serverError++;
      return { kind: 'server-error' };
    }
    return { kind: 'none' };
  }

  #matches(req: IncomingMessage): boolean {
    const o = this.#opts;
    const path = (req.url ?? '/').split('?')[0]!;
    if (o.paths && !o.paths.some((p) => path.startsWith(p))) return false;
    if (o.methods && !o.methods.includes(req.method ?? 'GET')) return false;
    return true;
  }
}

/** Lets the request be handled, but destroys the connection instead of sending the answer. */
export function loseAnswer(res: ServerResponse): void {
  const drop = () => {
    res.socket?.destroy();
    return res;
  };
  res.writeHead = drop as unknown as ServerResponse['writeHead'];
  res.end = drop as unknown as ServerResponse['end'];
}

/** Lets the request be handled as usual, and hands `keep` its answer once it is complete. */
export function keepAnswer(res: ServerResponse, keep: (answer: KeptAnswer) => void): void {
  const writeHead = res.writeHead.bind(res) as (status: number, ...rest: unknown[]) => ServerResponse;
  const write = res.write.bind(res) as (chunk: unknown, ...rest: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  let headers: OutgoingHttpHeaders = {};
  const chunks: Buffer[] = [];
  const add = (chunk: unknown) => {
    if (typeof chunk === 'string') chunks.push(Buffer.from(chunk));
    else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
  };
  // Headers given to writeHead are not in getHeaders(): take them from its arguments.
  res.writeHead = ((status: number, ...rest: unknown[]) => {
    const given = rest.find((r): r is OutgoingHttpHeaders => typeof r === 'object' && r !== null && !Array.isArray(r));
    headers = { ...res.getHeaders(), ...given };
    return writeHead(status, ...rest);
  }) as unknown as ServerResponse['writeHead'];
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    add(chunk);
    return write(chunk, ...rest);
  }) as unknown as ServerResponse['write'];
  res.end = ((...args: unknown[]) => {
    if (typeof args[0] !== 'function') add(args[0]);
    const out = end(...args);
    keep({ status: res.statusCode, headers: Object.keys(headers).length ? headers : res.getHeaders(), body: Buffer.concat(chunks) });
    return out;
  }) as unknown as ServerResponse['end'];
}

/** Answers with a kept answer, as a cache does. */
export function replayAnswer(res: ServerResponse, answer: KeptAnswer): void {
  res.writeHead(answer.status, answer.headers);
  res.end(answer.body);
}

/** Destroys the socket without an HTTP answer, as a dropped connection looks to a client. */
export function dropConnection(res: ServerResponse): void {
  res.socket?.destroy();
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Parses the fault syntax of `--auth0-faults`, `--amplitude-faults` and the admin route:
 * `latency=50,429=3,reset=2,5xx=0.1,drop=0.05,lost=1,method=POST|PUT,path=/api/v2/clients`. `429`,
 * `5xx` and `drop` take a count (the next N requests) or, below 1, a rate; `reset` is how many
 * seconds the 429s ask to wait; `lost=N`: the next N requests are carried out but answered with a
 * dropped connection; `stale=N`: the first matching request for a URL is answered and its answer kept, the
 * next N for that URL get the kept one (a cache); `method` and `path` (a prefix) limit which requests are affected. An empty
 * spec means no faults.
 */
export function parseFaultSpec(spec: string): FaultOptions {
  const out: FaultOptions = {};
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const raw = eq < 0 ? undefined : part.slice(eq + 1);
    if (raw === undefined || raw === '') throw new Error(`bad fault '${part}': expected name=value`);
    if (key === 'method') {
      const methods = raw.split('|').map((m) => m.toUpperCase());
      const bad = methods.find((m) => !HTTP_METHODS.has(m));
      if (bad !== undefined) throw new Error(`bad fault '${part}': ${JSON.stringify(bad)} is not an HTTP method`);
      out.methods = methods;
      continue;
    }
    if (key === 'path') {
      const paths = raw.split('|');
      const bad = paths.find((p) => !p.startsWith('/'));
      if (bad !== undefined) throw new Error(`bad fault '${part}': a path starts with /`);
      out.paths = paths;
      continue;
    }
    const value = Number(raw);
    if (!/^\d+(\.\d+)?$/.test(raw) || !Number.isFinite(value)) throw new Error(`bad fault '${part}': expected name=number`);
    switch (key) {
      case 'latency':
        out.latencyMs = value;
        break;
      case '429':
        out.burst429 = Math.floor(value);
        break;
      case 'reset':
        out.burst429ResetSeconds = value;
        break;
      case '5xx':
        if (value < 1) out.errorRate = value;
        else out.next5xx = Math.floor(value);
        break;
      case 'drop':
        if (value < 1) out.dropRate = value;
        else out.nextDrop = Math.floor(value);
        break;
      case 'lost':
        out.nextLost = Math.floor(value);
        break;
      case 'stale':
        out.nextStale = Math.floor(value);
        break;
      default:
        throw new Error(`unknown fault '${key}': use latency, 429, reset, 5xx, drop, lost, stale, method or path`);
    }
  }
  return out;
}
