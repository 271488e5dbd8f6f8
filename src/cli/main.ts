import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { EXIT, SsoError, usageError, type ExitCode } from '../errors.js';
import { SecretRegistry } from '../secrets.js';
import type { Context, OutputOptions } from './context.js';
import { colorEnabled, systemIO, type IO } from './io.js';
import { registerCommands, type CommandRunner } from './program.js';
import { closeSharedDispatcher } from '../http/agent.js';
import { untilInterrupted } from './interrupt.js';

export { installStopHandlers } from './interrupt.js';

/** Injected edges; every field defaults to the real process. */
export interface MainDeps {
  io?: IO;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  now?: () => Date;
  secrets?: SecretRegistry;
  /** Resolves to stop long-running commands (sandbox). Defaults to SIGINT/SIGTERM (see interrupt.ts). */
  interrupted?: () => Promise<NodeJS.Signals>;
}

const VERSION = readVersion();

/**
 * Runs the CLI and returns the exit code. Never calls `process.exit`: the launcher sets the code,
 * so tests can call `main` in-process.
 */
export async function main(argv: string[], deps: MainDeps = {}): Promise<ExitCode> {
  const secrets = deps.secrets ?? new SecretRegistry();
  const env = deps.env ?? process.env;
  const io = deps.io ?? systemIO(secrets, env);
  const output: OutputOptions = {
    json: argv.includes('--json'),
    color: colorEnabled(io, env, !argv.includes('--no-color')),
    verbose: argv.includes('--verbose') || env.SSO_SETUP_DEBUG === '1',
  };
  const ctx: Context = {
    io,
    env,
    cwd: deps.cwd ?? process.cwd(),
    now: deps.now ?? (() => new Date()),
    secrets,
    output,
    interrupted: deps.interrupted ?? once(untilInterrupted),
  };

  let exit: ExitCode = EXIT.ok;
  let commandPath = '';
  const run: CommandRunner = async (path, load) => {
    commandPath = path;
    exit = (await load(ctx)) ?? EXIT.ok;
  };

  const program = buildProgram(io, run);

  if (argv.length === 0) {
    program.outputHelp();
    return EXIT.ok;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exit;
  } catch (error) {
    const { renderError } = await import('./render/error.js');
    let path = commandPath || commandPathOf(argv);
    // For an unknown command, point at the help of the command above it.
    if (error instanceof CommanderError && error.code === 'commander.unknownCommand') path = path.split(' ').slice(0, -1).join(' ');
    return renderError(ctx, toSsoError(error), path);
  } finally {
    // Pooled keep-alive connections would hold the process open after the work is done.
    await closeSharedDispatcher();
  }
}

/** Help is this wide whatever the terminal, so help pages can be rendered once at build time. */
export const HELP_WIDTH = 100;

/** The command tree: global options, every command and its help. */
export function buildProgram(io: IO, run: CommandRunner): Command {
  const program = new Command('sso-setup');
  program
    .description('Set up, re-apply and verify SAML single sign-on between Auth0 (IdP) and Amplitude (SP).')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--json', 'print one JSON document on stdout and nothing else there')
    .option('--no-color', 'no colour in output (also NO_COLOR)')
    .option('--verbose', 'print stack traces and request logs on stderr (also SSO_SETUP_DEBUG=1)')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true, helpWidth: HELP_WIDTH })
    .addHelpCommand(false);
  configureTree(program, io);
  registerCommands(program, run);
  return program;
}

/**
 * Every argv that only asks for help (`[]`, `--help`, `-h`, `<command> --help`, `help <command>`,
 * …), for the build to render once (scripts/build.mjs) and the launcher to print without loading
 * the CLI.
 */
export function helpRequests(): string[][] {
  const program = buildProgram({ stdout: { write: () => undefined }, stderr: { write: () => undefined } } as unknown as IO, async () => undefined);
  const out: string[][] = [[], ['--help'], ['-h'], ['help']];
  const walk = (cmd: Command, path: string[]) => {
    for (const sub of cmd.commands) {
      const p = [...path, sub.name()];
      out.push([...p, '--help'], [...p, '-h'], ['help', ...p]);
      walk(sub, p);
    }
  };
  walk(program, []);
  return out;
}

/** Commander errors become usage errors (exit 2) rendered like every other error. */
function toSsoError(error: unknown): unknown {
  if (!(error instanceof CommanderError)) return error;
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') {
    return new SsoError('OK', '', { exit: EXIT.ok, silent: true });
  }
  if (error.code === 'commander.help') {
    // Commander showed a help page: asked for (exit 0), or a command group called without its subcommand (exit 2).
    return new SsoError('USAGE', '', { exit: error.exitCode === 0 ? EXIT.ok : EXIT.usage, silent: true });
  }
  // One line: commander puts its suggestion ("(Did you mean --json?)") on a line of its own.
  const message = error.message.replace(/^error:\s*/i, '').replace(/\s*\n\s*/g, ' ');
  return usageError(`USAGE_${error.code.replace(/^commander\./, '').replace(/([A-Z])/g, '_$1').toUpperCase()}`, message);
}

/** Applies output routing and error handling to every command in the tree. */
function configureTree(program: Command, io: IO): void {
  program.exitOverride();
  program.configureOutput({
    writeOut: (s) => io.stdout.write(s),
    writeErr: (s) => io.stderr.write(s),
    // Parse errors are rendered by renderError, in one place.
    outputError: () => undefined,
  });
}

function commandPathOf(argv: string[]): string {
  const words: string[] = [];
  for (const a of argv) {
    if (a.startsWith('-')) break;
    words.push(a);
    if (words.length === 2) break;
  }
  return words.join(' ');
}

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}
