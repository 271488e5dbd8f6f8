import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { applySetup, type ApplyResult, type MetadataChecker, type StepRecord } from '../../core/apply.js';
import { EXIT, type ExitCode } from '../../errors.js';
import type { ResolvedConfig } from '../../config/types.js';
import type { Context } from '../context.js';
import { createProgress } from '../progress.js';
import { createServices } from '../services.js';
import { loadSetupConfig, type SetupFlags } from '../setup-config.js';
import { checkWritable, createFileStore } from '../file-store.js';
import { style } from '../style.js';
import { withInterruptNotice } from '../interrupt.js';
import type { Progress } from '../../core/ports.js';

export interface ApplyFlags extends SetupFlags {
  dryRun?: boolean;
}

export async function runApplyCommand(ctx: Context, flags: ApplyFlags): Promise<ExitCode> {
  const config = await loadSetupConfig(ctx, flags);
  try {
    const result = await withInterruptNotice(ctx, 'run the same command again.', () => applyWithConfig(ctx, config, { dryRun: Boolean(flags.dryRun) }));
    await printApplyResult(ctx, result);
    return EXIT.ok;
  } catch (error) {
    reportSteps(ctx, error);
    throw error;
  }
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

/** The run shared by apply, init and demo: same adapters, same progress, same result. */
export async function applyWithConfig(
  ctx: Context,
  config: ResolvedConfig,
  opts: { dryRun: boolean; progress?: Progress },
): Promise<ApplyResult> {
  // Manual delivery ends by writing the metadata file: a path that cannot take it is a usage error
  // found before anything is changed (also in a dry run, which would otherwise promise a write that fails).
  const delivery = config.amplitude.delivery;
  if (delivery.kind === 'manual') await checkWritable(resolve(ctx.cwd, delivery.metadataFile), metadataFileOrigin(config));
  const progress = opts.progress ?? (await createProgress(ctx));
  const services = createServices(ctx, config, progress);
  return applySetup(
    config,
    {
      idp: services.idp,
      sp: services.sp,
      files: createFileStore(ctx.cwd, ctx.secrets),
      progress,
      checkMetadata: loadChecker,
      now: ctx.now,
      runId: randomBytes(8).toString('hex'),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    },
    { dryRun: opts.dryRun },
  );
}

/** Where the metadata file path came from, for messages. */
function metadataFileOrigin(config: ResolvedConfig): string {
  const source = config.sources['amplitude.metadataFile'];
  if (source === 'flag') return '--metadata-file';
  if (source === 'file') return `${config.configFile ?? 'the config file'} amplitude.metadataFile`;
  return 'the default metadata file';
}

export async function printApplyResult(ctx: Context, result: ApplyResult): Promise<void> {
  if (ctx.output.json) {
    ctx.io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const { renderApplyResult } = await import('../render/apply-result.js');
  ctx.io.stdout.write(renderApplyResult(result, style(ctx.output.color), { stepsShownAbove: progressShownAbove(ctx) }));
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
