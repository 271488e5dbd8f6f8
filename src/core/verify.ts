/**
 * Health checks for a configured setup (`sso-setup verify`). Facts are gathered once and
 * concurrently (one token, one client lookup, one metadata download, one SP read), then each
 * check is a pure judgement over them. A check that cannot run because a fact it needs is missing
 * is `skip`, with the reason.
 */
import type { ResolvedConfig } from '../config/types.js';
import { SsoError } from '../errors.js';
import type { WebLoginResult } from '../login/web-login.js';
import { parseTrustedCertificate } from '../saml/certificate.js';
import { checkTenantMetadata, type MetadataChecker, type MetadataVerdict } from './apply.js';
import { connectionDrift, enableConnectionHint, names, noConnectionMessage } from './connections.js';
import { judgeMarked, rankMarked } from './overlapping-runs.js';
import { desiredClient, planIdp } from './plan.js';
import type { Auth0Client, IdpAdmin, IdpConnection, IdpRules, IdpSession, SigningKeyInfo, SpConnector, SpProfile, SpTrust } from './ports.js';
import { day, uploadRecord } from './upload.js';

export type CheckId = 'credentials' | 'idp.client' | 'idp.connections' | 'idp.metadata' | 'idp.certificate' | 'sp.trust' | 'sso.probe' | 'sso.login';
export const CHECK_IDS: CheckId[] = ['credentials', 'idp.client', 'idp.connections', 'idp.metadata', 'idp.certificate', 'sp.trust', 'sso.probe', 'sso.login'];

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  id: CheckId;
  status: CheckStatus;
  message: string;
  hint?: string;
  details?: Record<string, unknown>;
}

export interface VerifyReport {
  ok: boolean;
  checks: CheckResult[];
}

export interface VerifyOptions {
  now: Date;
  warnDays: number;
  strict: boolean;
  /** Test-user credentials: enable the full login round trip (sso.login). */
  testUser?: { email: string; password: string };
}

export interface VerifyDeps {
  idp: IdpAdmin;
  idpRules: IdpRules;
  sp: SpConnector;
  spProfile: SpProfile;
  checkMetadata: MetadataChecker;
  /** Sends an AuthnRequest to the IdP and walks to its login page (no credentials). */
  probe: (ssoUrl: string) => Promise<WebLoginResult>;
  /** Why there is no probe to send, when there is none (the SP signs its requests and the IdP checks them). */
  noProbe?: string;
  /** A full login as the test user, ending at the SP's ACS. */
  login: (clientId: string, user: { email: string; password: string }) => Promise<WebLoginResult>;
}

/** Scopes verify needs: reading the application, the tenant's signing keys and its connections. */
export function verifyScopes(idpRules: IdpRules): string[] {
  return [idpRules.scopes.readClients, idpRules.scopes.readSigningKeys, idpRules.scopes.readConnections];
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: SsoError };

async function settle<T>(p: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error: error instanceof SsoError ? error : new SsoError('UNEXPECTED', (error as Error).message ?? String(error)) };
  }
}

