/**
 * `sso-setup init`: the first run, by a person in a terminal. Questions that are hard to answer
 * wrong (each checked at once), then the same plan as `apply --dry-run`, a confirmation, the same
 * run as `apply`, the manual upload walked through, and `verify`. The answers, without secrets,
 * are written to sso-setup.json so CI can replay them with `sso-setup apply`.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { configFileFor, listedOrgIds, orgView, type SetupAnswers } from '../../config/config-file.js';
import { ENV } from '../../config/inputs.js';
import { DEFAULT_AMPLITUDE_BASE_URL, DEFAULT_APP_NAME, DEFAULT_CONFIG_FILE, orgTokenEnv, resolveConfig } from '../../config/resolve.js';
import type { RawConfig, ResolvedConfig } from '../../config/types.js';
import { requireScopes, shortFingerprint, type ApplyResult } from '../../core/apply.js';
import { EXIT, SsoError, type ExitCode } from '../../errors.js';
import { checkSetting } from '../../config/validate.js';
import { auth0BaseUrl, loopbackTlsFrom } from '../../idp/auth0/domain.js';
import { createAuth0Admin } from '../../idp/auth0/management.js';
import { auth0Rules } from '../../idp/auth0/rules.js';
import { grantHint, SCOPES } from '../../idp/auth0/scopes.js';
import { probeTenant } from '../../idp/auth0/tenant-probe.js';
import { amplitudeUploadSteps } from '../../sp/amplitude/profile.js';
import { confirmUploadCommand } from '../../sp/manual-delivery.js';
import { parseAmplitudeSpUrl } from '../../sp/amplitude/urls.js';
import { capitalised } from '../../text.js';
import type { Context } from '../context.js';
import { canPrompt } from '../io.js';
import { withInterruptNotice } from '../interrupt.js';
import { createProgress } from '../progress.js';
import { createPrompter, type Prompter } from '../prompter.js';
import { writeFileAtomic } from '../file-store.js';
import { createHttp } from '../services.js';
import type { SetupFlags } from '../setup-config.js';
import { style, type Style } from '../style.js';
import { applyWithConfig, reportSteps } from './apply.js';
import { confirmWithConfig } from './confirm-upload.js';
import { resolveTestUser, verifyWithConfig } from './verify.js';

/** What init needs to create and maintain the setup (verify's read:signing_keys is recommended). */
const INIT_SCOPES = [SCOPES.readClients, SCOPES.createClients, SCOPES.updateClients];

