/**
 * How the process stops when asked to, whatever it is doing. The one place that listens to
 * SIGINT and SIGTERM and to the loss of stdout/stderr:
 *
 * - SIGINT / SIGTERM end the process at once with the shell's code (130 / 143), after the hooks
 *   registered with `onInterrupt` ran (innermost first: a spinner is cleared before the notice
 *   that says how to resume is printed). A long-running command that waits in `untilInterrupted`
 *   (the sandbox) gets the signal instead, to close its servers; a second signal, or a close that
 *   takes longer than STOP_GRACE_MS, still ends the process.
 * - When stdout or stderr can no longer be written (EPIPE: the reader went away; EIO: the terminal
 *   hung up), there is nobody left to report to: the process ends at once (141 / 129) instead of
 *   going on, or spinning, for no one. SIGHUP keeps its default action (the process ends).
 *
 * Installed by the launcher only (`installStopHandlers`): `main()` never ends the process, so
 * tests can run it in-process.
 */
import type { Context } from './context.js';

/** 128 + the signal's number, as shells report a process a signal stopped. */
export const STOP_EXIT = { SIGHUP: 129, SIGINT: 130, SIGPIPE: 141, SIGTERM: 143 } as const;

/** How long a command that asked to handle the signal itself (the sandbox) may take to stop. */
export const STOP_GRACE_MS = 5_000;

type StopSignal = 'SIGINT' | 'SIGTERM';
type Hook = (signal: StopSignal) => void;

const hooks: Hook[] = [];
const waiters: ((signal: NodeJS.Signals) => void)[] = [];
let installed = false;

/** Installs the listeners (idempotent). The launcher calls it before anything else runs. */
export function installStopHandlers(): void {
  if (installed) return;
  installed = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stop(signal));
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => process.exit(error.code === 'EPIPE' ? STOP_EXIT.SIGPIPE : STOP_EXIT.SIGHUP));
  }
}

/** Runs `hook` if the process is interrupted before the returned function is called. */
export function onInterrupt(hook: Hook): () => void {
  hooks.push(hook);
  return () => {
    const i = hooks.lastIndexOf(hook);
    if (i >= 0) hooks.splice(i, 1);
  };
}

/**
 * Resolves with the first SIGINT/SIGTERM instead of letting it end the process, for a command
 * whose normal end is a signal (the sandbox). It must then stop within STOP_GRACE_MS.
 */
export function untilInterrupted(): Promise<NodeJS.Signals> {
  installStopHandlers();
  return new Promise((resolve) => waiters.push(resolve));
}

/**
 * Runs a step that changes things (apply, init's apply). Ctrl-C or SIGTERM stops it at once, as it
 * always would, but first says what to do next: every run converges, so the answer is "run it again".
 */
export async function withInterruptNotice<T>(ctx: Context, resume: string, fn: () => Promise<T>): Promise<T> {
  const dispose = onInterrupt((signal) => ctx.io.stderr.write(`\n${signal}: stopped. Nothing is left that a re-run does not repair: ${resume}\n`));
  try {
    return await fn();
  } finally {
    dispose();
  }
}

function stop(signal: StopSignal): void {
  const waiting = waiters.splice(0);
  if (waiting.length) {
    for (const resolve of waiting) resolve(signal);
    setTimeout(() => process.exit(STOP_EXIT[signal]), STOP_GRACE_MS).unref();
    return;
  }
  for (const hook of hooks.splice(0).reverse()) {
    try {
      hook(signal);
    } catch {
      // The terminal may be gone; stopping matters more than saying so.
    }
  }
  process.exit(STOP_EXIT[signal]);
}