export async function verifySetup(config: ResolvedConfig, deps: VerifyDeps, opts: VerifyOptions): Promise<VerifyReport> {
  const { idpRules, spProfile } = deps;
  const desired = desiredClient(config, idpRules, spProfile);
  const session = await settle(deps.idp.connect());
  const scopes = session.ok ? session.value.scopes : [];
  const canRead = (scope: string) => session.ok && (scopes.length === 0 || scopes.includes(scope));

  const spTrustPromise = deps.sp.delivery === 'endpoint' ? settle(deps.sp.readTrust(undefined)) : undefined;
  const configured = config.application.connections;
  const canReadConnections = canRead(idpRules.scopes.readConnections);
  // The tenant's connections tell a configured one that is missing from one that is turned off.
  const tenantConnectionsPromise = configured && canReadConnections ? settle(deps.idp.listConnections()) : undefined;
  const [clients, keys] = await Promise.all([
    canRead(idpRules.scopes.readClients) ? settle(deps.idp.findClientsByMarker(desired.marker.key, desired.marker.value)) : undefined,
    canRead(idpRules.scopes.readSigningKeys) ? settle(deps.idp.signingKeys()) : undefined,
  ]);
  // With duplicates left by overlapping apply runs, the checks judge the one apply keeps.
  const client = clients?.ok ? rankMarked(clients.value)[0] : undefined;
  const connectionsPromise = client && canReadConnections ? settle(deps.idp.connectionsOf(client.client_id)) : undefined;

  const metadataPromise = client
    ? settle(
        (async () => {
          const url = deps.idp.metadataUrl(client.client_id);
          const bytes = await deps.idp.downloadMetadata(client.client_id);
          const verdict = await checkTenantMetadata(deps.checkMetadata, bytes, config, spProfile, opts.now, opts.warnDays);
          return { url, verdict };
        })(),
      )
    : undefined;
  const loginPromise = client && opts.testUser ? settle(deps.login(client.client_id, opts.testUser)) : undefined;
  const metadata = await metadataPromise;
  const ssoUrl = metadata?.ok ? redirectSsoUrl(metadata.value.verdict) : undefined;
  const [spTrust, probe, login, tenantConnections, appConnections] = await Promise.all([
    deps.sp.delivery === 'endpoint' ? spTrustPromise : settle(deps.sp.readTrust(client)),
    ssoUrl && !deps.noProbe ? settle(deps.probe(ssoUrl)) : undefined,
    loginPromise,
    tenantConnectionsPromise,
    connectionsPromise,
  ]);

  // The connections serving the application, when read: none explains a refused login.
  const servedBy = appConnections?.ok ? appConnections.value.map((c) => c.name) : undefined;
  const checks: CheckResult[] = [
    judgeCredentials(session, config, idpRules),
    judgeClient(config, desired.marker, session.ok, canRead(idpRules.scopes.readClients), clients, idpRules, spProfile),
    judgeConnections(config, session.ok, canReadConnections, client, tenantConnections, appConnections, idpRules, spProfile),
    judgeMetadata(client, metadata),
    judgeCertificate(metadata, keys, spTrust, opts, session.ok && canRead(idpRules.scopes.readSigningKeys), idpRules, spProfile, deps.sp.trustsOneCertificate === true),
    judgeSpTrust(spTrust, metadata, deps.sp, spProfile, login, nextKeySha(keys)),
    deps.noProbe && client && metadata?.ok ? skipped('sso.probe', deps.noProbe) : judgeProbe(client, metadata, probe, servedBy),
    judgeLogin(client, opts.testUser, login, servedBy),
  ];
  const ok = checks.every((c) => c.status !== 'fail' && !(opts.strict && c.status === 'warn'));
  return { ok, checks };
}

function redirectSsoUrl(v: MetadataVerdict): string | undefined {
  return (v.sso.find((s) => s.binding.endsWith(':HTTP-Redirect')) ?? v.sso[0])?.location;
}

function skipped(id: CheckId, message: string): CheckResult {
  return { id, status: 'skip', message };
}

function failed(id: CheckId, error: SsoError, extra: Record<string, unknown> = {}): CheckResult {
  return { id, status: 'fail', message: error.message, ...(error.hint ? { hint: error.hint } : {}), details: { code: error.code, ...extra } };
}

export function judgeCredentials(session: Outcome<IdpSession>, config: ResolvedConfig, idpRules: IdpRules): CheckResult {
  if (!session.ok) return failed('credentials', session.error);
  const scopes = session.value.scopes;
  const missing = scopes.length ? verifyScopes(idpRules).filter((s) => !scopes.includes(s)) : [];
  if (missing.length) {
    return {
      id: 'credentials',
      status: 'fail',
      message: `the Management API token lacks ${missing.join(', ')}`,
      hint: idpRules.grantHint(missing),
      details: { granted: scopes, missing },
    };
  }
  return { id: 'credentials', status: 'pass', message: `token for ${config.auth0.clientId} at ${config.auth0.domain} with the scopes needed`, details: { granted: scopes } };
}