export async function runInitCommand(ctx: Context, flags: SetupFlags): Promise<ExitCode> {
  if (!canPrompt(ctx.io)) {
    throw new SsoError('NOT_INTERACTIVE', `init is an interactive wizard and needs a terminal${ctx.io.ci ? ' (CI is set)' : ''}`, {
      exit: EXIT.usage,
      hint: 'In scripts and CI use `sso-setup apply` with flags, environment variables or sso-setup.json (see `sso-setup apply --help`).',
    });
  }
  const s = style(ctx.output.color);
  const prompter = createPrompter(ctx);
  const configPath = flags.config ?? (ctx.env[ENV.config] || DEFAULT_CONFIG_FILE);
  const previous = await readPrevious(ctx, configPath);
  // The wizard asks Amplitude's questions: a file (or flags) wiring another SP is apply's to handle.
  const other = flags.spMetadata !== undefined || previous?.sp !== undefined ? 'a SAML SP from its metadata (sp)' : flags.polisUrl !== undefined || previous?.polis !== undefined ? 'Ory Polis (polis)' : undefined;
  if (other) {
    throw new SsoError('INIT_UNSUPPORTED_SP', `init sets up Amplitude, and ${flags.spMetadata !== undefined || flags.polisUrl !== undefined ? 'the flags wire' : `${configPath} wires`} ${other}`, {
      exit: EXIT.usage,
      hint: 'Use `sso-setup apply` (then `verify`) for other SAML apps (README: Other SAML apps), or give init another --config.',
    });
  }
  const say = (text = '') => ctx.io.stderr.write(`${text}\n`);
  const http = createHttp(ctx, undefined, 8_000);

  // A cancelled wizard leaves nothing a re-run does not repair; say how to resume.
  try {
    say(s.bold('sso-setup init: single sign-on from Auth0 to Amplitude'));
    say(`Answers come back as defaults next time${previous ? ` (read from ${configPath})` : ''}. Ctrl-C stops at any point.\n`);

    const domain = await askDomain(ctx, prompter, http, flags.auth0Domain ?? previous?.auth0?.domain ?? ctx.env[ENV.auth0Domain], say, s);
    const baseUrl = auth0BaseUrl(domain, loopbackTlsFrom(ctx.env));
    const creds = await askCredentials(ctx, prompter, http, { domain, baseUrl }, flags, previous, say, s);
    // A list config (amplitude.orgs): the wizard sets up one org of it, or adds one; the other
    // entries stay as they are. `view` is that org seen as the one-org form (the list's defaults filled in).
    const listed = listedOrgIds(previous);
    const picked = listed ? await askListedOrg(prompter, flags, listed, configPath) : undefined;
    let view = listed ? orgView(previous!, picked) : previous;
    const org = picked ? { orgId: picked, baseUrl: view!.amplitude!.baseUrl! } : await askOrg(ctx, prompter, flags, view);
    if (listed && !picked) view = orgView(previous!, org.orgId);
    const delivery = await askDelivery(ctx, prompter, flags, view, org);
    const appName = flags.appName ?? (await prompter.input('Name of the Auth0 application', { default: view?.application?.name ?? DEFAULT_APP_NAME, validate: (v) => validAnswer('application.name', v) }));
    const connections = await askConnections(prompter, creds, flags, view, say, s);
    const customDomain = flags.auth0CustomDomain ?? (ctx.env[ENV.auth0CustomDomain] || undefined) ?? previous?.auth0?.customDomain;

    const answers: SetupAnswers = {
      domain,
      ...(customDomain ? { customDomain: normalizeDomainAnswer(customDomain) } : {}),
      clientId: creds.clientId,
      orgId: org.orgId,
      baseUrl: org.baseUrl,
      delivery: delivery.kind,
      ...(delivery.kind === 'endpoint' ? { ssoEndpoint: delivery.url } : {}),
      ...(delivery.kind === 'manual' && view?.amplitude?.metadataFile ? { metadataFile: view.amplitude.metadataFile } : {}),
      appName,
      ...(connections ? { connections } : {}),
    };
    const config = resolveAnswers(answers, creds.clientSecret, delivery.kind === 'endpoint' ? delivery.token : undefined, view);
    config.auth0.origins = { domain: 'prompt', ...creds.origins };

    say('');
    const plan = await applyWithConfig(ctx, config, { dryRun: true });
    // The steps left to the person are shown once, when they are due (after the apply).
    ctx.io.stderr.write(await renderResult(ctx, plan));
    const converged = !plan.changed && plan.idp.action === 'none' && (plan.connections?.action ?? 'none') === 'none' && plan.sp.action === 'none';
    await writeConfig(ctx, configPath, configFileFor(answers, previous ?? {}));
    say(`${s.green('✔')} Saved your answers (no secrets) to ${configPath}`);

    let result: ApplyResult | undefined;
    if (converged) {
      say(
        plan.manualSteps?.length
          ? `${s.green('✔')} Auth0 and the saved metadata file are in sync: nothing to change there. The upload in Amplitude is not confirmed yet.`
          : `${s.green('✔')} Everything is already set up and in sync: nothing to change.`,
      );
    } else if (plan.idp.clientId) {
      const choice = await prompter.select(
        `An Auth0 application for Amplitude org ${org.orgId} already exists (${plan.idp.clientId}). What now?`,
        [
          { value: 'repair', name: 'Repair it: apply the plan above' },
          { value: 'leave', name: 'Leave it as it is' },
        ],
        'repair',
      );
      if (choice === 'repair') result = await applyNow(ctx, config);
      else say('Left as it is. Run `sso-setup apply` whenever you want to bring it in line.');
    } else {
      if (!(await prompter.confirm('Apply this plan?', true))) throw new SsoError('CANCELLED', 'nothing was changed', { exit: EXIT.cancelled, hint: 'Run `sso-setup init` again when you are ready.' });
      result = await applyNow(ctx, config);
    }

    // What is left to the person: after this run, or as it stood when nothing needed to change.
    const latest = result ?? (converged ? plan : undefined);
    if (latest?.manualSteps?.length) await walkThroughUpload(ctx, config, prompter, latest, say, s);

    let exit: ExitCode = EXIT.ok;
    if (await prompter.confirm('Run `sso-setup verify` now?', true)) {
      say('');
      const user = await resolveTestUser(ctx, {});
      exit = await verifyWithConfig(ctx, config, user ? { user } : {});
    }
    printCiHelp(ctx, configPath, config, listed !== undefined, s);
    return exit;
  } catch (error) {
    if (error instanceof SsoError && error.exit === EXIT.cancelled) {
      throw new SsoError('CANCELLED', error.message === 'cancelled' ? 'init was cancelled' : error.message, {
        exit: EXIT.cancelled,
        hint: error.hint ?? 'Nothing is left half-done: run `sso-setup init` again to resume (a run repairs whatever a previous one left).',
      });
    }
    throw error;
  }
}

