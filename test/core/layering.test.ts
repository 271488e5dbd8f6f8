/**
 * Layering: the core (src/core) talks to the IdP, the SP, the CLI and the sandbox only through the
 * ports in src/core/ports.ts, so it imports none of them. Every .ts file under src/core is read (a new
 * file is covered without touching this test), and its imports are found by TypeScript's own
 * pre-processor (static, `export … from`, `import type` and dynamic `import()`), then resolved.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CORE = join(ROOT, 'src', 'core');
const FORBIDDEN = ['idp', 'sp', 'cli', 'sandbox'].map((dir) => join(ROOT, 'src', dir));

/** The imports of `file` (path under src/core) that land in a forbidden layer, as written. */
function forbiddenImports(file: string, text: string): string[] {
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((spec) => spec.startsWith('.'))
    .filter((spec) => {
      const target = resolve(dirname(file), spec);
      return FORBIDDEN.some((dir) => target === dir || target.startsWith(dir + sep));
    });
}

function coreFiles(): string[] {
  return readdirSync(CORE, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(CORE, name))
    .sort();
}

describe('src/core layering', () => {
  it('imports no IdP or SP adapter, nor the CLI or the sandbox', () => {
    const files = coreFiles();
    // The files this refactor moved behind ports are among those read (the listing is not empty or wrong).
    expect(files.map((f) => relative(CORE, f))).toEqual(expect.arrayContaining(['apply.ts', 'destroy.ts', 'plan.ts', 'ports.ts', 'rotate.ts', 'verify.ts']));
    const offenders = files.flatMap((file) => forbiddenImports(file, readFileSync(file, 'utf8')).map((spec) => `${relative(ROOT, file)}: ${spec}`));
    expect(offenders).toEqual([]);
  });

  it('catches every form of import into a forbidden layer, and allows the core its own and shared modules', () => {
    const file = join(CORE, 'new-step.ts');
    const text = [
      "import { SCOPES } from '../idp/auth0/scopes.js';",
      "import type { SamlAddon } from '../idp/auth0/saml-addon.js';",
      "export { amplitudeUploadSteps } from '../sp/amplitude/manual.js';",
      "const { style } = await import('../cli/style.js');",
      "import { startSandbox } from '../sandbox/index.js';",
      "import { deep } from './nested/../../sp/polis/connector.js';",
      "import type { IdpRules } from './ports.js';",
      "import { SsoError } from '../errors.js';",
      "import { parseTrustedCertificate } from '../saml/certificate.js';",
      "import { X509Certificate } from 'node:crypto';",
      "// import { not } from '../idp/in-a-comment.js';",
    ].join('\n');
    expect(forbiddenImports(file, text)).toEqual([
      '../idp/auth0/scopes.js',
      '../idp/auth0/saml-addon.js',
      '../sp/amplitude/manual.js',
      '../cli/style.js',
      '../sandbox/index.js',
      './nested/../../sp/polis/connector.js',
    ]);
    // A file in a sub-folder of the core is resolved from where it is.
    expect(forbiddenImports(join(CORE, 'sub', 'x.ts'), "import { a } from '../../idp/auth0/rules.js';\nimport { b } from '../ports.js';")).toEqual(['../../idp/auth0/rules.js']);
  });
});
