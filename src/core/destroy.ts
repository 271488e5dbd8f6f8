/**
 * Undoing a setup: SSO is disabled at the SP first (so nobody is sent to an IdP application that
 * is about to disappear), then the Auth0 application(s) carrying our marker are deleted, then the
 * marked applications are listed once more to catch one an overlapping `apply` made meanwhile.
 * Safe to repeat: every step is idempotent.
 */
import type { ResolvedConfig } from '../config/types.js';
import { SsoError } from '../errors.js';
import { requireScopes } from './apply.js';
import type { Auth0Client, EndpointSp, IdpAdmin, IdpRules, Progress, SpConnector, SpProfile } from './ports.js';

export interface DestroyTargets {
  clients: Auth0Client[];
}

export interface DestroyResult {
  changed: boolean;
  idp: { deleted: { clientId: string; name: string }[] };
  sp: { delivery: 'endpoint' | 'manual'; action: 'disabled' | 'manual'; target: string };
  manualSteps?: string[];
}

/** The IdP and what the core needs to know of the IdP and the SP to find the managed application. */
export interface DestroyLookup {
  idp: IdpAdmin;
  idpRules: IdpRules;
  spProfile: SpProfile;
}

export async function findDestroyTargets(config: ResolvedConfig, deps: DestroyLookup): Promise<DestroyTargets> {
  const { idp, idpRules } = deps;
  const session = await idp.connect();
  requireScopes(idpRules, session.scopes, [idpRules.scopes.readClients, idpRules.scopes.deleteClients], 'find and delete the application');
  return { clients: await idp.findClientsByMarker(idpRules.markerKey, deps.spProfile.markerValue(config.sp.id)) };
}

export async function destroySetup(
  config: ResolvedConfig,
  deps: DestroyLookup & { sp: SpConnector; progress: Progress },
  targets: DestroyTargets,
): Promise<DestroyResult> {
  const result: DestroyResult = {
    changed: false,
    idp: { deleted: [] },
    sp: { delivery: deps.sp.delivery, action: deps.sp.delivery === 'endpoint' ? 'disabled' : 'manual', target: deps.sp.target },
  };
  if (deps.sp.delivery === 'endpoint') {
    const step = deps.progress.start(`Disabling SSO at ${deps.sp.target}`);
    const sp = deps.sp as EndpointSp;
    const before = await sp.readTrust(undefined);
    await sp.disable();
    step.done(before.kind === 'endpoint' && before.enabled ? 'SSO disabled at the SP' : 'SSO was already disabled at the SP');
    result.changed ||= before.kind === 'endpoint' && before.enabled;
  } else {
    result.manualSteps = deps.spProfile.removalSteps(config.sp.baseUrl);
  }
  for (const client of targets.clients) {
    const step = deps.progress.start(`Deleting Auth0 application "${client.name}" (${client.client_id})`);
    await deps.idp.deleteClient(client.client_id);
    step.done(`Deleted Auth0 application "${client.name}" (${client.client_id})`);
    result.idp.deleted.push({ clientId: client.client_id, name: client.name });
    result.changed = true;
  }
  // An apply running meanwhile may have created one after the listing (and pushed it to the SP):
  // then this destroy is not complete, and says so rather than report success.
  const markerKey = deps.idpRules.markerKey;
  const marker = deps.spProfile.markerValue(config.sp.id);
  const created = (await deps.idp.findClientsByMarker(markerKey, marker)).filter((c) => !targets.clients.some((t) => t.client_id === c.client_id));
  if (created.length) {
    throw new SsoError(
      'DESTROY_INCOMPLETE',
      `while destroy ran, ${created.map((c) => `"${c.name}" (${c.client_id})`).join(', ')} was created with the marker ${markerKey}=${marker} (an overlapping apply?)`,
      { hint: 'Stop the job that runs apply, then run destroy again.', details: { deleted: result.idp.deleted, created: created.map((c) => c.client_id) } },
    );
  }
  return result;
}