async function applyNow(ctx: Context, config: ResolvedConfig): Promise<ApplyResult> {
  try {
    const progress = await createProgress(ctx);
    const result = await withInterruptNotice(ctx, 'run `sso-setup init` again to resume.', () => applyWithConfig(ctx, config, { dryRun: false, progress }));
    // The steps left to the person are walked through next, one at a time.
    ctx.io.stderr.write(await renderResult(ctx, result));
    return result;
  } catch (error) {
    reportSteps(ctx, error);
    throw error;
  }
}

async function askDomain(
  ctx: Context,
  prompter: Prompter,
  http: ReturnType<typeof createHttp>,
  initial: string | undefined,
  say: (t?: string) => void,
  s: Style,
): Promise<string> {
  let value = initial;
  for (;;) {
    const answer = await prompter.input('Auth0 domain (e.g. acme.us.auth0.com)', { ...(value ? { default: value } : {}), validate: validDomain });
    const domain = normalizeDomainAnswer(answer);
    const probe = await probeTenant(auth0BaseUrl(domain, loopbackTlsFrom(ctx.env)), http);
    if (probe.ok) {
      say(`${s.green('✔')} ${domain} answers like an Auth0 tenant`);
      return domain;
    }
    say(`${s.red('✖')} ${probe.reason}`);
    value = domain;
  }
}

