/**
 * Whatever the terminal, the built CLI finishes or stops promptly: real pseudo-terminals of odd
 * sizes (0 columns, as `script` and some CI wrappers leave it; 20 columns; 100), signals, a parent
 * that dies, a reader that goes away. Before the fix, `apply` in a 0-column terminal wrote escape
 * codes forever (ora divided by the width) and ignored SIGTERM.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { KEY, renderScreen, usePtySessions, type PtySession } from '../helpers/pty.js';
import { BIN, baseEnv, spawnCli } from '../helpers/run-cli.js';
import { markedClients, useSandbox } from '../helpers/sandbox.js';
import type { Sandbox } from '../../src/sandbox/index.js';

import { jest } from '@jest/globals';

jest.setTimeout(60_000);

/** ora's default ("dots") spinner frames. */
const SPINNER_FRAME = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;
const CURSOR_UP = '\u001b[1A';
const FINGERPRINT = /^(?:[0-9A-F]{2}:){31}[0-9A-F]{2}$/;

const ptys = usePtySessions();

function inPty(args: string[], cols: number, env: NodeJS.ProcessEnv = {}): PtySession {
  return ptys.start(args, { env, cols });
}

function removeApp(sb: Sandbox): void {
  for (const c of markedClients(sb)) sb.auth0.tenant.patchClient(c.client_id as string, { client_metadata: { sso_setup: null } });
}

/** The screen's lines with the terminal's own wrapping undone: one entry per line the program wrote. */
async function writtenLines(raw: string, cols: number): Promise<string[]> {
  const { lines, wrapped } = await renderScreen(raw, cols);
  const out: string[] = [];
  lines.forEach((line, i) => (wrapped[i] && out.length ? (out[out.length - 1] += line) : out.push(line)));
  return out;
}

