/**
 * The human renderings of an apply result and a verify report, as pure functions of their data:
 * values in full, each thing said once, and text laid out for the terminal's width when it is known.
 */
import type { ApplyResult } from '../../src/core/apply.js';
import type { VerifyReport } from '../../src/core/verify.js';
import { renderApplyResult, renderDiff } from '../../src/cli/render/apply-result.js';
import { renderVerifyTable, wrapText } from '../../src/cli/render/verify-report.js';
import { style } from '../../src/cli/style.js';

const plain = style(false);
const FP_A = 'E4:5C:A8:57:A3:64:D1:FF:82:BF:48:F1:E5:68:6E:62:92:BE:95:09:8D:6C:63:C2:1B:D4:D3:2A:C4:83:7B:FB';
const FP_B = '32:F4:39:B7:2C:54:FD:A5:83:AD:0B:0B:37:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33';
const FP_OLD = '01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F:20';

describe('renderDiff', () => {
  it('shows a changed certificate list item by item, each fingerprint whole', () => {
    expect(renderDiff([{ field: 'certificates', before: [], after: [FP_A, FP_B] }], plain, '    ')).toEqual([
      '    ~ certificates:',
      `        + ${FP_A}`,
      `        + ${FP_B}`,
    ]);
    expect(renderDiff([{ field: 'certificates', before: [FP_OLD, FP_A], after: [FP_A, FP_B] }], plain, '')).toEqual([
      '~ certificates:',
      `    - ${FP_OLD}`,
      `    + ${FP_B}`,
    ]);
  });

  it('shows a changed object field by field, and long values in full', () => {
    const audience = `https://amplitude.com/saml/2/metadata/${'9'.repeat(150)}`;
    expect(renderDiff([{ field: 'addons.samlp', before: undefined, after: { audience, signResponse: false } }], plain, '')).toEqual([
      `+ addons.samlp.audience: ${audience}`,
      '+ addons.samlp.signResponse: false',
    ]);
    expect(renderDiff([{ field: 'addons.samlp', before: { audience: 'a', lifetimeInSeconds: 3600 }, after: { audience: 'b', lifetimeInSeconds: 3600 } }], plain, '')).toEqual([
      '~ addons.samlp.audience: a → b',
    ]);
  });

  it('shows values edited in the dashboard escaped, one line each (a newline, a bidi override, ESC)', () => {
    const lines = renderDiff([{ field: 'callbacks', before: ['https://a.example/acs'], after: ['https://b.example/acs\nerror: forged', 'https://\u202emoc.live/\u001b[2J'] }], plain, '');
    expect(lines).toEqual(['~ callbacks:', '    - https://a.example/acs', '    + https://b.example/acs\\nerror: forged', '    + https://\\u202Emoc.live/\\u001B[2J']);
  });

  it('keeps scalars and reordered lists on one line', () => {
    expect(renderDiff([{ field: 'enabled', before: false, after: true }], plain, '')).toEqual(['~ enabled: false → true']);
    expect(renderDiff([{ field: 'callbacks', before: ['b', 'a'], after: ['a', 'b'] }], plain, '')).toEqual(['~ callbacks: ["b","a"] → ["a","b"]']);
  });
});

function applied(overrides: Partial<ApplyResult> = {}): ApplyResult {
  return {
    changed: true,
    dryRun: false,
    idp: { clientId: 'cid', action: 'create', diff: [] },
    sp: { delivery: 'manual', action: 'handover', target: '/w/amplitude-idp-metadata-1.xml', diff: [] },
    steps: [
      { id: 'idp.token', title: 'Get a Management API token', status: 'done', automated: true },
      { id: 'idp.client', title: 'Create or update the Auth0 application', status: 'done', automated: true },
      { id: 'sp.deliver', title: 'Save the metadata for upload to Amplitude', status: 'unchanged', automated: true },
      { id: 'sp.upload', title: 'Upload the metadata file in Amplitude', status: 'manual', automated: false },
    ],
    manualSteps: ['Sign in to https://amplitude.com as an organisation admin.', 'Upload Metadata File: choose /w/amplitude-idp-metadata-1.xml.'],
    ...overrides,
  };
}

