import { readFileSync } from 'node:fs';
import { FINDING_CODES, FindingList } from '../../src/saml/findings.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('finding codes', () => {
  it('are all documented in the README with their severity', () => {
    const undocumented = Object.entries(FINDING_CODES)
      .filter(([code, severity]) => !README.includes(`| \`${code}\` | ${severity} |`))
      .map(([code]) => code);
    expect(undocumented).toEqual([]);
  });

  it('has no README row for a code that does not exist', () => {
    const section = README.slice(README.indexOf('## `sso-setup metadata check`'));
    const rows = [...section.matchAll(/^\| `([A-Z0-9_]+)` \| (error|warning) \|/gm)].map((m) => m[1]!);
    expect(rows.filter((code) => !(code in FINDING_CODES))).toEqual([]);
  });

  it('are sorted into errors and warnings by their fixed severity', () => {
    const list = new FindingList();
    list.add('CERT_EXPIRED', 'e');
    list.add('CERT_EXPIRED_ROTATION', 'w');
    expect(list.errors).toEqual([{ code: 'CERT_EXPIRED', message: 'e' }]);
    expect(list.warnings).toEqual([{ code: 'CERT_EXPIRED_ROTATION', message: 'w' }]);
  });
});
