/**
 * Drives the built CLI through a real pseudo-terminal, as a person at a keyboard would: util-linux
 * `script` allocates the pty (no native addon needed), we type keys and read what the screen shows.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { BIN, baseEnv } from './run-cli.js';

export const KEY = {
  enter: '\r',
  down: '\u001b[B',
  up: '\u001b[A',
  ctrlC: '\u0003',
  backspace: '\u007f',
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

  static start(args: string[], opts: { env: NodeJS.ProcessEnv; cwd: string }): PtySession {
    const command = `stty cols 160 rows 50; exec ${[process.execPath, '--', BIN, ...args].map(shellQuote).join(' ')}`;
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
