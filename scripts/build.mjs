#!/usr/bin/env node
/**
 * Builds what the launcher (bin/sso-setup.cjs) runs, into dist/cli/:
 *   sso-setup.cjs      the CLI and the sandbox in one CommonJS bundle (esbuild). Heavy or ESM-only
 *                      dependencies stay outside and are loaded only by the commands that use them.
 *   code-cache/        V8's compiled code for the bundle under the Node running the build, so a start
 *                      skips most of the parse (other Node versions write their own on first run:
 *                      bin/bundle-loader.cjs).
 *   help.json          every help page, rendered by the bundle itself, so `--help` reads one file.
 * and, first, src/config/generated/config-schema.js: the shipped JSON Schema of sso-setup.json
 * compiled by ajv to standalone validation code, so the CLI checks configuration with the very
 * schema users' editors see, without loading ajv (~150 ms, 1 MB) at run time.
 * Type checking is separate (`npm run typecheck`): esbuild only strips types.
 *
 * Why not tsc output as-is: on Node 20, the ESM loader and ~60 module files cost more start-up time
 * than the issue's budget (`--help` within 1.5x of bare node). See README "Benchmarks".
 */
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const require = createRequire(import.meta.url);
const loader = require('../bin/bundle-loader.cjs');

/**
 * Bundled, but into their own file (dist/cli/vendor.cjs), loaded only by the commands that use them.
 * The Auth0 SDK: loaded from node_modules, the sub-clients sso-setup uses are 430 modules and ~25 MiB
 * more memory at run time (issue 12: apply's peak memory); bundled with the CLI, they are ~140 KB of
 * the code cache every start deserialises (`metadata check` 2.2x -> 2.5x bare node).
 */
const VENDORED = ['auth0'];

/** Loaded at run time, only where needed: heavy, ESM-only, or shipping files of their own. */
const EXTERNAL = [
  ...VENDORED,
  ...VENDORED.map((name) => `${name}/*`),
  'undici',
  'ora',
  '@inquirer/prompts',
  'xml-crypto',
  '@xmldom/xmldom',
  'xmllint-wasm',
  'samlp',
  'saml',
  '@node-saml/node-saml',
  // The login walk's HTML parser and cookie jar: only `verify` (login checks) and `demo` load them.
  'parse5',
  'tough-cookie',
  // Ory Polis for `sandbox --polis` only: a devDependency (~240 MB); the command says how to install it.
  '@boxyhq/saml-jackson',
];

const started = Date.now();
compileConfigSchema();
rmSync(new URL('../dist/', import.meta.url), { recursive: true, force: true });
mkdirSync(loader.DIST, { recursive: true });

await build({
  absWorkingDir: ROOT,
  entryPoints: ['src/cli/main.ts'],
  outfile: loader.BUNDLE,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20.19',
  external: EXTERNAL,
  // The bundle sits at dist/cli/, as src/cli/main.ts did under dist/ before: paths the code builds
  // from import.meta.url (../../package.json, ../../schema/xsd/) stay valid.
  define: { 'import.meta.url': '__sso_setup_url' },
  banner: { js: "const __sso_setup_url = require('node:url').pathToFileURL(__filename).href;" },
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  logLevel: 'warning',
});

