import { EXIT, SsoError, type ExitCode } from '../../errors.js';
import { destroySetup, findDestroyTargets } from '../../core/destroy.js';
import { canPrompt } from '../io.js';
import type { Context } from '../context.js';
import { createProgress } from '../progress.js';
import { createPrompter, cancelled } from '../prompter.js';
import { createServices } from '../services.js';
import { loadSetupConfig, type SetupFlags } from '../setup-config.js';

export interface DestroyFlags extends SetupFlags {
  yes?: boolean;
}

export async function runDestroyCommand(ctx: Context, flags: DestroyFlags): Promise<ExitCode> {
  const config = await loadSetupConfig(ctx, flags);
  if (!flags.yes && !canPrompt(ctx.io)) {
    throw new SsoError('CONFIRMATION_REQUIRED', 'destroy deletes the Auth0 application and disables SSO, and needs a confirmation', {
      exit: EXIT.usage,
      hint: 'Pass --yes to confirm in a script.',
    });
  }
  const progress = await createProgress(ctx);
  const { idp, sp } = createServices(ctx, config, progress);
  const step = progress.start('Finding the Auth0 application for this org');
  const targets = await findDestroyTargets(config, idp).catch((e: unknown) => {
    step.fail();
    throw e;
  });
  step.done(targets.clients.length ? `Found ${targets.clients.map((c) => `"${c.name}" (${c.client_id})`).join(', ')}` : 'No Auth0 application carries the marker for this org');

  if (!flags.yes) {
    const what = [
      ...targets.clients.map((c) => `delete Auth0 application "${c.name}" (${c.client_id})`),
      sp.delivery === 'endpoint' ? `disable SSO at ${sp.target}` : undefined,
    ].filter(Boolean);
    if (what.length === 0) {
      ctx.io.stdout.write('Nothing to destroy.\n');
      return EXIT.ok;
    }
    const ok = await createPrompter(ctx).confirm(`This will ${what.join(' and ')}. Continue?`, false);
    if (!ok) throw cancelled();
  }

  const result = await destroySetup(config, { idp, sp, progress }, targets);
  if (ctx.output.json) {
    ctx.io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const lines = [result.changed ? 'Destroyed.' : 'Nothing to destroy: no application and SSO already off.'];
    for (const d of result.idp.deleted) lines.push(`  deleted Auth0 application "${d.name}" (${d.clientId})`);
    if (result.sp.delivery === 'endpoint') lines.push(`  SSO disabled at ${result.sp.target}`);
    if (result.manualSteps) {
      lines.push('', 'Left to you, in Amplitude:');
      result.manualSteps.forEach((s, i) => lines.push(`  ${i + 1}. ${s}`));
    }
    ctx.io.stdout.write(`${lines.join('\n')}\n`);
  }
  return EXIT.ok;
}
