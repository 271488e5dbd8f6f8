import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, REPO_ROOT, baseEnv, spawnCli } from '../helpers/run-cli.js';

// The launcher (bin/sso-setup.cjs, bin/bundle-loader.cjs) as a process: the V8 code cache per Node
// version, the build it runs itself in a source checkout that has none, and its process-table entry.

const CHECK = ['metadata', 'check', 'fixtures/metadata/auth0-idp-ijin-2016.xml', '--now', '2026-11-29T00:00:00Z', '--verbose'];

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'sso-setup-launcher-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function codeCacheLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('debug: code cache '))
    .map((l) => l.replace(/^debug: code cache (\w+)(?: (.*))?$/, (_, status: string, file?: string) => `${status}${file ? ` ${file.replace(/\\/g, '/').replace(/^.*\//, '…/')}` : ''}`));
}

describe('the V8 code cache', () => {
  it('the build stores one for the Node that built it, and a run on that Node uses it', async () => {
    const r = await spawnCli(CHECK, { env: { XDG_CACHE_HOME: join(tmp, 'unused') } });
    expect(r.exitCode).toBe(0);
    const [line] = r.stderr.split('\n').filter((l) => l.startsWith('debug: code cache '));
    expect(line).toMatch(new RegExp(`^debug: code cache accepted .*dist[/\\\\]cli[/\\\\]code-cache[/\\\\][0-9a-f]{16}-${process.version.replace(/\./g, '\\.')}-${process.arch}-`));
    expect(existsSync(join(tmp, 'unused'))).toBe(false);
  });

  it('any other Node (here: the same node started with other options) writes its own once, in the user cache directory, and uses it from then on', async () => {
    const cache = join(tmp, 'xdg-cache');
    const env = { XDG_CACHE_HOME: cache };
    const nodeOptions = ['--max-old-space-size=1000'];
    const first = await spawnCli(CHECK, { env, nodeOptions });
    expect(first.exitCode).toBe(0);
    const files = readdirSync(join(cache, 'sso-setup', 'code-cache'));
    expect(files).toEqual([expect.stringMatching(new RegExp(`^[0-9a-f]{16}-${process.version.replace(/\./g, '\\.')}-${process.arch}-[0-9a-f]{8}\\.v8cache$`))]);
    expect(codeCacheLines(first.stderr)).toEqual(['none', `written …/${files[0]}`]);

    const second = await spawnCli(CHECK, { env, nodeOptions });
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(codeCacheLines(second.stderr)).toEqual([`accepted …/${files[0]}`]);
  });

  it('a cache V8 rejects is replaced by a good one', async () => {
    const cache = join(tmp, 'rejected');
    const env = { XDG_CACHE_HOME: cache };
    const nodeOptions = ['--max-old-space-size=1001'];
    await spawnCli(CHECK, { env, nodeOptions });
    const dir = join(cache, 'sso-setup', 'code-cache');
    const [file] = readdirSync(dir);
    writeFileSync(join(dir, file!), Buffer.alloc(4096, 7)); // not a code cache at all

    const rejected = await spawnCli(CHECK, { env, nodeOptions });
    expect(rejected.exitCode).toBe(0);
    expect(codeCacheLines(rejected.stderr)).toEqual([`rejected …/${file}`, `written …/${file}`]);
    expect(codeCacheLines((await spawnCli(CHECK, { env, nodeOptions })).stderr)).toEqual([`accepted …/${file}`]);
  });

  it('a cache directory that cannot be written changes nothing about the run', async () => {
    const notADirectory = join(tmp, 'a-file');
    writeFileSync(notADirectory, '');
    const r = await spawnCli(CHECK, { env: { XDG_CACHE_HOME: notADirectory }, nodeOptions: ['--max-old-space-size=1002'] });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^VALID/);
    expect(codeCacheLines(r.stderr)).toEqual(['none']);
    expect(r.stderr).not.toMatch(/ENOTDIR|EACCES|Error/);
  });
});

describe('a copy without dist/', () => {
  it('a source checkout (a fresh clone after npm ci) builds itself on its first run, once', async () => {
    const checkout = join(tmp, 'checkout');
    mkdirSync(checkout);
    // Copied: what the build writes into (dist/, and src/config/generated/); linked: what it only reads.
    for (const dir of ['bin', 'scripts', 'src']) cpSync(join(REPO_ROOT, dir), join(checkout, dir), { recursive: true });
    cpSync(join(REPO_ROOT, 'package.json'), join(checkout, 'package.json'));
    for (const dir of ['schema', 'fixtures', 'node_modules']) symlinkSync(join(REPO_ROOT, dir), join(checkout, dir));
    const bin = join(checkout, 'bin', 'sso-setup.cjs');

    const first = await spawnCli(['--version'], { bin, cwd: checkout, timeoutMs: 60_000 });
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(first.stderr).toMatch(/^sso-setup: first run in a source checkout: building dist\/ \(npm run build\) …\nbuilt dist\/cli\//);
    expect(existsSync(join(checkout, 'dist', 'cli', 'sso-setup.cjs'))).toBe(true);

    const second = await spawnCli(['--version'], { bin, cwd: checkout });
    expect(second).toEqual({ exitCode: 0, stdout: first.stdout, stderr: '' });
  }, 90_000);

  it('an installed copy without its build says so in one line and exits 1', async () => {
    const broken = join(tmp, 'broken');
    mkdirSync(broken);
    cpSync(join(REPO_ROOT, 'bin'), join(broken, 'bin'), { recursive: true });
    cpSync(join(REPO_ROOT, 'package.json'), join(broken, 'package.json'));
    const r = await spawnCli(['metadata', 'check', '-'], { bin: join(broken, 'bin', 'sso-setup.cjs') });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^sso-setup: \S+sso-setup\.cjs is missing: this copy of sso-setup was packed without its build\. Reinstall it\.\n$/);
  });
});

describe('the process table', () => {
  const onLinux = process.platform === 'linux' ? it : it.skip;

  onLinux('once it runs, sso-setup shows no argument of its own (a secret passed as a flag) in /proc', async () => {
    // An "Auth0" that accepts the connection and never answers: the run is caught mid-request.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const secret = 'flag-secret-7Qm2Zx9';
    const flags = ['--auth0-domain', `127.0.0.1:${(silent.address() as AddressInfo).port}`, '--auth0-client-id', 'id', '--auth0-client-secret', secret, '--amplitude-org-id', '123456'];
    const child = spawn(process.execPath, ['--', BIN, 'apply', ...flags], { env: baseEnv(), stdio: 'ignore' });
    try {
      await once(silent, 'connection');
      const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
      expect(cmdline.replace(/\0+$/, '')).toBe('sso-setup');
      // What started it is another matter: a shell's command line, or npx's `npm exec … --auth0-client-secret …`
      // and `sh -c` parents, show the flag for the whole run (the warning and the README say so).
    } finally {
      child.kill('SIGKILL');
      await once(child, 'close');
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});
