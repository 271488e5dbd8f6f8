/**
 * `planRotation` over plain data: when a run rotates and when it only finishes an earlier rotation,
 * what each org needs before it, and which SAML applications it names as not protected.
 */
import { planRotation, type KeyRing, type OrgRotationState } from '../../src/core/rotate.js';
import type { Auth0Client } from '../../src/core/ports.js';
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
