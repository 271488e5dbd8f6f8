/**
 * The run behind `apply` (and `init`, `demo`): read both sides, plan, change only what differs,
 * check the IdP metadata, deliver it to the SP and confirm. Safe to repeat: the Auth0 application
 * is found by its marker, so a run interrupted anywhere converges on the next one.
 */
import type { ResolvedConfig } from '../config/types.js';
import { EXIT, SsoError } from '../errors.js';
import { parseTrustedCertificate } from '../saml/certificate.js';
import { capitalised } from '../text.js';
import { connectionDrift, enableConnectionHint, missingConnections, names, noConnectionMessage, planConnections } from './connections.js';
import { configFingerprint, formatOrigin, judgeMarked, ORIGIN_KEY, originOf, rankMarked } from './overlapping-runs.js';
import { desiredClient, planIdp, planSp, type DesiredClient, type FieldChange, type MetadataSummary } from './plan.js';
import type { Auth0Client, ClientWrite, EndpointSp, FileStore, IdpAdmin, IdpConnection, IdpRules, ManualSp, Progress, SpConnector, SpProfile, SpTrust } from './ports.js';
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
  spProfile: SpProfile,
  now: Date,
  warnDays: number,
): Promise<MetadataVerdict> {
  // With a custom domain Auth0 serves the metadata there, names itself urn:<custom domain> and puts
  // its SSO endpoints on it (README, "Custom domains").
  return check(bytes, {
    now,
    warnDays,
    expectEntityId: `urn:${config.auth0.samlDomain}`,
    expectHost: new URL(config.auth0.samlBaseUrl).hostname,
    schema: true,
    requireNameIdFormat: spProfile.nameIdFormat,
    loopbackHttp: config.auth0.samlBaseUrl.startsWith('http:') ? 'accept' : 'error',
  });
}

