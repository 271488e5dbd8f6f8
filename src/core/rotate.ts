/**
 * `sso-setup rotate`: a signing-key rotation of the Auth0 tenant that every SP sso-setup manages
 * lives through.
 *
 * Auth0 signs every SAML response of the tenant with its one current key, and always has a queued
 * next key; a rotation makes the next key current and queues a new one (docs: "Rotate Signing
 * Keys"). So, in order:
 *   1. read everything once (keys, the tenant's applications, every endpoint SP's certificates) and
 *      plan (pure: `planRotation`);
 *   2. manual orgs: save a metadata file holding the current AND the next key, record the
 *      hand-over, and refuse to go on until a person confirmed the upload (or the caller accepts
 *      the outage);
 *   3. endpoint SPs that do not trust the next key yet get it (an `apply`, which pushes it as an
 *      additional certificate), read back;
 *   4. rotate, once;
 *   5. every endpoint SP gets the new current and new next key (an `apply` again), read back;
 *   6. the health checks of `verify` for every org (with the login where a test user is set).
 *
 * An interrupted rotation (the SPs not updated after step 4) is recognised from the keys and the
 * SPs' certificates: an SP that trusts a previous key and not both the current and the next one.
 * Then a run finishes steps 5-6 and never rotates again (Auth0 allows 5 rotations a day).
 */
import type { ResolvedConfig } from '../config/types.js';
import { SsoError } from '../errors.js';
import { parseTrustedCertificate } from '../saml/certificate.js';
import { applySetup, checkTenantMetadata, requireScopes, shortFingerprint, type ApplyResult, type MetadataChecker } from './apply.js';
import { forEachOrg, shareTenant, type OrgOutcome, type SharedTenant } from './fleet.js';
import { judgeMarked } from './overlapping-runs.js';
import type { Auth0Client, EndpointSp, FileStore, IdpAdmin, IdpRules, ManualSp, Progress, SigningKeyInfo, SpConnector, SpProfile, SpTrust } from './ports.js';
import { uploadRecord } from './upload.js';
import type { VerifyReport } from './verify.js';

/** A tenant signing key as rotation needs it. */
export interface KeyFact {
  kid: string;
  /** SHA-256 fingerprint (colon-separated upper-case hex), as SPs report certificates. */
  sha256: string;
  pem: string;
}

export interface KeyRing {
  current: KeyFact;
  next: KeyFact;
  /** Unrevoked previously used keys, the most recent first. */
  previous: KeyFact[];
  /** Every key listed (revoked ones included): a rotation adds exactly one. */
  count: number;
}

/** The keys as `GET /api/v2/keys/signing` lists them, or why they cannot be used. */
export function keyRing(keys: SigningKeyInfo[]): KeyRing {
  const fact = (k: SigningKeyInfo): KeyFact => {
    const parsed = parseTrustedCertificate(k.cert);
    if (!parsed.ok) throw new SsoError('ROTATE_KEYS_UNREADABLE', `Auth0's signing key ${k.kid} has a certificate sso-setup cannot read (${parsed.message})`, { hint: 'Check Dashboard > Settings > Signing Keys; nothing was changed.' });
    return { kid: k.kid, sha256: parsed.certificate.sha256, pem: k.cert };
  };
  const current = keys.find((k) => k.current && !k.revoked);
  const next = keys.find((k) => k.next && !k.revoked);
  if (!current || !next) {
    throw new SsoError('ROTATE_KEYS_UNREADABLE', `Auth0 lists no ${current ? 'next' : 'current'} signing key for the tenant`, { hint: 'Check Dashboard > Settings > Signing Keys; nothing was changed.' });
  }
  const previous = keys
    .filter((k) => k.previous && !k.revoked)
    .sort((a, b) => (b.currentUntil ?? '').localeCompare(a.currentUntil ?? ''))
    .map(fact);
  return { current: fact(current), next: fact(next), previous, count: keys.length };
}

/** What one org looks like before a rotation. */
export interface OrgRotationState {
  orgId: string;
  delivery: 'endpoint' | 'manual';
  /** Endpoint URL, or the metadata file (manual). */
  target: string;
  client?: { clientId: string; name: string };
  /** Endpoint: what the SP reports; manual: the hand-over record on the application. */
  trust?: SpTrust;
}