export function judgeClient(
  config: ResolvedConfig,
  marker: { key: string; value: string },
  connected: boolean,
  canRead: boolean,
  clients: Outcome<Auth0Client[]> | undefined,
  idpRules: IdpRules,
  spProfile: SpProfile,
): CheckResult {
  const id: CheckId = 'idp.client';
  if (!connected) return skipped(id, 'needs a Management API token (see credentials)');
  if (!canRead || !clients) return skipped(id, `needs the ${idpRules.scopes.readClients} scope`);
  if (!clients.ok) return failed(id, clients.error);
  const marked = judgeMarked(clients.value);
  if (marked.kind === 'none') {
    return { id, status: 'fail', message: `no Auth0 application carries ${marker.key}=${marker.value}`, hint: 'Run `sso-setup apply` (or `sso-setup init`) to create it.' };
  }
  if (marked.kind === 'ambiguous') {
    return {
      id,
      status: 'fail',
      message: `${marked.clients.length} Auth0 applications carry ${marker.key}=${marker.value}: ${marked.clients.map((c) => c.client_id).join(', ')}; ${marked.reason}`,
      hint: `Delete the extra ones, or remove '${marker.key}' from their Metadata.`,
      details: { code: 'AUTH0_DUPLICATE_APPLICATION', clientIds: marked.clients.map((c) => c.client_id) },
    };
  }
  const judged = judgeOneClient(config, idpRules, spProfile, marked.kind === 'one' ? marked.client : marked.winner);
  if (marked.kind === 'one') return judged;
  // Duplicates provably left by overlapping apply runs: SSO works through the one apply keeps.
  const duplicates = marked.duplicates.map((c) => c.client_id);
  const note = `${duplicates.length} duplicate(s) left by overlapping apply runs (${duplicates.join(', ')}); the next apply deletes them`;
  return {
    ...judged,
    status: judged.status === 'pass' ? 'warn' : judged.status,
    message: `${judged.message}; ${note}`,
    ...(judged.hint ? {} : { hint: 'Run `sso-setup apply` to delete the duplicates.' }),
    details: { ...judged.details, duplicates },
  };
}

function judgeOneClient(config: ResolvedConfig, idpRules: IdpRules, spProfile: SpProfile, client: Auth0Client): CheckResult {
  const id: CheckId = 'idp.client';
  const samlp = client.addons?.samlp;
  const problems: string[] = [];
  const warnings: string[] = [];
  const sp = config.sp;
  if (!samlp) problems.push('the SAML2 Web App addon is off');
  if (!(client.callbacks ?? []).includes(sp.acsUrl)) problems.push(`callbacks do not include the ACS ${sp.acsUrl}`);
  if (samlp) {
    if (samlp.audience !== sp.entityId) problems.push(`audience is ${show(samlp.audience)}, ${spProfile.name} expects ${sp.entityId}`);
    if (samlp.nameIdentifierFormat !== spProfile.nameIdFormat) problems.push(`NameID format is ${show(samlp.nameIdentifierFormat)}, ${spProfile.name} needs ${formatName(spProfile.nameIdFormat)}`);
    const mappings = (samlp.mappings ?? {}) as Record<string, unknown>;
    const probes = (samlp.nameIdentifierProbes ?? []) as unknown[];
    if (!Object.keys(mappings).includes('email') && !probes.includes(idpRules.emailClaim)) problems.push('no email mapping: the NameID or attributes may not carry the email');
    for (const key of ['recipient', 'destination'] as const) {
      if (samlp[key] !== undefined && samlp[key] !== sp.acsUrl) problems.push(`${key} is ${show(samlp[key])}, not the ACS ${sp.acsUrl}`);
    }
    if (samlp.signatureAlgorithm !== 'rsa-sha256' || samlp.digestAlgorithm !== 'sha256') {
      warnings.push(`signing uses ${show(samlp.signatureAlgorithm ?? 'rsa-sha1 (Auth0 default)')}/${show(samlp.digestAlgorithm ?? 'sha1 (Auth0 default)')}, not rsa-sha256/sha256`);
    }
  }
  const drift = planIdp(desiredClient(config, idpRules, spProfile), client).changes;
  const details = { clientId: client.client_id, name: client.name, drift };
  if (problems.length) {
    return { id, status: 'fail', message: problems.join('; '), hint: 'Run `sso-setup apply` to repair the application (other settings are left alone).', details };
  }
  if (warnings.length || drift.length) {
    const fields = drift.map((d) => d.field).join(', ');
    return {
      id,
      status: 'warn',
      message: [...warnings, ...(drift.length ? [`drifted from the configuration: ${fields}`] : [])].join('; '),
      hint: 'Run `sso-setup apply` to bring it back to the configuration.',
      details,
    };
  }
  return { id, status: 'pass', message: `"${client.name}" (${client.client_id}): SAML2 addon on, ACS allowed, audience, NameID and algorithms as ${spProfile.name} needs`, details };
}

