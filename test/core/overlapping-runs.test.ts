import {
  configFingerprint,
  formatOrigin,
  judgeMarked,
  ORIGIN_KEY,
  parseOrigin,
  RACE_WINDOW_MS,
  rankMarked,
} from '../../src/core/overlapping-runs.js';
import type { Auth0Client } from '../../src/core/ports.js';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const CONFIG = 'aaaaaaaaaaaaaaaa';

function app(id: string, origin?: { at: number; config?: string; run?: string } | string): Auth0Client {
  const value =
    origin === undefined
      ? undefined
      : typeof origin === 'string'
        ? origin
        : formatOrigin({ createdAt: new Date(origin.at).toISOString(), config: origin.config ?? CONFIG, run: origin.run ?? `${id.toLowerCase().padEnd(16, '0').slice(0, 16)}` });
  return { client_id: id, name: 'Amplitude SSO', client_metadata: { sso_setup: 'amplitude:42', ...(value ? { [ORIGIN_KEY]: value } : {}) } };
}

describe('origin records', () => {
  it('round-trip, stay far inside Auth0 limits, and refuse anything else', () => {
    const text = formatOrigin({ createdAt: '2026-12-01T10:00:00.123Z', config: CONFIG, run: '0123456789abcdef' });
    expect(text.length).toBeLessThan(80);
    expect(parseOrigin(text)).toEqual({ createdAt: '2026-12-01T10:00:00.123Z', createdAtMs: T0 + 123, config: CONFIG, run: '0123456789abcdef' });
    for (const bad of [undefined, 5, '', 'v2 2026-12-01T10:00:00.123Z aaaaaaaaaaaaaaaa 0123456789abcdef', `${text} `, text.replace('T10', 'T99'), text.toUpperCase()]) {
      expect(parseOrigin(bad)).toBeUndefined();
    }
  });

  it('the configuration fingerprint ignores key order and metadata, and sees any other change', () => {
    const body = { name: 'A', callbacks: ['https://x/acs'], addons: { samlp: { audience: 'x', lifetimeInSeconds: 3600 } } };
    const same = { addons: { samlp: { lifetimeInSeconds: 3600, audience: 'x' } }, callbacks: ['https://x/acs'], name: 'A', client_metadata: { sso_setup: 'y' } };
    expect(configFingerprint(same)).toBe(configFingerprint(body));
    expect(configFingerprint(body)).toMatch(/^[0-9a-f]{16}$/);
    expect(configFingerprint({ ...body, name: 'B' })).not.toBe(configFingerprint(body));
    expect(configFingerprint({ ...body, addons: { samlp: { audience: 'x', lifetimeInSeconds: 60 } } })).not.toBe(configFingerprint(body));
  });
});

describe('which marked application is kept', () => {
  it('ranks hand-made (no origin) first, then the earliest origin, then the smaller client ID', () => {
    const ranked = rankMarked([app('B', { at: T0 + 5 }), app('Z', { at: T0 }), app('A', { at: T0 + 5 }), app('H')]);
    expect(ranked.map((c) => c.client_id)).toEqual(['H', 'Z', 'A', 'B']);
  });

  it('every observer that sees the same applications keeps the same one, whatever the order of the listing', () => {
    const apps = [app('C', { at: T0 + 40 }), app('A', { at: T0 + 10 }), app('B', { at: T0 + 10 }), app('D', { at: T0 + 30 })];
    const orders = [apps, [...apps].reverse(), [apps[2]!, apps[0]!, apps[3]!, apps[1]!]];
    for (const order of orders) expect(rankMarked(order)[0]?.client_id).toBe('A');
    // A racer that listed only some of them agrees whenever the kept one is among them.
    expect(rankMarked([apps[3]!, apps[1]!])[0]?.client_id).toBe('A');
    expect(rankMarked([apps[0]!, apps[3]!])[0]?.client_id).toBe('D');
  });

  it('proves a race only for sso-setup applications of one configuration created close together', () => {
    expect(judgeMarked([])).toEqual({ kind: 'none' });
    expect(judgeMarked([app('A')])).toMatchObject({ kind: 'one' });

    const race = judgeMarked([app('B', { at: T0 + 900 }), app('A', { at: T0 })]);
    expect(race).toMatchObject({ kind: 'race', winner: { client_id: 'A' }, duplicates: [{ client_id: 'B' }] });

    expect(judgeMarked([app('A', { at: T0 }), app('B', { at: T0 + RACE_WINDOW_MS })])).toMatchObject({ kind: 'race' });
    expect(judgeMarked([app('A', { at: T0 }), app('B', { at: T0 + RACE_WINDOW_MS + 1 })])).toMatchObject({
      kind: 'ambiguous',
      reason: expect.stringMatching(/10 minutes apart/),
    });
    expect(judgeMarked([app('A', { at: T0 }), app('B')])).toMatchObject({ kind: 'ambiguous', reason: expect.stringMatching(/^B was not created by sso-setup/) });
    expect(judgeMarked([app('A', { at: T0 }), app('B', 'v1 garbage')])).toMatchObject({ kind: 'ambiguous' });
    expect(judgeMarked([app('A', { at: T0 }), app('B', { at: T0 + 1, config: 'bbbbbbbbbbbbbbbb' })])).toMatchObject({
      kind: 'ambiguous',
      reason: 'they were created from different configurations',
    });
  });
});