/**
 * Before the rotation: `ready` (the SP trusts the next key / its upload is confirmed), `push-next`
 * (an endpoint SP is sent the next key), `hand-over` (a manual org gets the file with both keys),
 * `awaiting-confirmation` (handed over, upload not confirmed), `not-set-up` (no application yet).
 * After it: `push` (an endpoint SP is sent the new keys), `none` (manual: the uploaded file already
 * holds the new current key).
 */
export interface OrgRotationPlan {
  orgId: string;
  delivery: 'endpoint' | 'manual';
  target: string;
  clientId?: string;
  before: 'ready' | 'push-next' | 'hand-over' | 'awaiting-confirmation' | 'not-set-up';
  after: 'push' | 'none';
  /** SHA-256 fingerprints the SP trusts now (endpoint). */
  trusts?: string[];
}

export interface RotationPlan {
  /** `rotate`: a new rotation; `finish`: Auth0 already rotated and some SPs still lack the new keys. */
  mode: 'rotate' | 'finish';
  keys: { current: Omit<KeyFact, 'pem'>; next: Omit<KeyFact, 'pem'>; previous?: Omit<KeyFact, 'pem'>; count: number };
  orgs: OrgRotationPlan[];
  /** SAML applications on the tenant without sso-setup's marker: the rotation breaks them unless someone updates them. */
  unmanaged: { clientId: string; name: string }[];
  /** Applications sso-setup set up for orgs that are not in this configuration: not updated by this run. */
  otherSetups: { clientId: string; name: string; marker: string }[];
}

const short = (k: Omit<KeyFact, 'pem'>) => ({ kid: k.kid, sha256: k.sha256 });

/** Plans a rotation from what was read. Pure. */
export function planRotation(ring: KeyRing, orgs: OrgRotationState[], clients: Auth0Client[], idpRules: IdpRules, spProfile: SpProfile): RotationPlan {
  const previous = new Set(ring.previous.map((k) => k.sha256));
  // An SP that still trusts a previously used key, and not both the current and the next one, was left behind
  // by a rotation: its push failed, or carried the metadata Auth0 still served from before it (ROTATE_METADATA_STALE).
  const lagging = (t: SpTrust | undefined) =>
    t?.kind === 'endpoint' && t.enabled && t.certificates.some((c) => previous.has(c)) && !(t.certificates.includes(ring.current.sha256) && t.certificates.includes(ring.next.sha256));
  const mode = orgs.some((o) => o.delivery === 'endpoint' && lagging(o.trust)) ? 'finish' : 'rotate';
  const planned = orgs.map((o): OrgRotationPlan => {
    const base = { orgId: o.orgId, delivery: o.delivery, target: o.target, ...(o.client ? { clientId: o.client.clientId } : {}) };
    const trust = o.trust;
    if (o.delivery === 'endpoint') {
      const trusts = trust?.kind === 'endpoint' && trust.enabled ? trust.certificates : [];
      const exact = trusts.length === 2 && trusts.includes(ring.current.sha256) && trusts.includes(ring.next.sha256);
      if (!o.client) return { ...base, before: 'not-set-up', after: 'push', trusts };
      if (mode === 'finish') return { ...base, before: 'ready', after: exact ? 'none' : 'push', trusts };
      return { ...base, before: trusts.includes(ring.next.sha256) && trusts.includes(ring.current.sha256) ? 'ready' : 'push-next', after: 'push', trusts };
    }
    if (!o.client) return { ...base, before: 'not-set-up', after: 'none' };
    const upload = trust ? uploadRecord(trust) : undefined;
    const before = mode === 'finish' || (upload?.certificate === ring.next.sha256 && upload.status === 'confirmed') ? 'ready' : upload?.certificate === ring.next.sha256 ? 'awaiting-confirmation' : 'hand-over';
    return { ...base, before, after: 'none' };
  });
  const configured = new Set(orgs.map((o) => spProfile.markerValue(o.orgId)));
  const markerKey = idpRules.markerKey;
  const saml = clients.filter((c) => c.addons?.samlp !== undefined);
  return {
    mode,
    keys: { current: short(ring.current), next: short(ring.next), ...(ring.previous[0] ? { previous: short(ring.previous[0]) } : {}), count: ring.count },
    orgs: planned,
    unmanaged: saml.filter((c) => !c.client_metadata?.[markerKey]).map((c) => ({ clientId: c.client_id, name: c.name })),
    otherSetups: saml
      .filter((c) => c.client_metadata?.[markerKey] && !configured.has(c.client_metadata[markerKey]!))
      .map((c) => ({ clientId: c.client_id, name: c.name, marker: c.client_metadata![markerKey]! })),
  };
}