/**
 * Whether a connection serves the application: fail when none does (every login fails with Auth0's
 * "no connections enabled for the client"); warn when a configured one is missing from the tenant,
 * turned off for the application, or the application is on others too; pass naming them.
 */
export function judgeConnections(
  config: ResolvedConfig,
  connected: boolean,
  canRead: boolean,
  client: Auth0Client | undefined,
  tenant: Outcome<IdpConnection[]> | undefined,
  enabled: Outcome<IdpConnection[]> | undefined,
  idpRules: IdpRules,
  spProfile: SpProfile,
): CheckResult {
  const id: CheckId = 'idp.connections';
  if (!connected) return skipped(id, 'needs a Management API token (see credentials)');
  if (!canRead) return skipped(id, `needs the ${idpRules.scopes.readConnections} scope`);
  if (!client || !enabled) return skipped(id, 'needs the Auth0 application (see idp.client)');
  if (!enabled.ok) return failed(id, enabled.error);
  if (tenant && !tenant.ok) return failed(id, tenant.error);
  const on = names(enabled.value);
  const configured = config.application.connections;
  const details: Record<string, unknown> = { enabled: on, ...(configured ? { configured } : {}) };
  if (on.length === 0) {
    return { id, status: 'fail', message: noConnectionMessage(client.name, spProfile.name), hint: enableConnectionHint(client.name), details };
  }
  if (configured && tenant) {
    const drift = connectionDrift(configured, tenant.value, enabled.value);
    const problems = [
      ...(drift.missing.length ? [`the tenant has no connection ${drift.missing.join(', ')}`] : []),
      ...(drift.disabled.length ? [`the application is turned off on ${names(drift.disabled).join(', ')}`] : []),
      ...(drift.extra.length ? [`it is also enabled on ${names(drift.extra).join(', ')}, which the configuration does not name`] : []),
    ];
    if (problems.length) {
      return {
        id,
        status: 'warn',
        message: `served by ${on.join(', ')}; ${problems.join('; ')}`,
        hint: drift.missing.length
          ? `Fix application.connections (or --connection), or create ${drift.missing.join(', ')} in Auth0 > Authentication.`
          : 'Run `sso-setup apply` to enable the application on exactly the configured connections.',
        details: { ...details, missing: drift.missing, disabled: names(drift.disabled), extra: names(drift.extra) },
      };
    }
  }
  return { id, status: 'pass', message: `served by ${on.join(', ')}${configured ? ' (as configured)' : ''}`, details };
}

type MetadataFact = Outcome<{ url: string; verdict: MetadataVerdict }> | undefined;