export interface ApplyDeps {
  idp: IdpAdmin;
  idpRules: IdpRules;
  sp: SpConnector;
  spProfile: SpProfile;
  files: FileStore;
  progress: Progress;
  checkMetadata: MetadataChecker;
  now: () => Date;
  /** Random ID of this run (16 hex digits), recorded in the origin of an application it creates. */
  runId: string;
  sleep: (ms: number) => Promise<void>;
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
  idp: {
    clientId?: string;
    action: 'create' | 'update' | 'none';
    diff: FieldChange[];
    /** Duplicates this run deleted: its own after an overlapping run created one first, or ones left by such runs. */
    removedDuplicates?: string[];
  };
  /**
   * The connections the application is enabled on after the run (a dry run: as planned).
   * `managed`: the configuration names them, and apply enabled it on exactly those. Without
   * configured connections, present only for an application this run created (what the tenant
   * enabled it on), when the token may read them.
   */
  connections?: { managed: boolean; action: 'update' | 'none'; enabled: string[]; diff: FieldChange[] };
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
      ...(config.application.connections ? [{ id: 'idp.connections', title: CONNECTIONS_TITLE, status: 'not-run' as const, automated: true }] : []),
      {
        id: 'sp.deliver',
        title: deps.sp.delivery === 'endpoint' ? 'Push the metadata to the SP settings endpoint' : `Save the metadata for upload to ${deps.spProfile.name}`,
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
  const { idp, idpRules, sp, progress } = deps;
  const desired = desiredClient(config, idpRules, deps.spProfile);

  // 1. Token (and the scopes it carries); the SP endpoint needs no Auth0 token, so it is read meanwhile.
  const spRead = sp.delivery === 'endpoint' ? sp.readTrust(undefined) : Promise.resolve(undefined);
  record({ id: 'idp.token', title: 'Get a Management API token', status: 'planned', automated: true });
  let step = progress.start(`Getting a Management API token from ${config.auth0.domain}`);
  const session = await withStep(step, () => allOrFirstError([idp.connect(), spRead.catch(() => undefined)] as const)).then(([s]) => s);
  requireScopes(idpRules, session.scopes, [idpRules.scopes.readClients], 'read applications');
  const configured = config.application.connections;
  if (configured) {
    requireScopes(idpRules, session.scopes, opts.dryRun ? [idpRules.scopes.readConnections] : [idpRules.scopes.readConnections, idpRules.scopes.updateConnections], 'enable the application on its connections');
  }
  step.done(`Management API token from ${config.auth0.domain}`);
  record({ id: 'idp.token', title: 'Get a Management API token', status: 'done', automated: true });

  // 2. Read both sides at once.
  step = progress.start('Reading the Auth0 application and the SP settings');
  const marked = idp.findClientsByMarker(desired.marker.key, desired.marker.value);
  // Configured connections: those of the application to keep, asked as soon as it is known and
  // awaited only at the connections step, so the read overlaps the client step and the metadata
  // download. Unconfigured, an existing application's are not read (verify's idp.connections
  // watches them): a run over many orgs pays no request per org for them.
  const keptId = configured ? marked.then((m) => rankMarked(m)[0]?.client_id) : Promise.resolve(undefined);
  const keptConnections = settledOutcome(keptId.then((id) => (id ? applicationConnections(idp, id, session.scopes, idpRules, true, progress) : undefined)));
  const [matches, firstTrust, nextKey, tenantConnections] = await withStep(step, () =>
    allOrFirstError([
      marked,
      spRead,
      // Endpoint: pushed as an additional certificate. Manual: tells a rotation's hand-over (./rotate.ts) from an outdated one.
      nextSigningCertificate(idp, session.scopes, idpRules, progress, sp.delivery),
      configured ? idp.listConnections() : Promise.resolve(undefined),
    ] as const),
  );
  if (configured) {
    const missing = connectionDrift(configured, tenantConnections!, []).missing;
    if (missing.length) {
      step.fail();
      throw missingConnections(missing, tenantConnections!, connectionsOrigin(config));
    }
  }
  const found = judgeMarked(matches);
  if (found.kind === 'ambiguous') {
    step.fail();
    throw duplicateApplications(desired.marker, found.clients, found.reason);
  }
  let client: Auth0Client | undefined = found.kind === 'one' ? found.client : found.kind === 'race' ? found.winner : undefined;
  const extra = found.kind === 'race' ? ` and ${found.duplicates.length} duplicate(s) left by overlapping runs` : '';
  step.done(client ? `Found Auth0 application "${client.name}" (${client.client_id})${extra}` : `No Auth0 application for ${deps.spProfile.targetLabel(config.sp.id)} yet`);

  const run: RunState = {
    config,
    deps,
    opts,
    record,
    steps,
    scopes: session.scopes,
    desired,
    nextKey,
    removed: [],
    wrote: false,
    undeletable: [],
    ...(tenantConnections ? { tenantConnections } : {}),
    knownConnections: { of: await keptId, read: keptConnections },
  };
  if (found.kind === 'race') await removeRaceDuplicates(run, found.winner, found.duplicates);

  // 3-5 for the application to keep; then, if this run changed anything, make sure it is still the
  // one to keep (an overlapping run may have created an earlier one), else converge on that one.
  let trust = firstTrust;
  for (let round = 1; ; round++) {
    const result = await converge(run, client, trust);
    if (opts.dryRun || !run.wrote) return finish(result, run);
    const listing = run.finalListing ?? deps.idp.findClientsByMarker(desired.marker.key, desired.marker.value);
    run.finalListing = undefined;
    const confirmed = await confirmKept(run, result.idp.clientId!, await listing);
    if (confirmed === undefined) return finish(result, run);
    if (round >= MAX_ROUNDS) {
      throw new SsoError(
        'AUTH0_DUPLICATE_APPLICATION',
        `the applications carrying ${desired.marker.key}=${desired.marker.value} kept changing while this run converged (${round} rounds)`,
        { hint: 'Another process keeps creating or deleting them; stop it, then run again.' },
      );
    }
    client = confirmed;
    trust = sp.delivery === 'endpoint' ? await sp.readTrust(undefined) : undefined;
  }
}

/** Rounds of "deliver, then check it is still the application to keep" before giving up (each needs a newly created earlier one). */
const MAX_ROUNDS = 3;

interface RunState {
  config: ResolvedConfig;
  deps: ApplyDeps;
  opts: { dryRun: boolean };
  record: (s: StepRecord) => void;
  steps: StepRecord[];
  scopes: string[];
  desired: DesiredClient;
  nextKey: { sha256: string; pem: string } | undefined;
  /** Duplicates this run deleted (its own, after losing a race, or left by earlier overlapping runs). */
  removed: string[];
  /** Whether this run changed anything (then it checks at the end that its application is still the one). */
  wrote: boolean;
  /** Applications this run made but may not delete (the token lacks delete:clients). */
  undeletable: string[];
  /**
   * The listing that ends a run which changed something, started as the SP delivery starts (so it
   * costs no round trip of its own): it is taken after this run's create or update, and shows an
   * application an overlapping run created meanwhile.
   */
  finalListing?: Promise<Auth0Client[]>;
  /** The tenant's connections, read when the configuration names some. */
  tenantConnections?: IdpConnection[];
  /** The connections of an application, read early (alongside the other reads). */
  knownConnections: { of: string | undefined; read: Promise<Settled<IdpConnection[] | undefined>> };
}

/** Starts the run's final listing (once), as the last writes begin. */
function startFinalListing(run: RunState): void {
  if (run.opts.dryRun || run.finalListing) return;
  const listing = run.deps.idp.findClientsByMarker(run.desired.marker.key, run.desired.marker.value);
  // Awaited by the run's loop; a failure here must not surface before then as an unhandled rejection.
  listing.catch(() => undefined);
  run.finalListing = listing;
}

function finish(result: ApplyResult, run: RunState): ApplyResult {
  if (run.removed.length) result.idp.removedDuplicates = [...run.removed];
  result.changed = !run.opts.dryRun && run.steps.some((s) => s.status === 'done' && s.id !== 'idp.token' && s.id !== 'idp.metadata');
  return result;
}

/** The Auth0 application (create or update), its metadata, and the SP: one pass for `client` (undefined: create one). */
async function converge(run: RunState, found: Auth0Client | undefined, trust: SpTrust | undefined): Promise<ApplyResult> {
  const { config, deps, opts, record, desired } = run;
  const { idp, sp, progress } = deps;
  let client = found;
  /** Metadata downloaded while the listing after a create ran. */
  let prefetched: { clientId: string; bytes: Uint8Array } | undefined;

  // 3. The Auth0 application.
  let idpPlan = planIdp(desired, client);
  let idpOutcome: { action: 'create' | 'update' | 'none'; diff: FieldChange[] } | undefined;
  if (idpPlan.action === 'create' && !opts.dryRun) {
    const { body, changes } = idpPlan;
    const title = `Create Auth0 application "${desired.name}"`;
    record({ id: 'idp.client', title, status: 'planned', automated: true });
    requireScopes(deps.idpRules, run.scopes, [deps.idpRules.scopes.createClients], 'create the application');
    const step = progress.start(`Creating Auth0 application "${desired.name}" with the SAML2 addon`);
    const created = await withStep(step, () => createOwnApplication(run, body));
    if (created) step.done(`Created Auth0 application "${created.name}" (${created.client_id}) with the SAML2 addon`);
    else step.skip('Another sso-setup run created the application meanwhile');
    // The listing that settles overlapping runs, and meanwhile the new application's metadata and
    // connections (what the tenant enabled it on: used when it is the one to keep, as it is unless
    // another run created one at the same time).
    if (created) {
      run.knownConnections = { of: created.client_id, read: settledOutcome(applicationConnections(idp, created.client_id, run.scopes, deps.idpRules, Boolean(config.application.connections), progress)) };
    }
    const [settled, bytes] = await allOrFirstError([
      settleAfterCreate(run, created),
      created ? deps.idp.downloadMetadata(created.client_id).catch(() => undefined) : Promise.resolve(undefined),
    ] as const);
    client = settled;
    if (created && bytes && settled.client_id === created.client_id) prefetched = { clientId: created.client_id, bytes };
    if (created && client.client_id === created.client_id) {
      record({ id: 'idp.client', title, status: 'done', automated: true, detail: client.client_id });
      idpOutcome = { action: 'create', diff: changes };
    } else {
      // An overlapping run's application is the one: carry on as if this run had found it.
      idpPlan = planIdp(desired, client);
    }
  }
  if (!idpOutcome) {
    const title = idpPlan.action === 'create' ? `Create Auth0 application "${desired.name}"` : idpPlan.action === 'update' ? 'Update the Auth0 application' : 'Create or update the Auth0 application';
    if (opts.dryRun || idpPlan.action !== 'update') {
      record({
        id: 'idp.client',
        title,
        status: idpPlan.action === 'none' ? 'unchanged' : 'planned',
        automated: true,
        ...(idpPlan.action === 'none' ? { detail: 'already as configured' } : {}),
      });
    } else {
      const update = idpPlan;
      record({ id: 'idp.client', title, status: 'planned', automated: true });
      requireScopes(deps.idpRules, run.scopes, [deps.idpRules.scopes.updateClients], 'update the application');
      const step = progress.start(`Updating ${update.changes.map((c) => c.field).join(', ')}`);
      client = await withStep(step, () => deps.idp.updateClient(update.clientId, update.patch));
      run.wrote = true;
      step.done(`Updated the Auth0 application: ${update.changes.map((c) => c.field).join(', ')}`);
      record({ id: 'idp.client', title, status: 'done', automated: true, detail: client.client_id });
    }
    idpOutcome = { action: idpPlan.action, diff: idpPlan.changes };
  }

  const clientId = client?.client_id;
  const result: ApplyResult = {
    changed: false,
    dryRun: opts.dryRun,
    idp: { ...(clientId ? { clientId } : {}), ...idpOutcome },
    sp: { delivery: sp.delivery, action: 'pending', target: sp.target, diff: [] },
    steps: run.steps,
  };

  // 4. IdP metadata: only once the application exists (a dry run of a first setup stops here).
  let metadataXml: string | undefined;
  let summary: MetadataSummary | undefined;
  if (clientId) {
    record({ id: 'idp.metadata', title: 'Download and check the IdP metadata', status: 'planned', automated: true });
    const url = idp.metadataUrl(clientId);
    const step = progress.start(`Downloading and checking ${url}`);
    const bytes = prefetched?.clientId === clientId ? prefetched.bytes : await withStep(step, () => idp.downloadMetadata(clientId));
    const verdict = await withStep(step, () => checkTenantMetadata(deps.checkMetadata, bytes, config, deps.spProfile, deps.now(), 30));
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
      // An SP that keeps one certificate (Polis) cannot pre-trust the next key: pushing it would never converge.
      ...(run.nextKey && !deps.sp.trustsOneCertificate ? { additional: [run.nextKey] } : {}),
    };
    metadataXml = new TextDecoder().decode(bytes);
    step.done(`IdP metadata valid: ${summary.entityId}, certificate ${shortFingerprint(summary.certificates[0])}`);
    record({ id: 'idp.metadata', title: 'Download and check the IdP metadata', status: 'done', automated: true });
    result.metadata = { url, entityId: verdict.entityId, ssoUrl, certificates: verdict.certificates, warnings: verdict.warnings };
  }