export interface RotateDeps {
  /** The tenant, unshared: each phase shares it afresh (one token, listing and key read per phase). */
  idp: IdpAdmin;
  idpRules: IdpRules;
  sp: (config: ResolvedConfig) => SpConnector;
  spProfile: SpProfile;
  files: FileStore;
  progress: (config?: ResolvedConfig) => Progress;
  checkMetadata: MetadataChecker;
  now: () => Date;
  runId: string;
  sleep: (ms: number) => Promise<void>;
  /** `verify`'s checks for one org (with the login where a test user is configured). */
  verify: (config: ResolvedConfig, idp: IdpAdmin, sp: SpConnector) => Promise<VerifyReport>;
  concurrency: number;
}

/** What was read, and the plan made from it. */
export interface RotationReading {
  plan: RotationPlan;
  ring: KeyRing;
  scopes: string[];
}

/** Step 1: one token, one listing, one key read, every endpoint SP read; then the plan. */
export async function readRotation(orgs: ResolvedConfig[], deps: RotateDeps): Promise<RotationReading> {
  const tenant = shareTenant(deps.idp);
  const { idp, leave } = tenant.join();
  try {
    const session = await tenant.session();
    const { idpRules, spProfile } = deps;
    requireScopes(idpRules, session.scopes, [idpRules.scopes.readClients, idpRules.scopes.readSigningKeys], 'plan the rotation');
    const [clients, keys, trusts] = await Promise.all([
      idp.listClients(),
      idp.signingKeys(),
      Promise.all(orgs.map((o) => { const sp = deps.sp(o); return sp.delivery === 'endpoint' ? sp.readTrust(undefined) : undefined; })),
    ]);
    const ring = keyRing(keys);
    const states = await Promise.all(
      orgs.map(async (o, i): Promise<OrgRotationState> => {
        const sp = deps.sp(o);
        const marked = judgeMarked(clients.filter((c) => c.client_metadata?.[idpRules.markerKey] === spProfile.markerValue(o.sp.id)));
        const client = marked.kind === 'one' ? marked.client : marked.kind === 'race' ? marked.winner : undefined;
        if (marked.kind === 'ambiguous') {
          throw new SsoError('AUTH0_DUPLICATE_APPLICATION', `org ${o.sp.id}: ${marked.clients.length} Auth0 applications carry its marker (${marked.reason})`, { hint: 'Run `sso-setup apply` for this org and follow its advice first; nothing was changed.' });
        }
        const trust = sp.delivery === 'endpoint' ? trusts[i] : await sp.readTrust(client);
        return {
          orgId: o.sp.id,
          delivery: sp.delivery,
          target: sp.delivery === 'manual' ? deps.files.resolve(sp.target) : sp.target,
          ...(client ? { client: { clientId: client.client_id, name: client.name } } : {}),
          ...(trust ? { trust } : {}),
        };
      }),
    );
    return { plan: planRotation(ring, states, clients, idpRules, spProfile), ring, scopes: session.scopes };
  } finally {
    leave();
  }
}

/** One manual org's hand-over before the rotation. */
export interface ManualHandOver {
  orgId: string;
  file: string;
  certificate: string;
  confirmed: boolean;
  steps: string[];
}

export interface OrgRotationOutcome {
  orgId: string;
  delivery: 'endpoint' | 'manual';
  /** Endpoint: the certificates the SP reported after the push (read back). */
  trusts?: string[];
  /** What apply did for this org after the rotation. */
  apply?: { changed: boolean; sp: string };
  /** Manual orgs whose upload is not confirmed: what a person must do now. */
  manualSteps?: string[];
}

export interface RotationResult {
  ok: boolean;
  dryRun: boolean;
  plan: RotationPlan;
  /** The rotation this run made; absent when it finished an earlier one or made none. */
  rotated?: { from: string; to: string; queued: string };
  handOvers: ManualHandOver[];
  orgs: OrgRotationOutcome[];
  verify: { orgId: string; ok: boolean; checks: VerifyReport['checks'] }[];
  keyCount: number;
}

/**
 * Steps 2-6 for a confirmed plan. Throws `ROTATE_MANUAL_UNCONFIRMED` before rotating when a manual
 * upload is not confirmed (files written, hand-over recorded), `ROTATE_PRETRUST_FAILED` when an SP
 * could not be given the next key (nothing rotated), `ROTATE_INCOMPLETE` when, after the rotation,
 * some SP could not be updated (the next run finishes it).
 */
