/**
 * `sso-setup rotate` as text: the plan (what is pushed where, what is left to a person, what on the
 * tenant is not protected), then the outcome per org.
 */
import type { RotationPlan, RotationResult } from '../../core/rotate.js';
import type { Style } from '../style.js';
import { escapeUnsafe } from '../../text.js';

const fp = (sha: string) => `${sha.slice(0, 23)}…`;

export function renderRotationPlan(plan: RotationPlan, domain: string, s: Style, dryRun: boolean): string {
  const k = plan.keys;
  const out = [s.bold(`Signing-key rotation for ${domain}${dryRun ? ' (dry run: nothing is changed)' : ''}`)];
  out.push(`  Auth0 signs with ${k.current.kid} (${fp(k.current.sha256)}); queued next: ${k.next.kid} (${fp(k.next.sha256)}).`);
  if (plan.mode === 'finish') {
    out.push(`  ${s.yellow('An earlier rotation is not finished')}: some SPs still trust the previous key and not the next one.`);
    out.push('  This run does NOT rotate again; it gives every endpoint SP the current and next key, then checks every org.');
  } else {
    out.push(`  This run rotates once: ${k.next.kid} becomes current, Auth0 queues a new next key (Auth0 allows 5 rotations a day).`);
  }
  for (const o of plan.orgs) {
    const what =
      o.delivery === 'endpoint'
        ? {
            'not-set-up': s.red('no Auth0 application yet: run `sso-setup apply` first'),
            ready: plan.mode === 'finish' ? (o.after === 'push' ? 'push the current and next key, read back' : 'already trusts the current and next key') : 'already trusts the next key; after the rotation: push the new current and next key, read back',
            'push-next': 'push the next key first (read back), then after the rotation the new current and next key',
            'hand-over': '',
            'awaiting-confirmation': '',
          }[o.before]
        : {
            'not-set-up': s.red('no Auth0 application yet: run `sso-setup apply` first'),
            ready: 'manual: the uploaded file (confirmed) holds the next key',
            'push-next': '',
            'hand-over': s.yellow(`manual: save a file with the current and next key to ${o.target}; its upload must be confirmed before the rotation`),
            'awaiting-confirmation': s.yellow(`manual: the file with the next key (${o.target}) was handed over; its upload is not confirmed yet`),
          }[o.before];
    out.push(`  org ${escapeUnsafe(o.orgId)} (${o.delivery}${o.delivery === 'endpoint' ? ` ${escapeUnsafe(o.target)}` : ''}): ${what}`);
  }
  if (plan.unmanaged.length) {
    out.push(`  ${s.yellow('Not protected')}: SAML applications on this tenant that sso-setup does not manage; the tenant key is shared, so their SPs stop accepting logins at the rotation until someone gives them the new certificate:`);
    for (const c of plan.unmanaged) out.push(`    - "${escapeUnsafe(c.name)}" (${escapeUnsafe(c.clientId)})`);
  }
  if (plan.otherSetups.length) {
    out.push(`  ${s.yellow('Not in this configuration')}: applications sso-setup set up for other orgs; this run does not update their SPs (run \`sso-setup apply\` for them right after):`);
    for (const c of plan.otherSetups) out.push(`    - "${escapeUnsafe(c.name)}" (${escapeUnsafe(c.clientId)}, ${escapeUnsafe(c.marker)})`);
  }
  return `${out.join('\n')}\n`;
}

export function renderRotationResult(result: RotationResult, s: Style): string {
  const out: string[] = [];
  if (result.rotated) out.push(`${s.green('✔')} Rotated: Auth0 signs with ${result.rotated.to} (was ${result.rotated.from}); next key queued: ${result.rotated.queued}.`);
  else out.push(`${s.green('✔')} Finished an earlier rotation: no new rotation was made.`);
  for (const o of result.orgs) {
    const v = result.verify.find((x) => x.orgId === o.orgId);
    const checks = v ? (v.ok ? s.green('verify ok') : s.red(`verify failed: ${v.checks.filter((c) => c.status === 'fail').map((c) => c.id).join(', ')}`)) : '';
    const warns = v?.checks.filter((c) => c.status === 'warn').map((c) => c.id) ?? [];
    const side = o.delivery === 'endpoint' ? `SP trusts ${(o.trusts ?? []).map(fp).join(', ')} (read back)` : o.manualSteps ? s.yellow('manual: SSO fails until the new file is uploaded') : 'manual: the uploaded file holds the new key';
    out.push(`  org ${escapeUnsafe(o.orgId)}: ${side}; ${checks}${warns.length ? s.yellow(` (warnings: ${warns.join(', ')})`) : ''}`);
  }
  for (const o of result.orgs) {
    if (!o.manualSteps) continue;
    out.push('', `Left to you for org ${escapeUnsafe(o.orgId)}, in Amplitude:`);
    o.manualSteps.forEach((step, i) => out.push(`  ${i + 1}. ${escapeUnsafe(step)}`));
  }
  return `${out.join('\n')}\n`;
}
