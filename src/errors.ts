/**
 * Errors are values with a stable `code` (documented in the README), a one-line message saying
 * what went wrong and where, and a hint saying how to fix it. They are rendered in one place
 * (`src/cli/render/error.ts`); nothing else prints an error.
 */

/** Process exit codes: the contract in PRODUCT.md. */
export const EXIT = {
  ok: 0,
  /** The job failed, or a check failed. */
  failure: 1,
  /** Usage or configuration error: the command line or config must change. */
  usage: 2,
  /** Interrupted by the user (Ctrl-C, declined confirmation): the shell's convention for SIGINT. */
  cancelled: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface SsoErrorOptions {
  /** How to fix it, one line. */
  hint?: string;
  exit?: ExitCode;
  cause?: unknown;
  /** Extra structured data for `--json` output (never secrets). */
  details?: Record<string, unknown>;
  /** The failure has already been reported (e.g. a failing check table); print nothing more. */
  silent?: boolean;
  /** Items listed under the message, one line each (e.g. every configuration problem). */
  list?: readonly string[];
}

export class SsoError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exit: ExitCode;
  readonly details: Record<string, unknown> | undefined;
  readonly silent: boolean;
  readonly list: readonly string[];

  constructor(code: string, message: string, options: SsoErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SsoError';
    this.code = code;
    this.hint = options.hint;
    this.exit = options.exit ?? EXIT.failure;
    this.details = options.details;
    this.silent = options.silent ?? false;
    this.list = options.list ?? [];
  }
}

/** A usage or configuration error (exit 2). */
export function usageError(code: string, message: string, hint?: string): SsoError {
  return new SsoError(code, message, { hint, exit: EXIT.usage });
}

export function isSsoError(e: unknown): e is SsoError {
  return e instanceof SsoError;
}

/** The message of anything thrown, for wrapping foreign errors. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
