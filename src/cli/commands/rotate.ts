/**
 * `sso-setup rotate`: reads the tenant and every org, shows the plan, asks (or `--yes`), then runs
 * the rotation of src/core/rotate.ts. `--dry-run` stops after the plan.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { executeRotation, readRotation, type ManualHandOver, type RotateDeps } from '../../core/rotate.js';
import { verifySetup } from '../../core/verify.js';
import { EXIT, usageError, SsoError, type ExitCode } from '../../errors.js';
import { auth0Rules } from '../../idp/auth0/rules.js';
import { spProfileFor } from '../../sp/targets.js';
import type { ResolvedConfig } from '../../config/types.js';
import type { Context } from '../context.js';
import { checkWritable, createFileStore } from '../file-store.js';
import { canPrompt } from '../io.js';
import { createProgress, orgProgress } from '../progress.js';
import { cancelled, createPrompter } from '../prompter.js';
import { createSp, createTenantServices } from '../services.js';
import { loadSetupFleet, type SetupFlags } from '../setup-config.js';
import { style } from '../style.js';
import { withInterruptNotice } from '../interrupt.js';
import { FLEET_CONCURRENCY, loadChecker } from './apply.js';
import { resolveTestUser, verifyDeps, verifyOptions } from './verify.js';
import type { SpConnector } from '../../core/ports.js';

export interface RotateFlags extends SetupFlags {
  yes?: boolean;
  dryRun?: boolean;
  acceptManualOutage?: boolean;
  testUser?: string;
  testPasswordFile?: string;
}

export async function runRotateCommand(ctx: Context, flags: RotateFlags): Promise<ExitCode> {
  const fleet = await loadSetupFleet(ctx, flags);
  const dryRun = Boolean(flags.dryRun);
  if (!dryRun && !flags.yes && !canPrompt(ctx.io)) {
    throw new SsoError('CONFIRMATION_REQUIRED', 'rotate changes the signing key of the whole Auth0 tenant, and needs a confirmation', {
      exit: EXIT.usage,
      hint: 'Look at the plan with --dry-run, then pass --yes to confirm in a script.',
    });
  }
  const orgs = fleet.orgs;
  const kind = orgs[0]?.sp.kind;
  if (kind && kind !== 'amplitude') {
    // Polis keeps one certificate per connection (no pre-trust); a generic SP's file of two keys is untested.
    throw usageError('ROTATE_UNSUPPORTED_SP', `rotate handles Amplitude targets; this configuration wires ${orgs[0]!.sp.name}`, 'Rotate the signing key in Auth0 (Settings > Signing Keys), then run `sso-setup apply` at once (README: Other SAML apps).');
  }
  for (const config of orgs) {
    if (config.sp.delivery.kind === 'manual') await checkWritable(resolve(ctx.cwd, config.sp.delivery.metadataFile), 'the metadata file');
  }
  const testUser = await resolveTestUser(ctx, flags);
  const several = orgs.length > 1;
  const progress = await createProgress(ctx, { plain: several });
  const { http, idp } = createTenantServices(ctx, orgs[0]!.auth0, progress);
  const sps = new Map<string, SpConnector>(orgs.map((o) => [o.sp.id, createSp(ctx, o, http)]));
  const now = ctx.now();
  const deps: RotateDeps = {
    idp,
    idpRules: auth0Rules,
    sp: (config) => sps.get(config.sp.id)!,
    spProfile: spProfileFor(orgs[0]!.sp),
    files: createFileStore(ctx.cwd, ctx.secrets),
    progress: (config?: ResolvedConfig) => (config && several ? orgProgress(progress, config.sp.id) : progress),
    // The XML Schema step batches concurrent documents itself (src/saml/schema.ts): no queue here.
    checkMetadata: loadChecker,
    now: ctx.now,
    runId: randomBytes(8).toString('hex'),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    verify: (config, orgIdp, sp) => verifySetup(config, { ...verifyDeps(config, orgIdp, sp, http), checkMetadata: deps.checkMetadata }, verifyOptions(testUser ? { user: testUser } : {}, now)),
    concurrency: FLEET_CONCURRENCY,
  };
  const s = style(ctx.output.color);
  const domain = orgs[0]!.auth0.domain;

  const step = progress.start(`Reading the signing keys, the applications of ${domain} and every SP`);
  let reading;
  try {
    reading = await readRotation(orgs, deps);
  } catch (error) {
    step.fail();
    throw error;
  }
  step.done(`Read the signing keys, ${domain}'s applications and ${orgs.length} org(s)`);
  const { renderRotationPlan, renderRotationResult } = await import('../render/rotate.js');

  if (dryRun) {
    if (ctx.output.json) ctx.io.stdout.write(`${JSON.stringify({ ok: true, dryRun: true, plan: reading.plan }, null, 2)}\n`);
    else ctx.io.stdout.write(renderRotationPlan(reading.plan, domain, s, true));
    return EXIT.ok;
  }
  if (!ctx.output.json) ctx.io.stderr.write(renderRotationPlan(reading.plan, domain, s, false));
  if (!flags.yes) {
    const question = reading.plan.mode === 'finish' ? 'Finish the earlier rotation as planned above?' : `Rotate the signing key of ${domain} as planned above?`;
    if (!(await createPrompter(ctx).confirm(question, false))) throw cancelled();
  }
  try {
    const result = await withInterruptNotice(ctx, 'run `sso-setup rotate` again: it finishes a rotation it started and never rotates twice.', () =>
      executeRotation(orgs, reading, deps, { acceptManualOutage: Boolean(flags.acceptManualOutage) }),
    );
    if (ctx.output.json) ctx.io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else ctx.io.stdout.write(renderRotationResult(result, s));
    return result.ok ? EXIT.ok : EXIT.failure;
  } catch (error) {
    const handOvers = (error as { details?: { handOvers?: ManualHandOver[] } }).details?.handOvers;
    if (!ctx.output.json && error instanceof SsoError && error.code === 'ROTATE_MANUAL_UNCONFIRMED' && handOvers) {
      const lines: string[] = [];
      for (const h of handOvers.filter((x) => !x.confirmed)) {
        lines.push('', `Left to you for org ${h.orgId}, in Amplitude, before the rotation:`);
        [...h.steps, 'Then run `sso-setup rotate` again.'].forEach((x, i) => lines.push(`  ${i + 1}. ${x}`));
      }
      ctx.io.stderr.write(`${lines.join('\n')}\n\n`);
    }
    throw error;
  }
}