async function askCredentials(
  ctx: Context,
  prompter: Prompter,
  http: ReturnType<typeof createHttp>,
  tenant: { domain: string; baseUrl: string },
  flags: SetupFlags,
  previous: RawConfig | undefined,
  say: (t?: string) => void,
  s: Style,
): Promise<Credentials> {
  const envId = ctx.env[ENV.auth0ClientId];
  const envSecret = ctx.env[ENV.auth0ClientSecret];
  let offerEnv = Boolean(envId && envSecret);
  let clientId = flags.auth0ClientId ?? previous?.auth0?.clientId ?? envId;
  for (;;) {
    let secret: string;
    // Where the values came from, so a refusal points at them (not at variables nobody set).
    let origins = { clientId: 'prompt', clientSecret: 'prompt' };
    if (offerEnv && (await prompter.confirm(`Use the Management API credentials in ${ENV.auth0ClientId} (${envId}) and ${ENV.auth0ClientSecret}?`, true))) {
      clientId = envId!;
      secret = envSecret!;
      origins = { clientId: `env ${ENV.auth0ClientId}`, clientSecret: `env ${ENV.auth0ClientSecret}` };
    } else {
      offerEnv = false;
      say(s.dim('A machine-to-machine application authorised for the Auth0 Management API (Applications > APIs > Auth0 Management API).'));
      clientId = await prompter.input('Management API client ID', { ...(clientId ? { default: clientId } : {}), validate: (v) => validAnswer('auth0.clientId', v.trim()) });
      secret = await prompter.secret('Management API client secret (hidden)', { validate: (v) => (v.trim() ? true : 'Paste the client secret.') });
    }
    ctx.secrets.add(secret);
    const admin = createAuth0Admin({ ...tenant, clientId: clientId.trim(), clientSecret: secret.trim(), origins: { domain: 'prompt', ...origins } }, http, ctx.secrets);
    try {
      const session = await admin.connect();
      requireScopes(auth0Rules, session.scopes, INIT_SCOPES, 'set up SSO');
      say(`${s.green('✔')} Credentials work: ${session.scopes.length} scopes granted`);
      if (session.scopes.length && !session.scopes.includes(SCOPES.readSigningKeys)) {
        say(`${s.yellow('!')} Without ${SCOPES.readSigningKeys}, \`verify\` cannot warn about signing-key rotations.`);
      }
      return { clientId: clientId.trim(), clientSecret: secret.trim(), origins, admin, scopes: session.scopes };
    } catch (error) {
      if (!(error instanceof SsoError)) throw error;
      say(`${s.red('✖')} ${error.message}`);
      if (error.hint) say(`  ${error.hint}`);
      if (error.code === 'AUTH0_MISSING_SCOPE') {
        for (;;) {
          const next = await prompter.select(
            'What now?',
            [
              { value: 'retry', name: 'I have granted the scopes: try again' },
              { value: 'other', name: 'Enter other credentials' },
            ],
            'retry',
          );
          if (next === 'other') break;
          // Same credentials again: nothing to re-type.
          const scopes = await retrySame(admin, say, s);
          if (scopes) return { clientId: clientId.trim(), clientSecret: secret.trim(), origins, admin, scopes };
        }
        offerEnv = false;
        continue;
      }
      if (error.code === 'AUTH0_UNREACHABLE' || error.code === 'AUTH0_TIMEOUT') throw error;
      offerEnv = false;
    }
  }
}

/** Re-tries the same credentials until the scopes are granted or the person gives up: the granted scopes, or undefined. */
async function retrySame(admin: ReturnType<typeof createAuth0Admin>, say: (t?: string) => void, s: Style): Promise<string[] | undefined> {
  try {
    const session = await admin.connect();
    requireScopes(auth0Rules, session.scopes, INIT_SCOPES, 'set up SSO');
    say(`${s.green('✔')} Credentials work: ${session.scopes.length} scopes granted`);
    return session.scopes;
  } catch (error) {
    if (!(error instanceof SsoError)) throw error;
    say(`${s.red('✖')} ${error.message}`);
    if (error.hint) say(`  ${error.hint}`);
    return undefined;
  }
}

interface Credentials {
  clientId: string;
  clientSecret: string;
  origins: { clientId: string; clientSecret: string };
  /** Connected with these credentials: the wizard reads the tenant's connections through it. */
  admin: ReturnType<typeof createAuth0Admin>;
  scopes: string[];
}

/**
 * The connections that may sign in to Amplitude, chosen from the tenant's (the saved answer
 * pre-selected). None selected: sso-setup leaves the application's connections as they are.
 */