  // 4b. The connections the application is enabled on.
  await convergeConnections(run, result, client);

  // 5. The SP.
  if (sp.delivery === 'endpoint') {
    await deliverToEndpoint(sp as EndpointSp, trust!, summary, metadataXml, run, result);
  } else {
    await handOver(client, sp as ManualSp, summary, metadataXml, run, result);
  }
  return result;
}
async function deliverToEndpoint(
  sp: EndpointSp,
  trust: SpTrust,
  summary: MetadataSummary | undefined,
  metadataXml: string | undefined,
  run: RunState,
  result: ApplyResult,
): Promise<void> {
  const { opts, deps, record } = run;
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
  startFinalListing(run);
  const stored = await withStep(step, () => sp.upload(metadataXml, (summary.additional ?? []).map((c) => c.pem)));
  run.wrote = true;
  // Read back: the SP must hold exactly the certificate the IdP signs with. The contract's PUT
  // answers with the settings it stored (docs/sp-settings-endpoint.md), which is what a GET would
  // read; only an answer without them costs a GET.
  const readBack = stored ?? (await withStep(step, () => sp.readTrust(undefined)));
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
  client: Auth0Client | undefined,
  sp: ManualSp,
  summary: MetadataSummary | undefined,
  metadataXml: string | undefined,
  run: RunState,
  result: ApplyResult,
): Promise<void> {
  const { config, opts, deps, record, scopes } = run;
  const file = sp.target;
  const path = deps.files.resolve(file);
  const trust = await sp.readTrust(client);
  const existing = metadataXml ? await deps.files.read(file) : undefined;
  const plan = planSp(trust, summary, { file: path, fileMatches: existing !== undefined && existing === metadataXml });
  let upload = uploadRecord(trust);
  result.sp = { delivery: 'manual', action: plan.action, target: path, diff: plan.changes, ...(upload ? { upload } : {}) };
  const saveTitle = `Save the metadata for upload to ${deps.spProfile.name}`;
  const uploadTitle = `Upload the metadata file in ${deps.spProfile.name}`;
  const current = summary?.certificates[0];
  // What is left to the person: nothing once they confirmed uploading the certificate the IdP signs with.
  const personStep = (after: UploadRecord | undefined) => {
    if (after?.status === 'confirmed' && after.certificate === current) {
      record({ id: 'sp.upload', title: uploadTitle, status: 'unchanged', automated: false, detail: describeUpload(after) });
      return;
    }
    record({ id: 'sp.upload', title: uploadTitle, status: 'manual', automated: false, ...(after && after.certificate === current ? { detail: describeUpload(after) } : {}) });
    result.manualSteps = deps.spProfile.manualSteps(config.sp.baseUrl, path, current);
  };

  if (run.nextKey && upload?.certificate === run.nextKey.sha256) {
    // `sso-setup rotate` handed over a file with the current and the next key: it stays until the rotation.
    result.sp = { ...result.sp, action: 'none', diff: [] };
    record({ id: 'sp.deliver', title: saveTitle, status: 'unchanged', automated: true, detail: `${path}, saved by \`sso-setup rotate\` with the current and the next key` });
    if (upload.status === 'confirmed') {
      record({ id: 'sp.upload', title: uploadTitle, status: 'unchanged', automated: false, detail: describeUpload(upload) });
    } else {
      record({ id: 'sp.upload', title: uploadTitle, status: 'manual', automated: false, detail: describeUpload(upload) });
      result.manualSteps = deps.spProfile.manualSteps(config.sp.baseUrl, path, upload.certificate);
    }
    if (result.metadata) result.metadata.file = path;
    return;
  }
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
  startFinalListing(run);
  if (!plan.changes.some((c) => c.field === 'file') && existing === metadataXml) {
    // Same bytes already on disk: nothing to write.
  } else {
    await withStep(step, () => deps.files.write(file, metadataXml));
    run.wrote = true;
  }
  const cert = summary.certificates[0]!;
  if (upload?.certificate !== cert) {
    // A new hand-over: recorded as such, and any confirmation of an earlier certificate is dropped.
    requireScopes(deps.idpRules, scopes, [deps.idpRules.scopes.updateClients], 'record the handed-over certificate');
    const at = deps.now();
    await withStep(step, () => deps.idp.updateClient(client.client_id, { client_metadata: sp.handOverRecord(cert, at) }));
    upload = { status: 'handed-over', certificate: cert, handedOverAt: at.toISOString() };
    result.sp.upload = upload;
    run.wrote = true;
  }
  step.done(`Saved the IdP metadata to ${path}`);
  record({ id: 'sp.deliver', title: saveTitle, status: 'done', automated: true, detail: path });
  personStep(upload);
  if (result.metadata) result.metadata.file = path;
}

