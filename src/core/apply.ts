/**
 * The run behind `apply` (and `init`, `demo`): read both sides, plan, change only what differs,
 * check the IdP metadata, deliver it to the SP and confirm. Safe to repeat: the Auth0 application
 * is found by its marker, so a run interrupted anywhere converges on the next one.
 */
import type { ResolvedConfig } from '../config/types.js';
import { EXIT, SsoError } from '../errors.js';
import { EMAIL_ADDRESS_FORMAT } from '../idp/auth0/saml-addon.js';
import { grantHint, SCOPES } from '../idp/auth0/scopes.js';
import { parseTrustedCertificate } from '../saml/certificate.js';
import { manualUploadSteps } from '../sp/amplitude/manual.js';
import { desiredClient, planIdp, planSp, type FieldChange, type MetadataSummary } from './plan.js';
import type { Auth0Client, EndpointSp, FileStore, IdpAdmin, ManualSp, Progress, SpConnector, SpTrust } from './ports.js';
import { describeUpload, uploadRecord, type UploadRecord } from './upload.js';

/** The parts of the metadata checker's report that apply and verify read. */
export interface MetadataVerdict {
  valid: boolean;
  entityId: string | null;
  sso: { binding: string; location: string }[];
  certificates: { sha256: string; subject: string; notAfter: string; daysLeft?: number }[];
  errors: { code: string; message: string }[];
  warnings: { code: string; message: string }[];
}

export interface MetadataExpectations {
  now: Date;
  warnDays: number;
  expectEntityId: string;
  expectHost: string;
  schema: boolean;
  requireNameIdFormat: string;
  loopbackHttp: 'accept' | 'error';
}

export type MetadataChecker = (input: Uint8Array, options: MetadataExpectations) => Promise<MetadataVerdict>;

/**
 * Checks the tenant's metadata with the expectations for this configuration. A loopback tenant
 * (the sandbox) serves plain http by design; anywhere else http is an error.
 */
export function checkTenantMetadata(
  check: MetadataChecker,
  bytes: Uint8Array,
  config: ResolvedConfig,
  now: Date,
  warnDays: number,
): Promise<MetadataVerdict> {
  return check(bytes, {
    now,
    warnDays,
    expectEntityId: `urn:${config.auth0.domain}`,
    expectHost: new URL(config.auth0.baseUrl).hostname,
    schema: true,
    requireNameIdFormat: EMAIL_ADDRESS_FORMAT,
    loopbackHttp: config.auth0.baseUrl.startsWith('http:') ? 'accept' : 'error',
  });
}

export interface ApplyDeps {
  idp: IdpAdmin;
  sp: SpConnector;
  files: FileStore;
  progress: Progress;
  checkMetadata: MetadataChecker;
  now: () => Date;
}

export type StepStatus = 'done' | 'unchanged' | 'planned' | 'manual' | 'failed' | 'not-run';

export interface StepRecord {
  id: string;
  title: string;
  status: StepStatus;
  /** Whether sso-setup did (or will do) this step itself, rather than a person. */
  automated: boolean;
  detail?: string;
}

export interface ApplyResult {
  changed: boolean;
  dryRun: boolean;
  idp: { clientId?: string; action: 'create' | 'update' | 'none'; diff: FieldChange[] };
  metadata?: {
    url: string;
    entityId: string | null;
    ssoUrl: string;
    certificates: MetadataVerdict['certificates'];
    warnings: MetadataVerdict['warnings'];
    file?: string;
  };
  sp: {
    delivery: 'endpoint' | 'manual';
    action: string;
    target: string;
    diff: FieldChange[];
    /**
     * Manual delivery, once something was handed over: the hand-over and whether a person confirmed
     * the upload (after this run; a dry run shows it as it stands).
     */
    upload?: UploadRecord;
  };
  steps: StepRecord[];
  /** What is left to a person (manual delivery). */
  manualSteps?: string[];
}

const REDIRECT_BINDING = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const UPLOAD_TITLE = 'Upload the metadata file in Amplitude';

