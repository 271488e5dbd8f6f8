import { InvalidArgumentError, Option, type Command } from 'commander';
import { INPUTS, SETUP_INPUTS } from '../config/inputs.js';
import { EXIT, usageError, type ExitCode } from '../errors.js';
import type { Context } from './context.js';

/**
 * Runs a command's implementation. `load` imports the command module lazily, so `--help`,
 * `--version` and parse errors never load the Auth0 SDK, inquirer, ora or the XML stack.
 */
export type CommandRunner = (path: string, load: (ctx: Context) => Promise<ExitCode | void>) => Promise<void>;

/** Declares every command: names, options, help text and examples. Nothing heavy is imported here. */
export function registerCommands(program: Command, run: CommandRunner): void {
  program.addHelpText('after', EXIT_CODES_HELP);

  addSetupOptions(
    program
      .command('init')
      .summary('interactive wizard for a first setup')
      .description(
        'Interactive wizard for a first setup: asks for the Auth0 domain and credentials (checked at once), the Amplitude org ' +
          'and delivery, shows the plan, applies it, walks you through the upload in Amplitude, runs verify, and saves the ' +
          'answers (no secrets) to sso-setup.json for CI. With a config listing several orgs (amplitude.orgs) it asks which ' +
          'one to set up, or adds one, and saves that entry only. Needs a terminal; in scripts use `apply`. ' +
          '"Have you uploaded the file?" defaults to No: only yes records the upload (as `confirm-upload` does); ' +
          'until then verify warns on sp.trust (handed over, upload not confirmed).',
      ),
  )
    .addHelpText('after', examples(['sso-setup init', 'sso-setup init --auth0-domain acme.us.auth0.com --amplitude-org-id 123456']))
    .action(async (opts: Record<string, string>) => run('init', async (ctx) => (await import('./commands/init.js')).runInitCommand(ctx, opts)));

  addSetupOptions(
    program
      .command('apply')
      .summary('create or update the Auth0 application and deliver its metadata (safe to re-run)')
      .description(
        'Create or update the Auth0 SAML application for Amplitude, check its IdP metadata and deliver it to the SP. ' +
          'Safe to re-run: it changes only what differs. Non-interactive: every input comes from flags, env or the config file. ' +
          'Manual delivery saves the metadata file and records a hand-over, not an upload: a person uploads the file in ' +
          'Amplitude, then runs `confirm-upload`; until then every run lists the upload as still to do (--json: sp.upload). ' +
          'Runs that overlap converge on one application (the one created first; the others delete their own). ' +
          'With --connection (or application.connections) the application is enabled on exactly those Auth0 connections; ' +
          'without, connections are left alone. With a custom domain (AUTH0_CUSTOM_DOMAIN) the metadata, entity ID ' +
          '(urn:<custom domain>) and SSO URL are the custom domain\'s; the Management API stays on AUTH0_DOMAIN. ' +
          'Rate limits (429) are waited out for up to 120 s per run in all (SSO_SETUP_RATE_LIMIT_WAIT=SECONDS changes it). ' +
          'With amplitude.orgs in the config file, every listed org gets its own Auth0 application, all in one run: ' +
          'one token, one listing, the Management API paced by the tenant\'s x-ratelimit-* headers, a summary row per org, ' +
          'and exit 1 if any org failed (the others still converge). ' +
          'Any other SAML app: --sp-metadata FILE|URL (or sp.metadata) configures the application from its SP metadata ' +
          'and hands the IdP metadata over as a file; Ory Polis: polis in the config file (or --polis-url) pushes it ' +
          "through Polis's connection API (README: Other SAML apps).",
      ),
    true,
  )
    .option('--dry-run', 'print the plan (a field-level diff per side) and change nothing')
    .addHelpText(
      'after',
      examples([
        'AUTH0_DOMAIN=acme.us.auth0.com AUTH0_CLIENT_ID=… AUTH0_CLIENT_SECRET=… AMPLITUDE_ORG_ID=123456 sso-setup apply',
        'sso-setup apply --config sso-setup.json --dry-run',
        'sso-setup apply --json --auth0-client-secret-file - < secret.txt',
        'sso-setup apply --connection google-workspace --connection Username-Password-Authentication --dry-run',
        'AUTH0_DOMAIN=acme.us.auth0.com AUTH0_CUSTOM_DOMAIN=login.acme.com sso-setup apply',
        'sso-setup apply --config fleet.json --only 123456 --only 234567',
        'sso-setup apply --config fleet.json --shard 2/4 --json',
        'sso-setup apply --sp-metadata https://app.example.com/saml/metadata --metadata-file idp-for-app.xml',
        'POLIS_API_KEY=… sso-setup apply --config polis.json',
      ]) + FLEET_HELP,
    )
    .action(async (opts: Record<string, string | boolean>) =>
      run('apply', async (ctx) => (await import('./commands/apply.js')).runApplyCommand(ctx, opts)),
    );

  addSetupOptions(
    program
      .command('confirm-upload')
      .summary('record that a person uploaded the metadata file in the SP (Amplitude, or any SAML app; manual delivery)')
      .description(
        'Manual delivery only: record that the metadata file `apply` saved was uploaded in the SP (Amplitude, or the app of --sp-metadata). Until then ' +
          "`verify` warns on sp.trust (handed over, upload not confirmed), unless a test user's login proves it. " +
          '--fingerprint names the certificate you uploaded (printed by `apply`; `apply --json`: sp.upload.certificate). ' +
          'It is refused (exit 1, nothing recorded) unless it is the certificate last handed over and the IdP still ' +
          'signs with it (or, for the file `sso-setup rotate` saves before a rotation, it is the next key). A later hand-over ' +
          '(after a signing-key rotation) drops the confirmation. With amplitude.orgs, name the org with --only.',
      ),
    'one',
  )
    .requiredOption('--fingerprint <sha256>', 'SHA-256 fingerprint of the uploaded certificate (AA:70:…:48; case and colons optional)', parseFingerprint)
    .addHelpText(
      'after',
      examples([
        'sso-setup confirm-upload --fingerprint <the SHA-256 fingerprint apply printed>',
        'sso-setup confirm-upload --config sso-setup.json --json --fingerprint <sha256>',
      ]),
    )
    .action(async (opts: Record<string, string>) =>
      run('confirm-upload', async (ctx) =>
        (await import('./commands/confirm-upload.js')).runConfirmUploadCommand(ctx, opts as Record<string, string> & { fingerprint: string }),
      ),
    );

  addSetupOptions(
    program
      .command('verify')
      .summary('health checks: will SSO work, and keep working?')
      .description(
        'Health checks for a configured setup: credentials, the Auth0 application and the connections serving it, the IdP metadata and certificate, ' +
          'what the SP trusts, and a login probe (a full login too when a test user is given). Read-only. The full login ' +
          'walks server-rendered login pages (New Universal Login) without a browser; a page that logs in from JavaScript ' +
          '(Classic Universal Login), a CAPTCHA or MFA is reported as LOGIN_NEEDS_BROWSER (a warning). ' +
          'With amplitude.orgs, every selected org is checked (JUnit: one testsuite per org); exit 1 if any org fails. ' +
          "With --sp-metadata (any SAML app) the probe carries the SP's entity ID and ACS; with Polis, sso.login runs Polis's " +
          'OAuth flow (authorize, the IdP login, its ACS, the code exchanged, the profile email checked).',
      ),
    true,
  )
    .option('--now <iso-time>', 'judge certificate dates as of this instant (default: now)', parseInstant)
    .option('--warn-days <n>', 'warn when the signing certificate expires within N days', parseNonNegativeInt, 30)
    .option('--strict', 'treat warnings as failures (exit 1)')
    .option('--junit <file>', 'also write a JUnit XML report for CI dashboards (checked before any check runs)', parseNonEmpty)
    .option('--test-user <email>', 'test user for a full login round trip (sso.login) [env: SSO_SETUP_TEST_USER_EMAIL]', parseNonEmpty)
    .option('--test-password-file <file>', "the test user's password [env: SSO_SETUP_TEST_USER_PASSWORD]", parseNonEmpty)
    .addHelpText(
      'after',
      examples([
        'sso-setup verify',
        'sso-setup verify --json --junit sso-verify.xml',
        'sso-setup verify --strict --warn-days 45',
      ]) + SP_TRUST_MANUAL_HELP,
    )
    .action(async (opts: Record<string, unknown>) =>
      run('verify', async (ctx) => (await import('./commands/verify.js')).runVerifyCommand(ctx, opts)),
    );

  addSetupOptions(
    program
      .command('rotate')
      .summary("rotate Auth0's signing key without breaking the SPs sso-setup manages")
      .description(
        "Rotate the Auth0 tenant's signing key (POST /api/v2/keys/signing/rotate) so that every org of the configuration keeps " +
          'working: it shows the plan (what is pushed where, which orgs are manual, which SAML applications on the tenant sso-setup ' +
          'does not manage and cannot protect), asks (--yes in scripts), makes every endpoint SP trust the next key, rotates once, ' +
          'pushes the new current and next key to every endpoint SP and reads them back, then runs the checks of `verify` per org ' +
          '(with a full login when a test user is given). Manual orgs get a metadata file with the current and the next key first, ' +
          'and the rotation waits until its upload is confirmed (`confirm-upload`), unless --accept-manual-outage. ' +
          'Run it again after any failure: a rotation Auth0 made whose SP updates did not finish is finished, never repeated ' +
          '(Auth0 allows 5 rotations a day). Needs read:clients, update:clients, read:signing_keys, create:signing_keys, update:signing_keys. ' +
          'Always covers every configured org (no --only/--shard: the key is the whole tenant\'s).',
      ),
  )
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--accept-manual-outage', 'rotate although a manual org has not confirmed the upload of the new file (its SSO fails until it does)')
    .option('--test-user <email>', 'test user for a full login per org after the rotation (sso.login) [env: SSO_SETUP_TEST_USER_EMAIL]', parseNonEmpty)
    .option('--test-password-file <file>', "the test user's password [env: SSO_SETUP_TEST_USER_PASSWORD]", parseNonEmpty)
    .addHelpText('after', examples(['sso-setup rotate --dry-run', 'sso-setup rotate', 'sso-setup rotate --config fleet.json --yes --json']))
    .action(async (opts: Record<string, string | boolean>) =>
      run('rotate', async (ctx) => (await import('./commands/rotate.js')).runRotateCommand(ctx, opts)),
    );

  addSetupOptions(
    program
      .command('destroy')
      .summary('disable SSO at the SP and delete the Auth0 application')
      .description(
        'Disable SSO at the SP endpoint and delete the Auth0 application sso-setup made (found by its marker). ' +
          'Asks for confirmation; pass --yes in scripts. Fails (DESTROY_INCOMPLETE) if an overlapping apply created one meanwhile. ' +
          'With amplitude.orgs, every selected org (--only, --shard) is destroyed.',
      ),
    true,
  )
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText('after', examples(['sso-setup destroy', 'sso-setup destroy --yes --json']))
    .action(async (opts: Record<string, string | boolean>) =>
      run('destroy', async (ctx) => (await import('./commands/destroy.js')).runDestroyCommand(ctx, opts)),
    );

  program
    .command('demo')
      .summary('the whole flow on the built-in sandbox, ending with a SAML login')
    .description(
      'Run the whole setup on the built-in sandbox (a local Auth0 tenant and Amplitude org): apply, then an ' +
        'SP-initiated SAML login as the sandbox user, without a browser, over plain HTTP (--tls: over https, ' +
        'trusting a CA made for this run). Needs no account; exits 0 only if the login succeeds.',
    )
    .option('--tls', 'run the sandbox over https (a CA made for this run, trusted by this process only)')
    .option('--custom-domain', 'give the sandbox tenant a custom domain: the login and SAML go through it, the Management API does not')
    .addHelpText('after', examples(['sso-setup demo', 'sso-setup demo --json', 'sso-setup demo --tls', 'sso-setup demo --custom-domain']))
    .action(async (opts: Record<string, unknown>) => run('demo', async (ctx) => (await import('./commands/demo.js')).runDemoCommand(ctx, opts)));

  program
    .command('sandbox')
      .summary('serve a local Auth0 tenant and Amplitude org until Ctrl-C')
    .description(
      'Serve a local Auth0 tenant and a local Amplitude org on 127.0.0.1 until Ctrl-C, for trying sso-setup ' +
        'and for tests: plain http, or https with --tls. Fresh random credentials on every start. Faults can be changed while it serves: ' +
        'GET/POST /__sandbox/faults on either server with Authorization: Bearer $SANDBOX_ADMIN_TOKEN (from the env file), ' +
        'body {"faults": "<spec>", "seed": N}; {"faults": ""} clears them.',
    )
    .option('--port <n>', 'port of the Auth0 emulator; Amplitude takes the next one (default: any free ports)', parsePort)
    .option('--env-file <file>', 'write AUTH0_*, AMPLITUDE_*, SANDBOX_USER_* and SANDBOX_ADMIN_TOKEN in dotenv format (mode 0600)')
    .option('--latency-ms <n>', 'add this latency to every response', parseNonNegativeInt)
    .option('--rate-limit <rate>', "Management API rate limit: 'free' (2/s, Auth0's free tier), 'generous' (default) or N[/BURST] per second")
    .option(
      '--auth0-faults <spec>',
      'inject faults into the Auth0 emulator: latency=MS, 429=N (reset=S: seconds they ask to wait), 5xx=N|RATE, drop=N|RATE, lost=N, stale=N (the first answer for a URL served again to the next N requests), method=M|M, path=/P|/P',
    )
    .option('--amplitude-faults <spec>', 'inject faults into the Amplitude emulator, same syntax')
    .option(
      '--tls',
      'serve https on localhost:PORT with a CA made for this run; the env file adds NODE_EXTRA_CA_CERTS (the CA file) and SANDBOX_TLS=1',
    )
    .option('--fault-seed <n>', 'seed of the rate-based faults (5xx=0.1, drop=0.05), so a run can be repeated (default 1)', parseNonNegativeInt)
    .option(
      '--orgs <n>',
      'serve N Amplitude orgs (1-100), each with its own settings endpoint and token; the env file adds SANDBOX_CONFIG (a config listing them) and AMPLITUDE_SSO_TOKEN_<org id>',
      parseOrgCount,
    )
    .option(
      '--custom-domain',
      "also answer on a second host name as the tenant's custom domain (SAML metadata, SSO, login pages; the API stays on AUTH0_DOMAIN); the env file adds AUTH0_CUSTOM_DOMAIN",
    )
    .option('--no-default-connection', 'start a tenant whose new applications are enabled on no connection (Auth0\'s enable_client_connections off)')
    .option(
      '--polis',
      'also serve Ory Polis (the real @boxyhq/saml-jackson library, in memory, a devDependency) with its connection API, ACS and OAuth endpoints; the env file adds POLIS_URL, POLIS_API_KEY, POLIS_TENANT, POLIS_PRODUCT, POLIS_ENTITY_ID, POLIS_ACS_URL, POLIS_REDIRECT_URL and SANDBOX_POLIS_CONFIG (a config for the Polis target)',
    )
    .addHelpText(
      'after',
      examples([
        'sso-setup sandbox --env-file .env.sandbox',
        'sso-setup sandbox --port 4010 --rate-limit free --json',
        'sso-setup sandbox --polis --env-file .env.sandbox',
        'sso-setup sandbox --env-file .env.sandbox --auth0-faults 5xx=0.2 --fault-seed 7',
        'curl -X POST -H "authorization: Bearer $SANDBOX_ADMIN_TOKEN" -d \'{"faults":"429=5"}\' http://$AUTH0_DOMAIN/__sandbox/faults',
        'set -a; . ./.env.sandbox; set +a; sso-setup apply',
        'sso-setup sandbox --tls --env-file .env.tls   # then: set -a; . ./.env.tls; set +a; sso-setup apply',
        'sso-setup sandbox --orgs 3 --env-file .env.fleet   # then: set -a; . ./.env.fleet; set +a; sso-setup apply --config "$SANDBOX_CONFIG"',
        'sso-setup sandbox --custom-domain --no-default-connection --env-file .env.sandbox',
      ]),
    )
    .action(async (opts: Record<string, unknown>) =>
      run('sandbox', async (ctx) => (await import('./commands/sandbox.js')).runSandboxCommand(ctx, opts)),
    );

  const metadata = program
    .command('metadata')
    .summary('validate SAML 2.0 IdP or SP metadata')
    .description('Work with SAML 2.0 metadata documents (an IdP\'s, or with --role sp an application\'s).')
    .addHelpText('after', examples(['sso-setup metadata check idp-metadata.xml']));

  metadata
    .command('check')
    .description(
      'Validate SAML 2.0 IdP metadata (hardened XML parsing, structure, endpoints, signing certificates, signature), ' +
        'or with --role sp an SP\'s (its HTTP-POST ACS, NameID formats, signing needs). ' +
        'Exit 0 when valid (warnings allowed), 1 when invalid, 2 for a usage error.',
    )
    .argument('<source>', "a file path, an https:// URL, or '-' for stdin")
    .addOption(new Option('--role <role>', 'the metadata describes an identity provider (idp) or a service provider (sp)').choices(['idp', 'sp']).default('idp'))
    .option('--expect-entity-id <id>', 'fail unless the entityID is exactly this (Auth0: urn:<domain>)', parseNonEmpty)
    .option('--expect-host <host>', 'fail unless every SSO endpoint is on this host (host, host:port or URL)', parseNonEmpty)
    .option('--now <iso-time>', 'judge certificate dates as of this instant (default: now)', parseInstant)
    .option('--warn-days <n>', 'warn when a certificate expires within N days', parseNonNegativeInt, 30)
    .option('--signing-cert <file>', 'require a signature by this certificate (PEM or DER file) instead of trusting the document', parseNonEmpty)
    .option('--schema', 'also validate against the SAML 2.0 metadata XML Schema (adds ~0.2 s)')
    .addHelpText(
      'after',
      examples([
        'sso-setup metadata check auth0-metadata.xml',
        'sso-setup metadata check https://acme.us.auth0.com/samlp/metadata/CLIENT_ID --expect-entity-id urn:acme.us.auth0.com --expect-host acme.us.auth0.com',
        'curl -s https://acme.us.auth0.com/samlp/metadata/CLIENT_ID | sso-setup metadata check - --json',
        'sso-setup metadata check federationmetadata.xml --signing-cert entra-signing.pem --schema',
        'sso-setup metadata check app-sp-metadata.xml --role sp',
      ]),
    )
    .action(async (source: string, opts: Record<string, unknown>) =>
      run('metadata check', async (ctx) => (await import('./commands/metadata-check.js')).runMetadataCheck(ctx, source, opts)),
    );
  // `metadata help` would be commander's own help command; `sso-setup help metadata check` is ours.
  metadata.helpCommand(false);

  program
    .command('help')
    .argument('[command...]', 'the command, e.g. apply or metadata check')
    .summary('show the help of a command (the same as <command> --help)')
    .description('Show the help of a command, the same page as `sso-setup <command> --help`; without a command, this overview.')
    .addHelpText('after', examples(['sso-setup help apply', 'sso-setup help metadata check']))
    .action(async (words: string[]) => run('help', async () => showHelp(program, words)));
}