const CONNECTIONS_TITLE = 'Enable the application on its connections';

/**
 * The connections an application is enabled on. Managed (configured) connections need them, so a
 * failure fails the run; otherwise they only feed a warning, and a missing scope or a failure costs
 * just that warning.
 */
async function applicationConnections(idp: IdpAdmin, clientId: string, scopes: string[], idpRules: IdpRules, managed: boolean, progress: Progress): Promise<IdpConnection[] | undefined> {
  if (managed) return idp.connectionsOf(clientId);
  if (scopes.length && !scopes.includes(idpRules.scopes.readConnections)) return undefined;
  try {
    return await idp.connectionsOf(clientId);
  } catch (error) {
    progress.info(`Could not read the application's connections (${error instanceof Error ? error.message : String(error)}); whether a connection serves it is not checked.`);
    return undefined;
  }
}

/**
 * Configured connections: the application is enabled on exactly those (turned on first, then off
 * the others, so no moment leaves it without the wanted ones). Otherwise they are left alone, with
 * a warning when the application this run created is on none.
 */
async function convergeConnections(run: RunState, result: ApplyResult, client: Auth0Client | undefined): Promise<void> {
  const { config, deps, opts, record, scopes } = run;
  const { idp, progress } = deps;
  const configured = config.application.connections;
  let known: IdpConnection[] | undefined;
  if (client && run.knownConnections.of === client.client_id) {
    const early = await run.knownConnections.read;
    if (!early.ok) throw early.error;
    known = early.value;
  }
  if (!configured) {
    // Read only for an application this run created (beside the listing that settles the create):
    // does the tenant enable new applications on any connection?
    if (!client || !known) return;
    const enabled = known;
    result.connections = { managed: false, action: 'none', enabled: names(enabled), diff: [] };
    if (enabled.length === 0) progress.warn(`${capitalised(noConnectionMessage(client.name, deps.spProfile.name))}. ${enableConnectionHint(client.name)}`);
    return;
  }
  // Another application to keep than the one read early (an overlapping run's): read it now.
  const enabled = known ?? (client ? await applicationConnections(idp, client.client_id, scopes, deps.idpRules, true, progress) : undefined);
  const tenant = run.tenantConnections!;
  const plan = planConnections(configured, tenant, client ? enabled! : undefined);
  const after = names(tenant.filter((c) => configured.includes(c.name)));
  result.connections = { managed: true, action: plan.action, enabled: after, diff: plan.changes };
  if (plan.action === 'none') {
    record({ id: 'idp.connections', title: CONNECTIONS_TITLE, status: 'unchanged', automated: true, detail: after.join(', ') });
    return;
  }
  record({ id: 'idp.connections', title: CONNECTIONS_TITLE, status: 'planned', automated: true, detail: after.join(', ') });
  if (opts.dryRun || !client) return;
  const what = [plan.enable.length ? `on ${names(plan.enable).join(', ')}` : '', plan.disable.length ? `off ${names(plan.disable).join(', ')}` : ''].filter(Boolean).join('; ');
  const step = progress.start(`Turning the application ${what}`);
  await withStep(step, () => allOrFirstError(plan.enable.map((c) => idp.setConnectionEnabled(c.id, client.client_id, true))));
  await withStep(step, () => allOrFirstError(plan.disable.map((c) => idp.setConnectionEnabled(c.id, client.client_id, false))));
  run.wrote = true;
  step.done(`The application is enabled on ${after.join(', ')}${plan.disable.length ? ` (turned off on ${names(plan.disable).join(', ')})` : ''}`);
  record({ id: 'idp.connections', title: CONNECTIONS_TITLE, status: 'done', automated: true, detail: after.join(', ') });
}

