#!/usr/bin/env -S node --
'use strict';
// The launcher. `--` in the shebang: Node 20 reads `--env-file FILE` even after the script name
// and exits when FILE does not exist yet; `sso-setup sandbox --env-file FILE` is ours.
// Hide the arguments (a secret may have been passed as a flag) from the process table.
process.title = 'sso-setup';
const argv = process.argv.slice(2);

// Help pages are rendered at build time (scripts/build.mjs): `--help` costs a file read.
const help = helpPage(argv);
if (help !== undefined) {
  process.stdout.write(help);
} else {
  if (argv.includes('--verbose') || process.env.SSO_SETUP_DEBUG === '1') process.setSourceMapsEnabled(true);
  const { main, installStopHandlers } = require('./bundle-loader.cjs').load();
  // Ctrl-C, SIGTERM and a vanished terminal end the process promptly (130 / 143 / 129), whatever runs.
  installStopHandlers();
  main(argv).then((code) => {
    process.exitCode = code;
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
