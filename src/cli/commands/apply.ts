import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { applySetup, type ApplyResult, type MetadataChecker, type StepRecord } from '../../core/apply.js';
import { EXIT, type ExitCode } from '../../errors.js';
import { auth0Rules } from '../../idp/auth0/rules.js';
import { spProfileFor } from '../../sp/targets.js';
import type { ResolvedConfig } from '../../config/types.js';
import type { Context } from '../context.js';
import { createProgress, orgProgress } from '../progress.js';
import { createSp, createTenantServices } from '../services.js';
import { loadSetupFleet, type SetupFlags } from '../setup-config.js';
import { forEachOrg, shareTenant, type OrgOutcome } from '../../core/fleet.js';
import { checkWritable, createFileStore } from '../file-store.js';
import { style } from '../style.js';
import { withInterruptNotice } from '../interrupt.js';
import type { Progress } from '../../core/ports.js';

export interface ApplyFlags extends SetupFlags {
  dryRun?: boolean;
}

/** Orgs applied at once: enough to keep the tenant's rate limit busy, few enough that memory stays flat. */
export const FLEET_CONCURRENCY = 8;

export async function runApplyCommand(ctx: Context, flags: ApplyFlags): Promise<ExitCode> {
  const fleet = await loadSetupFleet(ctx, flags);
  const dryRun = Boolean(flags.dryRun);
  if (fleet.form === 'single' && fleet.orgs.length === 1) {
    // One org named by orgId / AMPLITUDE_ORG_ID: the output scripts have always read.
    try {
      const result = await withInterruptNotice(ctx, 'run the same command again.', () => applyWithConfig(ctx, fleet.orgs[0]!, { dryRun }));
      await printApplyResult(ctx, result, fleet.orgs[0]!.sp.name);
      return EXIT.ok;
    } catch (error) {
      reportSteps(ctx, error);
      throw error;
    }
  }
  const outcomes = await withInterruptNotice(ctx, 'run the same command again.', () => applyOrgs(ctx, fleet.orgs, { dryRun }));
  const report = fleetApplyReport(outcomes, dryRun, fleet.configured);
  if (ctx.output.json) {
    ctx.io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const { renderFleetApply } = await import('../render/fleet.js');
    ctx.io.stdout.write(renderFleetApply(report, style(ctx.output.color)));
  }
  return report.ok ? EXIT.ok : EXIT.failure;
}

/** After a failure, tells what was done and what was not (the error itself follows). */
export function reportSteps(ctx: Context, error: unknown): void {
  const steps = (error as { details?: { steps?: StepRecord[] } }).details?.steps;
  if (!steps || ctx.output.json) return;
  const done = steps.filter((x) => x.status === 'done' || x.status === 'unchanged');
  const notDone = steps.filter((x) => x.status !== 'done' && x.status !== 'unchanged');
  const lines = ['', 'What was done:'];
  lines.push(...(done.length ? done.map((x) => `  ✔ ${x.title}${x.status === 'unchanged' ? ' (already as configured)' : ''}`) : ['  nothing']));
  lines.push('What was not done:');
  lines.push(...notDone.map((x) => `  ✖ ${x.title}${x.status === 'failed' ? ' (failed)' : ''}`));
  lines.push('Running the same command again is safe: it picks up where this run stopped.', '');
  ctx.io.stderr.write(`${lines.join('\n')}\n`);
}

/** The run shared by apply (one org), init and demo: same adapters, same progress, same result. */
export async function applyWithConfig(
  ctx: Context,
  config: ResolvedConfig,
  opts: { dryRun: boolean; progress?: Progress },
): Promise<ApplyResult> {
  const [outcome] = await applyOrgs(ctx, [config], opts);
  if (!outcome!.ok) throw outcome!.error;
  return outcome!.value;
}

/**
 * Applies every org of `orgs` against their one tenant: one token, one listing and one signing-key
 * read for all (src/core/fleet.ts), Management API requests paced by one tenant limiter, the orgs
 * concurrently; each org ends in its own outcome.
 */
