#!/usr/bin/env node
/**
 * The package as people get it (`npm run check:package`; .ci/run runs it): packs the tarball, installs
 * it into an empty folder and globally into a temporary prefix, and runs the installed command there,
 * outside this checkout. Fails when an install prints a warning about scripts (or any warning but a
 * dependency's deprecation notice), when a file the CLI needs at run time is missing from the tarball,
 * or when a command fails:
 *
 *   --help, --version, demo, metadata check --schema (the XSDs), sandbox + apply + verify (the README's
 *   sandbox block, as a shell runs it), apply + verify --sp-metadata on the same sandbox, and
 *   `npx sso-setup --help` in the folder.
 *
 *   node scripts/check-package.mjs                      # with the node on PATH
 *   node scripts/check-package.mjs --node /path/to/node # also --help, demo and metadata check under
 *                                                       # these node binaries (repeatable)
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const FIXTURE = join(ROOT, 'fixtures/metadata/auth0-idp-dev-rd4ugvvduiwgubhu-2023-repo-unknown.xml');
const SP_FIXTURE = join(ROOT, 'fixtures/sp-metadata/shibboleth-sp-unicon-idp-testbed.xml');
/** Files the installed CLI reads at run time (globs: a trailing `*`). */
/** A failed check (not a bug in this script): reported in one line, exit 1. Declared before the checks run. */
class CheckFailed extends Error {}

const NEEDED = [
  'package.json',
  'README.md',
  'LICENSE',
  'bin/sso-setup.cjs',
  'bin/bundle-loader.cjs',
  'dist/cli/sso-setup.cjs',
  'dist/cli/help.json',
  'dist/cli/vendor.cjs',
  'dist/cli/code-cache/*',
  'schema/sso-setup.schema.json',
  'schema/xsd/saml-schema-metadata-2.0.xsd',
  'schema/xsd/xmldsig-core-schema.xsd',
  'docs/sp-settings-endpoint.md',
];
/** Nothing of the development tree: it would only make the download larger. */
const UNWANTED = /^(src|test|scripts|fixtures|\.ci)\//;

const args = process.argv.slice(2);
const otherNodes = args.flatMap((a, i) => (a === '--node' && args[i + 1] ? [args[i + 1]] : []));
const started = Date.now();
const work = mkdtempSync(join(tmpdir(), 'sso-setup-package-'));
const userEnv = { PATH: process.env.PATH, HOME: join(work, 'home') };
mkdirSync(userEnv.HOME);