/** `help [command...]`: that command's help page on stdout, exit 0, as `git help x` and `gh help x` do. */
function showHelp(program: Command, words: string[]): ExitCode {
  let command = program;
  for (const [i, word] of words.entries()) {
    const sub = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!sub) {
      const parent = ['sso-setup', ...words.slice(0, i)].join(' ');
      const known = command.commands.map((c) => c.name()).filter((name) => name !== 'help');
      // The example is the command that starts most like the word typed ("aply" -> apply).
      const shared = (name: string) => {
        let k = 0;
        while (k < name.length && name[k] === word[k]) k++;
        return k;
      };
      const likely = known.reduce((best, name) => (shared(name) > shared(best) ? name : best), known[0] ?? '');
      throw usageError(
        'USAGE_UNKNOWN_COMMAND',
        `unknown command '${words.slice(0, i + 1).join(' ')}'`,
        known.length
          ? `Commands of '${parent}': ${known.join(', ')}; e.g. 'sso-setup help ${[...words.slice(0, i), likely].join(' ')}'.`
          : `'${parent}' has no subcommands; see 'sso-setup help ${words.slice(0, i).join(' ')}'.`,
      );
    }
    command = sub;
  }
  command.outputHelp();
  return EXIT.ok;
}

/**
 * Adds the Auth0/Amplitude inputs (flag + env var in the help) shared by the setup commands, and the
 * org selection: `true` for commands that handle many orgs (`--only`, `--shard`), `'one'` for those
 * that handle one (`--only` picks it from a list).
 */