export function judgeMetadata(client: Auth0Client | undefined, metadata: MetadataFact): CheckResult {
  const id: CheckId = 'idp.metadata';
  if (!client || !metadata) return skipped(id, 'needs the Auth0 application (see idp.client)');
  if (!metadata.ok) return failed(id, metadata.error);
  const { url, verdict } = metadata.value;
  if (!verdict.valid) {
    return {
      id,
      status: 'fail',
      message: `${url} failed the checks: ${verdict.errors.map((e) => e.code).join(', ')}`,
      hint: `See why with: sso-setup metadata check ${url}`,
      details: { url, errors: verdict.errors },
    };
  }
  const benign = verdict.warnings.filter((w) => !w.code.startsWith('CERT_'));
  return {
    id,
    status: benign.length ? 'warn' : 'pass',
    message: benign.length ? benign.map((w) => w.message).join('; ') : `${verdict.entityId} served at ${url} and valid`,
    details: { url, entityId: verdict.entityId, sso: verdict.sso, warnings: verdict.warnings },
  };
}

/** The SHA-256 of the tenant's queued next key, when the keys were read. */
function nextKeySha(keys: Outcome<SigningKeyInfo[]> | undefined): string | undefined {
  const next = keys?.ok ? keys.value.find((k) => k.next && !k.revoked) : undefined;
  const parsed = next ? parseTrustedCertificate(next.cert) : undefined;
  return parsed?.ok ? parsed.certificate.sha256 : undefined;
}

export function judgeCertificate(
  metadata: MetadataFact,
  keys: Outcome<SigningKeyInfo[]> | undefined,
  spTrust: Outcome<SpTrust> | undefined,
  opts: VerifyOptions,
  canReadKeys: boolean,
  idpRules: IdpRules,
  spProfile: SpProfile,
  /** The SP keeps one certificate (Polis): it cannot be given the next key before a rotation. */
  oneCertificate = false,
): CheckResult {
  const id: CheckId = 'idp.certificate';
  if (!metadata?.ok) return skipped(id, 'needs the IdP metadata (see idp.metadata)');
  const cert = metadata.value.verdict.certificates[0];
  if (!cert) return { id, status: 'fail', message: 'the IdP metadata has no signing certificate', hint: 'Check the tenant signing keys in Auth0.' };
  const daysLeft = Math.floor((Date.parse(cert.notAfter) - opts.now.getTime()) / 86_400_000);
  const manual = spTrust?.ok === true && spTrust.value.kind === 'manual';
  const details: Record<string, unknown> = { sha256: cert.sha256, notAfter: cert.notAfter, daysLeft };
  if (daysLeft < 0 || Date.parse(cert.notAfter) <= opts.now.getTime()) {
    return { id, status: 'fail', message: `the IdP signing certificate expired on ${cert.notAfter.slice(0, 10)}`, hint: 'Rotate the signing key in Auth0 (Settings > Signing Keys), then run `sso-setup apply`.', details };
  }
  if (daysLeft < opts.warnDays) {
    return {
      id,
      status: 'warn',
      message: `the IdP signing certificate expires in ${daysLeft} days (${cert.notAfter.slice(0, 10)})`,
      hint: `Plan a signing-key rotation and run \`sso-setup apply\` right after it${manual ? `, then upload the new file in ${spProfile.name} and \`sso-setup confirm-upload\`` : ''}.`,
      details,
    };
  }
  if (!canReadKeys || !keys) {
    return { id, status: 'pass', message: `${daysLeft} days left (signing keys not read: needs ${idpRules.scopes.readSigningKeys})`, details };
  }
  if (!keys.ok) return failed(id, keys.error, details);
  const next = keys.value.find((k) => k.next && !k.revoked);
  if (next) {
    const parsed = parseTrustedCertificate(next.cert);
    const nextSha = parsed.ok ? parsed.certificate.sha256 : undefined;
    details.next = { kid: next.kid, sha256: nextSha };
    const trusted = spTrust?.ok && spTrust.value.kind === 'endpoint' && spTrust.value.enabled && nextSha !== undefined && spTrust.value.certificates.includes(nextSha);
    const upload = manual && spTrust?.ok ? uploadRecord(spTrust.value) : undefined;
    if (manual && nextSha !== undefined && upload?.certificate === nextSha && upload.status === 'confirmed') {
      return { id, status: 'pass', message: `${daysLeft} days left; the file uploaded to ${spProfile.name} (confirmed) holds the next signing key too`, details };
    }
    if (!trusted && manual) {
      // An SP's UI takes one metadata file, and Auth0's metadata carries only the current key.
      return {
        id,
        status: 'warn',
        message: `${daysLeft} days left; Auth0 has a next signing key (${next.kid}), and a manual upload cannot pre-trust it: rotating it breaks SSO until the new file is uploaded`,
        hint: `After a rotation run \`sso-setup apply\` at once, upload the new file in ${spProfile.name}, then \`sso-setup confirm-upload\`.`,
        details,
      };
    }
    if (!trusted) {
      return {
        id,
        status: 'warn',
        message: `${daysLeft} days left; Auth0 has a next signing key (${next.kid}) the SP does not trust yet: rotating it will break SSO`,
        hint: oneCertificate
          ? `After a rotation run \`sso-setup apply\` at once: ${spProfile.name} keeps one certificate, so the next key cannot be pushed ahead.`
          : 'After a rotation run `sso-setup apply` at once (with endpoint delivery, apply also pre-trusts the next key).',
        details,
      };
    }
  }
  return { id, status: 'pass', message: `${daysLeft} days left${next ? '; the SP already trusts the next signing key' : ''}`, details };
}

