/**
 * Drives the built CLI through a real pseudo-terminal, as a person at a keyboard would: util-linux
 * `script` allocates the pty (no native addon needed), we type keys and read what the screen shows.
 * The pty's size is set with `stty` (`cols: 0` is what `script` and some CI wrappers leave).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BIN, baseEnv } from './run-cli.js';
import { removeDir, tempDir } from './sandbox.js';

// A CommonJS bundle whose named exports Node's ESM loader cannot see.
const { Terminal } = createRequire(import.meta.url)('@xterm/headless') as typeof import('@xterm/headless');

export const KEY = {
  enter: '\r',
  down: '\u001b[B',
  up: '\u001b[A',
  ctrlC: '\u0003',
  backspace: '\u007f',
  space: ' ',
} as const;

/** Removes ANSI escape sequences (colours, cursor moves) so the text can be matched. */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007]*\u0007|\u001b[()][A-Za-z0-9]|\r/g, '');
}

function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export class PtySession {
  readonly #child: ChildProcessWithoutNullStreams;
  #raw = '';
  #consumed = 0;
  readonly exited: Promise<number>;

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.#child = child;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (this.#raw += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (this.#raw += d));
    this.exited = new Promise((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  }

  static start(args: string[], opts: { env: NodeJS.ProcessEnv; cwd: string; cols?: number; rows?: number }): PtySession {
    const command = `stty cols ${opts.cols ?? 160} rows ${opts.rows ?? 50}; exec ${[process.execPath, '--', BIN, ...args].map(shellQuote).join(' ')}`;
    const child = spawn('script', ['-qefc', command, '/dev/null'], {
      cwd: opts.cwd,
      env: baseEnv({ TERM: 'xterm-256color', ...opts.env }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return new PtySession(child);
  }

  /** All text shown so far, without escape sequences. */
  get screen(): string {
    return stripAnsi(this.#raw);
  }

  /** Everything the program wrote, escape sequences included. */
  get raw(): string {
    return this.#raw;
  }

  /** The process id of the CLI itself (`script` runs it as its child, through `exec`). */
  get cliPid(): number | undefined {
    const pid = this.#child.pid;
    if (pid === undefined) return undefined;
    try {
      const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
      return children.length ? Number(children[0]) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Waits until `pattern` appears after what earlier waits consumed. */
  async waitFor(pattern: string | RegExp, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = this.screen.slice(this.#consumed);
      const index = typeof pattern === 'string' ? text.indexOf(pattern) : text.search(pattern);
      if (index >= 0) {
        const match = typeof pattern === 'string' ? pattern : (text.slice(index).match(pattern)?.[0] ?? '');
        this.#consumed += index + match.length;
        return text.slice(0, index + match.length);
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${String(pattern)}; the screen ends with:\n${this.screen.slice(-1500)}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Types keys (text is typed as-is; use KEY for special keys). */
  async type(...keys: string[]): Promise<void> {
    for (const k of keys) {
      this.#child.stdin.write(k);
      await new Promise((r) => setTimeout(r, 30));
    }
  }

  /** Answers the prompt whose text matches `question`: waits for it, types the answer and Enter. */
  async answer(question: string | RegExp, text: string): Promise<void> {
    await this.waitFor(question);
    await this.type(text, KEY.enter);
  }

  kill(): void {
    this.#child.kill('SIGKILL');
  }
}

/**
 * For a test file that drives the CLI through ptys: each test gets a fresh working directory, and
 * every session it started is killed after it (a failed test must not leave a CLI waiting for keys:
 * it would keep jest alive).
 */
export function usePtySessions(): {
  cwd: () => string;
  start: (args: string[], opts?: { env?: NodeJS.ProcessEnv; cols?: number }) => PtySession;
} {
  let cwd: string | undefined;
  const sessions: PtySession[] = [];
  beforeEach(() => {
    cwd = tempDir();
  });
  afterEach(() => {
    for (const s of sessions.splice(0)) s.kill();
    if (cwd) removeDir(cwd);
  });
  const dir = () => {
    if (!cwd) throw new Error('no test is running');
    return cwd;
  };
  return {
    cwd: dir,
    start(args, opts = {}) {
      const session = PtySession.start(args, { env: opts.env ?? {}, cwd: dir(), ...(opts.cols !== undefined ? { cols: opts.cols } : {}) });
      sessions.push(session);
      return session;
    },
  };
}

/**
 * What a terminal `cols` wide shows after receiving `raw`: its lines (scrollback included), each as
 * the person sees it. A terminal emulator (xterm.js, headless) interprets the cursor moves and line
 * clears a spinner makes, which stripping escape sequences cannot. `wrapped[i]` tells whether line
 * i is the terminal's continuation of line i-1 (text longer than the width).
 */
export async function renderScreen(raw: string, cols: number): Promise<{ lines: string[]; wrapped: boolean[] }> {
  const term = new Terminal({ cols, rows: 50, scrollback: 10_000, convertEol: true, allowProposedApi: true });
  await new Promise<void>((resolve) => term.write(raw, resolve));
  const buffer = term.buffer.active;
  const lines: string[] = [];
  const wrapped: boolean[] = [];
  for (let i = 0; i < buffer.length; i++) {
    const line = buffer.getLine(i)!;
    lines.push(line.translateToString(true));
    wrapped.push(line.isWrapped);
  }
  while (lines.length && lines[lines.length - 1] === '') {
    lines.pop();
    wrapped.pop();
  }
  term.dispose();
  return { lines, wrapped };
}