export async function executeRotation(
  orgs: ResolvedConfig[],
  reading: RotationReading,
  deps: RotateDeps,
  opts: { acceptManualOutage: boolean },
): Promise<RotationResult> {
  const { plan, ring, scopes } = reading;
  const byId = new Map(orgs.map((o) => [o.sp.id, o]));
  const notSetUp = plan.orgs.filter((o) => o.before === 'not-set-up');
  if (notSetUp.length) {
    throw new SsoError('ROTATE_NOT_SET_UP', `no Auth0 application is set up yet for org(s) ${notSetUp.map((o) => o.orgId).join(', ')}`, {
      hint: 'Run `sso-setup apply` first (with the same configuration); nothing was changed.',
      details: { plan },
    });
  }
  const handOvers: ManualHandOver[] = [];
  let rotated: RotationResult['rotated'];
  let ringAfter = ring;
  const progress = deps.progress();

  if (plan.mode === 'rotate') {
    const manual = plan.orgs.filter((o) => o.delivery === 'manual');
    const scope = deps.idpRules.scopes;
    requireScopes(deps.idpRules, scopes, [scope.createSigningKeys, scope.updateSigningKeys, ...(manual.some((o) => o.before !== 'ready') ? [scope.updateClients] : [])], 'rotate the signing key');

    // 2. Manual orgs: the file with both keys, and its hand-over, before anything else.
    for (const o of manual) handOvers.push(await handOverRotationFile(byId.get(o.orgId)!, o, ring, deps));
    const unconfirmed = handOvers.filter((h) => !h.confirmed);
    if (unconfirmed.length && !opts.acceptManualOutage) {
      throw new SsoError(
        'ROTATE_MANUAL_UNCONFIRMED',
        `the rotation waits for the upload of the new metadata file for org(s) ${unconfirmed.map((h) => h.orgId).join(', ')}: nothing was rotated`,
        {
          hint: `Upload each file in ${deps.spProfile.name} and confirm it (${unconfirmed.map((h) => `sso-setup confirm-upload --only ${h.orgId} --fingerprint ${h.certificate}`).join('; ')}), then run \`sso-setup rotate\` again; or pass --accept-manual-outage to rotate now and break SSO for those orgs until they upload.`,
          details: { plan, handOvers },
        },
      );
    }

    // 3. Endpoint SPs that lack the next key get it now, read back.
    const pretrust = plan.orgs.filter((o) => o.delivery === 'endpoint' && o.before === 'push-next').map((o) => byId.get(o.orgId)!);
    if (pretrust.length) {
      const outcomes = await applyEach(pretrust, deps, ring.next.sha256);
      const failed = outcomes.filter((x) => !x.ok);
      if (failed.length) {
        throw new SsoError(
          'ROTATE_PRETRUST_FAILED',
          `the SP of org(s) ${failed.map((f) => f.orgId).join(', ')} could not be given Auth0's next key (${failed.map((f) => (f.ok ? '' : `${f.orgId}: ${f.error.code} ${f.error.message}`)).join('; ')}): nothing was rotated, SSO works as before`,
          { hint: 'Fix what the error names (`sso-setup apply` shows it too), then run `sso-setup rotate` again.', details: { plan, handOvers, failed: failed.map((f) => ({ orgId: f.orgId, code: f.ok ? '' : f.error.code })) } },
        );
      }
    }

    // 4. Rotate, once.
    const step = progress.start(`Rotating the signing key of ${orgs[0]!.auth0.domain} (current ${ring.current.kid} → ${ring.next.kid})`);
    rotated = await rotateOnce(deps.idp, ring, step);
    step.done(`Rotated: Auth0 now signs with ${ring.next.kid}; ${rotated.queued} is queued as the next key`);
  }

  // 5. Every endpoint SP gets the new current and next key (a fresh tenant read: new keys, new metadata).
  const after = shareTenant(deps.idp);
  const { idp: afterIdp, leave } = after.join();
  let keysAfter: SigningKeyInfo[];
  try {
    keysAfter = await afterIdp.signingKeys();
  } finally {
    leave();
  }
  ringAfter = keyRing(keysAfter);
  const endpoints = plan.orgs.filter((o) => o.delivery === 'endpoint').map((o) => byId.get(o.orgId)!);
  const pushed = await applyEach(endpoints, deps, ringAfter.next.sha256, after, ringAfter.current.sha256);
  const outcomes: OrgRotationOutcome[] = [];
  for (const o of plan.orgs) {
    if (o.delivery === 'endpoint') {
      const p = pushed.find((x) => x.orgId === o.orgId)!;
      if (p.ok) outcomes.push({ orgId: o.orgId, delivery: 'endpoint', trusts: p.value.trusts, apply: { changed: p.value.result.changed, sp: p.value.result.sp.action } });
    } else {
      const h = handOvers.find((x) => x.orgId === o.orgId);
      outcomes.push({ orgId: o.orgId, delivery: 'manual', ...(h && !h.confirmed ? { manualSteps: h.steps } : {}) });
    }
  }
  const failed = pushed.filter((x) => !x.ok);
  if (failed.length) {
    const what = rotated ? 'The signing key was rotated' : 'Auth0 had already rotated the signing key';
    throw new SsoError(
      'ROTATE_INCOMPLETE',
      `${what}, but the SP of org(s) ${failed.map((f) => f.orgId).join(', ')} could not be given the new key (${failed.map((f) => (f.ok ? '' : `${f.orgId}: ${f.error.code} ${f.error.message}`)).join('; ')}): SSO for them fails until it is`,
      {
        hint: 'Fix what the error names, then run `sso-setup rotate` again: it sees the rotation was made and only updates the SPs (it does not rotate again). `sso-setup apply` does the same for one org.',
        details: { plan, ...(rotated ? { rotated } : {}), handOvers, orgs: outcomes, failed: failed.map((f) => ({ orgId: f.orgId, code: f.ok ? '' : f.error.code })) },
      },
    );
  }

  // 6. The health checks, with the login where a test user is configured.
  const checks = shareTenant(deps.idp);
  const reports = await forEachOrg(orgs, checks, deps.concurrency, (config, idp) => deps.verify(config, idp, deps.sp(config)));
  const verify = reports.map((r) => (r.ok ? { orgId: r.orgId, ...r.value } : { orgId: r.orgId, ok: false, checks: [{ id: 'credentials' as const, status: 'fail' as const, message: r.error.message }] }));
  return {
    ok: verify.every((v) => v.ok),
    dryRun: false,
    plan,
    ...(rotated ? { rotated } : {}),
    handOvers,
    orgs: outcomes,
    verify,
    keyCount: ringAfter.count,
  };
}