export async function applySetup(config: ResolvedConfig, deps: ApplyDeps, opts: { dryRun: boolean }): Promise<ApplyResult> {
  const steps: StepRecord[] = [];
  const record = (s: StepRecord) => {
    const i = steps.findIndex((x) => x.id === s.id);
    if (i >= 0) steps[i] = s;
    else steps.push(s);
  };
  try {
    return await run(config, deps, opts, record, steps);
  } catch (error) {
    // Say what was done and what was not, in the error itself (text and --json).
    const planned: StepRecord[] = [
      { id: 'idp.token', title: 'Get a Management API token', status: 'not-run', automated: true },
      { id: 'idp.client', title: 'Create or update the Auth0 application', status: 'not-run', automated: true },
      { id: 'idp.metadata', title: 'Download and check the IdP metadata', status: 'not-run', automated: true },
      {
        id: 'sp.deliver',
        title: deps.sp.delivery === 'endpoint' ? 'Push the metadata to the SP settings endpoint' : 'Save the metadata for upload to Amplitude',
        status: 'not-run',
        automated: true,
      },
    ];
    for (const p of planned) if (!steps.some((s) => s.id === p.id)) steps.push(p);
    // The step in progress is the last one recorded as planned (a dry run leaves earlier ones planned).
    const running = steps.findLast((s) => s.status === 'planned');
    if (running) running.status = 'failed';
    if (error instanceof SsoError) {
      throw new SsoError(error.code, error.message, {
        ...(error.hint ? { hint: error.hint } : {}),
        exit: error.exit,
        cause: error,
        details: { ...(error.details ?? {}), steps },
      });
    }
    throw error;
  }
}

