/**
 * Connections as pure planning (apply) and judging (verify): exactly the configured ones, nothing
 * planned when none are configured, and verify's verdicts for an application no connection
 * serves, one turned off, one missing from the tenant, and one as configured.
 */
import { connectionDrift, missingConnections, planConnections } from '../../src/core/connections.js';
import type { IdpConnection } from '../../src/core/ports.js';
import { judgeConnections } from '../../src/core/verify.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { ResolvedConfig } from '../../src/config/types.js';
import { SsoError } from '../../src/errors.js';
import { auth0Rules } from '../../src/idp/auth0/rules.js';
import { amplitudeProfile } from '../../src/sp/amplitude/profile.js';

const DB: IdpConnection = { id: 'con_db', name: 'Username-Password-Authentication', strategy: 'auth0' };
const GOOGLE: IdpConnection = { id: 'con_g', name: 'google-oauth2', strategy: 'google-oauth2' };
const SAML: IdpConnection = { id: 'con_s', name: 'acme-saml', strategy: 'samlp' };
const TENANT = [DB, GOOGLE, SAML];

function config(connections?: string[]): ResolvedConfig {
  const { config } = resolveConfig({
    env: { AUTH0_DOMAIN: 'acme.us.auth0.com', AUTH0_CLIENT_ID: 'cid', AUTH0_CLIENT_SECRET: 'secret', AMPLITUDE_ORG_ID: '42' },
    flags: connections ? { connection: connections } : {},
  });
  return config!;
}

const CLIENT = { client_id: 'app', name: 'Amplitude SSO' };

describe('planConnections: the application on exactly the configured connections', () => {
  it('turns on the missing ones and off the others, with the change as a diff in tenant order', () => {
    const plan = planConnections(['acme-saml', 'google-oauth2'], TENANT, [DB, GOOGLE]);
    expect(plan).toEqual({
      action: 'update',
      enable: [SAML],
      disable: [DB],
      changes: [{ field: 'connections', before: ['Username-Password-Authentication', 'google-oauth2'], after: ['google-oauth2', 'acme-saml'] }],
    });
  });

  it('plans nothing when it already is', () => {
    expect(planConnections(['google-oauth2'], TENANT, [GOOGLE])).toEqual({ action: 'none', enable: [], disable: [], changes: [] });
  });

  it('for an application not created yet: the end state (what Auth0 will enable by default is unknown)', () => {
    expect(planConnections(['google-oauth2'], TENANT, undefined)).toEqual({
      action: 'update',
      enable: [GOOGLE],
      disable: [],
      changes: [{ field: 'connections', before: undefined, after: ['google-oauth2'] }],
    });
  });

  it('drift names the missing, the turned-off and the extra ones', () => {
    expect(connectionDrift(['google-oauth2', 'nope'], TENANT, [DB])).toEqual({ missing: ['nope'], disabled: [GOOGLE], extra: [DB] });
  });

  it('a configured name the tenant lacks is a usage error listing what the tenant has', () => {
    const e = missingConnections(['Google'], TENANT, '--connection');
    expect(e).toBeInstanceOf(SsoError);
    expect([e.code, e.exit]).toEqual(['AUTH0_CONNECTION_NOT_FOUND', 2]);
    expect(e.message).toBe('the tenant has no connection named "Google" (--connection)');
    expect(e.hint).toContain('Username-Password-Authentication, google-oauth2, acme-saml');
  });
});

describe("judgeConnections: verify's idp.connections", () => {
  const ok = <T>(value: T) => ({ ok: true as const, value });

  it('fails when no connection serves the application, with the fix', () => {
    const r = judgeConnections(config(), true, true, CLIENT, undefined, ok([]), auth0Rules, amplitudeProfile);
    expect(r).toMatchObject({ id: 'idp.connections', status: 'fail' });
    expect(r.message).toBe('no connection is enabled for "Amplitude SSO": every sign-in to Amplitude fails (Auth0 answers "no connections enabled for the client")');
    expect(r.hint).toContain('sso-setup apply --connection NAME');
  });

  it('fails so even when the configured ones exist but are all turned off', () => {
    expect(judgeConnections(config(['google-oauth2']), true, true, CLIENT, ok(TENANT), ok([]), auth0Rules, amplitudeProfile).status).toBe('fail');
  });

  it('warns when a configured connection is turned off for the application, naming it and what serves it', () => {
    const r = judgeConnections(config(['google-oauth2', 'Username-Password-Authentication']), true, true, CLIENT, ok(TENANT), ok([DB]), auth0Rules, amplitudeProfile);
    expect(r.status).toBe('warn');
    expect(r.message).toBe('served by Username-Password-Authentication; the application is turned off on google-oauth2');
    expect(r.hint).toContain('sso-setup apply');
    expect(r.details).toMatchObject({ disabled: ['google-oauth2'], missing: [], extra: [] });
  });

  it('warns when a configured connection is missing from the tenant', () => {
    const r = judgeConnections(config(['acme-okta', 'Username-Password-Authentication']), true, true, CLIENT, ok(TENANT), ok([DB]), auth0Rules, amplitudeProfile);
    expect(r.status).toBe('warn');
    expect(r.message).toContain('the tenant has no connection acme-okta');
    expect(r.hint).toContain('application.connections');
  });

  it('warns when the application is also on connections the configuration does not name', () => {
    const r = judgeConnections(config(['google-oauth2']), true, true, CLIENT, ok(TENANT), ok([GOOGLE, DB]), auth0Rules, amplitudeProfile);
    expect(r).toMatchObject({ status: 'warn', details: { extra: ['Username-Password-Authentication'] } });
  });

  it('passes naming them: as configured, or whatever serves it when none is configured', () => {
    expect(judgeConnections(config(['google-oauth2']), true, true, CLIENT, ok(TENANT), ok([GOOGLE]), auth0Rules, amplitudeProfile)).toMatchObject({ status: 'pass', message: 'served by google-oauth2 (as configured)' });
    expect(judgeConnections(config(), true, true, CLIENT, undefined, ok([DB, GOOGLE]), auth0Rules, amplitudeProfile)).toMatchObject({ status: 'pass', message: 'served by Username-Password-Authentication, google-oauth2' });
  });

  it('skips what it cannot judge: no token, no read:connections, no application', () => {
    expect(judgeConnections(config(), false, false, undefined, undefined, undefined, auth0Rules, amplitudeProfile)).toMatchObject({ status: 'skip', message: 'needs a Management API token (see credentials)' });
    expect(judgeConnections(config(), true, false, CLIENT, undefined, undefined, auth0Rules, amplitudeProfile)).toMatchObject({ status: 'skip', message: 'needs the read:connections scope' });
    expect(judgeConnections(config(), true, true, undefined, undefined, undefined, auth0Rules, amplitudeProfile)).toMatchObject({ status: 'skip' });
  });
});