/** `apply` for each org (it pushes the current metadata and the next key), then a read-back of the SP. */
async function applyEach(
  orgs: ResolvedConfig[],
  deps: RotateDeps,
  nextSha: string,
  tenant: SharedTenant = shareTenant(deps.idp),
  currentSha?: string,
): Promise<OrgOutcome<{ result: ApplyResult; trusts: string[] }>[]> {
  return forEachOrg(orgs, tenant, deps.concurrency, async (config, idp) => {
    const sp = deps.sp(config) as EndpointSp;
    const result = await applySetup(
      config,
      { idp, idpRules: deps.idpRules, sp, spProfile: deps.spProfile, files: deps.files, progress: deps.progress(config), checkMetadata: deps.checkMetadata, now: deps.now, runId: deps.runId, sleep: deps.sleep },
      { dryRun: false },
    );
    const served = result.metadata?.certificates[0]?.sha256;
    if (currentSha && served !== currentSha) {
      throw new SsoError('ROTATE_METADATA_STALE', `the IdP metadata still carries ${shortFingerprint(served)}, not the new current key ${shortFingerprint(currentSha)}`, {
        hint: 'Auth0 may serve the old metadata for a moment after a rotation; run `sso-setup rotate` again in a minute (it does not rotate again).',
      });
    }
    const trust = await sp.readTrust(undefined);
    const trusts = trust.kind === 'endpoint' && trust.enabled ? trust.certificates : [];
    const want = [served, nextSha].filter((x): x is string => Boolean(x));
    const missing = want.filter((c) => !trusts.includes(c));
    if (missing.length) {
      throw new SsoError('SP_READBACK_MISMATCH', `read back, the SP at ${sp.target} does not trust ${missing.map(shortFingerprint).join(', ')}`, {
        hint: 'The SP settings endpoint did not keep every certificate sent; check it, then run `sso-setup rotate` again.',
      });
    }
    return { result, trusts };
  });
}

/**
 * The rotate request. A POST is never repeated by the HTTP layer; when its outcome is unknown
 * (a timeout, a dropped connection, a 5xx), the keys are read again: if the next key became
 * current, it happened.
 */