try {
  // 1. Pack (runs `prepack`, the build) and look inside.
  const pack = run('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT });
  const [packed] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('[')));
  const files = packed.files.map((f) => f.path);
  for (const need of NEEDED) {
    const found = need.endsWith('*') ? files.some((f) => f.startsWith(need.slice(0, -1))) : files.includes(need);
    if (!found) fail(`the tarball lacks ${need}`);
  }
  const extra = files.filter((f) => UNWANTED.test(f));
  if (extra.length) fail(`the tarball carries development files: ${extra.join(', ')}`);
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  if (manifest.private) fail('package.json is private: it cannot be published');
  // Every package the bundle loads at run time (esbuild leaves them outside it) must be a dependency,
  // not a devDependency: an installed package has no devDependencies. Some load only in `init` (a TTY).
  const bundle = readFileSync(join(ROOT, 'dist/cli/sso-setup.cjs'), 'utf8');
  const loaded = [...bundle.matchAll(/(?:\brequire\d*(?:\.resolve)?|__sso_setup_import|createRequire\)\(__sso_setup_url\))\("([^".][^"]*)"\)/g)]
    .map((m) => m[1])
    .filter((s) => !s.startsWith('node:'))
    .map((s) => s.split('/').slice(0, s.startsWith('@') ? 2 : 1).join('/'));
  // Loaded only by `sandbox --polis`, which tells how to install it when it is absent (POLIS_NOT_INSTALLED).
  const OPTIONAL = new Set(['@boxyhq/saml-jackson']);
  const undeclared = [...new Set(loaded)].filter((name) => !OPTIONAL.has(name) && !Object.hasOwn(manifest.dependencies ?? {}, name));
  if (undeclared.length) fail(`the CLI loads packages that are not dependencies: ${undeclared.join(', ')}`);
  const tarball = join(work, packed.filename);
  ok(`packed ${packed.filename}: ${files.length} files, ${(packed.size / 1024).toFixed(0)} kB; the ${new Set(loaded).size} packages the bundle loads are dependencies`);

  // 2. Install into an empty folder, then globally into a prefix, as the README says.
  const project = join(work, 'project');
  mkdirSync(project);
  installQuietly(['install', '--no-audit', '--no-fund', tarball], project, 'into an empty folder');
  const global = join(work, 'global');
  installQuietly(['install', '-g', '--prefix', global, '--no-audit', '--no-fund', tarball], work, 'globally (npm install -g --prefix …)');

  // 3. Run it from there, with the environment of a user who has nothing of this checkout.
  const local = join(project, 'node_modules', '.bin', 'sso-setup');
  const installed = join(global, 'bin', 'sso-setup');
  const version = packed.version;
  expectRun(installed, ['--version'], { stdout: new RegExp(`^${version.replace(/\./g, '\\.')}\\n$`) });
  expectRun(installed, ['--help'], { stdout: /^Usage: sso-setup /, label: 'global --help' });
  expectRun('npx', ['sso-setup', '--help'], { stdout: /^Usage: sso-setup /, label: 'npx sso-setup --help (in the folder)' });
  // The Polis library is a devDependency: an installed package says how to add it, exit 2.
  const polis = spawnSync(installed, ['sandbox', '--polis'], { cwd: join(work, 'project'), env: userEnv, encoding: 'utf8', timeout: 30_000 });
  if (polis.status !== 2 || !/needs the Ory Polis library[\s\S]*npm install/.test(polis.stderr)) {
    fail(`sandbox --polis without the Polis library: expected exit 2 saying how to install it, got ${polis.status ?? polis.signal}\n${polis.stderr}`);
  }
  ok('sandbox --polis without the Polis library: exit 2, says how to install it');
  const nodes = [undefined, ...otherNodes];
  for (const node of nodes) {
    const env = node ? { ...userEnv, PATH: `${dirname(node)}:${userEnv.PATH}` } : userEnv;
    const on = `node ${spawnSync(node ?? 'node', ['--version'], { env, encoding: 'utf8' }).stdout.trim()}`;
    expectRun(local, ['--help'], { env, stdout: /^Usage: sso-setup /, label: `--help on ${on}` });
    expectRun(local, ['demo'], { env, stdout: /signed in to Amplitude \(sandbox\) as \S+@/, label: `demo on ${on}`, timeoutMs: 90_000 });
    expectRun(local, ['metadata', 'check', FIXTURE, '--schema', '--now', '2026-11-29T00:00:00Z'], {
      env,
      stdout: /^VALID /,
      label: `metadata check --schema on ${on}`,
    });
  }
  await sandboxApplyVerify(installed);
  ok(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
} catch (error) {
  if (!(error instanceof CheckFailed)) throw error;
  process.stderr.write(`check-package: FAILED: ${error.message}\n`);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** The README's sandbox block, run by a shell with the installed command first on PATH. */
async function sandboxApplyVerify(bin) {
  const cwd = join(work, 'sandbox');
  mkdirSync(cwd);
  const env = { ...userEnv, PATH: `${dirname(bin)}:${userEnv.PATH}` };
  const sandbox = spawn(bin, ['sandbox', '--env-file', '.env.sandbox'], { cwd, env, stdio: 'ignore' });
  try {
    const deadline = Date.now() + 30_000;
    while (!existsSync(join(cwd, '.env.sandbox'))) {
      if (Date.now() > deadline || sandbox.exitCode !== null) fail('the installed `sso-setup sandbox` did not write its env file');
      await new Promise((r) => setTimeout(r, 100));
    }
    expectRun('bash', ['-c', 'set -a; . ./.env.sandbox; set +a\nsso-setup apply && sso-setup verify'], {
      cwd,
      env,
      stdout: /credentials[\s\S]*sso\.login/,
      label: 'sandbox, then apply && verify (the README block)',
      timeoutMs: 90_000,
    });
    // Any SAML app from its metadata (README "Other SAML apps"): the SP metadata checker and the XSDs, installed.
    expectRun('bash', ['-c', `set -a; . ./.env.sandbox; set +a; unset SANDBOX_USER_EMAIL SANDBOX_USER_PASSWORD\nsso-setup apply --sp-metadata '${SP_FIXTURE}' && sso-setup verify --sp-metadata '${SP_FIXTURE}'`], {
      cwd,
      env,
      stdout: /idp\.client\s+.*as sp\.idptestbed needs[\s\S]*sso\.probe/,
      label: 'sandbox, then apply && verify --sp-metadata (a Shibboleth SP)',
      timeoutMs: 90_000,
    });
  } finally {
    sandbox.kill('SIGTERM');
  }
}

/** npm itself keeps this process's environment (its cache, its registry settings). */
function installQuietly(npmArgs, cwd, label) {
  const r = run('npm', npmArgs, { cwd });
  const warnings = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /^npm (warn|WARN|error|ERR)/.test(l));
  const bad = warnings.filter((l) => !/^npm warn deprecated /.test(l));
  for (const l of warnings) process.stdout.write(`  ${l}\n`);
  if (bad.length) fail(`installing ${label} printed ${bad.length} warning line(s) (above)`);
  ok(`installed ${label}${warnings.length ? ` (${warnings.length} deprecation notice(s) from dependencies)` : ', no warnings'}`);
}

function expectRun(command, argv, { env = userEnv, cwd, stdout, label, timeoutMs = 30_000 }) {
  const r = run(command, argv, { env, cwd: cwd ?? join(work, 'project'), timeoutMs });
  if (!stdout.test(r.stdout)) fail(`${label ?? argv.join(' ')}: unexpected output\n${r.stdout}\n${r.stderr}`);
  ok(label ?? `${command === 'npx' ? 'npx' : 'sso-setup'} ${argv.join(' ')}`);
}

function run(command, argv, { cwd, env = process.env, timeoutMs = 300_000 } = {}) {
  const r = spawnSync(command, argv, { cwd, env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) fail(`${command} ${argv.join(' ')} exited ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}`);
  return r;
}

function ok(line) {
  process.stdout.write(`check-package: ${line}\n`);
}


function fail(message) {
  throw new CheckFailed(message);
}
