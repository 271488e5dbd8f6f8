/**
 * Renderings of a verify report: a table for people and JUnit XML for CI dashboards.
 */
import type { CheckResult, VerifyReport } from '../../core/verify.js';
import { Help } from 'commander';
import type { Style } from '../style.js';
import { escapeUnsafe } from '../../text.js';

/**
 * The table: one check a line (status, id, message), the hint under the message. On a terminal of
 * known width (`columns`), message and hint are wrapped at word boundaries to it, continuation lines
 * aligned with the message; otherwise (a pipe, a log, an unknown or tiny width) each stays one line.
 */
export function renderVerifyTable(report: VerifyReport, s: Style, strict: boolean, columns?: number): string {
  const mark = (c: CheckResult) =>
    ({ pass: s.green('PASS'), warn: strict ? s.red('WARN') : s.yellow('WARN'), fail: s.red('FAIL'), skip: s.dim('SKIP') })[c.status];
  const idWidth = Math.max(...report.checks.map((c) => c.id.length));
  // "PASS  credentials      message": the message starts after the 4-letter status, the id and two gaps.
  const indent = ' '.repeat(4 + 2 + idWidth + 2);
  const block = (text: string, paint: (line: string) => string = (line) => line) =>
    wrapText(text, columns === undefined ? undefined : columns - indent.length).map((line) => paint(line)).join(`\n${indent}`);
  const lines = report.checks.map((c) => {
    // Messages quote what servers and documents said: escaped, so none can start a line of its own.
    const head = `${mark(c)}  ${c.id.padEnd(idWidth)}  ${block(escapeUnsafe(c.message))}`;
    return c.hint && (c.status === 'fail' || c.status === 'warn') ? `${head}
${indent}${block(`→ ${escapeUnsafe(c.hint)}`, s.dim)}` : head;
  });
  const counts = (['pass', 'warn', 'fail', 'skip'] as const).map((st) => `${report.checks.filter((c) => c.status === st).length} ${st}`).join(', ');
  const verdict = report.ok ? s.green('SSO is healthy') : s.red('SSO needs attention');
  return `${lines.join('\n')}\n\n${verdict} (${counts}${strict ? '; --strict: warnings fail' : ''})\n`;
}

/** Below this many columns for the text itself, wrapping makes a ribbon of words: leave it to the terminal. */
const MIN_TEXT_COLUMNS = 30;

/**
 * Lines of at most `width` columns, broken at spaces (commander's wrapping, as in the help pages);
 * a word longer than a line (a long URL) starts a line and is cut into line-sized pieces, so the
 * column stays aligned instead of the terminal wrapping it to the left edge.
 */
export function wrapText(text: string, width: number | undefined): string[] {
  if (width === undefined || width < MIN_TEXT_COLUMNS) return [text];
  const help = new Help();
  help.minWidthToWrap = MIN_TEXT_COLUMNS;
  return help
    .boxWrap(text, width)
    .split('\n')
    .flatMap((line) => {
      const chars = [...line];
      const pieces: string[] = [];
      for (let i = 0; i < chars.length; i += width) pieces.push(chars.slice(i, i + width).join(''));
      return pieces.length ? pieces : [line];
    });
}

/** JUnit XML: one testcase per check; fail (and warn under --strict) is a failure, skip is skipped. */
export function renderJunit(report: VerifyReport, strict: boolean, at: Date, durationMs: number): string {
  return renderJunitSuites([{ name: 'sso-setup verify', report }], strict, at, durationMs);
}

/** One testsuite per report (per org of `amplitude.orgs`: `sso-setup verify org 123456`), one testcase per check. */
export function renderJunitSuites(suites: { name: string; report: VerifyReport }[], strict: boolean, at: Date, durationMs: number): string {
  const failing = (c: CheckResult) => c.status === 'fail' || (strict && c.status === 'warn');
  const all = suites.flatMap((x) => x.report.checks);
  const time = (durationMs / 1000).toFixed(3);
  const body = suites.flatMap(({ name, report }) => {
    const failures = report.checks.filter(failing).length;
    const skips = report.checks.filter((c) => c.status === 'skip').length;
    const cases = report.checks.map((c) => {
      const lines: string[] = [];
      if (failing(c)) {
        lines.push(`      <failure message="${attr(c.message)}" type="${c.status}">${text([c.message, c.hint].filter(Boolean).join('\n'))}</failure>`);
      } else if (c.status === 'skip') {
        lines.push(`      <skipped message="${attr(c.message)}"/>`);
      } else if (c.status === 'warn') {
        lines.push(`      <system-out>${text(`warning: ${c.message}${c.hint ? `\n${c.hint}` : ''}`)}</system-out>`);
      }
      const open = `    <testcase classname="${attr(name.replace(/ /g, '.'))}" name="${attr(c.id)}" time="0"`;
      return lines.length ? `${open}>\n${lines.join('\n')}\n    </testcase>` : `${open}/>`;
    });
    return [
      `  <testsuite name="${attr(name)}" tests="${report.checks.length}" failures="${failures}" errors="0" skipped="${skips}" timestamp="${at.toISOString().replace(/\.\d{3}Z$/, '')}" time="${time}">`,
      ...cases,
      '  </testsuite>',
    ];
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="sso-setup verify" tests="${all.length}" failures="${all.filter(failing).length}" skipped="${all.filter((c) => c.status === 'skip').length}" time="${time}">`,
    ...body,
    '</testsuites>',
    '',
  ].join('\n');
}

function attr(v: string): string {
  return text(v).replace(/"/g, '&quot;').replace(/\n/g, '&#10;');
}

function text(v: string): string {
  // Strip characters XML 1.0 cannot carry; bidi and invisible characters become character references,
  // so the file shows them as what they are.
  // eslint-disable-next-line no-control-regex
  return v
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/g, (c) => `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`);
}