async function askConnections(
  prompter: Prompter,
  creds: Credentials,
  flags: SetupFlags,
  previous: RawConfig | undefined,
  say: (t?: string) => void,
  s: Style,
): Promise<string[] | undefined> {
  if (flags.connection?.length) return flags.connection;
  const saved = previous?.application?.connections;
  const granted = (scope: string) => creds.scopes.length === 0 || creds.scopes.includes(scope);
  if (!granted(SCOPES.readConnections)) {
    say(`${s.yellow('!')} Without ${SCOPES.readConnections}, the wizard cannot offer the tenant's connections${saved ? '; keeping the saved ones' : ': they are left as they are'}.`);
    return saved;
  }
  const tenant = await creds.admin.listConnections();
  if (tenant.length === 0) {
    say(`${s.yellow('!')} The tenant has no connection yet: create one in Auth0 > Authentication, or nobody can sign in to Amplitude.`);
    return undefined;
  }
  const chosen = await prompter.multiSelect(
    'Connections that may sign in to Amplitude (space selects; none selected: leave them as they are)',
    tenant.map((c) => ({ value: c.name, name: `${c.name} (${c.strategy})` })),
    saved ?? [],
  );
  if (chosen.length && !granted(SCOPES.updateConnections)) {
    say(`${s.yellow('!')} Enabling the application on them needs ${SCOPES.updateConnections}: ${grantHint([SCOPES.updateConnections])}`);
  }
  return chosen.length ? chosen : undefined;
}

/** Which org of a list config to set up (a flag's org ID picks it, or adds it); undefined: add one. */
async function askListedOrg(prompter: Prompter, flags: SetupFlags, listed: string[], configPath: string): Promise<string | undefined> {
  if (flags.amplitudeOrgId) return listed.includes(flags.amplitudeOrgId) ? flags.amplitudeOrgId : undefined;
  const ADD = '';
  const choice = await prompter.select(
    `${configPath} lists ${listed.length} Amplitude org${listed.length === 1 ? '' : 's'}. Which one do you want to set up?`,
    [...listed.map((orgId) => ({ value: orgId, name: `Org ${orgId}` })), { value: ADD, name: 'Add another org to the list' }],
    listed[0]!,
  );
  return choice === ADD ? undefined : choice;
}

async function askOrg(ctx: Context, prompter: Prompter, flags: SetupFlags, previous: RawConfig | undefined): Promise<{ orgId: string; baseUrl: string }> {
  const knownBase = flags.amplitudeBaseUrl ?? ctx.env[ENV.amplitudeBaseUrl] ?? previous?.amplitude?.baseUrl;
  let orgId = flags.amplitudeOrgId;
  let baseUrl = knownBase;
  if (!orgId) {
    const answer = await prompter.input('Amplitude org ID, or paste the ACS URL from Amplitude > Settings > Organization settings > Access & SSO Settings', {
      ...((previous?.amplitude?.orgId ?? ctx.env[ENV.amplitudeOrgId]) ? { default: previous?.amplitude?.orgId ?? ctx.env[ENV.amplitudeOrgId] } : {}),
      validate: (v) => {
        const fromUrl = parseAmplitudeSpUrl(v);
        if (!fromUrl) return validAnswer('amplitude.orgId', v.trim());
        const org = validAnswer('amplitude.orgId', fromUrl.orgId);
        return org === true ? validAnswer('amplitude.baseUrl', fromUrl.baseUrl) : org;
      },
    });
    const fromUrl = parseAmplitudeSpUrl(answer);
    orgId = fromUrl?.orgId ?? answer.trim();
    if (fromUrl) baseUrl = fromUrl.baseUrl;
  }
  if (!baseUrl) {
    const where = await prompter.select(
      'Where is your Amplitude organisation hosted?',
      [
        { value: 'us', name: `US: ${DEFAULT_AMPLITUDE_BASE_URL}` },
        { value: 'other', name: 'Another data centre (e.g. EU): enter its base URL' },
      ],
      'us',
    );
    baseUrl =
      where === 'us'
        ? DEFAULT_AMPLITUDE_BASE_URL
        : new URL((await prompter.input('Amplitude base URL (https://…)', { validate: (v) => validAnswer('amplitude.baseUrl', v.trim()) })).trim()).origin;
  }
  return { orgId, baseUrl: baseUrl.replace(/\/+$/, '') };
}

