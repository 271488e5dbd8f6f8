/**
 * `sso-setup confirm-upload --fingerprint <sha256>`: a person (or their script) states that the
 * metadata file `apply` saved was uploaded in Amplitude. Shared with `init`'s upload question.
 */
import type { ResolvedConfig } from '../../config/types.js';
import { confirmUpload, type ConfirmResult } from '../../core/confirm-upload.js';
import type { ManualSp } from '../../core/ports.js';
import { day } from '../../core/upload.js';
import { EXIT, SsoError, type ExitCode } from '../../errors.js';
import { auth0Rules } from '../../idp/auth0/rules.js';
import { spProfileFor } from '../../sp/targets.js';
import type { Context } from '../context.js';
import { createServices } from '../services.js';
import { loadSetupConfig, type SetupFlags } from '../setup-config.js';
import { style } from '../style.js';
import { loadChecker } from './apply.js';

export interface ConfirmUploadFlags extends SetupFlags {
  /** Normalised by the option parser: upper-case hex pairs joined by ':'. */
  fingerprint: string;
}

export async function runConfirmUploadCommand(ctx: Context, flags: ConfirmUploadFlags): Promise<ExitCode> {
  const config = await loadSetupConfig(ctx, flags);
  const result = await confirmWithConfig(ctx, config, flags.fingerprint);
  if (ctx.output.json) {
    ctx.io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return EXIT.ok;
  }
  const s = style(ctx.output.color);
  const { upload } = result;
  const handed = upload.handedOverAt ? ` (handed over ${day(upload.handedOverAt)})` : '';
  ctx.io.stdout.write(
    result.changed
      ? `${s.green('✔')} Recorded: certificate ${upload.certificate}${handed} was uploaded in ${config.sp.name}.\n` +
          '`sso-setup verify` passes sp.trust while the IdP signs with it; a rotation or a new hand-over needs a new upload and confirmation.\n'
      : `${s.green('✔')} Already recorded: the upload of certificate ${upload.certificate} was confirmed on ${day(upload.confirmedAt)}. Nothing changed.\n`,
  );
  return EXIT.ok;
}

/** Records the confirmation for `fingerprint` (refused unless it is the current hand-over). */
export async function confirmWithConfig(ctx: Context, config: ResolvedConfig, fingerprint: string): Promise<ConfirmResult> {
  const { idp, sp } = createServices(ctx, config, undefined);
  if (sp.delivery !== 'manual') {
    throw new SsoError('UPLOAD_NOT_MANUAL', `this setup pushes the metadata to the SP settings endpoint ${sp.target}: there is no manual upload to confirm`, {
      exit: EXIT.usage,
      hint: '`verify` reads what the SP trusts from the endpoint itself. For a manual upload, pass --delivery manual.',
    });
  }
  return confirmUpload(config, { idp, idpRules: auth0Rules, sp: sp as ManualSp, spProfile: spProfileFor(config.sp), checkMetadata: loadChecker, now: ctx.now }, fingerprint);
}