// vm.Script code cannot call import() on Node 20: route the external packages' import() calls
// through bin/bundle-loader.cjs (see importExternal there).
const text = readFileSync(loader.BUNDLE, 'utf8');
const dynamicImports = text.match(/\bimport\((?=")/g) ?? [];
const rewritten = text.replace(/\bimport\("([^"]+)"\)/g, (call, specifier) => {
  if (!EXTERNAL.some((e) => specifier === e || (e.endsWith('/*') && specifier.startsWith(e.slice(0, -1))))) {
    throw new Error(`the bundle imports ${specifier} dynamically, but it is not an external package`);
  }
  return `__sso_setup_import("${specifier}")`;
});
// (esbuild prints strings with double quotes; import('…') text left is in bundled libraries' JSDoc.)
if (/\bimport\("/.test(rewritten)) throw new Error('an import() call was left in the bundle');
await buildVendorBundle(dynamicImports.length ? [...new Set(text.match(/(?<=\bimport\(")[^"]+/g))] : []);
// The first line names this build, so a code cache is never used with another bundle.
const buildId = createHash('sha256').update(rewritten).digest('hex').slice(0, 16);
const source = `// sso-setup build ${buildId}\n${rewritten}`;
if (!loader.BUILD_ID.test(source)) throw new Error('the build id line does not match bin/bundle-loader.cjs');
writeFileSync(loader.BUNDLE, source);
// That line moves the code one line down: so do its source-map mappings (`;` = an empty first line).
const map = JSON.parse(readFileSync(`${loader.BUNDLE}.map`, 'utf8'));
writeFileSync(`${loader.BUNDLE}.map`, JSON.stringify({ ...map, mappings: `;${map.mappings}` }));

// Run the bundle once in this process: render the help pages, and exercise the common paths so
// their functions are compiled before the code cache is taken.
const script = loader.compile(source, undefined);
const cli = loader.run(script);
const pages = {};
for (const argv of cli.helpRequests()) {
  const io = captureIO();
  const code = await cli.main(argv, { io: io.io, env: { PATH: process.env.PATH } });
  if (code !== 0 || io.err()) throw new Error(`help for '${argv.join(' ')}' failed (${code}): ${io.err()}`);
  pages[argv.join('\u0000')] = io.out();
}
writeFileSync(`${loader.DIST}/help.json`, `${JSON.stringify(pages)}\n`);

const warm = captureIO();
const fixture = fileURLToPath(new URL('../fixtures/metadata/auth0-idp-dev-rd4ugvvduiwgubhu-2023-repo-unknown.xml', import.meta.url));
await cli.main(['metadata', 'check', fixture, '--now', '2026-11-29T00:00:00Z'], { io: warm.io, env: { PATH: process.env.PATH } });
await cli.main(['apply', '--bogus-flag'], { io: captureIO().io, env: {} });
mkdirSync(loader.SHIPPED_CACHE_DIR, { recursive: true });
writeFileSync(`${loader.SHIPPED_CACHE_DIR}/${loader.cacheFileName(buildId)}`, script.createCachedData());

console.log(
  `built dist/cli/ (bundle with ${dynamicImports.length} external imports, code cache for node ${process.version}, ${Object.keys(pages).length} help pages) in ${Date.now() - started} ms`,
);

/**
 * dist/cli/vendor.cjs: every vendored module the CLI imports (the specifiers of its import() calls),
 * each behind a function, so loading the file evaluates none of them (bin/bundle-loader.cjs).
 */
async function buildVendorBundle(specifiers) {
  const vendored = specifiers.filter((s) => VENDORED.some((name) => s === name || s.startsWith(`${name}/`)));
  const entry = `module.exports = {\n${vendored.map((s) => `  ${JSON.stringify(s)}: () => import(${JSON.stringify(s)}),`).join('\n')}\n};\n`;
  await build({
    absWorkingDir: ROOT,
    stdin: { contents: entry, resolveDir: ROOT, sourcefile: 'vendor-entry.cjs', loader: 'js' },
    outfile: loader.VENDOR_BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20.19',
    legalComments: 'none',
    logLevel: 'warning',
  });
}

/**
 * schema/sso-setup.schema.json → src/config/generated/config-schema.js (ESM, gitignored). `verbose`
 * keeps each failing subschema on the error, so messages can use its `errorMessage` (the annotation
 * VS Code shows for the same schema); `allErrors` reports every problem at once.
 */
function compileConfigSchema() {
  const { default: Ajv2020 } = require('ajv/dist/2020');
  const { default: standaloneCode } = require('ajv/dist/standalone');
  const schema = JSON.parse(readFileSync(new URL('../schema/sso-setup.schema.json', import.meta.url), 'utf8'));
  const ajv = new Ajv2020({ code: { source: true, esm: true }, allErrors: true, strict: true, verbose: true });
  ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });
  ajv.addSchema(schema);
  // The whole file, and the host type alone (for flags such as `metadata check --expect-host`).
  let code = standaloneCode(ajv, { validateConfig: schema.$id, validateHost: `${schema.$id}#/$defs/host` });
  // The one runtime helper ajv's code requires: JSON Schema string lengths count code points.
  code = code.replace(/require\("ajv\/dist\/runtime\/ucs2length"\)\.default/g, '((text) => [...text].length)');
  if (/\brequire\(/.test(code)) throw new Error('the compiled config schema still requires a module at run time');
  mkdirSync(new URL('../src/config/generated/', import.meta.url), { recursive: true });
  writeFileSync(
    new URL('../src/config/generated/config-schema.js', import.meta.url),
    `// Generated by scripts/build.mjs from schema/sso-setup.schema.json (ajv standalone). Do not edit.\n${code}\n`,
  );
}

function captureIO() {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (t) => void (out += t) },
      stderr: { write: (t) => void (err += t) },
      stdin: process.stdin,
      isStdinTTY: false,
      isStdoutTTY: false,
      isStderrTTY: false,
      ci: false,
      stdoutColumns: () => undefined,
      stderrColumns: () => undefined,
      sharedOutput: () => false,
    },
    out: () => out,
    err: () => err,
  };
}