async function run(
  config: ResolvedConfig,
  deps: ApplyDeps,
  opts: { dryRun: boolean },
  record: (s: StepRecord) => void,
  steps: StepRecord[],
): Promise<ApplyResult> {
  const { idp, sp, progress } = deps;
  const desired = desiredClient(config);

  // 1. Token (and the scopes it carries).
  record({ id: 'idp.token', title: 'Get a Management API token', status: 'planned', automated: true });
  let step = progress.start(`Getting a Management API token from ${config.auth0.domain}`);
  const session = await withStep(step, () => idp.connect());
  requireScopes(session.scopes, [SCOPES.readClients], 'read applications');
  step.done(`Management API token from ${config.auth0.domain}`);
  record({ id: 'idp.token', title: 'Get a Management API token', status: 'done', automated: true });

  // 2. Read both sides at once.
  step = progress.start('Reading the Auth0 application and the SP settings');
  const [matches, endpointTrust, nextKey] = await withStep(step, () =>
    allOrFirstError([
      idp.findClientsByMarker(desired.marker.key, desired.marker.value),
      sp.delivery === 'endpoint' ? sp.readTrust(undefined) : Promise.resolve(undefined),
      sp.delivery === 'endpoint' ? nextSigningCertificate(idp, session.scopes, progress) : Promise.resolve(undefined),
    ] as const),
  );
  if (matches.length > 1) {
    step.fail();
    throw duplicateApplications(desired.marker, matches);
  }
  let client: Auth0Client | undefined = matches[0];
  step.done(client ? `Found Auth0 application "${client.name}" (${client.client_id})` : 'No Auth0 application for this org yet');

  // 3. The Auth0 application.
  const idpPlan = planIdp(desired, client);
  const idpTitle = idpPlan.action === 'create' ? `Create Auth0 application "${desired.name}"` : 'Update the Auth0 application';
  if (opts.dryRun || idpPlan.action === 'none') {
    record({
      id: 'idp.client',
      title: idpPlan.action === 'none' ? 'Create or update the Auth0 application' : idpTitle,
      status: idpPlan.action === 'none' ? 'unchanged' : 'planned',
      automated: true,
      ...(idpPlan.action === 'none' ? { detail: 'already as configured' } : {}),
    });
  } else {
    record({ id: 'idp.client', title: idpTitle, status: 'planned', automated: true });
    if (idpPlan.action === 'create') {
      requireScopes(session.scopes, [SCOPES.createClients], 'create the application');
      step = progress.start(`Creating Auth0 application "${desired.name}" with the SAML2 addon`);
      client = await withStep(step, () => idp.createClient(idpPlan.body));
      step.done(`Created Auth0 application "${client.name}" (${client.client_id}) with the SAML2 addon`);
    } else {
      requireScopes(session.scopes, [SCOPES.updateClients], 'update the application');
      step = progress.start(`Updating ${idpPlan.changes.map((c) => c.field).join(', ')}`);
      client = await withStep(step, () => idp.updateClient(idpPlan.clientId, idpPlan.patch));
      step.done(`Updated the Auth0 application: ${idpPlan.changes.map((c) => c.field).join(', ')}`);
    }
    record({ id: 'idp.client', title: idpTitle, status: 'done', automated: true, detail: client.client_id });
  }

  const clientId = client?.client_id;
  const result: ApplyResult = {
    changed: !opts.dryRun && idpPlan.action !== 'none',
    dryRun: opts.dryRun,
    idp: { ...(clientId ? { clientId } : {}), action: idpPlan.action, diff: idpPlan.changes },
    sp: { delivery: sp.delivery, action: 'pending', target: sp.target, diff: [] },
    steps,
  };

  // 4. IdP metadata: only once the application exists (a dry run of a first setup stops here).
  let metadataXml: string | undefined;
  let summary: MetadataSummary | undefined;
  if (clientId) {
    record({ id: 'idp.metadata', title: 'Download and check the IdP metadata', status: 'planned', automated: true });
    const url = idp.metadataUrl(clientId);
    step = progress.start(`Downloading and checking ${url}`);
    const bytes = await withStep(step, () => idp.downloadMetadata(clientId));
    const verdict = await withStep(step, () => checkTenantMetadata(deps.checkMetadata, bytes, config, deps.now(), 30));
    if (!verdict.valid) {
      step.fail();
      throw new SsoError(
        'IDP_METADATA_INVALID',
        `the IdP metadata at ${url} failed the checks: ${verdict.errors.map((e) => `${e.code} (${e.message})`).join('; ')}`,
        { hint: `Nothing was sent to the SP. Inspect it with: sso-setup metadata check ${url}`, details: { errors: verdict.errors } },
      );
    }
    const ssoUrl = (verdict.sso.find((s) => s.binding === REDIRECT_BINDING) ?? verdict.sso[0])?.location ?? '';
    summary = {
      entityId: verdict.entityId ?? '',
      ssoUrl,
      certificates: verdict.certificates.map((c) => c.sha256),
      ...(nextKey ? { additional: [nextKey] } : {}),
    };
    metadataXml = new TextDecoder().decode(bytes);
    step.done(`IdP metadata valid: ${summary.entityId}, certificate ${shortFingerprint(summary.certificates[0])}`);
    record({ id: 'idp.metadata', title: 'Download and check the IdP metadata', status: 'done', automated: true });
    result.metadata = { url, entityId: verdict.entityId, ssoUrl, certificates: verdict.certificates, warnings: verdict.warnings };
  }

  // 5. The SP.
  if (sp.delivery === 'endpoint') {
    await deliverToEndpoint(sp as EndpointSp, endpointTrust!, summary, metadataXml, opts, deps, result, record);
  } else {
    await handOver(config, client, sp as ManualSp, summary, metadataXml, opts, deps, result, record, session.scopes);
  }

  result.changed = !opts.dryRun && steps.some((s) => s.status === 'done' && s.id !== 'idp.token' && s.id !== 'idp.metadata');
  return result;
}

