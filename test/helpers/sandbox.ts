import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { startAuth0Emulator } from '../../src/sandbox/auth0/index.js';
import type { Auth0Emulator, Auth0EmulatorOptions } from '../../src/sandbox/types.js';
import { managementApi, managementToken, type Api } from './auth0-api.js';
import { ADMIN_FAULTS_PATH, type FaultsView } from '../../src/sandbox/admin.js';
import type { PolisEmulator } from '../../src/sandbox/polis/index.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, baseEnv } from './run-cli.js';
import { parseDotenv } from './dotenv.js';

/** Starts a sandbox for a test file and stops it afterwards (jest hooks). */
export function useSandbox(opts: SandboxOptions = {}): () => Sandbox {
  let sandbox: Sandbox | undefined;
  beforeAll(async () => {
    sandbox = await startSandbox(opts);
  });
  afterAll(async () => {
    await sandbox?.close();
  });
  return () => {
    if (!sandbox) throw new Error('sandbox not started');
    return sandbox;
  };
}

/** Starts an Auth0 emulator and a Management API caller with a full-scope token for a test file. */
export function useAuth0Emulator(opts: Auth0EmulatorOptions = {}): () => { emu: Auth0Emulator; api: Api } {
  let emu: Auth0Emulator | undefined;
  let api: Api | undefined;
  beforeAll(async () => {
    emu = await startAuth0Emulator(opts);
    api = managementApi(emu, await managementToken(emu));
  });
  afterAll(async () => {
    await emu?.close();
  });
  return () => {
    if (!emu || !api) throw new Error('emulator not started');
    return { emu, api };
  };
}

/** A fresh empty working directory (no sso-setup.json, no metadata files). */
export function tempDir(prefix = 'sso-setup-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A fresh working directory for each test of a file (jest hooks), removed after it. */
export function useTempDir(): () => string {
  let dir: string | undefined;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => {
    if (dir) removeDir(dir);
  });
  return () => dir!;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Every file's text below a directory, for asserting that no secret was written anywhere. */
export function filesIn(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesIn(p));
    else out.push({ path: p, text: readFileSync(p, 'utf8') });
  }
  return out;
}

/** Clients of the sandbox tenant that carry sso-setup's marker for its org. */
export function markedClients(sandbox: Sandbox): Record<string, unknown>[] {
  const marker = `amplitude:${sandbox.amplitude.orgId}`;
  return sandbox.auth0.tenant
    .listClients()
    .filter((c) => (c.client_metadata as Record<string, string> | undefined)?.sso_setup === marker);
}

/**
 * Sets an emulator's faults through the sandbox admin route (`''` clears them), over HTTP, as an
 * outside harness would: `baseUrl` is the emulator's (`sb.auth0.baseUrl` or `sb.amplitude.baseUrl`).
 */
export async function setFaults(baseUrl: string, adminToken: string, spec: string, seed?: number): Promise<FaultsView> {
  const res = await fetch(`${baseUrl}${ADMIN_FAULTS_PATH}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ faults: spec, ...(seed !== undefined ? { seed } : {}) }),
  });
  if (res.status !== 200) throw new Error(`the admin route answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as FaultsView;
}

/** Reads an emulator's fault settings and injected counts through the admin route. */
export async function readFaults(baseUrl: string, adminToken: string): Promise<FaultsView> {
  const res = await fetch(`${baseUrl}${ADMIN_FAULTS_PATH}`, { headers: { authorization: `Bearer ${adminToken}` } });
  if (res.status !== 200) throw new Error(`the admin route answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as FaultsView;
}

/** The Polis a test talks to: where it is, its key, and the SP identity Auth0 must be configured with. */
export type TestPolis = Omit<PolisEmulator, 'close'>;

/**
 * Starts the real Ory Polis library for a test file (jest hooks), in its own process: `sso-setup sandbox
 * --polis` from the built CLI, plain node. Not in the test's process: the library imports `jose` lazily
 * (`new Function('return import(...)')`), and jest's VM modules fail such imports now and then
 * (jest-runtime's dynamicImportFromCjs: "Cannot read properties of undefined (reading 'identifier')").
 */
export function usePolis(): () => TestPolis {
  let polis: TestPolis | undefined;
  let child: ChildProcess | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    dir = tempDir('sso-setup-polis-');
    const envFile = join(dir, 'sandbox.env');
    const started = spawn(process.execPath, ['--', BIN, 'sandbox', '--polis', '--env-file', envFile, '--json'], { cwd: dir, env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    let stdout = '';
    let stderr = '';
    started.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    started.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const deadline = Date.now() + 40_000;
    while (!(stdout.trimEnd().endsWith('}') && existsSync(envFile))) {
      if (Date.now() > deadline || started.exitCode !== null) throw new Error(`sandbox --polis did not start\n${stdout}\n${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const summary = JSON.parse(stdout) as { polis: Omit<TestPolis, 'apiKey'> };
    const apiKey = parseDotenv(readFileSync(envFile, 'utf8')).POLIS_API_KEY!;
    const { url, tenant, product, entityId, acsUrl, redirectUrl } = summary.polis;
    polis = { url, apiKey, tenant, product, entityId, acsUrl, redirectUrl };
  }, 60_000);
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('close', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    if (dir) removeDir(dir);
  });
  return () => {
    if (!polis) throw new Error('Polis not started');
    return polis;
  };
}
