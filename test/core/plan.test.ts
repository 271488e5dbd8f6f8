import { resolveConfig } from '../../src/config/resolve.js';
import { desiredClient, planIdp, planSp, type MetadataSummary } from '../../src/core/plan.js';
import type { Auth0Client } from '../../src/core/ports.js';
import { auth0Rules } from '../../src/idp/auth0/rules.js';
import { amplitudeProfile } from '../../src/sp/amplitude/profile.js';

const config = resolveConfig({
  env: { AUTH0_DOMAIN: 'acme.us.auth0.com', AUTH0_CLIENT_ID: 'cid', AUTH0_CLIENT_SECRET: 'secret-123456', AMPLITUDE_ORG_ID: '42' },
  flags: {},
}).config!;
const desired = desiredClient(config, auth0Rules, amplitudeProfile);

function converged(): Auth0Client {
  return {
    client_id: 'C1',
    name: desired.name,
    app_type: 'regular_web',
    callbacks: [...desired.callbacks],
    addons: { samlp: { ...desired.samlp }, wsfed: {} },
    client_metadata: { sso_setup: 'amplitude:42', owner: 'team-x' },
  };
}

describe('planIdp', () => {
  it('creates a marked regular web application with the whole SAML addon', () => {
    const plan = planIdp(desired, undefined);
    expect(plan.action).toBe('create');
    if (plan.action !== 'create') return;
    expect(plan.body).toMatchObject({
      name: 'Amplitude SSO',
      app_type: 'regular_web',
      callbacks: ['https://amplitude.com/saml/2/acs/42'],
      client_metadata: { sso_setup: 'amplitude:42' },
    });
    expect(plan.body.addons!.samlp).toEqual(desired.samlp);
  });

  it('changes nothing on a converged client', () => {
    expect(planIdp(desired, converged())).toEqual({ action: 'none', clientId: 'C1', changes: [] });
  });

  it('repairs a drifted callback and audience, sending the whole samlp merged with keys it does not manage', () => {
    const actual = converged();
    actual.callbacks = ['https://evil.example/acs'];
    actual.addons!.samlp = { ...actual.addons!.samlp, audience: 'urn:wrong', logout: { callback: 'https://x', slo_enabled: true } };
    const plan = planIdp(desired, actual);
    expect(plan.action).toBe('update');
    if (plan.action !== 'update') return;
    expect(plan.changes.map((c) => c.field)).toEqual(['callbacks', 'addons.samlp.audience']);
    expect(plan.patch.callbacks).toEqual(['https://amplitude.com/saml/2/acs/42']);
    // Auth0 replaces samlp whole: the person's `logout` must be in what we send.
    expect(plan.patch.addons!.samlp).toMatchObject({ audience: desired.samlp.audience, logout: { callback: 'https://x', slo_enabled: true } });
    // Other addons and fields are not sent at all.
    expect(Object.keys(plan.patch.addons!)).toEqual(['samlp']);
    expect(plan.patch).not.toHaveProperty('client_metadata');
    expect(plan.patch).not.toHaveProperty('name');
  });

  it('re-enables a removed SAML addon', () => {
    const actual = converged();
    delete actual.addons!.samlp;
    const plan = planIdp(desired, actual);
    expect(plan.action).toBe('update');
    expect(plan.changes[0]).toMatchObject({ field: 'addons.samlp', before: undefined });
  });
});

describe('planSp', () => {
  const metadata: MetadataSummary = { entityId: 'urn:acme.us.auth0.com', ssoUrl: 'https://acme.us.auth0.com/samlp/C1', certificates: ['AA:BB'] };

  it('uploads to an SP without SSO, and not again once it holds the same certificate', () => {
    expect(planSp({ kind: 'endpoint', enabled: false }, metadata).action).toBe('upload');
    const same = { kind: 'endpoint' as const, enabled: true as const, idpEntityId: metadata.entityId, ssoUrl: metadata.ssoUrl, certificates: ['AA:BB'] };
    expect(planSp(same, metadata)).toEqual({ delivery: 'endpoint', action: 'none', changes: [] });
    const rotated = planSp({ ...same, certificates: ['CC:DD'] }, metadata);
    expect(rotated.action).toBe('upload');
    expect(rotated.changes).toEqual([{ field: 'certificates', before: ['CC:DD'], after: ['AA:BB'] }]);
  });

  it('is pending while the application does not exist', () => {
    expect(planSp({ kind: 'endpoint', enabled: false }, undefined).action).toBe('pending');
  });

  it('hands over again for manual delivery when the certificate or the file differs', () => {
    const recorded = { kind: 'manual' as const, recordedCertificate: 'AA:BB' };
    expect(planSp(recorded, metadata, { file: '/tmp/m.xml', fileMatches: true }).action).toBe('none');
    expect(planSp(recorded, metadata, { file: '/tmp/m.xml', fileMatches: false }).action).toBe('handover');
    expect(planSp({ kind: 'manual' }, metadata, { file: '/tmp/m.xml', fileMatches: true }).changes[0]).toMatchObject({ field: 'certificate', after: 'AA:BB' });
  });
});
