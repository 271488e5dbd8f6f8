/**
 * Human rendering of an apply result or plan (stdout). Says plainly which steps sso-setup did and
 * which are left to a person.
 */
import type { ApplyResult } from '../../core/apply.js';
import type { FieldChange } from '../../core/plan.js';
import type { Style } from '../style.js';

export function renderApplyResult(result: ApplyResult, s: Style, opts: { manualSteps?: boolean } = {}): string {
  const out: string[] = [];
  const heading = result.dryRun ? 'Plan (dry run: nothing was changed)' : result.changed ? 'Applied' : 'No changes: everything is already as configured';
  out.push(s.bold(heading));

  const idpVerb = {
    create: result.dryRun ? 'will be created' : 'created',
    update: result.dryRun ? 'will be updated' : 'updated',
    none: 'no change',
  }[result.idp.action];
  out.push(`  Auth0 application${result.idp.clientId ? ` ${result.idp.clientId}` : ''}: ${idpVerb}`);
  out.push(...renderDiff(result.idp.diff, s, '    '));

  if (result.metadata) {
    const cert = result.metadata.certificates[0];
    out.push(`  IdP metadata: ${result.metadata.entityId ?? '?'}, SSO ${result.metadata.ssoUrl}`);
    if (cert) out.push(`    signing certificate ${cert.sha256} (expires ${cert.notAfter.slice(0, 10)}${cert.daysLeft !== undefined ? `, ${cert.daysLeft} days left` : ''})`);
    for (const w of result.metadata.warnings) out.push(`    ${s.yellow('warning')} ${w.code}: ${w.message}`);
  }

  const spVerb: Record<string, string> = {
    upload: result.dryRun ? 'metadata will be pushed' : 'metadata pushed and read back',
    handover: result.dryRun ? 'metadata will be saved for upload' : 'metadata saved for upload',
    none: 'no change',
    pending: 'metadata will be delivered once the Auth0 application exists',
  };
  out.push(`  SP (${result.sp.delivery === 'endpoint' ? `endpoint ${result.sp.target}` : `manual upload, ${result.sp.target}`}): ${spVerb[result.sp.action] ?? result.sp.action}`);
  out.push(...renderDiff(result.sp.diff, s, '    '));

  const automated = result.steps.filter((x) => x.automated && (x.status === 'done' || x.status === 'unchanged'));
  if (automated.length && !result.dryRun) {
    out.push('', 'Done by sso-setup:');
    for (const step of automated) out.push(`  ${s.green('✔')} ${step.title}${step.status === 'unchanged' ? ' (already as configured)' : ''}`);
  }
  const byPerson = result.steps.filter((x) => !x.automated);
  if (byPerson.length) {
    out.push('', 'By a person:');
    for (const step of byPerson) {
      const state = step.status === 'unchanged' ? `done earlier (${step.detail ?? 'handed over'})` : 'to do (steps below)';
      out.push(`  ${step.status === 'unchanged' ? s.green('✔') : s.yellow('…')} ${step.title}: ${state}`);
    }
  }
  if (result.manualSteps?.length && opts.manualSteps !== false) {
    out.push('', s.bold('Left to you, in Amplitude:'));
    result.manualSteps.forEach((line, i) => out.push(`  ${i + 1}. ${line}`));
  }
  return `${out.join('\n')}\n`;
}

export function renderDiff(changes: FieldChange[], s: Style, indent: string): string[] {
  return changes.map((c) => {
    if (c.before === undefined) return `${indent}${s.green('+')} ${c.field}: ${show(c.after)}`;
    if (c.after === undefined) return `${indent}${s.red('-')} ${c.field}: ${show(c.before)}`;
    return `${indent}${s.yellow('~')} ${c.field}: ${show(c.before)} → ${show(c.after)}`;
  });
}

function show(v: unknown): string {
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return text.length > 140 ? `${text.slice(0, 137)}...` : text;
}