async function deliverToEndpoint(
  sp: EndpointSp,
  trust: SpTrust,
  summary: MetadataSummary | undefined,
  metadataXml: string | undefined,
  opts: { dryRun: boolean },
  deps: ApplyDeps,
  result: ApplyResult,
  record: (s: StepRecord) => void,
): Promise<void> {
  const title = 'Push the metadata to the SP settings endpoint';
  const plan = planSp(trust, summary);
  result.sp = { delivery: 'endpoint', action: plan.action, target: sp.target, diff: plan.changes };
  if (plan.action === 'none') {
    record({ id: 'sp.deliver', title, status: 'unchanged', automated: true, detail: 'the SP already trusts this certificate' });
    return;
  }
  if (opts.dryRun || plan.action === 'pending' || !metadataXml || !summary) {
    record({ id: 'sp.deliver', title, status: 'planned', automated: true });
    return;
  }
  record({ id: 'sp.deliver', title, status: 'planned', automated: true });
  const step = deps.progress.start(`Uploading the metadata to ${sp.target}`);
  await withStep(step, () => sp.upload(metadataXml, (summary.additional ?? []).map((c) => c.pem)));
  // Read back: the SP must hold exactly the certificate the IdP signs with.
  const readBack = await withStep(step, () => sp.readTrust(undefined));
  const expected = summary.certificates[0];
  if (readBack.kind !== 'endpoint' || !readBack.enabled || !expected || !readBack.certificates.includes(expected)) {
    step.fail();
    throw new SsoError('SP_READBACK_MISMATCH', `after the upload, the SP does not report the IdP certificate ${shortFingerprint(expected)}`, {
      hint: 'The SP settings endpoint did not store what was sent; check it, then run again.',
    });
  }
  const extra = summary.additional?.filter((c) => readBack.certificates.includes(c.sha256)).length ?? 0;
  step.done(`SP settings updated; the SP now trusts certificate ${shortFingerprint(expected)}${extra ? ' and the next signing key' : ''}`);
  record({ id: 'sp.deliver', title, status: 'done', automated: true });
}

async function handOver(
  config: ResolvedConfig,
  client: Auth0Client | undefined,
  sp: ManualSp,
  summary: MetadataSummary | undefined,
  metadataXml: string | undefined,
  opts: { dryRun: boolean },
  deps: ApplyDeps,
  result: ApplyResult,
  record: (s: StepRecord) => void,
  scopes: string[],
): Promise<void> {
  const file = sp.target;
  const path = deps.files.resolve(file);
  const trust = await sp.readTrust(client);
  const existing = metadataXml ? await deps.files.read(file) : undefined;
  const plan = planSp(trust, summary, { file: path, fileMatches: existing !== undefined && existing === metadataXml });
  let upload = uploadRecord(trust);
  result.sp = { delivery: 'manual', action: plan.action, target: path, diff: plan.changes, ...(upload ? { upload } : {}) };
  const saveTitle = 'Save the metadata for upload to Amplitude';
  const current = summary?.certificates[0];
  // What is left to the person: nothing once they confirmed uploading the certificate the IdP signs with.
  const personStep = (after: UploadRecord | undefined) => {
    if (after?.status === 'confirmed' && after.certificate === current) {
      record({ id: 'sp.upload', title: UPLOAD_TITLE, status: 'unchanged', automated: false, detail: describeUpload(after) });
      return;
    }
    record({ id: 'sp.upload', title: UPLOAD_TITLE, status: 'manual', automated: false, ...(after && after.certificate === current ? { detail: describeUpload(after) } : {}) });
    result.manualSteps = manualUploadSteps(config.amplitude.baseUrl, path, current);
  };

  if (plan.action === 'none') {
    record({ id: 'sp.deliver', title: saveTitle, status: 'unchanged', automated: true, detail: path });
    personStep(upload);
    if (result.metadata) result.metadata.file = path;
    return;
  }
  if (opts.dryRun || plan.action === 'pending' || !metadataXml || !summary || !client) {
    record({ id: 'sp.deliver', title: saveTitle, status: 'planned', automated: true, detail: path });
    // A re-save of a confirmed certificate leaves nothing to the person; a new one will.
    personStep(upload);
    return;
  }
  record({ id: 'sp.deliver', title: saveTitle, status: 'planned', automated: true, detail: path });
  const step = deps.progress.start(`Saving the IdP metadata to ${path}`);
  if (!plan.changes.some((c) => c.field === 'file') && existing === metadataXml) {
    // Same bytes already on disk: nothing to write.
  } else {
    await withStep(step, () => deps.files.write(file, metadataXml));
  }
  const cert = summary.certificates[0]!;
  if (upload?.certificate !== cert) {
    // A new hand-over: recorded as such, and any confirmation of an earlier certificate is dropped.
    requireScopes(scopes, [SCOPES.updateClients], 'record the handed-over certificate');
    const at = deps.now();
    await withStep(step, () => deps.idp.updateClient(client.client_id, { client_metadata: sp.handOverRecord(cert, at) }));
    upload = { status: 'handed-over', certificate: cert, handedOverAt: at.toISOString() };
    result.sp.upload = upload;
  }
  step.done(`Saved the IdP metadata to ${path}`);
  record({ id: 'sp.deliver', title: saveTitle, status: 'done', automated: true, detail: path });
  personStep(upload);
  if (result.metadata) result.metadata.file = path;
}

