/**
 * Renderings for a list of orgs (`amplitude.orgs`): one summary row per org (org, Auth0 action, SP
 * action, status), then what needs a person: each failure with its hint, and each org's steps left
 * to do in Amplitude.
 */
import type { FleetApplyReport } from '../commands/apply.js';
import type { Style } from '../style.js';
import { escapeUnsafe } from '../../text.js';

export function renderFleetApply(report: FleetApplyReport, s: Style): string {
  const rows = report.orgs.map((o) => {
    if (o.status === 'failed') return [o.orgId, '-', '-', s.red('FAILED'), `${o.error.code}`];
    const r = o.result;
    const idp = { create: report.dryRun ? 'create' : 'created', update: report.dryRun ? 'update' : 'updated', none: 'no change' }[r.idp.action];
    const sp =
      {
        upload: report.dryRun ? 'push' : 'pushed',
        handover: report.dryRun ? 'save file' : 'file saved',
        none: 'no change',
        pending: 'after create',
      }[r.sp.action] ?? r.sp.action;
    const person = r.manualSteps?.length ? 'upload left to a person' : '';
    const status = o.status === 'changed' ? s.green('changed') : o.status === 'planned' ? s.yellow('planned') : s.green('ok');
    return [o.orgId, `${idp}${r.idp.clientId ? ` (${r.idp.clientId})` : ''}`, `${sp} (${r.sp.delivery})`, status, person];
  });
  const header = ['org', 'Auth0 application', 'SP', 'status', ''];
  const plain = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '');
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => plain(r[i]!).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - plain(c).length)))
      .join('  ')
      .trimEnd();
  const out = [s.bold(report.dryRun ? 'Plan (dry run: nothing was changed)' : 'Applied'), line(header.map((h) => s.dim(h))), ...rows.map((r) => line(r.map(escapeUnsafe)))];

  for (const o of report.orgs) {
    if (o.status === 'failed') {
      out.push('', `${s.red('✖')} org ${o.orgId}: ${escapeUnsafe(o.error.message)}`);
      if (o.error.hint) out.push(`  ${escapeUnsafe(o.error.hint)}`);
      continue;
    }
    if (o.result.manualSteps?.length) {
      out.push('', `Left to you for org ${o.orgId}, in Amplitude:`);
      o.result.manualSteps.forEach((step, i) => out.push(`  ${i + 1}. ${escapeUnsafe(step)}`));
    }
  }
  const c = report.counts;
  const selected = c.selected === c.configured ? `${c.selected} org(s)` : `${c.selected} of ${c.configured} configured org(s) (--only/--shard)`;
  out.push('', `${selected}: ${c.changed} changed, ${c.selected - c.changed - c.failed} already as configured${report.dryRun ? ' or planned' : ''}, ${c.failed} failed${c.failed ? s.red(' (exit 1; the others converged: run again once fixed)') : ''}`);
  return `${out.join('\n')}\n`;
}
