import { runCli, spawnCli } from '../helpers/run-cli.js';

describe('the program', () => {
  it('prints help with examples and exit codes, exit 0', async () => {
    const r = await runCli(['--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Usage: sso-setup');
    expect(r.stdout).toContain('Exit codes:');
  });

  it('rejects an unknown command with exit 2 and a one-line hint', async () => {
    const r = await runCli(['bogus']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("error: unknown command 'bogus'\nRun 'sso-setup --help' for usage.\n");
  });

  it('rejects an unknown flag with exit 2, naming the flag and the help to read', async () => {
    const r = await runCli(['metadata', 'check', 'x.xml', '--frobnicate']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("unknown option '--frobnicate'");
    expect(r.stderr).toContain("Run 'sso-setup metadata check --help' for usage.");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('puts a usage error in one JSON document on stdout under --json', async () => {
    const r = await runCli(['metadata', 'check', 'x.xml', '--warn-days', 'soon', '--json']);
    expect(r.exitCode).toBe(2);
    const doc = JSON.parse(r.stdout) as { error: { code: string; message: string } };
    expect(doc.error.code).toBe('USAGE_INVALID_ARGUMENT');
    expect(doc.error.message).toContain('--warn-days');
  });

  it('works as a spawned process: --version and --help', async () => {
    const v = await spawnCli(['--version']);
    expect(v.exitCode).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const h = await spawnCli(['metadata', 'check', '--help']);
    expect(h.exitCode).toBe(0);
    expect(h.stdout).toContain('Examples:');
  });
});

describe('sso-setup help [command]', () => {
  it('prints the help of that command and exits 0, the same page as <command> --help; alone, the overview', async () => {
    const pairs = [
      [['help'], ['--help']],
      [[], ['--help']],
      [['help', 'apply'], ['apply', '--help']],
      [['help', 'metadata', 'check'], ['metadata', 'check', '--help']],
    ];
    for (const [asked, page] of pairs) {
      // Through the launcher (pages rendered at build time) and in-process (the command itself).
      for (const r of [await spawnCli(asked!), await runCli(asked!)]) {
        expect([asked, r.exitCode, r.stderr]).toEqual([asked, 0, '']);
        expect(r.stdout).toBe((await runCli(page!)).stdout);
      }
    }
    // The description column starts after the longest command name (confirm-upload [options]).
    expect((await runCli(['--help'])).stdout).toMatch(/\n {2}help \[command\.\.\.\] +show the help of a command \(the same as <command> --help\)\n/);
  });

  it('an unknown command is a usage error (exit 2) whose hint lists the commands there are', async () => {
    const r = await spawnCli(['help', 'aply']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("error: unknown command 'aply'\nCommands of 'sso-setup': init, apply, confirm-upload, verify, rotate, destroy, demo, sandbox, metadata; e.g. 'sso-setup help apply'.\n");
    const sub = await runCli(['help', 'metadata', 'chek']);
    expect(sub.exitCode).toBe(2);
    expect(sub.stderr).toContain("Commands of 'sso-setup metadata': check; e.g. 'sso-setup help metadata check'.");
    const leaf = await runCli(['help', 'apply', 'now']);
    expect(leaf.exitCode).toBe(2);
    expect(leaf.stderr).toContain("'sso-setup apply' has no subcommands; see 'sso-setup help apply'.");
  });
});

describe('help pages rendered at build time (dist/cli/help.json)', () => {
  it('are exactly what the program prints, for every command', async () => {
    const { readFileSync } = await import('node:fs');
    const { helpRequests } = await import('../../src/cli/main.js');
    const pages = JSON.parse(readFileSync(new URL('../../dist/cli/help.json', import.meta.url), 'utf8')) as Record<string, string>;
    const requests = helpRequests();
    expect(Object.keys(pages).sort()).toEqual(requests.map((r) => r.join('\u0000')).sort());
    for (const argv of requests) {
      const live = await runCli(argv);
      expect(live.exitCode).toBe(0);
      expect([argv.join(' '), pages[argv.join('\u0000')]]).toEqual([argv.join(' '), live.stdout]);
    }
    expect(requests).toContainEqual(['metadata', 'check', '--help']);
  });

  it('the launcher prints them without loading the CLI, and a stale or missing page falls back to the CLI', async () => {
    const page = await spawnCli(['apply', '--help']);
    expect(page.exitCode).toBe(0);
    expect(page.stdout).toContain('Usage: sso-setup apply [options]');
    const notCached = await spawnCli(['apply', '--help', '--no-color']);
    expect(notCached.exitCode).toBe(0);
    expect(notCached.stdout).toBe(page.stdout);
  });
});
