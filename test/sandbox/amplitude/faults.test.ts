import { request } from 'node:http';
import { connect } from 'node:net';
import { startAmplitudeEmulator } from '../../../src/sandbox/amplitude/index.js';
import type { AmplitudeEmulator } from '../../../src/sandbox/types.js';

describe('Amplitude emulator: fault injection and shutdown', () => {
  let amp: AmplitudeEmulator;
  const get = () => fetch(amp.ssoEndpoint, { headers: { authorization: `Bearer ${amp.ssoToken}` } });

  beforeEach(async () => {
    amp = await startAmplitudeEmulator();
  });
  afterEach(async () => {
    await amp.close();
  });

  it('answers a burst of 429s with Retry-After in seconds, then recovers', async () => {
    amp.faults.set({ burst429: 2, burst429ResetSeconds: 3 });
    for (let i = 0; i < 2; i++) {
      const r = await get();
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe('3');
      expect(await r.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    }
    expect((await get()).status).toBe(200);
    expect(amp.faults.injected.rateLimited).toBe(2);
  });

  it('answers 503 and drops connections when told to', async () => {
    amp.faults.set({ next5xx: 1, nextDrop: 1 });
    await expect(get()).rejects.toThrow(); // the drop comes first
    const r = await get();
    expect(r.status).toBe(503);
    expect(await r.json()).toMatchObject({ error: { code: 'SERVICE_UNAVAILABLE' } });
    expect((await get()).status).toBe(200);
    expect(amp.faults.injected).toMatchObject({ drop: 1, serverError: 1 });
  });

  it('adds latency, and limits faults to the paths asked for', async () => {
    amp.faults.set({ latencyMs: 150, next5xx: 5, paths: ['/saml/2/acs/'] });
    const started = performance.now();
    const r = await get();
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(r.status).toBe(200);
    const acs = await fetch(amp.acsUrl, { method: 'POST', headers: { accept: 'application/json' } });
    expect(acs.status).toBe(503);
  });

  it('takes faults from its start options', async () => {
    const faulty = await startAmplitudeEmulator({ faults: { next5xx: 1 } });
    try {
      expect((await fetch(faulty.ssoEndpoint)).status).toBe(503);
      expect((await fetch(faulty.ssoEndpoint)).status).toBe(401);
    } finally {
      await faulty.close();
    }
  });

  it('closes promptly with a half-sent request and an idle keep-alive connection open', async () => {
    const other = await startAmplitudeEmulator();
    const { port } = other;
    await new Promise<void>((resolve, reject) => {
      const req = request(other.entityId, { headers: { connection: 'keep-alive' } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
    // A client that stopped mid-request: server.close() alone would wait for it.
    const stalled = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => stalled.once('connect', resolve));
    stalled.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const stalledClosed = new Promise<void>((resolve) => stalled.once('close', () => resolve()));
    await new Promise((r) => setTimeout(r, 50));

    const started = performance.now();
    await other.close();
    await stalledClosed;
    expect(performance.now() - started).toBeLessThan(1000);
    await expect(fetch(other.entityId)).rejects.toThrow();
  });
});