async function rotateOnce(idp: IdpAdmin, ring: KeyRing, step: { fail(text?: string): void }): Promise<{ from: string; to: string; queued: string }> {
  try {
    const queued = await idp.rotateSigningKey();
    return { from: ring.current.kid, to: ring.next.kid, queued: queued.kid };
  } catch (error) {
    if (error instanceof SsoError && error.code === 'AUTH0_RATE_LIMITED') {
      step.fail();
      throw new SsoError('ROTATE_RATE_LIMITED', 'Auth0 refused the rotation: the tenant has used its rotations for now (5 a day on every plan)', {
        hint: 'Nothing was rotated and SSO works as before; run `sso-setup rotate` again tomorrow.',
        cause: error,
      });
    }
    if (error instanceof SsoError && ['AUTH0_SERVER_ERROR', 'AUTH0_TIMEOUT', 'AUTH0_UNREACHABLE'].includes(error.code)) {
      const keys = await idp.signingKeys().catch(() => undefined);
      const now = keys?.find((k) => k.current && !k.revoked);
      if (now?.kid === ring.next.kid) {
        const queued = keys!.find((k) => k.next && !k.revoked);
        return { from: ring.current.kid, to: ring.next.kid, queued: queued?.kid ?? '' };
      }
      step.fail();
      throw new SsoError('ROTATE_FAILED', `the rotate request failed (${error.message})${now ? ' and the keys show it did not happen' : ', and whether it happened is unknown'}`, {
        hint: 'Run `sso-setup rotate` again: it reads the keys and the SPs first, and rotates only if no rotation is half done.',
        cause: error,
      });
    }
    step.fail();
    throw error;
  }
}

/**
 * A manual org before the rotation: the metadata file with the current and the next key, saved where
 * `apply` saves it, and its hand-over recorded (a new hand-over drops an earlier confirmation). Kept
 * as it is when the same file was handed over already.
 */
async function handOverRotationFile(config: ResolvedConfig, o: OrgRotationPlan, ring: KeyRing, deps: RotateDeps): Promise<ManualHandOver> {
  const sp = deps.sp(config) as ManualSp;
  const progress = deps.progress(config);
  const steps = [
    ...deps.spProfile.uploadSteps(config.sp.baseUrl, o.target),
    `Record that you did: ${deps.spProfile.confirmUploadCommand(ring.next.sha256)} --only ${o.orgId}`,
  ];
  if (o.before === 'ready') return { orgId: o.orgId, file: o.target, certificate: ring.next.sha256, confirmed: true, steps: [] };
  const step = progress.start(`Saving the metadata with the current and the next key to ${o.target}`);
  try {
    const bytes = await deps.idp.downloadMetadata(o.clientId!);
    const verdict = await checkTenantMetadata(deps.checkMetadata, bytes, config, deps.spProfile, deps.now(), 30);
    if (!verdict.valid || verdict.certificates[0]?.sha256 !== ring.current.sha256) {
      throw new SsoError('IDP_METADATA_INVALID', `the IdP metadata for org ${o.orgId} ${verdict.valid ? 'does not carry the current key' : `failed the checks: ${verdict.errors.map((e) => e.code).join(', ')}`}`, {
        hint: `Nothing was rotated. Inspect it with: sso-setup metadata check ${deps.idp.metadataUrl(o.clientId!)}`,
      });
    }
    const { withAdditionalSigningCertificate } = await import('../saml/rotation-metadata.js');
    const xml = withAdditionalSigningCertificate(new TextDecoder().decode(bytes), ring.next.pem);
    const both = await checkTenantMetadata(deps.checkMetadata, new TextEncoder().encode(xml), config, deps.spProfile, deps.now(), 30);
    const shas = both.certificates.map((c) => c.sha256);
    if (!both.valid || !shas.includes(ring.current.sha256) || !shas.includes(ring.next.sha256)) {
      throw new SsoError('UNEXPECTED', `the rotation metadata for org ${o.orgId} did not pass the checks (${both.errors.map((e) => e.code).join(', ')})`, { hint: 'A bug in sso-setup; nothing was rotated. Run with --verbose.' });
    }
    await deps.files.write(sp.target, xml);
    if (o.before === 'hand-over') await deps.idp.updateClient(o.clientId!, { client_metadata: sp.handOverRecord(ring.next.sha256, deps.now()) });
    step.done(`Saved ${o.target} (current and next key); upload it in ${deps.spProfile.name} before the rotation`);
  } catch (error) {
    step.fail();
    throw error;
  }
  return { orgId: o.orgId, file: o.target, certificate: ring.next.sha256, confirmed: false, steps };
}
