#!/usr/bin/env -S node --
// (The `--`: Node 20 reads `--env-file FILE` even after the script name, and exits when FILE does
// not exist yet. `sso-setup sandbox --env-file FILE` is ours, so stop node's option parsing.)
// Tiny launcher: hide arguments (which may hold a secret passed as a flag) from the process
// table, then hand over to the compiled CLI. Only this file sets the exit code.
process.title = 'sso-setup';
const { main } = await import('../dist/cli/main.js');
const code = await main(process.argv.slice(2));
process.exitCode = code;
// main() has finished its work; if a stray handle still holds the event loop, do not hang a CI job.
setTimeout(() => process.exit(code), 2000).unref();
