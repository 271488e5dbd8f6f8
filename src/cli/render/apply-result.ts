/**
 * Human rendering of an apply result or plan (stdout). Says plainly which steps sso-setup did and
 * which are left to a person.
 */
import type { ApplyResult } from '../../core/apply.js';
import type { FieldChange } from '../../core/plan.js';
import type { Style } from '../style.js';
import { escapeUnsafe } from '../../text.js';

export interface ApplyRenderOptions {
  /**
   * The steps left to a person: `list` prints them (apply, demo); `walkthrough` only names them,
   * because the caller walks the person through them when they are due (init).
   */
  manualSteps?: 'list' | 'walkthrough';
  /**
   * The progress lines (one ✔ per step) are on the same screen, just above: the steps sso-setup did
   * are then not listed a second time.
   */
  stepsShownAbove?: boolean;
  /** The SP the manual steps are done in (default Amplitude). */
  spName?: string;
}

export function renderApplyResult(result: ApplyResult, s: Style, opts: ApplyRenderOptions = {}): string {
  const out: string[] = [];
  const heading = result.dryRun
    ? 'Plan (dry run: nothing was changed)'
    : result.changed
      ? 'Applied'
      : result.manualSteps?.length
        ? 'No changes: everything sso-setup manages is already as configured (a step is left to a person, below)'
        : 'No changes: everything is already as configured';
  out.push(s.bold(heading));

  const idpVerb = {
    create: result.dryRun ? 'will be created' : 'created',
    update: result.dryRun ? 'will be updated' : 'updated',
    none: 'no change',
  }[result.idp.action];
  out.push(`  Auth0 application${result.idp.clientId ? ` ${result.idp.clientId}` : ''}: ${idpVerb}`);
  out.push(...renderDiff(result.idp.diff, s, '    '));
  if (result.idp.removedDuplicates?.length) {
    out.push(`    ${s.yellow('-')} duplicates made by overlapping runs, deleted: ${result.idp.removedDuplicates.join(', ')}`);
  }
  if (result.connections) out.push(...renderConnections(result.connections, result.dryRun, s));

  if (result.metadata) {
    const cert = result.metadata.certificates[0];
    out.push(`  IdP metadata: ${escapeUnsafe(result.metadata.entityId ?? '?')}, SSO ${escapeUnsafe(result.metadata.ssoUrl)}`);
    if (cert) out.push(`    signing certificate ${cert.sha256} (expires ${cert.notAfter.slice(0, 10)}${cert.daysLeft !== undefined ? `, ${cert.daysLeft} days left` : ''})`);
    for (const w of result.metadata.warnings) out.push(`    ${s.yellow('warning')} ${w.code}: ${escapeUnsafe(w.message)}`);
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
    if (opts.stepsShownAbove) {
      const unchanged = automated.filter((x) => x.status === 'unchanged').length;
      out.push('', `Done by sso-setup: the steps marked ${s.green('✔')} above${unchanged ? ` (${unchanged} already as configured)` : ''}.`);
    } else {
      out.push('', 'Done by sso-setup:');
      for (const step of automated) out.push(`  ${s.green('✔')} ${step.title}${step.status === 'unchanged' ? ' (already as configured)' : ''}`);
    }
  }
  const listed = opts.manualSteps !== 'walkthrough';
  const byPerson = result.steps.filter((x) => !x.automated);
  if (byPerson.length) {
    out.push('', 'By a person:');
    for (const step of byPerson) {
      // `detail` says what is recorded: "upload confirmed DATE", or "handed over DATE, upload not confirmed".
      const next = listed ? 'steps below' : 'walked through next';
      const state =
        step.id !== 'sp.upload' && step.status !== 'unchanged'
          ? `to do: ${step.detail ?? ''}` // e.g. a duplicate this token may not delete: the detail says what
          : step.status === 'unchanged'
          ? `done (${step.detail ?? 'confirmed'})`
          : !listed && result.dryRun && !step.detail
            ? 'to do once the plan is applied (you will be walked through it)'
            : `to do (${[step.detail, next].filter(Boolean).join('; ')})`;
      out.push(`  ${step.status === 'unchanged' ? s.green('✔') : s.yellow('…')} ${step.title}: ${state}`);
    }
  }
  if (result.manualSteps?.length && listed) {
    out.push('', s.bold(`Left to you, in ${opts.spName ?? 'Amplitude'}:`));
    result.manualSteps.forEach((line, i) => out.push(`  ${i + 1}. ${line}`));
  }
  return `${out.join('\n')}\n`;
}

/** The application's connections: what it is enabled on, and the change when apply manages them. */
function renderConnections(c: NonNullable<ApplyResult['connections']>, dryRun: boolean, s: Style): string[] {
  const list = c.enabled.map(escapeUnsafe).join(', ');
  if (!c.managed) {
    return [
      c.enabled.length
        ? `  Connections: ${list} (left alone: none configured)`
        : `  Connections: ${s.yellow('none')}: nobody can sign in through the application (configure --connection or application.connections)`,
    ];
  }
  if (c.action === 'none') return [`  Connections: ${list} (as configured)`];
  return [`  Connections: ${dryRun ? 'will be enabled' : 'enabled'} on exactly ${list}`, ...renderDiff(c.diff, s, '    ')];
}

/**
 * A field-level diff, values in full (a fingerprint cut short is no use). A changed object is shown
 * per field; a changed list item by item (+ added, - removed), one item a line.
 */
export function renderDiff(changes: FieldChange[], s: Style, indent: string): string[] {
  return changes.flatMap((c) => {
    if ((isRecord(c.before) || c.before === undefined) && (isRecord(c.after) || c.after === undefined) && c.before !== c.after) {
      const before = c.before ?? {};
      const after = c.after ?? {};
      const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => show(before[k]) !== show(after[k]));
      if (keys.length) return renderDiff(keys.map((k) => ({ field: `${c.field}.${k}`, before: before[k], after: after[k] })), s, indent);
    }
    if (Array.isArray(c.before) && Array.isArray(c.after)) {
      const before = c.before.map(show);
      const after = c.after.map(show);
      const removed = before.filter((v) => !after.includes(v));
      const added = after.filter((v) => !before.includes(v));
      if (removed.length || added.length) {
        return [
          `${indent}${s.yellow('~')} ${escapeUnsafe(c.field)}:`,
          ...removed.map((v) => `${indent}    ${s.red('-')} ${v}`),
          ...added.map((v) => `${indent}    ${s.green('+')} ${v}`),
        ];
      }
    }
    if (c.before === undefined) return [`${indent}${s.green('+')} ${escapeUnsafe(c.field)}: ${show(c.after)}`];
    if (c.after === undefined) return [`${indent}${s.red('-')} ${escapeUnsafe(c.field)}: ${show(c.before)}`];
    return [`${indent}${s.yellow('~')} ${escapeUnsafe(c.field)}: ${show(c.before)} → ${show(c.after)}`];
  });
}

/** A value from Auth0 or the SP (anyone with dashboard access can set it): one line, escaped. */
function show(v: unknown): string {
  // JSON.stringify(undefined) is undefined: a field that is absent on one side.
  return escapeUnsafe(typeof v === 'string' ? v : (JSON.stringify(v) ?? 'undefined'));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
