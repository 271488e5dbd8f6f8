/**
 * The shell around configuration: finds and reads the config file and secret files (or stdin),
 * calls the pure resolver, prints warnings, and turns errors into one usage error (exit 2) that
 * names every bad field and where its value came from.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SsoError, EXIT, usageError } from '../errors.js';
import { selectOrgs, type Shard } from '../core/fleet.js';
import { ENV, type FlagValues } from '../config/inputs.js';
import { DEFAULT_CONFIG_FILE, resolveFleet, spMetadataSource, type ConfigInputs } from '../config/resolve.js';
import type { ConfigDiagnostic, Fleet, ResolvedConfig } from '../config/types.js';
import { escapeUnsafe } from '../text.js';
import type { Context } from './context.js';

/** Options as commander parsed them for a setup command (apply, verify, destroy, init). */
export type SetupFlags = FlagValues & {
  /** `--only ORG_ID`, repeatable: the orgs to handle. */
  only?: string[];
  /** `--shard K/N`: this runner's share of the orgs (./core/fleet.ts `shardOf`). */
  shard?: Shard;
};

/** The configured orgs (`form` as configured) and those this run handles (`--only`, `--shard`). */
export interface LoadedFleet extends Fleet {
  /** Every configured org, before selection. */
  configured: number;
}

/** One org's configuration, for commands that handle one (`confirm-upload`): `--only` picks it from a list. */
export async function loadSetupConfig(ctx: Context, flags: SetupFlags): Promise<ResolvedConfig> {
  const fleet = await loadSetupFleet(ctx, flags);
  if (fleet.orgs.length !== 1) {
    throw usageError(
      'CONFIG_INVALID',
      fleet.orgs.length ? `this command handles one org, and ${fleet.orgs.length} are selected` : 'no org is selected',
      `Name one with --only ORG_ID (configured: ${fleet.configured}).`,
    );
  }
  return fleet.orgs[0]!;
}

export async function loadSetupFleet(ctx: Context, flags: SetupFlags): Promise<LoadedFleet> {
  const inputs: ConfigInputs = { env: ctx.env, flags };
  const file = await readConfigFile(ctx, flags.config);
  if (file) inputs.file = file;
  const secretFiles: NonNullable<ConfigInputs['secretFiles']> = {};
  if ([flags.auth0ClientSecretFile, flags.amplitudeSsoTokenFile, flags.spMetadata].filter((v) => v === '-').length > 1) {
    throw new SsoError('CONFIG_STDIN_TWICE', 'only one of the secrets and the SP metadata can be read from stdin', { exit: EXIT.usage, hint: 'Read the others from a file or the environment.' });
  }
  if (flags.auth0ClientSecretFile) secretFiles.auth0ClientSecret = await readSecret(ctx, flags.auth0ClientSecretFile, '--auth0-client-secret-file');
  if (flags.amplitudeSsoTokenFile) secretFiles.amplitudeSsoToken = await readSecret(ctx, flags.amplitudeSsoTokenFile, '--amplitude-sso-token-file');
  inputs.secretFiles = secretFiles;
  // Register secrets before anything can print them.
  ctx.secrets.add(flags.auth0ClientSecret);
  ctx.secrets.add(ctx.env[ENV.auth0ClientSecret]);
  ctx.secrets.add(ctx.env[ENV.amplitudeSsoToken]);
  // Each org's own token (AMPLITUDE_SSO_TOKEN_<orgId>).
  for (const [name, value] of Object.entries(ctx.env)) if (name.startsWith(`${ENV.amplitudeSsoToken}_`)) ctx.secrets.add(value);
  ctx.secrets.add(secretFiles.auth0ClientSecret?.value);
  ctx.secrets.add(secretFiles.amplitudeSsoToken?.value);
  ctx.secrets.add(ctx.env[ENV.polisApiKey]);

  // A generic SP or Polis is described by its SP metadata: read and checked before resolving.
  const spSource = spMetadataSource(inputs);
  if (spSource) {
    const { loadSpMetadata } = await import('./sp-metadata.js');
    inputs.spMetadata = await loadSpMetadata(ctx, spSource);
  }

  const { fleet, diagnostics } = resolveFleet(inputs);
  for (const d of diagnostics.filter((x) => x.severity === 'warning')) {
    ctx.io.stderr.write(`warning: ${escapeUnsafe(describeDiagnostic(d))}\n`);
  }
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length || !fleet) {
    const lines = errors.map(describeDiagnostic);
    throw new SsoError('CONFIG_INVALID', errors.length === 1 ? lines[0]! : `${errors.length} configuration problems:`, {
      exit: EXIT.usage,
      hint: 'Fix the values above (flags override env, env overrides the config file).',
      details: { problems: errors },
      ...(errors.length === 1 ? {} : { list: lines }),
    });
  }
  return { ...fleet, orgs: selectOrgs(fleet.orgs, { ...(flags.only ? { only: flags.only } : {}), ...(flags.shard ? { shard: flags.shard } : {}) }), configured: fleet.orgs.length };
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
