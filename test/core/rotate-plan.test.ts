/**
 * `planRotation` over plain data: when a run rotates and when it only finishes an earlier rotation,
 * what each org needs before it, and which SAML applications it names as not protected.
 */
import { keyRing, planRotation, type KeyRing, type OrgRotationState } from '../../src/core/rotate.js';
import type { Auth0Client, SigningKeyInfo } from '../../src/core/ports.js';
import { SsoError } from '../../src/errors.js';
import { auth0Rules } from '../../src/idp/auth0/rules.js';
import { amplitudeProfile } from '../../src/sp/amplitude/profile.js';

const key = (n: number) => ({ kid: `k${n}`, sha256: `SHA${n}`, pem: '' });
/** K1 previous, K2 current, K3 next: the state right after a rotation from K1. */
const ring: KeyRing = { current: key(2), next: key(3), previous: [key(1)], count: 3 };
const client = { clientId: 'c', name: 'app' };
const endpoint = (orgId: string, certificates: string[]): OrgRotationState => ({
  orgId,
  delivery: 'endpoint',
  target: `https://sp/${orgId}`,
  client,
  trust: { kind: 'endpoint', enabled: true, idpEntityId: 'urn:x', ssoUrl: 'https://x', certificates },
});

describe('planRotation', () => {
  it('rotates when every endpoint SP trusts the current and the next key (or lacks only the next one)', () => {
    const plan = planRotation(ring, [endpoint('1', ['SHA2', 'SHA3']), endpoint('2', ['SHA2'])], [], auth0Rules, amplitudeProfile);
    expect(plan.mode).toBe('rotate');
    expect(plan.orgs.map((o) => o.before)).toEqual(['ready', 'push-next']);
  });

  it('finishes, without rotating, when an SP still trusts a previous key and not the next one', () => {
    const plan = planRotation(ring, [endpoint('1', ['SHA2', 'SHA3']), endpoint('2', ['SHA1', 'SHA2'])], [], auth0Rules, amplitudeProfile);
    expect(plan.mode).toBe('finish');
    expect(plan.orgs.map((o) => o.after)).toEqual(['none', 'push']);
  });

  it('finishes, without rotating, when an SP trusts a previous key and the next one but not the current one (the rotation pushed stale metadata)', () => {
    // After ROTATE_METADATA_STALE: apply sent the metadata Auth0 still served (the old key, now previous) and the new next key.
    const plan = planRotation(ring, [endpoint('1', ['SHA2', 'SHA3']), endpoint('2', ['SHA1', 'SHA3'])], [], auth0Rules, amplitudeProfile);
    expect(plan.mode).toBe('finish');
    expect(plan.orgs.map((o) => o.after)).toEqual(['none', 'push']);
  });

  it('a manual org is ready only when the upload of a file with the next key is confirmed', () => {
    const manual = (recorded?: string, confirmed?: string): OrgRotationState => ({
      orgId: 'm',
      delivery: 'manual',
      target: '/f.xml',
      client,
      trust: { kind: 'manual', ...(recorded ? { recordedCertificate: recorded } : {}), ...(confirmed ? { confirmedCertificate: confirmed, confirmedAt: 't' } : {}) },
    });
    const before = (o: OrgRotationState) => planRotation(ring, [o], [], auth0Rules, amplitudeProfile).orgs[0]!.before;
    expect([before(manual('SHA2', 'SHA2')), before(manual('SHA3')), before(manual('SHA3', 'SHA3')), before({ ...manual(), client: undefined } as OrgRotationState)]).toEqual([
      'hand-over',
      'awaiting-confirmation',
      'ready',
      'not-set-up',
    ]);
  });

  it('names SAML applications without the marker, and marked ones of orgs not configured', () => {
    const clients = [
      { client_id: 'a', name: 'ours', addons: { samlp: {} }, client_metadata: { sso_setup: 'amplitude:1' } },
      { client_id: 'b', name: 'wiki', addons: { samlp: {} } },
      { client_id: 'c', name: 'spa' },
      { client_id: 'd', name: 'other org', addons: { samlp: {} }, client_metadata: { sso_setup: 'amplitude:9' } },
    ] as Auth0Client[];
    const plan = planRotation(ring, [endpoint('1', ['SHA2', 'SHA3'])], clients, auth0Rules, amplitudeProfile);
    expect(plan.unmanaged).toEqual([{ clientId: 'b', name: 'wiki' }]);
    expect(plan.otherSetups).toEqual([{ clientId: 'd', name: 'other org', marker: 'amplitude:9' }]);
  });
});

describe('keyRing', () => {
  const listed = (kid: string, role: 'current' | 'next' | 'previous', cert = 'not a certificate'): SigningKeyInfo => ({
    kid,
    cert,
    current: role === 'current',
    next: role === 'next',
    previous: role === 'previous',
    revoked: false,
  });
  const refusal = (keys: SigningKeyInfo[]): SsoError => {
    try {
      keyRing(keys);
    } catch (error) {
      if (error instanceof SsoError) return error;
      throw error;
    }
    throw new Error('keyRing accepted the keys');
  };

  // Auth0 (and so the sandbox) always lists a current and a next key with readable certificates; these are the refusals if it ever does not.
  it('refuses a listing without a current or a next key, saying nothing was changed', () => {
    const noNext = refusal([listed('k1', 'previous'), listed('k2', 'current')]);
    expect([noNext.code, noNext.message, noNext.hint]).toEqual(['ROTATE_KEYS_UNREADABLE', 'Auth0 lists no next signing key for the tenant', 'Check Dashboard > Settings > Signing Keys; nothing was changed.']);
    expect(refusal([{ ...listed('k2', 'current'), revoked: true }, listed('k3', 'next')]).message).toBe('Auth0 lists no current signing key for the tenant');
  });

  it('refuses a key whose certificate cannot be read, naming the key', () => {
    const err = refusal([listed('k2', 'current'), listed('k3', 'next')]);
    expect(err.code).toBe('ROTATE_KEYS_UNREADABLE');
    expect(err.message).toMatch(/^Auth0's signing key k2 has a certificate sso-setup cannot read \(.+\)$/);
    expect(err.hint).toContain('nothing was changed');
  });
});