export function judgeSpTrust(
  spTrust: Outcome<SpTrust> | undefined,
  metadata: MetadataFact,
  sp: SpConnector,
  spProfile: SpProfile,
  login?: Outcome<WebLoginResult>,
  nextSha?: string,
): CheckResult {
  const id: CheckId = 'sp.trust';
  if (!spTrust) return skipped(id, 'needs the Auth0 application (see idp.client)');
  if (!spTrust.ok) return failed(id, spTrust.error);
  if (!metadata?.ok) return skipped(id, 'needs the IdP metadata (see idp.metadata)');
  const current = metadata.value.verdict.certificates[0]?.sha256;
  const trust = spTrust.value;
  if (trust.kind === 'endpoint') {
    if (!trust.enabled) return { id, status: 'fail', message: `SSO is not configured at ${sp.target}`, hint: 'Run `sso-setup apply`.' };
    const entityId = metadata.value.verdict.entityId;
    const details = { spCertificates: trust.certificates, idpCertificate: current, idpEntityId: trust.idpEntityId };
    if (entityId && trust.idpEntityId !== entityId) {
      // E.g. set up before a custom domain: Auth0 then issues assertions as urn:<custom domain>.
      return {
        id,
        status: 'fail',
        message: `the SP expects the IdP ${trust.idpEntityId}, but the IdP's metadata names it ${entityId}: the SP refuses its assertions`,
        hint: 'Run `sso-setup apply` to push the current IdP metadata.',
        details: { ...details, expectedEntityId: entityId },
      };
    }
    if (!current || !trust.certificates.includes(current)) {
      return {
        id,
        status: 'fail',
        message: `the SP trusts ${trust.certificates.map(short).join(', ') || 'no certificate'}, but the IdP signs with ${short(current)}`,
        hint: 'Run `sso-setup apply` to push the current IdP metadata.',
        details,
      };
    }
    return { id, status: 'pass', message: `the SP trusts the IdP's current certificate ${short(current)}`, details };
  }
  return judgeManualUpload(trust, current, sp, spProfile, login, nextSha);
}

/**
 * Manual delivery: nothing reads the SP's settings, so the SP's trust is known only from a login
 * it accepted in this run (the IdP signs with the current key), or from a person's confirmation
 * that they uploaded the current certificate. A hand-over alone is a warning.
 */
