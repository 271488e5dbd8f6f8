import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** A package's version, found from its resolved entry point (some packages do not export package.json). */
function versionOf(name: string, from: NodeJS.Require = createRequire(import.meta.url)): number[] {
  const entry = from.resolve(name).replace(/\\/g, '/');
  const root = entry.slice(0, entry.lastIndexOf(`/node_modules/${name}/`) + `/node_modules/${name}/`.length);
  const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
  return version.split('.').map((part) => Number.parseInt(part, 10));
}

function atLeast(actual: number[], minimum: number[]): boolean {
  for (let i = 0; i < minimum.length; i++) {
    if ((actual[i] ?? 0) !== minimum[i]) return (actual[i] ?? 0) > minimum[i]!;
  }
  return true;
}

// The checker's safety depends on fixes in these versions (saml-metadata-checks.md §5).
describe('XML security dependencies', () => {
  it.each([
    ['fast-xml-parser', [5, 5, 7]],
    ['xml-crypto', [6, 0, 1]],
    ['xmllint-wasm', [5, 0, 0]],
  ])('%s is new enough', (name, minimum) => {
    expect(atLeast(versionOf(name), minimum)).toBe(true);
  });

  it("xml-crypto's own @xmldom/xmldom (the DOM signatures are verified on) is >= 0.8.15", () => {
    const fromXmlCrypto = createRequire(createRequire(import.meta.url).resolve('xml-crypto'));
    expect(atLeast(versionOf('@xmldom/xmldom', fromXmlCrypto), [0, 8, 15])).toBe(true);
  });

  it('compares versions numerically', () => {
    expect(atLeast([5, 12, 1], [5, 5, 7])).toBe(true);
    expect(atLeast([5, 5, 6], [5, 5, 7])).toBe(false);
    expect(atLeast([0, 8, 15], [0, 8, 15])).toBe(true);
  });
});