/** Ends when the process is gone (or a zombie waiting for its reaper): false if it is still running at the deadline. */
async function ended(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    let state: string | undefined;
    try {
      state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').charAt(0);
    } catch {
      return true;
    }
    if (state === 'Z') return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('a terminal that reports 0 columns, or a narrow one', () => {
  const sandbox = useSandbox();

  it.each([0, 20])('apply --dry-run and apply finish normally in a %i-column terminal, with plain progress lines', async (cols) => {
    const sb = sandbox();
    removeApp(sb);
    for (const args of [['apply', '--dry-run'], ['apply']]) {
      const pty = inPty(args, cols, sb.env);
      expect([args.join(' '), await pty.exited]).toEqual([args.join(' '), 0]);
      // Plain lines: no spinner frames, no cursor moves, and a few KiB, not megabytes.
      expect(pty.raw).not.toMatch(SPINNER_FRAME);
      expect(pty.raw).not.toContain(CURSOR_UP);
      expect(pty.raw.length).toBeLessThan(16_384);
      expect(pty.screen).toContain(`✔ Management API token from ${sb.auth0.domain}`);
    }
    expect(markedClients(sb)).toHaveLength(1);
  });

  it('the result lists the steps done only where the progress lines are not right above it (2>&1 or not)', async () => {
    const sb = sandbox();
    removeApp(sb);
    const shared = await new Promise<string>((resolve) => {
      const quoted = [process.execPath, '--', BIN, 'apply'].map((a) => `'${a}'`).join(' ');
      const child = spawn('sh', ['-c', `exec ${quoted} 2>&1`], { cwd: ptys.cwd(), env: baseEnv(sb.env), stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.on('close', () => resolve(out));
    });
    expect(shared).toContain('✔ Management API token from');
    expect(shared).toContain('Done by sso-setup: the steps marked ✔ above.');
    removeApp(sb);
    const separate = await spawnCli(['apply'], { cwd: ptys.cwd(), env: sb.env });
    expect(separate.exitCode).toBe(0);
    expect(separate.stdout).toContain('Done by sso-setup:\n  ✔ Get a Management API token\n');
  });

  it('demo finishes normally in a 0-column terminal', async () => {
    const pty = inPty(['demo'], 0);
    expect(await pty.exited).toBe(0);
    expect(pty.raw).not.toMatch(SPINNER_FRAME);
    expect(pty.screen).toContain('signed in to Amplitude (sandbox) as');
  });
});

describe('a terminal of a usable width: spinners', () => {
  it('demo: lines printed while a spinner spins get lines of their own; steps are listed once; fingerprints in full', async () => {
    const cols = 100;
    const pty = inPty(['demo'], cols);
    expect(await pty.exited).toBe(0);
    expect(pty.raw).toMatch(SPINNER_FRAME);
    const lines = await writtenLines(pty.raw, cols);
    // The login's step notes ("· IdP login page reached …") used to be appended to the spinner's line.
    const notes = lines.filter((l) => l.includes('· IdP'));
    expect(notes.length).toBeGreaterThanOrEqual(2);
    for (const note of notes) expect(note).toMatch(/^· IdP/);
    expect(lines.filter((l) => SPINNER_FRAME.test(l))).toEqual([]);
    // The progress lines (✔ per step) are the list of what was done; the result does not repeat it.
    expect(lines).toContain('Done by sso-setup: the steps marked ✔ above.');
    expect(lines.join('\n')).not.toContain('✔ Get a Management API token');
    // The certificates the SP now trusts, each fingerprint whole (it used to be cut at 140 characters).
    const certs = lines.slice(lines.findIndex((l) => l.trim() === '~ certificates:') + 1).filter((l) => /^ {8}\+ /.test(l));
    expect(certs.length).toBe(2);
    for (const cert of certs) expect(cert.trim().slice(2)).toMatch(FINGERPRINT);
  });
});

describe('stopping: signals, a parent that dies, a reader that goes away', () => {
  const sandbox = useSandbox();

  /**
   * A slow application listing: once the token line is out, apply is still reading the tenant's
   * applications (before it changes anything) for 3 s. (The SP is read beside the token request,
   * so a slow SP would hold back the token line itself.)
   */
  function slowListing(sb: Sandbox): void {
    removeApp(sb);
    sb.auth0.faults.set({ latencyMs: 3000, paths: ['/api/v2/clients'], methods: ['GET'] });
  }
  afterEach(() => sandbox().auth0.faults.clear());

  it.each([
    [0, 'SIGTERM', 143],
    [100, 'SIGTERM', 143],
    [0, 'SIGINT', 130],
  ] as const)('a %i-column terminal: %s during apply ends it at once with %i, saying how to resume', async (cols, signal, code) => {
    const sb = sandbox();
    slowListing(sb);
    const pty = inPty(['apply'], cols, sb.env);
    await pty.waitFor('✔ Management API token');
    process.kill(pty.cliPid!, signal);
    expect(await pty.exited).toBe(code);
    expect(pty.screen).toContain(`${signal}: stopped. Nothing is left that a re-run does not repair: run the same command again.`);
    // Stopped before the application was created, though the run would have gone on.
    expect(markedClients(sb)).toHaveLength(0);
  });

  it('Ctrl-C typed while a spinner spins clears the spinner and exits 130', async () => {
    const cols = 100;
    const sb = sandbox();
    slowListing(sb);
    const pty = inPty(['apply'], cols, sb.env);
    await pty.waitFor('✔ Management API token');
    await pty.type(KEY.ctrlC);
    expect(await pty.exited).toBe(130);
    const lines = await writtenLines(pty.raw, cols);
    expect(lines.filter((l) => SPINNER_FRAME.test(l))).toEqual([]);
    expect(lines.at(-1)).toBe('SIGINT: stopped. Nothing is left that a re-run does not repair: run the same command again.');
  });

  it.each([0, 100])('when its terminal goes away (the parent killed), apply in a %i-column terminal ends at once', async (cols) => {
    const sb = sandbox();
    slowListing(sb);
    const pty = inPty(['apply'], cols, sb.env);
    await pty.waitFor('✔ Management API token');
    const pid = pty.cliPid!;
    pty.kill(); // SIGKILL to `script`, which holds the terminal: the CLI gets SIGHUP, then EIO on every write
    expect(await ended(pid, 5_000)).toBe(true);
    expect(markedClients(sb)).toHaveLength(0);
  });

  it('when the reader of its output goes away (EPIPE), it ends with 141 instead of going on', async () => {
    const sb = sandbox();
    slowListing(sb);
    const child = spawn(process.execPath, ['--', BIN, 'apply'], { cwd: ptys.cwd(), env: baseEnv(sb.env), stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    child.stdout.resume();
    await new Promise((resolve) => child.stderr.once('data', resolve)); // ✔ Management API token …
    child.stderr.destroy();
    expect(await exited).toBe(141);
  });
});
