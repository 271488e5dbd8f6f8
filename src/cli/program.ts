import { InvalidArgumentError, type Command } from 'commander';
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
