/**
 * The sandbox's fault control: the admin route on both emulators (auth, strict input, set and clear
 * while serving, answered before the faults it controls) and the fault seed.
 */
import { networkInterfaces } from 'node:os';
import { ADMIN_FAULTS_PATH, isLoopbackAddress } from '../../src/sandbox/admin.js';
import { parseFaultSpec } from '../../src/sandbox/faults.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { readFaults, setFaults, useSandbox } from '../helpers/sandbox.js';

const sandbox = useSandbox();
afterEach(async () => {
  const sb = sandbox();
  await setFaults(sb.auth0.baseUrl, sb.adminToken, '');
  await setFaults(sb.amplitude.baseUrl, sb.adminToken, '');
});

function admin(sb: Sandbox, which: 'auth0' | 'amplitude', init: RequestInit & { token?: string | null } = {}) {
  const { token, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (token !== null) headers.set('authorization', `Bearer ${token ?? sb.adminToken}`);
  return fetch(`${sb[which].baseUrl}${ADMIN_FAULTS_PATH}`, { ...rest, headers });
}

const settingsRead = (sb: Sandbox) => fetch(sb.amplitude.ssoEndpoint, { headers: { authorization: `Bearer ${sb.amplitude.ssoToken}` } });

describe('sandbox admin route: /__sandbox/faults', () => {
  it('refuses a request without the admin token, or with another secret of the sandbox', async () => {
    const sb = sandbox();
    for (const which of ['auth0', 'amplitude'] as const) {
      const none = await admin(sb, which, { token: null });
      expect(none.status).toBe(401);
      expect(await none.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
      expect((await admin(sb, which, { token: sb.amplitude.ssoToken })).status).toBe(401);
      expect((await admin(sb, which, { token: `${sb.adminToken}x` })).status).toBe(401);
      const post = await admin(sb, which, { token: 'nope', method: 'POST', body: JSON.stringify({ faults: '5xx=100' }) });
      expect(post.status).toBe(401);
    }
    // Nothing was changed by the refused requests.
    expect((await settingsRead(sb)).status).toBe(200);
    expect((await readFaults(sb.amplitude.baseUrl, sb.adminToken)).faults).toEqual({ seed: 1 });
  });

  it('refuses bad input with a 400 that says what is wrong, and changes nothing', async () => {
    const sb = sandbox();
    const cases: [string, RegExp][] = [
      ['{', /not JSON/],
      ['[]', /JSON object/],
      ['"429=3"', /JSON object/],
      [JSON.stringify({ faults: '429=3', extra: 1 }), /unknown field\(s\) "extra"/],
      [JSON.stringify({ faults: 5 }), /"faults" must be a string/],
      [JSON.stringify({ faults: 'explode=1' }), /unknown fault 'explode'/],
      [JSON.stringify({ faults: '429=-1' }), /expected name=number/],
      [JSON.stringify({ faults: 'method=FETCH' }), /not an HTTP method/],
      [JSON.stringify({ faults: 'path=api' }), /a path starts with \//],
      [JSON.stringify({ faults: '5xx=0.5', seed: -1 }), /"seed" must be a whole number/],
      [JSON.stringify({ faults: '5xx=0.5', seed: 1.5 }), /"seed" must be a whole number/],
    ];
    for (const [body, message] of cases) {
      const r = await admin(sb, 'auth0', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      expect(r.status).toBe(400);
      const json = (await r.json()) as { error: { code: string; message: string } };
      expect(json.error.code).toBe('BAD_REQUEST');
      expect(json.error.message).toMatch(message);
    }
    const tooBig = await admin(sb, 'amplitude', { method: 'POST', body: JSON.stringify({ faults: `latency=1,${'x'.repeat(20_000)}` }) });
    expect(tooBig.status).toBe(400);
    expect((await admin(sb, 'amplitude', { method: 'PUT', body: '{}' })).status).toBe(405);
    expect((await readFaults(sb.auth0.baseUrl, sb.adminToken)).faults).toEqual({ seed: 1 });
  });

  it('sets faults while the sandbox serves, reports what was injected, and clears them', async () => {
    const sb = sandbox();
    const view = await setFaults(sb.amplitude.baseUrl, sb.adminToken, '429=2,reset=3,method=GET,path=/api/2/orgs');
    expect(view.faults).toEqual({ burst429: 2, burst429ResetSeconds: 3, methods: ['GET'], paths: ['/api/2/orgs'], seed: 1 });
    const before = view.injected.rateLimited;
    for (let i = 0; i < 2; i++) {
      const r = await settingsRead(sb);
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe('3');
    }
    expect((await settingsRead(sb)).status).toBe(200);
    expect((await readFaults(sb.amplitude.baseUrl, sb.adminToken)).injected.rateLimited).toBe(before + 2);

    await setFaults(sb.amplitude.baseUrl, sb.adminToken, '5xx=100');
    expect((await settingsRead(sb)).status).toBe(503);
    expect((await setFaults(sb.amplitude.baseUrl, sb.adminToken, '')).faults).toEqual({ seed: 1 });
    expect((await settingsRead(sb)).status).toBe(200);
  });

  it('is answered before the faults and latency it controls, so a stuck sandbox can be cleared', async () => {
    const sb = sandbox();
    await setFaults(sb.auth0.baseUrl, sb.adminToken, 'drop=1000,latency=3000');
    await expect(fetch(`${sb.auth0.baseUrl}/api/v2/clients`)).rejects.toThrow();
    const started = performance.now();
    const view = await readFaults(sb.auth0.baseUrl, sb.adminToken);
    expect(performance.now() - started).toBeLessThan(2500);
    expect(view.faults).toMatchObject({ nextDrop: 999, latencyMs: 3000 });
    await setFaults(sb.auth0.baseUrl, sb.adminToken, '');
    expect((await fetch(`${sb.auth0.baseUrl}/api/v2/clients`)).status).toBe(401);
  });

  it('answers loopback clients only', async () => {
    expect(['127.0.0.1', '::1', '::ffff:127.0.0.1', '127.8.9.10'].every(isLoopbackAddress)).toBe(true);
    expect(['10.0.0.5', '::ffff:192.168.1.2', 'fe80::1', '', undefined].some(isLoopbackAddress)).toBe(false);
    // And for real, when this machine has an address other than loopback to reach it from.
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    if (!external) return;
    const open = await startSandbox({ host: '0.0.0.0' });
    try {
      const r = await fetch(`http://${external}:${open.auth0.port}${ADMIN_FAULTS_PATH}`, { headers: { authorization: `Bearer ${open.adminToken}` } });
      expect(r.status).toBe(403);
      expect((await fetch(`http://127.0.0.1:${open.auth0.port}${ADMIN_FAULTS_PATH}`, { headers: { authorization: `Bearer ${open.adminToken}` } })).status).toBe(200);
    } finally {
      await open.close();
    }
  });

  it('does not exist on an emulator started without an admin token', async () => {
    const { startAuth0Emulator } = await import('../../src/sandbox/auth0/index.js');
    const bare = await startAuth0Emulator();
    try {
      expect((await fetch(`${bare.baseUrl}${ADMIN_FAULTS_PATH}`)).status).toBe(404);
    } finally {
      await bare.close();
    }
  });
});

describe('fault seed', () => {
  /** Which of 40 requests an error rate of 0.5 answers with 503, after setting it through the admin route. */
  async function pattern(sb: Sandbox, seed?: number): Promise<string> {
    await setFaults(sb.amplitude.baseUrl, sb.adminToken, '5xx=0.5', seed);
    let out = '';
    for (let i = 0; i < 40; i++) out += (await settingsRead(sb)).status === 503 ? 'x' : '.';
    return out;
  }

  it('the same seed repeats the same faults; another seed gives others', async () => {
    const sb = sandbox();
    const one = await pattern(sb);
    const seven = await pattern(sb, 7);
    expect(seven).toMatch(/x/);
    expect(seven).toMatch(/\./);
    expect(seven).not.toBe(one);
    expect(await pattern(sb, 1)).toBe(one); // the default seed is 1

    // `--fault-seed 7` (startSandbox's faultSeed): every setting without a seed of its own uses it.
    const seeded = await startSandbox({ faultSeed: 7 });
    try {
      expect(await pattern(seeded)).toBe(seven);
      expect((await readFaults(seeded.auth0.baseUrl, seeded.adminToken)).faults).toEqual({ seed: 7 });
      expect(await pattern(seeded, 8)).not.toBe(seven);
    } finally {
      await seeded.close();
    }
  });

  it('stale=N is a cache in front of the emulator: the first answer for a URL is kept and served N times more, whatever changed', async () => {
    const sb = sandbox();
    const pem = async () => {
      const r = await fetch(`${sb.auth0.baseUrl}/pem`);
      return { status: r.status, type: r.headers.get('content-type'), body: await r.text() };
    };
    const stale = (await setFaults(sb.auth0.baseUrl, sb.adminToken, 'stale=1,path=/pem')).injected.stale;
    const kept = await pem();
    expect(kept.body).toContain('BEGIN CERTIFICATE');
    sb.auth0.tenant.rotateSigningKey();
    expect(await pem()).toEqual(kept);
    // Served once: then the server's own answer, the new current key.
    const fresh = await pem();
    expect(fresh.body).not.toBe(kept.body);
    expect(fresh.body.replace(/\r\n/g, '\n').trim()).toBe(sb.auth0.tenant.signingKeys().find((k) => k.current)!.cert.replace(/\r\n/g, '\n').trim());
    expect((await readFaults(sb.auth0.baseUrl, sb.adminToken)).injected.stale).toBe(stale + 1);
  });

  it('the fault syntax of the flags and the route', () => {
    expect(parseFaultSpec('latency=50,429=3,reset=2,5xx=0.1,drop=2,method=post|PUT,path=/api/v2/clients|/samlp')).toEqual({
      latencyMs: 50,
      burst429: 3,
      burst429ResetSeconds: 2,
      errorRate: 0.1,
      nextDrop: 2,
      methods: ['POST', 'PUT'],
      paths: ['/api/v2/clients', '/samlp'],
    });
    expect(parseFaultSpec('stale=2,path=/samlp/metadata/')).toEqual({ nextStale: 2, paths: ['/samlp/metadata/'] });
    expect(parseFaultSpec('')).toEqual({});
    expect(() => parseFaultSpec('429')).toThrow(/expected name=value/);
    expect(() => parseFaultSpec('5xx=1e3')).toThrow(/expected name=number/);
  });
});
