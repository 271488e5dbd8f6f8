#!/usr/bin/env node
// Tiny launcher: hide arguments (which may hold a secret passed as a flag) from the process
// table, then hand over to the compiled CLI. Only this file sets the exit code.
process.title = 'sso-setup';
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