function addSetupOptions(cmd: Command, orgs: boolean | 'one' = false): Command {
  if (orgs) {
    cmd.addOption(
      new Option('--only <org-id>', orgs === 'one' ? 'the org of amplitude.orgs to handle' : 'handle only this org of amplitude.orgs (repeatable)').argParser(
        (value: string, previous: string[] | undefined) => [...(previous ?? []), parseNonEmpty(value)],
      ),
    );
    if (orgs === true) cmd.addOption(new Option('--shard <k/n>', 'handle only shard K of N (orgs assigned by a hash of their ID; see README)').argParser(parseShardOption));
  }
  for (const name of SETUP_INPUTS) {
    const spec = INPUTS[name];
    const envName = 'env' in spec ? spec.env : undefined;
    const option = new Option(spec.flag, `${spec.description}${envName ? ` [env: ${envName}]` : ''}`);
    // Values are checked when read (src/config/validate.ts); an empty one is refused here already.
    if (name === 'delivery') option.choices(['endpoint', 'manual']);
    else if ('repeatable' in spec) option.argParser(collectNonEmpty);
    else option.argParser(parseNonEmpty);
    cmd.addOption(option);
  }
  return cmd;
}

export function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

/** What sp.trust's statuses mean when a person uploads the metadata (README: "Manual delivery"). */
const SP_TRUST_MANUAL_HELP = `
sp.trust with manual delivery (nothing can read Amplitude's settings):
  pass  Amplitude accepted this run's test-user login (sso.login), or a person confirmed uploading
        the certificate the IdP signs with now (\`sso-setup confirm-upload\`, or "yes" in init)
  warn  that certificate was handed over (saved by apply) but nobody confirmed its upload; or the
        upload was confirmed but Amplitude refused this run's login; or no hand-over is recorded
  fail  the IdP signs with another certificate than the one last handed over (a key rotation):
        run apply, upload the new file, confirm it
  A file saved by \`sso-setup rotate\` (current and next key): pass once its upload is confirmed,
  warn until then.
`;