export async function applyOrgs(
  ctx: Context,
  orgs: ResolvedConfig[],
  opts: { dryRun: boolean; progress?: Progress },
): Promise<OrgOutcome<ApplyResult>[]> {
  // Manual delivery ends by writing the metadata file: a path that cannot take it is a usage error
  // found before anything is changed (also in a dry run, which would otherwise promise a write that fails).
  for (const config of orgs) {
    const delivery = config.sp.delivery;
    if (delivery.kind === 'manual') await checkWritable(resolve(ctx.cwd, delivery.metadataFile), metadataFileOrigin(config));
  }
  if (!orgs.length) return [];
  const several = orgs.length > 1;
  const progress = opts.progress ?? (await createProgress(ctx, { plain: several }));
  const { http, idp } = createTenantServices(ctx, orgs[0]!.auth0, progress);
  const tenant = shareTenant(idp);
  const session = tenant.session();
  session.catch(() => undefined);
  // The XML Schema step runs one libxml2 worker at a time and validates the documents that wait together
  // (src/saml/schema.ts): the orgs' checks need no queue of their own.
  const checkMetadata = loadChecker;
  const files = createFileStore(ctx.cwd, ctx.secrets);
  const runId = randomBytes(8).toString('hex');
  const outcomes = await forEachOrg(orgs, tenant, FLEET_CONCURRENCY, (config, orgIdp) =>
    applySetup(
      config,
      {
        idp: orgIdp,
        idpRules: auth0Rules,
        sp: createSp(ctx, config, http),
        spProfile: spProfileFor(config.sp),
        files,
        progress: several ? orgProgress(progress, config.sp.id) : progress,
        checkMetadata,
        now: ctx.now,
        runId,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      },
      { dryRun: opts.dryRun },
    ),
  );
  // A token refused is the whole run's failure (every org failed alike on it): said once.
  if (several) await session;
  return outcomes;
}

/** `apply --json` for a list of orgs: one entry per org, in the configured order. */
export interface FleetApplyReport {
  ok: boolean;
  changed: boolean;
  dryRun: boolean;
  /** Orgs configured, and handled by this run (`--only`, `--shard`). */
  counts: { configured: number; selected: number; failed: number; changed: number };
  orgs: FleetApplyEntry[];
}

export type FleetApplyEntry =
  | { orgId: string; status: 'changed' | 'unchanged' | 'planned'; result: ApplyResult }
  | { orgId: string; status: 'failed'; error: { code: string; message: string; hint?: string; details?: Record<string, unknown> } };

export function fleetApplyReport(outcomes: OrgOutcome<ApplyResult>[], dryRun: boolean, configured: number): FleetApplyReport {
  const orgs = outcomes.map((o): FleetApplyEntry => {
    if (!o.ok) {
      const e = o.error;
      return { orgId: o.orgId, status: 'failed', error: { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}), ...(e.details ? { details: e.details } : {}) } };
    }
    const r = o.value;
    const planned = dryRun && (r.idp.action !== 'none' || (r.sp.action !== 'none'));
    const status = r.changed ? 'changed' : planned ? 'planned' : 'unchanged';
    return { orgId: o.orgId, status, result: r };
  });
  const failed = orgs.filter((o) => o.status === 'failed').length;
  const changed = orgs.filter((o) => o.status === 'changed').length;
  return { ok: failed === 0, changed: changed > 0, dryRun, counts: { configured, selected: orgs.length, failed, changed }, orgs };
}

/** Where the metadata file path came from, for messages. */
function metadataFileOrigin(config: ResolvedConfig): string {
  const source = config.sources['amplitude.metadataFile'];
  if (source === 'flag') return '--metadata-file';
  if (source === 'file') return `${config.configFile ?? 'the config file'} amplitude.metadataFile`;
  return 'the default metadata file';
}

export async function printApplyResult(ctx: Context, result: ApplyResult, spName: string): Promise<void> {
  if (ctx.output.json) {
    ctx.io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const { renderApplyResult } = await import('../render/apply-result.js');
  ctx.io.stdout.write(renderApplyResult(result, style(ctx.output.color), { stepsShownAbove: progressShownAbove(ctx), spName }));
}

/**
 * Whether the progress lines (stderr) are in the same place as the result (stdout), right above it:
 * one terminal, `2>&1`, a CI log. Send them to different places and the result lists the steps itself.
 */
function progressShownAbove(ctx: Context): boolean {
  return !ctx.output.json && ctx.io.sharedOutput();
}

/** The metadata checker, loaded on first use (the XML stack is not needed before the download). */
export const loadChecker: MetadataChecker = async (input, options) => {
  const { checkMetadata } = await import('../../saml/check-metadata.js');
  return checkMetadata(input, options);
};
