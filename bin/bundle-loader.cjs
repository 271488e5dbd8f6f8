'use strict';
/**
 * Loads the CLI bundle (dist/cli/sso-setup.cjs) with V8's code cache. Node 20 has no
 * module.enableCompileCache, so the build stores the compiled code next to the bundle and this
 * hands it back to V8; when V8 rejects it (another Node version), it simply compiles from source.
 * Shared by the launcher and scripts/build.mjs, which must wrap the source byte for byte alike.
 */
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');

const DIST = join(__dirname, '..', 'dist', 'cli');
const BUNDLE = join(DIST, 'sso-setup.cjs');
const CODE_CACHE = join(DIST, 'sso-setup.v8cache');

function compile(cachedData) {
  const source = readFileSync(BUNDLE, 'utf8');
  const wrapped = `(function (exports, require, module, __filename, __dirname, __sso_setup_import) {${source}\n})`;
  return new Script(wrapped, { filename: BUNDLE, ...(cachedData ? { cachedData } : {}) });
}

/**
 * Code compiled by vm.Script cannot use import() on Node 20 (without an experimental flag), so the
 * build rewrites the bundle's few import() calls, all of packages kept outside it (ESM-only ones
 * among them), to this function: an import() made from this ordinary module.
 */
function importExternal(specifier) {
  return import(specifier);
}

function run(script) {
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, require, mod, BUNDLE, DIST, importExternal);
  return mod.exports;
}

/** The bundle's exports ({ main }), compiled with the code cache when it fits. */
function load() {
  let cachedData;
  try {
    cachedData = readFileSync(CODE_CACHE);
  } catch {
    cachedData = undefined;
  }
  return run(compile(cachedData));
}

module.exports = { load, compile, run, BUNDLE, CODE_CACHE, DIST };
