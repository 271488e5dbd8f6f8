import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeSharedDispatcher } from '../../src/http/agent.js';
import { createHttpClient, describeFailure, HttpTimeoutError, RateLimitedError, rateLimitWaitMs, type RetryNotice } from '../../src/http/client.js';

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

let server: Server;
let base: string;
let handler: Handler;
let hits = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    req.resume();
    req.on('end', () => handler(req, res, hits));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await closeSharedDispatcher();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  hits = 0;
});

function client(extra: Parameters<typeof createHttpClient>[0] = {}) {
  const notices: RetryNotice[] = [];
  const waits: number[] = [];
  const http = createHttpClient({
    maxAttempts: 4,
    sleep: async (ms) => void waits.push(ms),
    onRetry: (n) => notices.push(n),
    ...extra,
  });
  return { http, notices, waits };
}

describe('createHttpClient', () => {
  it('waits for Retry-After on a 429 and then succeeds', async () => {
    handler = (_req, res, n) => (n < 3 ? res.writeHead(429, { 'retry-after': '2' }).end('{}') : res.writeHead(200).end('ok'));
    const { http, notices, waits } = client();
    const r = await http(`${base}/x`);
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('ok');
    expect(hits).toBe(3);
    expect(waits).toEqual([2000, 2000]);
    expect(notices[0]).toMatchObject({ kind: 'rate-limit', status: 429, reason: 'rate limited (429)', rateLimitWaitedMs: 2000 });
  });

  it("honours Auth0's x-ratelimit-reset (epoch seconds) when there is no Retry-After", () => {
    const now = 1_700_000_000_000;
    const headers = new Headers({ 'x-ratelimit-reset': String(now / 1000 + 3) });
    expect(rateLimitWaitMs(headers, now)).toBe(3100);
  });

  it('gives up at once, without waiting, when the wait asked for does not fit in the rate-limit budget', async () => {
    handler = (_req, res) => res.writeHead(429, { 'retry-after': '3600' }).end('{}');
    const { http, waits } = client({ rateLimitBudgetMs: 60_000 });
    const error = await http(`${base}/x`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ askedMs: 3_600_000, leftMs: 60_000, budgetMs: 60_000 });
    expect((error as RateLimitedError).explanation).toBe("asked to wait 3600 s, more than the 60 s left of the run's 60 s rate-limit budget");
    expect(hits).toBe(1);
    expect(waits).toEqual([]);
  });

  it('429s have their own time budget: a burst longer than the 5xx attempts is waited out', async () => {
    handler = (_req, res, n) => (n <= 6 ? res.writeHead(429, { 'retry-after': '1' }).end('{}') : res.writeHead(200).end('ok'));
    const { http, notices, waits } = client({ maxAttempts: 4 });
    const r = await http(`${base}/x`);
    expect(r.status).toBe(200);
    expect(hits).toBe(7);
    expect(waits).toEqual([1000, 1000, 1000, 1000, 1000, 1000]);
    expect(notices.map((n) => [n.kind, n.rateLimitWaitedMs])).toEqual([1, 2, 3, 4, 5, 6].map((i) => ['rate-limit', i * 1000]));
  });

  it('a 429 is retried even on a POST that creates something (it was not processed)', async () => {
    handler = (_req, res, n) => (n === 1 ? res.writeHead(429, { 'retry-after': '1' }).end('{}') : res.writeHead(201).end('{}'));
    const { http } = client();
    expect((await http(`${base}/api/v2/clients`, { method: 'POST', body: '{}' })).status).toBe(201);
    expect(hits).toBe(2);
  });

  it('the budget is shared by all requests of a client, and counts every wait', async () => {
    handler = (_req, res, n) => (n % 2 === 1 ? res.writeHead(429, { 'retry-after': '2' }).end('{}') : res.writeHead(200).end('ok'));
    const { http, waits } = client({ rateLimitBudgetMs: 5_000 });
    expect((await http(`${base}/a`)).status).toBe(200);
    expect((await http(`${base}/b`)).status).toBe(200);
    // 4 s used: the third wait of 2 s no longer fits.
    await expect(http(`${base}/c`)).rejects.toMatchObject({ name: 'RateLimitedError', askedMs: 2000, leftMs: 1000 });
    expect(waits).toEqual([2000, 2000]);
  });

  it('a 429 that names no wait backs off; one that asks for none still waits a little', async () => {
    handler = (_req, res, n) => (n === 1 ? res.writeHead(429).end('{}') : n === 2 ? res.writeHead(429, { 'retry-after': '0' }).end('{}') : res.writeHead(200).end());
    const { http, waits } = client();
    expect((await http(`${base}/x`)).status).toBe(200);
    expect(waits[0]).toBeGreaterThanOrEqual(800);
    expect(waits[0]).toBeLessThanOrEqual(1200);
    expect(waits[1]).toBe(500);
  });

  it('retries 5xx on reads, with bounded attempts', async () => {
    handler = (_req, res) => res.writeHead(503).end();
    const { http, waits } = client();
    expect((await http(`${base}/x`)).status).toBe(503);
    expect(hits).toBe(4);
    expect(waits).toHaveLength(3);
    expect(waits.every((w) => w > 0 && w <= 10_000)).toBe(true);
  });

  it('does not repeat a POST that may have created something, but does repeat a token request', async () => {
    handler = (_req, res) => res.writeHead(500).end();
    const { http } = client();
    expect((await http(`${base}/api/v2/clients`, { method: 'POST', body: '{}' })).status).toBe(500);
    expect(hits).toBe(1);
    hits = 0;
    handler = (_req, res, n) => (n === 1 ? res.writeHead(502).end() : res.writeHead(200).end('{}'));
    expect((await http(`${base}/oauth/token`, { method: 'POST', body: 'a=b' })).status).toBe(200);
    expect(hits).toBe(2);
  });

  it('retries a dropped connection on a read', async () => {
    handler = (req, res, n) => (n === 1 ? req.socket.destroy() : res.writeHead(200).end('ok'));
    const { http, notices } = client();
    expect((await http(`${base}/x`)).status).toBe(200);
    expect(notices[0]!.reason).toMatch(/connection dropped|other side closed|socket/i);
  });

  it('times out each attempt and reports a timeout after the last', async () => {
    handler = () => undefined; // never answers
    const { http, notices } = client({ timeoutMs: 150, maxAttempts: 2 });
    await expect(http(`${base}/slow`)).rejects.toBeInstanceOf(HttpTimeoutError);
    expect(notices).toHaveLength(1);
    expect(notices[0]!.reason).toBe('timed out after 150 ms');
  });

  it('does not retry a certificate it cannot trust, and says so', async () => {
    // A real TLS server whose certificate no CA of this process vouches for.
    const { createServer: createTlsServer } = await import('node:https');
    const { issueSelfSigned } = await import('../../src/sandbox/x509.js');
    const now = new Date();
    const cert = issueSelfSigned({ commonName: 'localhost', notBefore: now, notAfter: new Date(now.getTime() + 86_400_000), keyType: 'ec' });
    const tls = createTlsServer({ cert: cert.certPem, key: cert.privateKeyPem }, (_req, res) => res.end('ok'));
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    try {
      const { http, notices } = client();
      const error = await http(`https://127.0.0.1:${(tls.address() as AddressInfo).port}/`).catch((e: unknown) => e);
      expect(notices).toEqual([]);
      expect(describeFailure(error)).toMatch(/^its TLS certificate is not trusted \(/);
    } finally {
      tls.closeAllConnections();
      await new Promise((r) => tls.close(r));
    }
  });

  it('retries even a POST when the connection was refused (it never reached a server)', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const { http, notices } = client({ maxAttempts: 3 });
    await expect(http(`http://127.0.0.1:${port}/api/v2/clients`, { method: 'POST', body: '{}' })).rejects.toThrow();
    expect(notices.map((n) => n.reason)).toEqual(['connection refused', 'connection refused']);
  });

  it('fails at once on a host name that does not exist (DNS ENOTFOUND), but retries a resolver that cannot answer now (EAI_AGAIN)', async () => {
    // Errors shaped as undici's fetch reports a failed lookup: the cause carries getaddrinfo's code.
    const lookupFailure = (code: string) => new TypeError('fetch failed', { cause: Object.assign(new Error(`getaddrinfo ${code} acme.us.auth0.invalid`), { code }) });
    for (const [code, attempts] of [['ENOTFOUND', 1], ['EAI_AGAIN', 4]] as const) {
      let calls = 0;
      const { http, notices } = client({
        fetchImpl: async () => {
          calls++;
          throw lookupFailure(code);
        },
      });
      await expect(http('https://acme.us.auth0.invalid/oauth/token', { method: 'POST', body: 'a=b' })).rejects.toThrow('fetch failed');
      expect([code, calls, notices.length]).toEqual([code, attempts, attempts - 1]);
    }
  });

  it('never follows redirects on its own', async () => {
    handler = (_req, res) => res.writeHead(302, { location: 'http://evil.example/' }).end();
    const { http } = client();
    const r = await http(`${base}/x`);
    expect(r.status).toBe(302);
    expect(hits).toBe(1);
  });
});
