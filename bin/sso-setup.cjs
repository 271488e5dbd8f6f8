#!/usr/bin/env -S node --
'use strict';
// The launcher. `--` in the shebang: node (20 to 26 alike) reads `--env-file FILE` even after the
// script name and exits when FILE does not exist yet; `sso-setup sandbox --env-file FILE` is ours.
// Replace our arguments (a secret may have been passed as a flag) in the process table. This covers
// this process only, from this line on: node's start-up before it, and the parents (a shell, npx's
// `npm exec` and `sh -c`), still show them; hence the warning on --auth0-client-secret.
process.title = 'sso-setup';
const argv = process.argv.slice(2);

// Help pages are rendered at build time (scripts/build.mjs): `--help` costs a file read.
const help = helpPage(argv);
if (help !== undefined) {
  process.stdout.write(help);
} else {
  const verbose = argv.includes('--verbose') || process.env.SSO_SETUP_DEBUG === '1';
  if (verbose) process.setSourceMapsEnabled(true);
  const loader = require('./bundle-loader.cjs');
  let cli;
  try {
    loader.buildIfSourceCheckout();
    cli = loader.load();
  } catch (error) {
    if (!(error instanceof loader.LauncherError)) throw error;
    process.stderr.write(`sso-setup: ${error.message}\n`);
    process.exit(1);
  }
  if (verbose) process.stderr.write(`debug: code cache ${cli.codeCache.status}${cli.codeCache.file ? ` ${cli.codeCache.file}` : ''}\n`);
  // Ctrl-C, SIGTERM and a vanished terminal end the process promptly (130 / 143 / 129), whatever runs.
  cli.installStopHandlers();
  cli.main(argv).then((code) => {
    process.exitCode = code;
    const written = cli.saveCodeCache();
    if (verbose && written) process.stderr.write(`debug: code cache written ${written}\n`);
    // main() has finished its work; if a stray handle holds the event loop, do not hang a CI job.
    setTimeout(() => process.exit(code), 2000).unref();
  });
}

function helpPage(args) {
  if (args.length > 0 && args[0] !== 'help' && !args.includes('--help') && !args.includes('-h')) return undefined;
  try {
    const pages = JSON.parse(require('node:fs').readFileSync(require('node:path').join(__dirname, '..', 'dist', 'cli', 'help.json'), 'utf8'));
    return Object.hasOwn(pages, args.join('\u0000')) ? pages[args.join('\u0000')] : undefined;
  } catch {
    return undefined;
  }
}