/** Where the configured connections came from, for messages. */
function connectionsOrigin(config: ResolvedConfig): string {
  return config.sources['application.connections'] === 'flag' ? '--connection' : `${config.configFile ?? 'the config file'} application.connections`;
}

/**
 * Creates the application with an origin record naming this run. When Auth0 answers a create with
 * a 5xx, a dropped connection or a timeout, the create may or may not have landed: the marked
 * applications are listed again, and only when none carries this run's ID is the create repeated
 * (at most CREATE_ATTEMPTS in all). Returns undefined when, meanwhile, another run created one.
 */
async function createOwnApplication(run: RunState, body: ClientWrite): Promise<Auth0Client | undefined> {
  const { deps, desired } = run;
  const origin = formatOrigin({ createdAt: deps.now().toISOString(), config: configFingerprint(body), run: deps.runId });
  const withOrigin: ClientWrite = { ...body, client_metadata: { ...body.client_metadata, [ORIGIN_KEY]: origin } };
  for (let attempt = 1; ; attempt++) {
    try {
      const created = await deps.idp.createClient(withOrigin);
      run.wrote = true;
      return created;
    } catch (error) {
      if (!(error instanceof SsoError) || !OUTCOME_UNKNOWN.has(error.code) || attempt >= CREATE_ATTEMPTS) throw error;
      deps.progress.info(`Auth0 did not confirm the create (${error.message}); listing the applications to see whether it was made.`);
      const seen = await deps.idp.findClientsByMarker(desired.marker.key, desired.marker.value);
      const own = seen.find((c) => originOf(c)?.run === deps.runId);
      if (own) {
        run.wrote = true;
        deps.progress.info(`It was: going on with "${own.name}" (${own.client_id}).`);
        return own;
      }
      if (seen.length) return undefined;
      const waitMs = 1000 * attempt;
      deps.progress.info(`It was not: nothing carries ${desired.marker.key}=${desired.marker.value}; creating it again in ${waitMs / 1000} s.`);
      await deps.sleep(waitMs);
    }
  }
}

