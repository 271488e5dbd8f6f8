import { InvalidArgumentError, Option, type Command } from 'commander';
import { INPUTS, SETUP_INPUTS } from '../config/inputs.js';
import type { ExitCode } from '../errors.js';
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
      .command('apply')
      .description(
        'Create or update the Auth0 SAML application for Amplitude, check its IdP metadata and deliver it to the SP. ' +
          'Safe to re-run: it changes only what differs. Non-interactive: every input comes from flags, env or the config file.',
      ),
  )
    .option('--dry-run', 'print the plan (a field-level diff per side) and change nothing')
    .addHelpText(
      'after',
      examples([
        'AUTH0_DOMAIN=acme.us.auth0.com AUTH0_CLIENT_ID=… AUTH0_CLIENT_SECRET=… AMPLITUDE_ORG_ID=123456 sso-setup apply',
        'sso-setup apply --config sso-setup.json --dry-run',
        'sso-setup apply --json --auth0-client-secret-file - < secret.txt',
      ]),
    )
    .action(async (opts: Record<string, string | boolean>) =>
      run('apply', async (ctx) => (await import('./commands/apply.js')).runApplyCommand(ctx, opts)),
    );

  const metadata = program
    .command('metadata')
    .description('Work with SAML 2.0 IdP metadata documents.')
    .addHelpText('after', examples(['sso-setup metadata check idp-metadata.xml']));

  metadata
    .command('check')
    .description('Validate SAML 2.0 IdP metadata: structure, endpoints, certificates and signature.')
    .argument('<source>', "a file path, an https:// URL, or '-' for stdin")
    .option('--expect-entity-id <id>', 'fail unless the entityID is exactly this')
    .option('--expect-host <host>', 'fail unless every SSO endpoint is on this host')
    .option('--now <iso-time>', 'judge certificate dates as of this instant (default: now)', parseInstant)
    .option('--warn-days <n>', 'warn when a certificate expires within N days', parseNonNegativeInt, 30)
    .option('--signing-cert <file>', 'verify a signed document against this certificate (PEM or DER)')
    .addHelpText(
      'after',
      examples([
        'sso-setup metadata check auth0-metadata.xml',
        'sso-setup metadata check https://acme.us.auth0.com/samlp/metadata/CLIENT_ID --expect-entity-id urn:acme.us.auth0.com',
        'curl -s https://acme.us.auth0.com/samlp/metadata/CLIENT_ID | sso-setup metadata check - --json',
      ]),
    )
    .action(async (source: string, opts: Record<string, unknown>) =>
      run('metadata check', async (ctx) => (await import('./commands/metadata-check.js')).runMetadataCheck(ctx, source, opts)),
    );
}

/** Adds the Auth0/Amplitude inputs (flag + env var in the help) shared by the setup commands. */
function addSetupOptions(cmd: Command): Command {
  for (const name of SETUP_INPUTS) {
    const spec = INPUTS[name];
    const envName = 'env' in spec ? spec.env : undefined;
    const option = new Option(spec.flag, `${spec.description}${envName ? ` [env: ${envName}]` : ''}`);
    if (name === 'delivery') option.choices(['endpoint', 'manual']);
    cmd.addOption(option);
  }
  return cmd;
}

export function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

const EXIT_CODES_HELP = `
Exit codes:
  0  success (warnings allowed)
  1  the job failed, or a check failed
  2  usage or configuration error
  130  interrupted (Ctrl-C) or a confirmation was declined
`;

export function parseNonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number >= 0.');
  return Number(value);
}

export function parseInstant(value: string): Date {
  const d = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(d.getTime())) {
    throw new InvalidArgumentError('expected an ISO 8601 time such as 2027-01-31T00:00:00Z.');
  }
  return d;
}
