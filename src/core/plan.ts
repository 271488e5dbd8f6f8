/**
 * Planning: desired state (from configuration) against actual state (read from Auth0 and the SP)
 * gives a Plan, a plain value. `apply --dry-run` prints it, `apply` executes it, `init` shows it
 * before asking to confirm. Pure functions only.
 */
import type { ResolvedConfig } from '../config/types.js';
import type { Auth0Client, ClientWrite, IdpRules, SamlAddon, SpProfile, SpTrust } from './ports.js';

export interface DesiredClient {
  name: string;
  appType: string;
  callbacks: string[];
  samlp: SamlAddon;
  marker: { key: string; value: string };
}

export function desiredClient(config: ResolvedConfig, idpRules: IdpRules, spProfile: SpProfile): DesiredClient {
  return {
    name: config.application.name,
    // "Regular Web Application": what Auth0's dashboard and SAML guides use for a SAML SP.
    appType: 'regular_web',
    callbacks: config.saml.callbacks,
    samlp: idpRules.samlAddon(config.saml),
    marker: { key: idpRules.markerKey, value: spProfile.markerValue(config.sp.id) },
  };
}

/** One field that differs, by dotted path (`callbacks`, `addons.samlp.audience`). */
export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

export type IdpPlan =
  | { action: 'create'; body: ClientWrite; changes: FieldChange[] }
  | { action: 'update'; clientId: string; patch: ClientWrite; changes: FieldChange[] }
  | { action: 'none'; clientId: string; changes: [] };

/**
 * Plans the Auth0 side. Only the fields sso-setup owns are compared. Auth0 replaces `addons.samlp`
 * whole on PATCH, so an update sends the existing addon merged with ours: keys a person added
 * (e.g. `logout`, `signingCert`) survive. Other addons and other client fields are never sent.
 */
export function planIdp(desired: DesiredClient, actual: Auth0Client | undefined): IdpPlan {
  if (!actual) {
    const body: ClientWrite = {
      name: desired.name,
      app_type: desired.appType,
      callbacks: desired.callbacks,
      addons: { samlp: { ...desired.samlp } },
      client_metadata: { [desired.marker.key]: desired.marker.value },
    };
    const changes: FieldChange[] = [
      { field: 'name', before: undefined, after: desired.name },
      { field: 'app_type', before: undefined, after: desired.appType },
      { field: 'callbacks', before: undefined, after: desired.callbacks },
      ...Object.entries(desired.samlp).map(([k, v]) => ({ field: `addons.samlp.${k}`, before: undefined, after: v })),
      { field: `client_metadata.${desired.marker.key}`, before: undefined, after: desired.marker.value },
    ];
    return { action: 'create', body, changes };
  }

  const changes: FieldChange[] = [];
  const patch: ClientWrite = {};
  if (actual.name !== desired.name) {
    changes.push({ field: 'name', before: actual.name, after: desired.name });
    patch.name = desired.name;
  }
  if (!deepEqual(actual.callbacks ?? [], desired.callbacks)) {
    changes.push({ field: 'callbacks', before: actual.callbacks, after: desired.callbacks });
    patch.callbacks = desired.callbacks;
  }
  const currentSamlp = actual.addons?.samlp;
  let samlpChanged = currentSamlp === undefined;
  if (currentSamlp === undefined) changes.push({ field: 'addons.samlp', before: undefined, after: desired.samlp });
  for (const [key, value] of Object.entries(desired.samlp)) {
    if (currentSamlp !== undefined && !deepEqual(currentSamlp[key], value)) {
      changes.push({ field: `addons.samlp.${key}`, before: currentSamlp[key], after: value });
      samlpChanged = true;
    }
  }
  if (samlpChanged) patch.addons = { samlp: { ...(currentSamlp ?? {}), ...desired.samlp } };

  if (changes.length === 0) return { action: 'none', clientId: actual.client_id, changes: [] };
  return { action: 'update', clientId: actual.client_id, patch, changes };
}

/** What the new IdP metadata says, reduced to what the SP must hold. */
export interface MetadataSummary {
  entityId: string;
  ssoUrl: string;
  /** Signing certificate fingerprints (SHA-256, colon-separated upper-case hex). */
  certificates: string[];
  /**
   * Certificates the SP should trust besides the metadata's: Auth0's queued next signing key, so a
   * rotation does not break logins (endpoint delivery only).
   */
  additional?: { sha256: string; pem: string }[];
}

export type SpPlan =
  | { delivery: 'endpoint'; action: 'upload' | 'none' | 'pending'; changes: FieldChange[] }
  | { delivery: 'manual'; action: 'handover' | 'none' | 'pending'; file: string; changes: FieldChange[] };

/**
 * Plans the SP side. `pending` means the metadata cannot be known yet (the Auth0 application does
 * not exist, e.g. in a dry run of a first setup). For manual delivery, `none` needs both the same
 * certificate recorded at the last hand-over and the same file on disk.
 */
export function planSp(
  trust: SpTrust,
  metadata: MetadataSummary | undefined,
  manual?: { file: string; fileMatches: boolean },
): SpPlan {
  if (trust.kind === 'manual') {
    const file = manual?.file ?? '';
    if (!metadata) return { delivery: 'manual', action: 'pending', file, changes: [] };
    const current = metadata.certificates[0];
    const changes: FieldChange[] = [];
    if (trust.recordedCertificate !== current) {
      changes.push({ field: 'certificate', before: trust.recordedCertificate, after: current });
    }
    if (!manual?.fileMatches) changes.push({ field: 'file', before: undefined, after: file });
    return { delivery: 'manual', action: changes.length ? 'handover' : 'none', file, changes };
  }
  if (!metadata) return { delivery: 'endpoint', action: 'pending', changes: [] };
  const wanted = [...metadata.certificates, ...(metadata.additional ?? []).map((c) => c.sha256).filter((c) => !metadata.certificates.includes(c))];
  if (!trust.enabled) {
    return {
      delivery: 'endpoint',
      action: 'upload',
      changes: [
        { field: 'enabled', before: false, after: true },
        { field: 'idpEntityId', before: undefined, after: metadata.entityId },
        { field: 'ssoUrl', before: undefined, after: metadata.ssoUrl },
        { field: 'certificates', before: [], after: wanted },
      ],
    };
  }
  const changes: FieldChange[] = [];
  if (trust.idpEntityId !== metadata.entityId) changes.push({ field: 'idpEntityId', before: trust.idpEntityId, after: metadata.entityId });
  if (trust.ssoUrl !== metadata.ssoUrl) changes.push({ field: 'ssoUrl', before: trust.ssoUrl, after: metadata.ssoUrl });
  if (!sameSet(trust.certificates, wanted)) {
    changes.push({ field: 'certificates', before: trust.certificates, after: wanted });
  }
  return { delivery: 'endpoint', action: changes.length ? 'upload' : 'none', changes };
}

export interface Plan {
  idp: IdpPlan;
  sp: SpPlan;
}

export function planChanges(plan: Plan): boolean {
  return plan.idp.action !== 'none' || (plan.sp.action !== 'none' && plan.sp.action !== 'pending');
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!deepEqual(ao[k], bo[k])) return false;
  return true;
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