/** Creates in all, first included, when Auth0 does not confirm them. */
const CREATE_ATTEMPTS = 3;
/** Errors after which a create may have landed or not (a 4xx, a 429 or a refused connection tell that it did not). */
const OUTCOME_UNKNOWN = new Set(['AUTH0_SERVER_ERROR', 'AUTH0_TIMEOUT', 'AUTH0_UNREACHABLE']);

/**
 * Right after a create: list the marked applications again and keep the first by the ranking of
 * ./overlapping-runs.ts. When it is another run's, this run deletes what it created, and only that.
 */
async function settleAfterCreate(run: RunState, created: Auth0Client | undefined): Promise<Auth0Client> {
  const { deps, desired } = run;
  let seen = await deps.idp.findClientsByMarker(desired.marker.key, desired.marker.value);
  if (created && !seen.some((c) => c.client_id === created.client_id)) {
    // Not listed yet, or deleted meanwhile by a run that found an earlier one: ask for it by ID.
    const again = await deps.idp.getClient(created.client_id);
    if (again?.client_metadata?.[desired.marker.key] === desired.marker.value) seen = [...seen, again];
  }
  const { keep, extras, ambiguous } = chooseKept(run, seen);
  if (created && keep && keep.client_id !== created.client_id) {
    deps.progress.info(`Another sso-setup run created "${keep.name}" (${keep.client_id}) at the same time, and first: this run deletes the one it made and goes on with that one.`);
  }
  return settle(run, keep, extras, undefined, ambiguous);
}