function judgeManualUpload(trust: SpTrust, current: string | undefined, sp: SpConnector, spProfile: SpProfile, login: Outcome<WebLoginResult> | undefined, nextSha?: string): CheckResult {
  const id: CheckId = 'sp.trust';
  const upload = uploadRecord(trust);
  const signedIn = login?.ok === true && login.value.outcome === 'signed-in';
  const refusal = login?.ok === true && login.value.outcome === 'failed' && login.value.code === 'SP_REJECTED_ASSERTION' ? login.value.message : undefined;
  const details = { delivery: 'manual', ...(upload ? { upload } : {}), idpCertificate: current, provenByLogin: signedIn };
  const confirmLater = `Upload ${sp.target} in ${spProfile.settingsPlace}, then run \`sso-setup confirm-upload --fingerprint ${current ?? '<fingerprint>'}\` (or give verify a test user: a passing sso.login proves it).`;
  if (signedIn) {
    return { id, status: 'pass', message: `${spProfile.name} accepted a login signed with the IdP's current certificate ${short(current)} (sso.login)`, details };
  }
  if (!upload) {
    return {
      id,
      status: 'warn',
      message: `no record of a hand-over to ${spProfile.name} for this application: whether ${spProfile.name} trusts the IdP is unknown`,
      hint: `Run \`sso-setup apply\` (manual delivery), upload the saved file in ${spProfile.name}, then \`sso-setup confirm-upload\`.`,
      details,
    };
  }
  const handedOver = `${short(upload.certificate)}${upload.handedOverAt ? ` on ${day(upload.handedOverAt)}` : ''}`;
  if (upload.certificate !== current && upload.certificate === nextSha) {
    // `sso-setup rotate`'s file: the current key and the next one.
    if (upload.status === 'confirmed') return { id, status: 'pass', message: `the upload of the rotation file (current key ${short(current)} and next key ${short(nextSha)}) was confirmed on ${day(upload.confirmedAt)}`, details };
    return { id, status: 'warn', message: `the rotation file (current and next key) was handed over${upload.handedOverAt ? ` on ${day(upload.handedOverAt)}` : ''}, upload not confirmed`, hint: `Upload ${sp.target} in ${spProfile.name}, then run \`sso-setup confirm-upload --fingerprint ${nextSha}\`.`, details };
  }
  if (upload.certificate !== current) {
    return {
      id,
      status: 'fail',
      message: `the IdP signs with ${short(current)}, but the certificate last handed over to ${spProfile.name} is ${handedOver}`,
      hint: `Run \`sso-setup apply\`, upload the new metadata file in ${spProfile.settingsPlace}, then \`sso-setup confirm-upload\`.`,
      details,
    };
  }
  if (upload.status === 'handed-over') {
    const when = upload.handedOverAt ? ` on ${day(upload.handedOverAt)}` : '';
    return { id, status: 'warn', message: `certificate ${short(current)} handed over${when}, upload not confirmed`, hint: confirmLater, details };
  }
  if (refusal) {
    return {
      id,
      status: 'warn',
      message: `the upload of ${short(current)} was confirmed on ${day(upload.confirmedAt)}, but ${spProfile.name} refused this run's login (see sso.login): SSO may be off or changed there`,
      hint: `Check ${spProfile.settingsPlace}; if needed upload ${sp.target} again.`,
      details,
    };
  }
  return {
    id,
    status: 'pass',
    message: `a person confirmed on ${day(upload.confirmedAt)} uploading the IdP's current certificate ${short(current)} (not read from ${spProfile.name}; a test user lets sso.login prove it)`,
    details,
  };
}

/** The hint for a refused login when no connection serves the application (idp.connections says more). */
const NO_CONNECTION_HINT = 'No connection is enabled for the application (see idp.connections): `sso-setup apply --connection NAME` enables one.';