async function askDelivery(
  ctx: Context,
  prompter: Prompter,
  flags: SetupFlags,
  previous: RawConfig | undefined,
  org: { orgId: string; baseUrl: string },
): Promise<{ kind: 'manual' } | { kind: 'endpoint'; url: string; token: string }> {
  const knownEndpoint = flags.amplitudeSsoEndpoint ?? previous?.amplitude?.ssoEndpoint ?? ctx.env[ENV.amplitudeSsoEndpoint];
  const kind =
    (flags.delivery as 'endpoint' | 'manual' | undefined) ??
    (await prompter.select<'manual' | 'endpoint'>(
      'How should the IdP metadata reach Amplitude?',
      [
        { value: 'manual', name: "Manual upload in Amplitude's settings (Amplitude has no public API for this)", description: 'sso-setup saves the file and walks you through the upload' },
        { value: 'endpoint', name: 'Push it to an SP settings endpoint (the sandbox, a proxy, or a future API)' },
      ],
      previous?.amplitude?.delivery ?? (knownEndpoint ? 'endpoint' : 'manual'),
    ));
  if (kind === 'manual') return { kind };
  const url = await prompter.input('SP settings endpoint URL', {
    default: knownEndpoint ?? `${org.baseUrl}/api/2/orgs/${org.orgId}/sso/saml`,
    validate: (v) => validAnswer('amplitude.ssoEndpoint', v.trim()),
  });
  // The org's own variable first, as apply reads them.
  const tokenVar = ctx.env[orgTokenEnv(org.orgId)] ? orgTokenEnv(org.orgId) : ENV.amplitudeSsoToken;
  const envToken = ctx.env[tokenVar];
  const token =
    envToken && (await prompter.confirm(`Use the token in ${tokenVar}?`, true))
      ? envToken
      : await prompter.secret('SP settings endpoint token (hidden)', { validate: (v) => (v.trim() ? true : 'Paste the token.') });
  return { kind, url: url.trim(), token: token.trim() };
}

function resolveAnswers(answers: SetupAnswers, clientSecret: string, ssoToken: string | undefined, previous: RawConfig | undefined): ResolvedConfig {
  const file = configFileFor(answers, previous ?? {});
  const { config, diagnostics } = resolveConfig({
    env: {},
    flags: {},
    file: { path: DEFAULT_CONFIG_FILE, text: JSON.stringify(file) },
    secretFiles: {
      auth0ClientSecret: { value: clientSecret, origin: 'prompt' },
      ...(ssoToken ? { amplitudeSsoToken: { value: ssoToken, origin: 'prompt' } } : {}),
    },
  });
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (!config || errors.length) {
    throw new SsoError('CONFIG_INVALID', errors.map((d) => `${d.field}: ${d.message}`).join('; ') || 'incomplete answers', { exit: EXIT.usage });
  }
  return config;
}

/**
 * The upload in Amplitude, by the person, then their answer. "Yes" records a confirmation of the
 * certificate handed over (verify's sp.trust then passes); the default is No, which leaves the
 * state "handed over, upload not confirmed" and says how to confirm later.
 */