/**
 * At the end of a run that changed something: is `clientId` still the application to keep?
 * Undefined when it is; otherwise the one to converge on now (this run's own extras deleted).
 */
async function confirmKept(run: RunState, clientId: string, seen: Auth0Client[]): Promise<Auth0Client | undefined> {
  const { deps } = run;
  const { keep, extras, ambiguous } = chooseKept(run, seen);
  if (keep && keep.client_id !== clientId) {
    deps.progress.info(`Another sso-setup run created "${keep.name}" (${keep.client_id}) before this one: delivering that application instead.`);
  }
  const kept = await settle(run, keep, extras, clientId, ambiguous);
  return kept.client_id === clientId ? undefined : kept;
}

/**
 * The application to keep among those listed, by the ranking every run uses, and this run's own
 * applications that are not it. Duplicates that nothing proves come from overlapping runs are left
 * to a person (`ambiguous`).
 */
function chooseKept(run: RunState, seen: Auth0Client[]): { keep: Auth0Client | undefined; extras: Auth0Client[]; ambiguous?: { clients: Auth0Client[]; reason: string } } {
  // Own applications this run could not delete (no scope) are left out: they were reported once.
  const listed = seen.filter((c) => !run.undeletable.includes(c.client_id));
  const own = listed.filter((c) => originOf(c)?.run === run.deps.runId);
  const judged = judgeMarked(listed.filter((c) => !own.includes(c)));
  if (judged.kind === 'ambiguous') return { keep: undefined, extras: own, ambiguous: judged };
  const keep = rankMarked([...(judged.kind === 'one' ? [judged.client] : judged.kind === 'race' ? [judged.winner] : []), ...own])[0];
  return { keep, extras: own.filter((c) => c !== keep) };
}

/** Deletes this run's extras, then returns the application to keep (or says why there is none). */
async function settle(run: RunState, keep: Auth0Client | undefined, extras: Auth0Client[], using?: string, ambiguous?: { clients: Auth0Client[]; reason: string }): Promise<Auth0Client> {
  for (const extra of extras) await deleteOwn(run, extra);
  if (ambiguous) throw duplicateApplications(run.desired.marker, ambiguous.clients, ambiguous.reason);
  if (!keep) {
    throw new SsoError(
      'AUTH0_APPLICATION_DELETED',
      `the Auth0 application${using ? ` ${using}` : ''} was deleted (or lost its marker) while this run was using it, and none carries ${run.desired.marker.key}=${run.desired.marker.value} now`,
      { hint: 'A `sso-setup destroy` or a person removed it. Run apply again to set SSO up again (or destroy again to finish removing it).' },
    );
  }
  return keep;
}

/** Deletes an application this run created (it lost to an earlier one). */
async function deleteOwn(run: RunState, client: Auth0Client): Promise<void> {
  const { deps, scopes } = run;
  if (scopes.length && !scopes.includes(deps.idpRules.scopes.deleteClients)) {
    deps.progress.warn(
      `"${client.name}" (${client.client_id}), made by this run, duplicates an application another run made first, and this token lacks ${deps.idpRules.scopes.deleteClients} to delete it; the next run with that scope removes it, or delete it in the Auth0 dashboard.`,
    );
    run.record({ id: 'idp.duplicates', title: `Delete the duplicate application ${client.client_id}`, status: 'manual', automated: false, detail: `needs ${deps.idpRules.scopes.deleteClients}, or delete it in the Auth0 dashboard` });
    run.undeletable.push(client.client_id);
    return;
  }
  const step = deps.progress.start(`Deleting "${client.name}" (${client.client_id}), made by this run at the same time as another`);
  await withStep(step, () => deps.idp.deleteClient(client.client_id));
  step.done(`Deleted the duplicate "${client.name}" (${client.client_id}) this run made`);
  run.removed.push(client.client_id);
  run.wrote = true;
  run.record({ id: 'idp.duplicates', title: `Delete the duplicate application(s) made at the same time as another run`, status: 'done', automated: true, detail: run.removed.join(', ') });
}

