/**
 * The shell around configuration: finds and reads the config file and secret files (or stdin),
 * calls the pure resolver, prints warnings, and turns errors into one usage error (exit 2) that
 * names every bad field and where its value came from.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SsoError, EXIT } from '../errors.js';
import { ENV, type InputName } from '../config/inputs.js';
import { DEFAULT_CONFIG_FILE, resolveConfig, type ConfigInputs } from '../config/resolve.js';
import type { ConfigDiagnostic, ResolvedConfig } from '../config/types.js';
import { escapeUnsafe } from '../text.js';
import type { Context } from './context.js';

/** Options as commander parsed them for a setup command (apply, verify, destroy, init). */
export type SetupFlags = Partial<Record<InputName, string>>;

export async function loadSetupConfig(ctx: Context, flags: SetupFlags): Promise<ResolvedConfig> {
  const inputs: ConfigInputs = { env: ctx.env, flags };
  const file = await readConfigFile(ctx, flags.config);
  if (file) inputs.file = file;
  const secretFiles: NonNullable<ConfigInputs['secretFiles']> = {};
  if (flags.auth0ClientSecretFile) secretFiles.auth0ClientSecret = await readSecret(ctx, flags.auth0ClientSecretFile, '--auth0-client-secret-file');
  if (flags.amplitudeSsoTokenFile) secretFiles.amplitudeSsoToken = await readSecret(ctx, flags.amplitudeSsoTokenFile, '--amplitude-sso-token-file');
  if (flags.auth0ClientSecretFile === '-' && flags.amplitudeSsoTokenFile === '-') {
    throw new SsoError('CONFIG_STDIN_TWICE', 'only one secret can be read from stdin', { exit: EXIT.usage, hint: 'Read the other one from a file or the environment.' });
  }
  inputs.secretFiles = secretFiles;
  // Register secrets before anything can print them.
  ctx.secrets.add(flags.auth0ClientSecret);
  ctx.secrets.add(ctx.env[ENV.auth0ClientSecret]);
  ctx.secrets.add(ctx.env[ENV.amplitudeSsoToken]);
  ctx.secrets.add(secretFiles.auth0ClientSecret?.value);
  ctx.secrets.add(secretFiles.amplitudeSsoToken?.value);

  const { config, diagnostics } = resolveConfig(inputs);
  for (const d of diagnostics.filter((x) => x.severity === 'warning')) {
    ctx.io.stderr.write(`warning: ${escapeUnsafe(describeDiagnostic(d))}\n`);
  }
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length || !config) {
    const lines = errors.map(describeDiagnostic);
    throw new SsoError('CONFIG_INVALID', errors.length === 1 ? lines[0]! : `${errors.length} configuration problems:`, {
      exit: EXIT.usage,
      hint: 'Fix the values above (flags override env, env overrides the config file).',
      details: { problems: errors },
      ...(errors.length === 1 ? {} : { list: lines }),
    });
  }
  return config;
}

function describeDiagnostic(d: ConfigDiagnostic): string {
  return `${d.field} (${d.origin}): ${d.message}${d.hint ? `. ${d.hint}` : ''}`;
}

async function readConfigFile(ctx: Context, flag: string | undefined): Promise<{ path: string; text: string } | undefined> {
  // An empty variable counts as unset, as every environment variable does.
  const explicit = flag ?? (ctx.env[ENV.config] || undefined);
  const path = resolve(ctx.cwd, explicit ?? DEFAULT_CONFIG_FILE);
  try {
    return { path: explicit ?? DEFAULT_CONFIG_FILE, text: await readFile(path, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !explicit) return undefined; // The default file is optional.
    throw new SsoError('CONFIG_UNREADABLE', `cannot read the config file ${path} (${code ?? 'error'})`, {
      exit: EXIT.usage,
      hint: flag ? 'Check the --config path.' : `Check ${ENV.config}.`,
    });
  }
}

async function readSecret(ctx: Context, path: string, flag: string): Promise<{ value: string; origin: string }> {
  if (path === '-') {
    if (ctx.io.isStdinTTY) {
      throw new SsoError('CONFIG_STDIN_TTY', `${flag} - reads the secret from stdin, but stdin is a terminal`, {
        exit: EXIT.usage,
        hint: `Pipe it in, e.g. \`printenv SECRET | sso-setup … ${flag} -\`.`,
      });
    }
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.io.stdin) chunks.push(Buffer.from(chunk as Buffer));
    return { value: Buffer.concat(chunks).toString('utf8').trim(), origin: 'stdin' };
  }
  try {
    return { value: (await readFile(resolve(ctx.cwd, path), 'utf8')).trim(), origin: `${flag} ${path}` };
  } catch (error) {
    throw new SsoError('CONFIG_UNREADABLE', `cannot read ${flag} ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      exit: EXIT.usage,
      hint: 'Check the path and its permissions.',
    });
  }
}