/** Several orgs in one config (README "Many orgs"). */
const FLEET_HELP = `
Many orgs (amplitude.orgs in the config file):
  Each org's SP token: AMPLITUDE_SSO_TOKEN_<orgId>, else the shared AMPLITUDE_SSO_TOKEN.
  --only ORG_ID (repeatable) picks orgs; --shard K/N takes the orgs whose shard is K:
  shard = (first 4 bytes of SHA-256(org ID), big-endian) mod N, plus 1. Stable: adding or
  removing other orgs never moves an org. --json: {ok, changed, counts, orgs: [{orgId, status,
  result | error}]}; a config naming one org (orgId) keeps the single-org document.
`;

const EXIT_CODES_HELP = `
Exit codes:
  0    success (warnings allowed)
  1    the job failed, or a check failed
  2    usage or configuration error
  130  interrupted (Ctrl-C, SIGINT) or a confirmation was declined
  143  stopped by SIGTERM
  129  the terminal hung up, or output could no longer be written (141: its reader went away)
`;

/** An empty value is a mistake (an unset shell variable), never a reason to fall back to another source. */
export function parseNonEmpty(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('it is empty.');
  return value;
}

/** A repeatable flag: each value non-empty, kept in the order given (`--connection a --connection b`). */
export function collectNonEmpty(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), parseNonEmpty(value)];
}

