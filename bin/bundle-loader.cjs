'use strict';
/**
 * Loads the CLI bundle (dist/cli/sso-setup.cjs) with a V8 code cache, so a start skips most of the
 * parse. A code cache fits one bundle, one Node version and one set of V8 flags, and people run
 * several Node lines (20, 22, 24, 26), so the cache is looked up by all three:
 *   dist/cli/code-cache/          written by the build for the Node that built it (shipped in the package);
 *   <user cache>/sso-setup/code-cache/   written by the first run on any other Node (or where V8
 *                                 rejects the shipped one), after the command finished, so it holds the
 *                                 functions that run compiled
 *                                 (<user cache>: $XDG_CACHE_HOME, else ~/.cache; %LOCALAPPDATA% on Windows).
 * Caching never fails a run: a missing, rejected or unwritable cache means compiling from source, and
 * a cache is written once, atomically (temporary file, then rename).
 *
 * Why not module.enableCompileCache (Node >= 22.1): Node 20 lacks it, and it caches only what is
 * compiled while a module loads; measured on `metadata check`, a cache taken after a run saves more.
 * Shared by the launcher and scripts/build.mjs, which must wrap the source byte for byte alike.
 */
const { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist', 'cli');
const BUNDLE = join(DIST, 'sso-setup.cjs');
const SHIPPED_CACHE_DIR = join(DIST, 'code-cache');
/** Packages bundled apart from the CLI (scripts/build.mjs VENDORED): kept out of its code cache. */
const VENDOR_BUNDLE = join(DIST, 'vendor.cjs');
/** The build's first line names the bundle: `// sso-setup build <content hash>`. */
const BUILD_ID = /^\/\/ sso-setup build ([0-9a-f]{16})\n/;
/** Old caches (other builds, other Node versions) beyond this many are removed when one is written. */
const USER_CACHES_KEPT = 8;

function userCacheDir(env = process.env) {
  const base =
    process.platform === 'win32'
      ? env.LOCALAPPDATA
      : env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, '.cache') : join(require('node:os').homedir(), '.cache'));
  return base ? join(base, 'sso-setup', 'code-cache') : undefined;
}

/**
 * The file name of the code cache for this bundle under this node: build, Node version, architecture
 * and a hash of the options node was started with (V8 rejects a cache made under other V8 flags).
 */
function cacheFileName(buildId) {
  const options = `${process.execArgv.join('\u0000')}\u0001${process.env.NODE_OPTIONS ?? ''}`;
  let hash = 0x811c9dc5; // FNV-1a: a name, not a security measure (V8 checks what it loads)
  for (let i = 0; i < options.length; i++) hash = Math.imul(hash ^ options.charCodeAt(i), 0x01000193) >>> 0;
  return `${buildId}-${process.version}-${process.arch}-${hash.toString(16).padStart(8, '0')}.v8cache`;
}

function wrap(source) {
  return `(function (exports, require, module, __filename, __dirname, __sso_setup_import) {${source}\n})`;
}

function compile(source, cachedData) {
  return new Script(wrap(source), { filename: BUNDLE, ...(cachedData ? { cachedData } : {}) });
}

/**
 * Code compiled by vm.Script cannot use import() on Node 20 (without an experimental flag), so the
 * build rewrites the bundle's few import() calls, all of packages kept outside it (ESM-only ones
 * among them), to this function: an import() made from this ordinary module.
 */
function importExternal(specifier) {
  const vendored = vendorModules()[specifier];
  return vendored ? vendored() : import(specifier);
}

let vendor;
function vendorModules() {
  vendor ??= existsSync(VENDOR_BUNDLE) ? require(VENDOR_BUNDLE) : {};
  return vendor;
}

function run(script) {
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, require, mod, BUNDLE, DIST, importExternal);
  return mod.exports;
}

function readOrUndefined(file) {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * The bundle's exports ({ main }) compiled with a code cache when one fits; `codeCache` says what
 * happened ({ status: 'accepted' | 'rejected' | 'none', file }), and saveCodeCache() stores a cache
 * for this Node when none fitted (call it after the run) and returns the file it wrote.
 */
function load() {
  const source = readFileSync(BUNDLE, 'utf8');
  const buildId = BUILD_ID.exec(source)?.[1];
  const name = buildId === undefined ? undefined : cacheFileName(buildId);
  const userDir = userCacheDir();
  let cachedData;
  let file;
  // The user's first: where the shipped one exists but V8 rejects it (another CPU than the packer's),
  // the replacement written there must win.
  for (const dir of name === undefined ? [] : [userDir, SHIPPED_CACHE_DIR]) {
    file = dir === undefined ? undefined : join(dir, name);
    cachedData = file === undefined ? undefined : readOrUndefined(file);
    if (cachedData !== undefined) break;
  }
  const script = compile(source, cachedData);
  const exports = run(script);
  const fitted = cachedData !== undefined && !script.cachedDataRejected;
  return {
    ...exports,
    codeCache: cachedData === undefined ? { status: 'none' } : { status: fitted ? 'accepted' : 'rejected', file },
    saveCodeCache() {
      if (fitted || name === undefined || userDir === undefined) return undefined;
      try {
        return writeCodeCache(userDir, name, script.createCachedData());
      } catch {
        return undefined; // a read-only home, a full disk: the next run compiles from source again
      }
    },
  };
}

function writeCodeCache(dir, name, data) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temporary = join(dir, `.${name}.${process.pid}.tmp`);
  writeFileSync(temporary, data, { mode: 0o600 });
  renameSync(temporary, join(dir, name));
  const others = readdirSync(dir)
    .filter((f) => f.endsWith('.v8cache') && f !== name)
    .map((f) => ({ f, mtime: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const { f } of others.slice(USER_CACHES_KEPT - 1)) unlinkSync(join(dir, f));
  return join(dir, name);
}

/**
 * A source checkout without a build (a fresh clone after `npm ci`, which no longer builds: the
 * build runs on `npm pack`, so installing the package runs no script): build it now, once.
 * An installed package always carries dist/, so this only ever runs in a checkout.
 */
function buildIfSourceCheckout() {
  if (existsSync(BUNDLE)) return;
  const buildScript = join(ROOT, 'scripts', 'build.mjs');
  if (!existsSync(buildScript)) {
    throw new LauncherError(`${BUNDLE} is missing: this copy of sso-setup was packed without its build. Reinstall it.`);
  }
  process.stderr.write('sso-setup: first run in a source checkout: building dist/ (npm run build) …\n');
  const built = require('node:child_process').spawnSync(process.execPath, [buildScript], { cwd: ROOT, stdio: ['ignore', 2, 2] });
  if (built.status !== 0 || !existsSync(BUNDLE)) {
    throw new LauncherError('the build failed (see above). Run `npm ci` (with the dev dependencies) and then `npm run build`.');
  }
}

class LauncherError extends Error {}

module.exports = { load, compile, run, wrap, cacheFileName, buildIfSourceCheckout, LauncherError, BUNDLE, DIST, SHIPPED_CACHE_DIR, VENDOR_BUNDLE, BUILD_ID };
