import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Codes of the errors sso-setup raises (SsoError / usageError), wherever they are thrown. */
function raisedCodes(): Set<string> {
  const codes = new Set<string>();
  for (const file of sources(join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:new SsoError|usageError)\(\s*'([A-Z0-9_]+)'/g)) codes.add(m[1]!);
  }
  // Silent sentinels for --help/--version and a bare parse error: never shown to anyone.
  codes.delete('OK');
  codes.delete('USAGE');
  return codes;
}

describe('error codes', () => {
  it('every code the CLI can raise is documented in the README', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const codes = [...raisedCodes()];
    expect(codes.length).toBeGreaterThan(30);
    expect(codes.filter((c) => !readme.includes(`\`${c}\``))).toEqual([]);
  });
});
