import { SecretRegistry, scrubCredentials } from '../secrets.js';

/** Something text can be written to. */
export interface TextSink {
  write(text: string): void;
}

/**
 * The process's terminal, as the commands see it. Created once in `main()`; tests pass a fake.
 * stdout carries only the result (one JSON document under `--json`); progress, hints and warnings
 * go to stderr. Every write is redacted.
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

function redactingSink(stream: NodeJS.WritableStream, secrets: SecretRegistry): TextSink {
  return { write: (text: string) => void stream.write(secrets.redact(scrubCredentials(text))) };
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
  };
}

/** An in-memory IO for tests: collects what was written. */
export interface CapturedIO extends IO {
  readonly out: () => string;
  readonly err: () => string;
}

export function captureIO(
  secrets: SecretRegistry,
  opts: { tty?: boolean; ci?: boolean; stdin?: NodeJS.ReadableStream } = {},
): CapturedIO {
  let out = '';
  let err = '';
  const tty = opts.tty ?? false;
  return {
    stdout: { write: (t) => void (out += secrets.redact(scrubCredentials(t))) },
    stderr: { write: (t) => void (err += secrets.redact(scrubCredentials(t))) },
    stdin: opts.stdin ?? process.stdin,
    isStdinTTY: tty,
    isStdoutTTY: tty,
    isStderrTTY: tty,
    ci: opts.ci ?? false,
    out: () => out,
    err: () => err,
  };
}
