import { EXIT, SsoError, type ExitCode } from '../../errors.js';
import { auth0Rules } from '../../idp/auth0/rules.js';
import { spProfileFor } from '../../sp/targets.js';
import { destroySetup, findDestroyTargets, type DestroyResult, type DestroyTargets } from '../../core/destroy.js';
import { forEachOrg, shareTenant, type OrgOutcome } from '../../core/fleet.js';
import type { ResolvedConfig } from '../../config/types.js';
import { canPrompt } from '../io.js';
import type { Context } from '../context.js';
import { createProgress, orgProgress } from '../progress.js';
import { createPrompter, cancelled } from '../prompter.js';
import { createSp, createTenantServices } from '../services.js';
import { loadSetupFleet, type SetupFlags } from '../setup-config.js';
import { FLEET_CONCURRENCY } from './apply.js';
import { escapeUnsafe } from '../../text.js';

export interface DestroyFlags extends SetupFlags {
  yes?: boolean;
}

export async function runDestroyCommand(ctx: Context, flags: DestroyFlags): Promise<ExitCode> {
  const fleet = await loadSetupFleet(ctx, flags);
  if (!flags.yes && !canPrompt(ctx.io)) {
    throw new SsoError('CONFIRMATION_REQUIRED', 'destroy deletes the Auth0 application and disables SSO, and needs a confirmation', {
      exit: EXIT.usage,
      hint: 'Pass --yes to confirm in a script.',
    });
  }
  const list = fleet.form === 'list' || fleet.orgs.length !== 1;
  const orgs = fleet.orgs;
  if (!orgs.length) {
    ctx.io.stdout.write(ctx.output.json ? `${JSON.stringify({ ok: true, changed: false, orgs: [] }, null, 2)}\n` : 'No org selected (--only, --shard): nothing to destroy.\n');
    return EXIT.ok;
  }
  const progress = await createProgress(ctx, { plain: list });
  const { http, idp } = createTenantServices(ctx, orgs[0]!.auth0, progress);
  const tenant = shareTenant(idp);
  const sps = new Map(orgs.map((o) => [o.sp.id, createSp(ctx, o, http)]));
  const label = (o: ResolvedConfig) => (list ? orgProgress(progress, o.sp.id) : progress);

  // 1. What would go: every org's marked applications, from the one listing.
  const targets = await forEachOrg(orgs, tenant, FLEET_CONCURRENCY, async (config, orgIdp) => {
    const step = label(config).start('Finding the Auth0 application for this org');
    try {
      const found = await findDestroyTargets(config, { idp: orgIdp, idpRules: auth0Rules, spProfile: spProfileFor(config.sp) });
      step.done(found.clients.length ? `Found ${found.clients.map((c) => `"${c.name}" (${c.client_id})`).join(', ')}` : 'No Auth0 application carries the marker for this org');
      return found;
    } catch (error) {
      step.fail();
      throw error;
    }
  });
  const firstFailure = targets.find((t) => !t.ok);
  if (firstFailure && !firstFailure.ok && (!list || targets.every((t) => !t.ok))) throw firstFailure.error;

  if (!flags.yes) {
    const what = orgs.flatMap((o, i) => {
      const t = targets[i]!;
      if (!t.ok) return [];
      const sp = sps.get(o.sp.id)!;
      return [
        ...t.value.clients.map((c) => `delete Auth0 application "${c.name}" (${c.client_id})`),
        ...(sp.delivery === 'endpoint' ? [`disable SSO at ${sp.target}`] : []),
      ];
    });
    if (what.length === 0) {
      ctx.io.stdout.write('Nothing to destroy.\n');
      return EXIT.ok;
    }
    const ok = await createPrompter(ctx).confirm(`This will ${what.join(' and ')}. Continue?`, false);
    if (!ok) throw cancelled();
  }

  // 2. Each org: SSO off at the SP, its applications deleted, a listing to catch an overlapping apply.
  const found = new Map(targets.flatMap((t): [string, DestroyTargets][] => (t.ok ? [[t.orgId, t.value]] : [])));
  const outcomes: OrgOutcome<DestroyResult>[] = await forEachOrg(
    orgs.filter((o) => found.has(o.sp.id)),
    tenant,
    FLEET_CONCURRENCY,
    (config, orgIdp) => destroySetup(config, { idp: orgIdp, idpRules: auth0Rules, sp: sps.get(config.sp.id)!, spProfile: spProfileFor(config.sp), progress: label(config) }, found.get(config.sp.id)!),
    { fresh: true },
  );
  const byOrg = new Map(outcomes.map((o) => [o.orgId, o]));
  const all = orgs.map((o, i) => byOrg.get(o.sp.id) ?? (targets[i] as OrgOutcome<DestroyResult>));

  if (!list) {
    const only = all[0]!;
    if (!only.ok) throw only.error;
    printOne(ctx, only.value, orgs[0]!.sp.name);
    return EXIT.ok;
  }
  const entries = all.map((o) =>
    o.ok
      ? { orgId: o.orgId, status: 'destroyed' as const, result: o.value }
      : { orgId: o.orgId, status: 'failed' as const, error: { code: o.error.code, message: o.error.message, ...(o.error.hint ? { hint: o.error.hint } : {}) } },
  );
  const ok = entries.every((e) => e.status !== 'failed');
  if (ctx.output.json) {
    ctx.io.stdout.write(`${JSON.stringify({ ok, changed: all.some((o) => o.ok && o.value.changed), orgs: entries }, null, 2)}\n`);
  } else {
    const lines: string[] = [];
    for (const e of entries) {
      if (e.status === 'failed') {
        lines.push(`org ${e.orgId}: FAILED ${e.error.code}: ${escapeUnsafe(e.error.message)}`, ...(e.error.hint ? [`  ${escapeUnsafe(e.error.hint)}`] : []));
        continue;
      }
      lines.push(`org ${e.orgId}: ${describe(e.result).map(escapeUnsafe).join('\n  ')}`);
    }
    ctx.io.stdout.write(`${lines.join('\n')}\n`);
  }
  return ok ? EXIT.ok : EXIT.failure;
}

function describe(result: DestroyResult, spName = 'Amplitude'): string[] {
  const lines = [result.changed ? 'Destroyed.' : 'Nothing to destroy: no application and SSO already off.'];
  for (const d of result.idp.deleted) lines.push(`  deleted Auth0 application "${d.name}" (${d.clientId})`);
  if (result.sp.delivery === 'endpoint') lines.push(`  SSO disabled at ${result.sp.target}`);
  if (result.manualSteps) {
    lines.push('', `Left to you, in ${spName}:`);
    result.manualSteps.forEach((s, i) => lines.push(`  ${i + 1}. ${s}`));
  }
  return lines;
}

function printOne(ctx: Context, result: DestroyResult, spName: string): void {
  if (ctx.output.json) ctx.io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else ctx.io.stdout.write(`${describe(result, spName).join('\n')}\n`);
}
