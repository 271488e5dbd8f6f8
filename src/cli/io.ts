import { fstatSync } from 'node:fs';
import { SecretRegistry, scrubCredentials } from '../secrets.js';
import { terminalSafe } from '../text.js';

/** Something text can be written to. */
export interface TextSink {
  write(text: string): void;
}

/**
 * The process's terminal, as the commands see it. Created once in `main()`; tests pass a fake.
 * stdout carries only the result (one JSON document under `--json`); progress, hints and warnings
 * go to stderr. Every write passes `outgoing`: the one choke point for what reaches the terminal.
 */
export interface IO {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly stdin: NodeJS.ReadableStream;
  readonly isStdinTTY: boolean;
  readonly isStdoutTTY: boolean;
  readonly isStderrTTY: boolean;
  /** A CI environment (CI, BUILD_NUMBER, RUN_ID …): never prompt, never animate. */
  readonly ci: boolean;
  /** Raw stderr stream for interactive libraries (spinners, prompts); absent in tests. */
  readonly stderrStream?: NodeJS.WritableStream;
  readonly stdoutStream?: NodeJS.WritableStream;
  /**
   * Width of the terminal behind stdout / stderr, read when asked (it changes on resize); undefined
   * when that is not a terminal or its width is unknown or too small to lay text out for
   * (see MIN_TERMINAL_COLUMNS).
   */
  stdoutColumns(): number | undefined;
  stderrColumns(): number | undefined;
  /**
   * Whether stdout and stderr end up in the same place (one terminal, `2>&1`, a CI log): what is
   * written on stderr (progress) then appears right above the result on stdout.
   */
  sharedOutput(): boolean;
}

/**
 * The narrowest terminal sso-setup lays text out for (spinners that redraw in place, wrapped
 * tables). A terminal may report 0 columns (`script`, some CI wrappers: the size was never set) or
 * a few; below 40 every step title (30-100 characters) would wrap over several lines that a spinner
 * has to redraw each frame and a table would wrap into a column a word or two wide. There plain
 * lines, which the terminal wraps itself, read better and cannot go wrong.
 */
export const MIN_TERMINAL_COLUMNS = 40;

/** A stream's terminal width when it is a terminal of a usable width (see MIN_TERMINAL_COLUMNS). */
export function usableColumns(stream: { isTTY?: boolean; columns?: number }): number | undefined {
  const columns = stream.isTTY ? stream.columns : undefined;
  return typeof columns === 'number' && Number.isFinite(columns) && columns >= MIN_TERMINAL_COLUMNS ? Math.floor(columns) : undefined;
}

export function isCI(env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI;
  if (ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false') return true;
  return Boolean(env.BUILD_NUMBER || env.RUN_ID || env.GITHUB_ACTIONS || env.GITLAB_CI || env.TF_BUILD);
}

/** Colour is on only for a TTY, and off for NO_COLOR (any value) or `--no-color`. */
export function colorEnabled(io: IO, env: NodeJS.ProcessEnv, flag: boolean): boolean {
  if (!flag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return io.isStderrTTY || io.isStdoutTTY;
}

/** Prompts need a person at both ends: stdin and stdout TTYs, and not CI. */
export function canPrompt(io: IO): boolean {
  return io.isStdinTTY && io.isStdoutTTY && !io.ci;
}

/**
 * What every write to stdout and stderr goes through: secrets redacted, and control, bidi and
 * invisible characters escaped (src/text.ts), whatever command, renderer or library produced the
 * text. Our own newlines, tabs and colour codes pass; a value that must not start a new line is
 * escaped by its renderer (`escapeUnsafe`).
 */
export function outgoing(text: string, secrets: SecretRegistry): string {
  return terminalSafe(secrets.redact(scrubCredentials(text)));
}

function redactingSink(stream: NodeJS.WritableStream, secrets: SecretRegistry): TextSink {
  return { write: (text: string) => void stream.write(outgoing(text, secrets)) };
}

export function systemIO(secrets: SecretRegistry, env: NodeJS.ProcessEnv = process.env): IO {
  return {
    stdout: redactingSink(process.stdout, secrets),
    stderr: redactingSink(process.stderr, secrets),
    stdin: process.stdin,
    isStdinTTY: Boolean(process.stdin.isTTY),
    isStdoutTTY: Boolean(process.stdout.isTTY),
    isStderrTTY: Boolean(process.stderr.isTTY),
    ci: isCI(env),
    stderrStream: process.stderr,
    stdoutStream: process.stdout,
    stdoutColumns: () => usableColumns(process.stdout),
    stderrColumns: () => usableColumns(process.stderr),
    sharedOutput: () => sameFile(1, 2),
  };
}

/** Whether two file descriptors are the same file, pipe or terminal. */
function sameFile(a: number, b: number): boolean {
  try {
    const [x, y] = [fstatSync(a), fstatSync(b)];
    return x.dev === y.dev && x.ino === y.ino && x.rdev === y.rdev;
  } catch {
    return false;
  }
}

/** An in-memory IO for tests: collects what was written. */
export interface CapturedIO extends IO {
  readonly out: () => string;
  readonly err: () => string;
}

export function captureIO(
  secrets: SecretRegistry,
  opts: { tty?: boolean; ci?: boolean; stdin?: NodeJS.ReadableStream; columns?: number } = {},
): CapturedIO {
  let out = '';
  let err = '';
  const tty = opts.tty ?? false;
  return {
    stdout: { write: (t) => void (out += outgoing(t, secrets)) },
    stderr: { write: (t) => void (err += outgoing(t, secrets)) },
    stdin: opts.stdin ?? process.stdin,
    isStdinTTY: tty,
    isStdoutTTY: tty,
    isStderrTTY: tty,
    ci: opts.ci ?? false,
    stdoutColumns: () => usableColumns({ isTTY: tty, ...(opts.columns !== undefined ? { columns: opts.columns } : {}) }),
    stderrColumns: () => usableColumns({ isTTY: tty, ...(opts.columns !== undefined ? { columns: opts.columns } : {}) }),
    // One terminal for both when it is a TTY; separate buffers otherwise.
    sharedOutput: () => tty,
    out: () => out,
    err: () => err,
  };
}
