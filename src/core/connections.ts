/**
 * Which connections serve the application: planning (apply) and judging (verify), pure functions
 * over what was read from the IdP. A connection is one way users sign in (a database, Google
 * Workspace, an enterprise IdP); an application is usable only through the connections enabled
 * for it. When the configuration names connections (`application.connections`, `--connection`),
 * the application is enabled on exactly those; otherwise sso-setup leaves connections alone.
 */
import { SsoError, EXIT } from '../errors.js';
import type { FieldChange } from './plan.js';
import type { IdpConnection } from './ports.js';

/** How the application's connections compare with the configured ones. */
export interface ConnectionDrift {
  /** Configured names the tenant has no connection for. */
  missing: string[];
  /** Configured connections the application is not enabled on. */
  disabled: IdpConnection[];
  /** Connections the application is enabled on that the configuration does not name. */
  extra: IdpConnection[];
}

export function connectionDrift(configured: readonly string[], tenant: readonly IdpConnection[], enabled: readonly IdpConnection[]): ConnectionDrift {
  const on = new Set(enabled.map((c) => c.name));
  return {
    missing: configured.filter((name) => !tenant.some((c) => c.name === name)),
    disabled: tenant.filter((c) => configured.includes(c.name) && !on.has(c.name)),
    extra: enabled.filter((c) => !configured.includes(c.name)),
  };
}

export interface ConnectionsPlan {
  action: 'update' | 'none';
  /** Connections to turn the application on for, and off for. */
  enable: IdpConnection[];
  disable: IdpConnection[];
  /** The change as a diff: `connections` before (undefined for an application not created yet) and after. */
  changes: FieldChange[];
}

/**
 * The changes that leave the application enabled on exactly `configured`. `enabled` is undefined
 * when the application does not exist yet (a dry run of a first setup): what Auth0 will enable it
 * on by default is not known, so the plan shows the end state. Names the tenant lacks must have
 * been refused before (`missingConnections`).
 */
export function planConnections(configured: readonly string[], tenant: readonly IdpConnection[], enabled: readonly IdpConnection[] | undefined): ConnectionsPlan {
  const wanted = tenant.filter((c) => configured.includes(c.name));
  if (enabled === undefined) {
    return { action: 'update', enable: wanted, disable: [], changes: [{ field: 'connections', before: undefined, after: names(wanted) }] };
  }
  const drift = connectionDrift(configured, tenant, enabled);
  if (drift.disabled.length === 0 && drift.extra.length === 0) return { action: 'none', enable: [], disable: [], changes: [] };
  return {
    action: 'update',
    enable: drift.disabled,
    disable: drift.extra,
    changes: [{ field: 'connections', before: names(enabled), after: names(wanted) }],
  };
}

/** Configured connections the tenant does not have: a typo or another tenant's name (exit 2, nothing changed). */
export function missingConnections(missing: readonly string[], tenant: readonly IdpConnection[], origin: string): SsoError {
  const list = missing.map((n) => `"${n}"`).join(', ');
  return new SsoError('AUTH0_CONNECTION_NOT_FOUND', `the tenant has no connection named ${list} (${origin})`, {
    exit: EXIT.usage,
    hint: tenant.length ? `Its connections: ${names(tenant).join(', ')}. Fix the name, or create the connection in Auth0 > Authentication.` : 'The tenant has no connection at all: create one in Auth0 > Authentication.',
    details: { missing, connections: names(tenant) },
  });
}

export function names(connections: readonly IdpConnection[]): string[] {
  return connections.map((c) => c.name);
}

/** What a person reads about an application no connection serves (apply's warning, verify's failure). */
export function noConnectionMessage(appName: string, spName: string): string {
  return `no connection is enabled for "${appName}": every sign-in to ${spName} fails (Auth0 answers "no connections enabled for the client")`;
}

export function enableConnectionHint(appName: string): string {
  return `Run \`sso-setup apply --connection NAME\` (or set application.connections), or enable one in Auth0 > Applications > ${appName} > Connections.`;
}