/**
 * Found at the start: duplicates provably left by overlapping runs (a racer killed before it
 * deleted its own). Deleted, unless this is a dry run or the token may not delete; either way the
 * run goes on with the one to keep.
 */
async function removeRaceDuplicates(run: RunState, winner: Auth0Client, duplicates: Auth0Client[]): Promise<void> {
  const { deps, opts, scopes, record } = run;
  const list = duplicates.map((c) => c.client_id).join(', ');
  const title = `Delete ${duplicates.length} duplicate application(s) left by overlapping runs (keeping ${winner.client_id})`;
  if (opts.dryRun) {
    record({ id: 'idp.duplicates', title, status: 'planned', automated: true, detail: list });
    return;
  }
  if (scopes.length && !scopes.includes(deps.idpRules.scopes.deleteClients)) {
    deps.progress.warn(
      `Overlapping runs left duplicates of "${winner.name}" (${winner.client_id}): ${list}; this token lacks ${deps.idpRules.scopes.deleteClients} to delete them. Going on with ${winner.client_id}.`,
    );
    record({ id: 'idp.duplicates', title, status: 'manual', automated: false, detail: `needs ${deps.idpRules.scopes.deleteClients}, or delete ${list} in the Auth0 dashboard` });
    return;
  }
  record({ id: 'idp.duplicates', title, status: 'planned', automated: true, detail: list });
  for (const dup of duplicates) {
    const step = deps.progress.start(`Deleting "${dup.name}" (${dup.client_id}), a duplicate left by overlapping runs`);
    await withStep(step, () => deps.idp.deleteClient(dup.client_id));
    step.done(`Deleted the duplicate "${dup.name}" (${dup.client_id}) left by overlapping runs; keeping ${winner.client_id}`);
    run.removed.push(dup.client_id);
  }
  run.wrote = true;
  record({ id: 'idp.duplicates', title, status: 'done', automated: true, detail: list });
}


/**
 * Auth0's queued next signing certificate, for the SP to trust ahead of a rotation. Optional: without
 * the read:signing_keys scope (or on any error) the run goes on without it.
 */
async function nextSigningCertificate(
  idp: IdpAdmin,
  scopes: string[],
  idpRules: IdpRules,
  progress: Progress,
  delivery: 'endpoint' | 'manual',
): Promise<{ sha256: string; pem: string } | undefined> {
  if (scopes.length && !scopes.includes(idpRules.scopes.readSigningKeys)) {
    if (delivery === 'manual') return undefined;
    progress.info(`Without ${idpRules.scopes.readSigningKeys}, the SP cannot be told about Auth0's next signing key ahead of a rotation.`);
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
/** Several marked applications that nothing proves are duplicates left by overlapping runs: a person decides. */
export function duplicateApplications(marker: { key: string; value: string }, clients: Auth0Client[], reason: string): SsoError {
  return new SsoError(
    'AUTH0_DUPLICATE_APPLICATION',
    `${clients.length} Auth0 applications carry the marker ${marker.key}=${marker.value}: ${clients.map((c) => `${c.name} (${c.client_id})`).join(', ')}; ${reason}, so sso-setup cannot tell which to keep`,
    {
      hint: `Delete the extra application(s) in Auth0, or remove '${marker.key}' and '${ORIGIN_KEY}' from their Metadata, then run again.`,
      details: { clientIds: clients.map((c) => c.client_id) },
    },
  );
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** A promise's outcome as a value: awaited later, and never an unhandled rejection meanwhile. */
function settledOutcome<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
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
export function requireScopes(idpRules: IdpRules, granted: string[], needed: string[], what: string): void {
  if (granted.length === 0) return;
  const missing = needed.filter((s) => !granted.includes(s));
  if (missing.length) {
    throw new SsoError('AUTH0_MISSING_SCOPE', `the Management API token lacks ${missing.join(', ')} (needed to ${what})`, {
      hint: idpRules.grantHint(missing),
      exit: EXIT.failure,
      details: { missingScopes: missing },
    });
  }
}

export function shortFingerprint(sha256: string | undefined): string {
  if (!sha256) return '(none)';
  return `${sha256.slice(0, 23)}…`;
}
