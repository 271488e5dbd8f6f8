import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { main, type MainDeps } from '../../src/cli/main.js';
import { captureIO } from '../../src/cli/io.js';
import { SecretRegistry } from '../../src/secrets.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/sso-setup.cjs', import.meta.url));

/**
 * The environment a spawned CLI starts from: PATH, plus whatever sets the clock (libfaketime's
 * LD_PRELOAD and FAKETIME* variables, TZ). The spawned CLI must see the same clock as the sandbox
 * running in this process, or the suite would depend on the date (a run under `faketime '+400d'`
 * would judge the sandbox's fresh certificates from 400 days in their past). Nothing else of the
 * developer's environment (AUTH0_*, CI, …) leaks into a test.
 */
export function baseEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'LD_PRELOAD' || key === 'TZ' || key.startsWith('FAKETIME')) env[key] = value;
  }
  return { ...env, ...extra };
}

export interface CliResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Runs `main()` in-process with a captured, non-TTY terminal. */
export async function runCli(
  argv: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; now?: () => Date; tty?: boolean; deps?: Partial<MainDeps> } = {},
): Promise<CliResult> {
  const secrets = new SecretRegistry();
  const io = captureIO(secrets, { tty: opts.tty ?? false });
  const exitCode = await main(argv, {
    io,
    secrets,
    env: opts.env ?? { PATH: process.env.PATH },
    cwd: opts.cwd ?? process.cwd(),
    ...(opts.now ? { now: opts.now } : {}),
    ...opts.deps,
  });
  return { stdout: io.out(), stderr: io.err(), exitCode };
}

/** Spawns the built CLI (`bin/sso-setup.cjs` → `dist/`), as a user or a CI job would. */
export function spawnCli(
  argv: string[],
  opts: {
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    input?: string | Buffer;
    timeoutMs?: number;
    /** Scheduling niceness (e.g. 10) for tests that start many CLIs at once, so other test files keep their share of the CPU. */
    niceness?: number;
    /** Options for node itself, before the launcher. */
    nodeOptions?: string[];
    /** Another copy of the launcher (default: this checkout's bin/sso-setup.cjs). */
    bin?: string;
  } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // `--`: as the launcher's shebang does, so node leaves our `--env-file` alone.
    const child = spawn(process.execPath, [...(opts.nodeOptions ?? []), '--', opts.bin ?? BIN, ...argv], {
      cwd: opts.cwd ?? REPO_ROOT,
      env: baseEnv(opts.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    if (opts.niceness !== undefined && child.pid !== undefined) setPriority(child.pid, opts.niceness);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sso-setup ${argv.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, exitCode: code ?? -1 });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** The one JSON document a `--json` run printed; otherwise fails with the run's whole output, so a broken run explains itself. */
export function parseJson<T>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`not one JSON document (exit ${r.exitCode}):\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
  }
}

/** Fails with both streams when the run exited otherwise (a bare `toBe` would show only the two numbers). */
export function expectExit(r: CliResult, code: number): void {
  if (r.exitCode !== code) throw new Error(`exit ${r.exitCode}, expected ${code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
}