async function walkThroughUpload(
  ctx: Context,
  config: ResolvedConfig,
  prompter: Prompter,
  result: ApplyResult,
  say: (t?: string) => void,
  s: Style,
): Promise<void> {
  const certificate = result.sp.upload?.certificate;
  const steps = amplitudeUploadSteps(config.sp.baseUrl, result.sp.target);
  const show = () => steps.forEach((line, i) => say(`  ${i + 1}. ${line}`));
  say('');
  say(s.bold('Now the part Amplitude does not let a program do. In Amplitude:'));
  show();
  for (;;) {
    if (await prompter.confirm('Have you uploaded the file and clicked Save?', false)) {
      if (certificate) {
        const { upload } = await confirmWithConfig(ctx, config, certificate);
        say(`${s.green('✔')} Recorded: you confirmed uploading certificate ${shortFingerprint(upload.certificate)} in Amplitude.`);
      }
      say(s.dim('Test a login in a private window before turning on "Require SSO", and keep one admin who can sign in with a password.'));
      return;
    }
    const next = await prompter.select(
      'Not confirmed. What now?',
      [
        { value: 'wait', name: 'Show the steps again and wait' },
        { value: 'later', name: 'I will upload it later' },
      ],
      'wait',
    );
    if (next === 'later') {
      say(`${s.yellow('!')} Not confirmed: until you confirm the upload, \`sso-setup verify\` warns on sp.trust (handed over, upload not confirmed).`);
      say(`  Once the file is uploaded, record it with: ${certificate ? confirmUploadCommand(certificate) : 'sso-setup confirm-upload --fingerprint <the certificate apply printed>'}`);
      say(s.dim('  (A `verify` whose test-user login succeeds proves the upload too.)'));
      return;
    }
    show();
  }
}

function printCiHelp(ctx: Context, configPath: string, config: ResolvedConfig, list: boolean, s: Style): void {
  const orgId = config.sp.id;
  const spToken = list ? `${orgTokenEnv(orgId)} (or the shared ${ENV.amplitudeSsoToken})` : ENV.amplitudeSsoToken;
  const secrets = [ENV.auth0ClientSecret, ...(config.sp.delivery.kind === 'endpoint' ? [spToken] : [])];
  const lines = [
    '',
    s.bold('Replay this setup in CI (safe to run every day):'),
    `  sso-setup apply --config ${configPath}${list ? `   (every org of the list; this one only: --only ${orgId})` : ''}`,
    `  with the secret${secrets.length > 1 ? 's' : ''} in the environment: ${secrets.join(', ')}`,
    'Watch it on a schedule (exit 1 when SSO is broken or about to break):',
    `  sso-setup verify --config ${configPath} --junit sso-verify.xml`,
    '',
  ];
  ctx.io.stdout.write(`${lines.join('\n')}\n`);
}

/** Plan and result on stderr, right under the progress lines; the manual steps come in the walk-through. */
async function renderResult(ctx: Context, result: ApplyResult): Promise<string> {
  const { renderApplyResult } = await import('../render/apply-result.js');
  return renderApplyResult(result, style(ctx.output.color), { manualSteps: 'walkthrough', stepsShownAbove: true });
}

async function readPrevious(ctx: Context, path: string): Promise<RawConfig | undefined> {
  let text: string;
  try {
    text = await readFile(resolve(ctx.cwd, path), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const data = JSON.parse(text) as unknown;
    return typeof data === 'object' && data !== null ? (data as RawConfig) : undefined;
  } catch {
    throw new SsoError('CONFIG_INVALID', `${path} is not valid JSON`, { exit: EXIT.usage, hint: `Fix or remove ${path}, then run init again.` });
  }
}

async function writeConfig(ctx: Context, path: string, config: RawConfig): Promise<void> {
  const target = resolve(ctx.cwd, path);
  try {
    await writeFileAtomic(target, ctx.secrets.redact(`${JSON.stringify(config, null, 2)}\n`));
  } catch (error) {
    throw new SsoError('FILE_WRITE_FAILED', `cannot write the config file ${target} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      hint: 'Choose a writable path with --config.',
      cause: error,
    });
  }
}

function normalizeDomainAnswer(v: string): string {
  return v.trim().replace(/^https?:\/\//i, '').replace(/\/+$/, '').toLowerCase();
}

/** The wizard checks each answer with the same schema rule as the config file, flags and env. */
function validAnswer(path: string, value: string): true | string {
  const problem = checkSetting(path, value);
  return problem === undefined ? true : `${capitalised(problem)}.`;
}

function validDomain(v: string): true | string {
  // A pasted URL is welcome (https, or http for a loopback sandbox): the schema's host rule says which.
  return validAnswer('auth0.domain', v.trim().replace(/\/+$/, ''));
}