export function judgeProbe(client: Auth0Client | undefined, metadata: MetadataFact, probe: Outcome<WebLoginResult> | undefined, servedBy?: string[]): CheckResult {
  const id: CheckId = 'sso.probe';
  if (!client || !metadata?.ok || !probe) return skipped(id, 'needs the IdP metadata (see idp.metadata)');
  if (!probe.ok) return failed(id, probe.error);
  const r = probe.value;
  if (r.outcome === 'login-page') {
    return { id, status: 'pass', message: 'the IdP answered an AuthnRequest from the SP with its login page', details: { trail: r.trail } };
  }
  if (r.outcome === 'failed') {
    return {
      id,
      status: 'fail',
      message: `the IdP refused an AuthnRequest from the SP: ${r.message}`,
      hint:
        servedBy?.length === 0
          ? NO_CONNECTION_HINT
          : r.code === 'IDP_ERROR_PAGE'
            ? 'Check that the ACS is among the application\'s callbacks; `sso-setup apply` repairs it.'
            : 'Run with --verbose to see the requests.',
      details: { code: r.code, status: r.status, trail: r.trail },
    };
  }
  return { id, status: 'warn', message: 'the IdP signed in without asking for credentials (an existing session?)', details: { trail: r.trail } };
}

export function judgeLogin(client: Auth0Client | undefined, user: VerifyOptions['testUser'], login: Outcome<WebLoginResult> | undefined, servedBy?: string[]): CheckResult {
  const id: CheckId = 'sso.login';
  if (!user) return skipped(id, 'no test user given (--test-user, or SSO_SETUP_TEST_USER_EMAIL/_PASSWORD)');
  if (!client || !login) return skipped(id, 'needs the Auth0 application (see idp.client)');
  if (!login.ok) return failed(id, login.error);
  const r = login.value;
  if (r.outcome === 'signed-in') {
    return { id, status: 'pass', message: `signed in to the SP as ${r.email ?? user.email}: the assertion was accepted`, details: { trail: r.trail } };
  }
  if (r.outcome === 'failed' && r.code === 'LOGIN_NEEDS_BROWSER') {
    // Not a broken SSO: a page this browserless walk cannot get past (JavaScript login, CAPTCHA, MFA).
    return {
      id,
      status: 'warn',
      message: `the login round trip could not be checked: ${r.message}`,
      hint: 'Check a login in a browser; give a test user without MFA on a server-rendered (New Universal Login) page, or leave --test-user out.',
      details: { code: r.code, ...(r.status !== undefined ? { status: r.status } : {}), trail: r.trail },
    };
  }
  const message = r.outcome === 'failed' ? r.message : 'the flow stopped at the login page';
  return {
    id,
    status: 'fail',
    message: `the login round trip failed: ${message}`,
    hint: servedBy?.length === 0 ? NO_CONNECTION_HINT : (r.outcome === 'failed' ? LOGIN_HINTS[r.code] : undefined) ?? 'Check the test user can sign in to the Auth0 application (through one of its connections), then run with --verbose.',
    details: { ...(r.outcome === 'failed' ? { code: r.code, status: r.status } : {}), trail: r.trail },
  };
}

/** Hints for refusals that are not the test user's sign-in (an SP's OAuth flow: src/sp/polis/login.ts). */
const LOGIN_HINTS: Record<string, string> = {
  SP_REJECTED_ASSERTION: 'The SP refused what the IdP sent: run `sso-setup apply` to push the current IdP metadata, then check the SP\'s logs.',
  SP_AUTHORIZE_REFUSED: "The SP would not start a login for this tenant and product: run `sso-setup apply` (it creates the connection), and check the redirect URLs.",
  SP_WRONG_USER: "The SP signed in someone else than the test user: check the application's email mapping (saml.mappings) and NameID.",
  SP_BAD_CALLBACK: 'The SP did not come back with a code for this login: check its redirect URLs, then run with --verbose.',
  SP_OAUTH_FAILED: "The SP's token or profile endpoint failed after the login: check the SP's logs, then run again.",
};

function show(v: unknown): string {
  return v === undefined ? '(unset)' : typeof v === 'string' ? v : JSON.stringify(v);
}

function short(sha: string | undefined): string {
  return sha ? `${sha.slice(0, 17)}…` : '(none)';
}

/** A NameID format by its last part, as people say it: `emailAddress`, `persistent`. */
function formatName(format: string): string {
  return format.slice(format.lastIndexOf(':') + 1);
}