describe('renderApplyResult', () => {
  it('lists the steps sso-setup did when the progress lines are elsewhere (stdout redirected, a log)', () => {
    const text = renderApplyResult(applied(), plain);
    expect(text).toContain('Done by sso-setup:\n  ✔ Get a Management API token\n  ✔ Create or update the Auth0 application\n');
    expect(text).toContain('  ✔ Save the metadata for upload to Amplitude (already as configured)');
    expect(text).toContain('Left to you, in Amplitude:\n  1. Sign in to https://amplitude.com as an organisation admin.');
  });

  it('does not list them a second time under the progress lines on the same screen', () => {
    const text = renderApplyResult(applied(), plain, { stepsShownAbove: true });
    expect(text).toContain('Done by sso-setup: the steps marked ✔ above (1 already as configured).');
    expect(text).not.toContain('✔ Get a Management API token');
  });

  it('init: a plan only names the upload, which is walked through once it is due', () => {
    const plan = renderApplyResult(applied({ dryRun: true, changed: false }), plain, { manualSteps: 'walkthrough' });
    expect(plan).toContain('… Upload the metadata file in Amplitude: to do once the plan is applied (you will be walked through it)');
    expect(plan).not.toContain('Left to you');
    expect(plan).not.toContain('Sign in to https://amplitude.com');
    const after = renderApplyResult(applied(), plain, { manualSteps: 'walkthrough' });
    expect(after).toContain('Upload the metadata file in Amplitude: to do (walked through next)');
    expect(after).not.toContain('Sign in to https://amplitude.com');
  });
});

describe('renderVerifyTable', () => {
  const report: VerifyReport = {
    ok: false,
    checks: [
      { id: 'credentials', status: 'pass', message: 'token for X0LWMqQ1nRc2b8A23rpR90LMqoQ1X7ku at 127.0.0.1:46071 with the scopes needed' },
      {
        id: 'idp.certificate',
        status: 'warn',
        message: 'Auth0 has a next signing key (qcGpRO76tYhjUOyZ34Bfv) the SP does not trust yet: rotating it will break SSO',
        hint: 'After a rotation run `sso-setup apply` at once (with endpoint delivery, apply also pre-trusts the next key).',
      },
      { id: 'idp.metadata', status: 'fail', message: 'not served at http://127.0.0.1:46071/samlp/metadata/C9hfTzWC3KOkjojHg6Y91PkcPAuAclUBxxxxxxxxxxxxxxx', hint: 'Run `sso-setup apply`.' },
    ],
  };
  // "WARN  idp.certificate  ": the message column.
  const column = 4 + 2 + 'idp.certificate'.length + 2;

  it('on a terminal of known width: no line is wider, and every continuation and hint starts at the message column', () => {
    for (const columns of [60, 80, 120]) {
      const lines = renderVerifyTable(report, plain, false, columns).split('\n');
      for (const line of lines) expect([columns, line, line.length <= columns]).toEqual([columns, line, true]);
      const body = lines.slice(0, lines.indexOf(''));
      for (const line of body.filter((l) => !/^(PASS|WARN|FAIL|SKIP) /.test(l))) {
        expect([line, line.slice(0, column).trim(), line.charAt(column) !== ' ']).toEqual([line, '', true]);
      }
      expect(body.some((l) => l.startsWith(`${' '.repeat(column)}→ After a rotation`))).toBe(true);
    }
  });

  it('with no known width (a pipe, a log, 0 columns): one line per message and per hint, the hint aligned', () => {
    const lines = renderVerifyTable(report, plain, false, undefined).split('\n');
    expect(lines.slice(0, 5)).toEqual([
      `PASS  credentials      ${report.checks[0]!.message}`,
      `WARN  idp.certificate  ${report.checks[1]!.message}`,
      `${' '.repeat(column)}→ ${report.checks[1]!.hint}`,
      `FAIL  idp.metadata     ${report.checks[2]!.message}`,
      `${' '.repeat(column)}→ Run \`sso-setup apply\`.`,
    ]);
  });

  it('wrapText: words kept whole where they fit, longer ones cut to the width; too narrow a column is left alone', () => {
    expect(wrapText('one two three four five six seven eight nine ten', 30)).toEqual(['one two three four five six', 'seven eight nine ten']);
    expect(wrapText(`see ${'x'.repeat(70)}`, 30).every((l) => l.length <= 30)).toBe(true);
    expect(wrapText('a b c', 10)).toEqual(['a b c']);
    expect(wrapText('a b c', undefined)).toEqual(['a b c']);
  });
});
