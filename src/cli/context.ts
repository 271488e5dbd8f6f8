import type { IO } from './io.js';
import type { SecretRegistry } from '../secrets.js';

/** Global output options, parsed once from the command line and the environment. */
export interface OutputOptions {
  /** `--json`: exactly one JSON document on stdout, nothing else there. */
  json: boolean;
  /** Colour for human output (TTY, no `NO_COLOR`, no `--no-color`). */
  color: boolean;
  /** `--verbose` or `SSO_SETUP_DEBUG=1`: stack traces and request logs on stderr. */
  verbose: boolean;
}

/**
 * What every command receives: the injected edges of the program (terminal, environment, clock,
 * working directory, secret registry). Created once in `main()`, faked in tests. Expensive things
 * (the Auth0 SDK, HTTP agents, prompts) are created by the commands that need them.
 */
export interface Context {
  readonly io: IO;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly now: () => Date;
  readonly secrets: SecretRegistry;
  readonly output: OutputOptions;
  /**
   * Resolves when the user asks the process to stop (SIGINT/SIGTERM). Calling it makes that signal
   * resolve it instead of ending the process at once (see interrupt.ts), so only a command whose
   * normal end is a signal (sandbox) should; it must then stop promptly.
   */
  readonly interrupted: () => Promise<NodeJS.Signals>;
}

/** Writes one progress or log line to stderr, unless stderr must stay quiet. */
export function note(ctx: Context, line: string): void {
  ctx.io.stderr.write(`${line}\n`);
}

/** Writes a debug line when `--verbose` is on. */
export function debug(ctx: Context, line: string): void {
  if (ctx.output.verbose) ctx.io.stderr.write(`debug: ${line}\n`);
}