export function parseNonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number >= 0.');
  return Number(value);
}

/** `K/N`: the org selection's shard (1 <= K <= N <= 1000). */
export function parseShardOption(value: string): { index: number; count: number } {
  const m = /^([1-9]\d{0,3})\/([1-9]\d{0,3})$/.exec(value.trim());
  if (!m || Number(m[1]) > Number(m[2]) || Number(m[2]) > 1000) throw new InvalidArgumentError('expected K/N with 1 <= K <= N <= 1000, e.g. 2/4.');
  return { index: Number(m[1]), count: Number(m[2]) };
}

export function parseOrgCount(value: string): number {
  const n = parseNonNegativeInt(value);
  if (n < 1 || n > 100) throw new InvalidArgumentError('expected a number of orgs from 1 to 100.');
  return n;
}

export function parsePort(value: string): number {
  const n = parseNonNegativeInt(value);
  if (n < 1 || n > 65534) throw new InvalidArgumentError('expected a port from 1 to 65534.');
  return n;
}

/** A SHA-256 certificate fingerprint, as `X509Certificate.fingerprint256` writes it (AA:BB:…). */
export function parseFingerprint(value: string): string {
  const hex = value.trim().replace(/:/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) {
    throw new InvalidArgumentError('expected the full SHA-256 fingerprint (32 hex pairs, e.g. AA:70:…:48), as `apply` prints it.');
  }
  return hex.match(/../g)!.join(':');
}

export function parseInstant(value: string): Date {
  const d = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(d.getTime())) {
    throw new InvalidArgumentError('expected an ISO 8601 time such as 2027-01-31T00:00:00Z.');
  }
  return d;
}