/**
 * Auth0's queued next signing certificate, for the SP to trust ahead of a rotation. Optional: without
 * the read:signing_keys scope (or on any error) the run goes on without it.
 */
async function nextSigningCertificate(idp: IdpAdmin, scopes: string[], progress: Progress): Promise<{ sha256: string; pem: string } | undefined> {
  if (scopes.length && !scopes.includes(SCOPES.readSigningKeys)) {
    progress.info(`Without ${SCOPES.readSigningKeys}, the SP cannot be told about Auth0's next signing key ahead of a rotation.`);
    return undefined;
  }
  try {
    const next = (await idp.signingKeys()).find((k) => k.next && !k.revoked);
    if (!next) return undefined;
    const parsed = parseTrustedCertificate(next.cert);
    return parsed.ok ? { sha256: parsed.certificate.sha256, pem: next.cert } : undefined;
  } catch (error) {
    progress.info(`Could not read Auth0's signing keys (${error instanceof Error ? error.message : String(error)}); the next key is not pre-trusted.`);
    return undefined;
  }
}

/** More than one application carries our marker: sso-setup cannot tell which one is its own. */
export function duplicateApplications(marker: { key: string; value: string }, matches: Auth0Client[]): SsoError {
  return new SsoError(
    'AUTH0_DUPLICATE_APPLICATION',
    `${matches.length} Auth0 applications carry the marker ${marker.key}=${marker.value}: ${matches.map((c) => `${c.name} (${c.client_id})`).join(', ')}`,
    { hint: `Delete the extra application(s) in Auth0, or remove '${marker.key}' from their Metadata, then run again.` },
  );
}

/**
 * Like Promise.all, but waits for every request to finish before reporting the first failure, so
 * no request is left running (and retrying) after the command has given up.
 */
export async function allOrFirstError<T extends readonly unknown[]>(promises: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(promises);
  const failure = settled.find((r) => r.status === 'rejected');
  if (failure) throw (failure as PromiseRejectedResult).reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}

/** Runs a step's work, marking the spinner failed when it throws. */
async function withStep<T>(step: { fail(text?: string): void }, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    step.fail();
    throw error;
  }
}

/** Fails before changing anything when the token lacks a scope (an empty list means the IdP did not say). */
export function requireScopes(granted: string[], needed: string[], what: string): void {
  if (granted.length === 0) return;
  const missing = needed.filter((s) => !granted.includes(s));
  if (missing.length) {
    throw new SsoError('AUTH0_MISSING_SCOPE', `the Management API token lacks ${missing.join(', ')} (needed to ${what})`, {
      hint: grantHint(missing),
      exit: EXIT.failure,
      details: { missingScopes: missing },
    });
  }
}

export function shortFingerprint(sha256: string | undefined): string {
  if (!sha256) return '(none)';
  return `${sha256.slice(0, 23)}…`;
}
