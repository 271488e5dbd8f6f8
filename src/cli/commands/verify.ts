import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { EXIT, SsoError, type ExitCode } from '../../errors.js';
import { verifySetup, type VerifyDeps, type VerifyReport } from '../../core/verify.js';
import { forEachOrg, shareTenant } from '../../core/fleet.js';
import type { IdpAdmin, SpConnector } from '../../core/ports.js';
import type { FetchLike } from '../../http/client.js';
import { buildAuthnRequest, redirectBindingUrl } from '../../saml/authn-request.js';
import { preloadLoginWalk, webLogin } from '../../login/web-login.js';
import { polisLogin } from '../../sp/polis/login.js';
import { auth0Rules } from '../../idp/auth0/rules.js';
import { spProfileFor } from '../../sp/targets.js';
import type { Context } from '../context.js';
import type { ResolvedConfig } from '../../config/types.js';
import { checkWritable, writeFileAtomic } from '../file-store.js';
import { createServices, createSp, createTenantServices } from '../services.js';
import { loadSetupFleet, type SetupFlags } from '../setup-config.js';
import { FLEET_CONCURRENCY, loadChecker } from './apply.js';
import { style } from '../style.js';

export interface VerifyFlags extends SetupFlags {
  now?: Date;
  warnDays?: number;
  strict?: boolean;
  junit?: string;
  testUser?: string;
  testPasswordFile?: string;
}

/** Env vars for the optional test user (the sandbox's SANDBOX_USER_* work too). */
export const TEST_USER_ENV = { email: 'SSO_SETUP_TEST_USER_EMAIL', password: 'SSO_SETUP_TEST_USER_PASSWORD' } as const;

export async function runVerifyCommand(ctx: Context, flags: VerifyFlags): Promise<ExitCode> {
  const fleet = await loadSetupFleet(ctx, flags);
  const testUser = await resolveTestUser(ctx, flags);
  const options = { ...flags, ...(testUser ? { user: testUser } : {}) };
  if (fleet.form === 'single' && fleet.orgs.length === 1) return verifyWithConfig(ctx, fleet.orgs[0]!, options);
  return verifyOrgs(ctx, fleet.orgs, options);
}

export type VerifyOptions = Pick<VerifyFlags, 'now' | 'warnDays' | 'strict' | 'junit'> & { user?: { email: string; password: string } };

/** Runs the checks and prints the report; shared with `init`. */
export async function verifyWithConfig(ctx: Context, config: ResolvedConfig, flags: VerifyOptions): Promise<ExitCode> {
  // An unwritable report path is a usage error found before any check runs, not after all of them.
  const junitPath = flags.junit === undefined ? undefined : resolve(ctx.cwd, flags.junit);
  if (junitPath) await checkWritable(junitPath, '--junit');
  const started = Date.now();
  const now = flags.now ?? ctx.now();
  const { idp, sp, http } = createServices(ctx, config, undefined);
  const report = await verifySetup(config, verifyDeps(config, idp, sp, http), verifyOptions(flags, now));
  if (junitPath) await writeJunit(ctx, junitPath, [{ name: 'sso-setup verify', report }], flags, now, started, { report });
  if (ctx.output.json) {
    ctx.io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const { renderVerifyTable } = await import('../render/verify-report.js');
    ctx.io.stdout.write(renderVerifyTable(report, style(ctx.output.color), Boolean(flags.strict), ctx.io.stdoutColumns()));
  }
  return report.ok ? EXIT.ok : EXIT.failure;
}

/** Every org of a list: one token, one listing and one signing-key read for all; a report per org. */
async function verifyOrgs(ctx: Context, orgs: ResolvedConfig[], flags: VerifyOptions): Promise<ExitCode> {
  const junitPath = flags.junit === undefined ? undefined : resolve(ctx.cwd, flags.junit);
  if (junitPath) await checkWritable(junitPath, '--junit');
  const started = Date.now();
  const now = flags.now ?? ctx.now();
  const reports: { orgId: string; ok: boolean; checks: VerifyReport['checks'] }[] = [];
  if (orgs.length) {
    const { http, idp } = createTenantServices(ctx, orgs[0]!.auth0, undefined);
    const tenant = shareTenant(idp);
    // The XML Schema step runs one libxml2 worker at a time and validates the documents that wait together
    // (src/saml/schema.ts): the orgs' checks need no queue of their own.
    const checkMetadata = loadChecker;
    const outcomes = await forEachOrg(orgs, tenant, FLEET_CONCURRENCY, (config, orgIdp) =>
      verifySetup(config, { ...verifyDeps(config, orgIdp, createSp(ctx, config, http), http), checkMetadata }, verifyOptions(flags, now)),
    );
    for (const o of outcomes) {
      // verifySetup reports problems as checks; an error here is a bug, reported as the org's failed check.
      const report: VerifyReport = o.ok ? o.value : { ok: false, checks: [{ id: 'credentials', status: 'fail', message: o.error.message, details: { code: o.error.code } }] };
      reports.push({ orgId: o.orgId, ...report });
    }
  }
  const ok = reports.every((r) => r.ok);
  const doc = { ok, orgs: reports };
  if (junitPath) await writeJunit(ctx, junitPath, reports.map((r) => ({ name: `sso-setup verify org ${r.orgId}`, report: r })), flags, now, started, doc);
  if (ctx.output.json) {
    ctx.io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  } else {
    const { renderVerifyTable } = await import('../render/verify-report.js');
    const s = style(ctx.output.color);
    const parts = reports.map((r) => `${s.bold(`org ${r.orgId}`)}\n${renderVerifyTable(r, s, Boolean(flags.strict), ctx.io.stdoutColumns())}`);
    const failed = reports.filter((r) => !r.ok).map((r) => r.orgId);
    parts.push(`${reports.length} org(s): ${reports.length - failed.length} healthy, ${failed.length} need attention${failed.length ? ` (${failed.join(', ')})` : ''}\n`);
    ctx.io.stdout.write(parts.join('\n'));
  }
  return ok ? EXIT.ok : EXIT.failure;
}

export function verifyOptions(flags: VerifyOptions, now: Date) {
  return { now, warnDays: flags.warnDays ?? 30, strict: Boolean(flags.strict), ...(flags.user ? { testUser: flags.user } : {}) };
}

/** The probe and the login of one org, on the run's HTTP client. */
export function verifyDeps(config: ResolvedConfig, idp: IdpAdmin, sp: SpConnector, http: FetchLike): VerifyDeps {
  // The login probe always runs once the metadata is read: load its HTML parser meanwhile.
  preloadLoginWalk();
  // The login pages are on the custom domain when one is set, like the SSO URL the metadata gives.
  const idpOrigin = new URL(config.auth0.samlBaseUrl).origin;
  const spOrigin = new URL(config.sp.acsUrl).origin;
  const delivery = config.sp.delivery;
  return {
    idp,
    idpRules: auth0Rules,
    sp,
    spProfile: spProfileFor(config.sp),
    checkMetadata: loadChecker,
    ...(config.saml.signingCert
      ? { noProbe: 'the SP signs its AuthnRequests and Auth0 checks them with its certificate (signingCert): sso-setup cannot sign as the SP; sso.login checks the round trip' }
      : {}),
    probe: (ssoUrl) => {
      // An AuthnRequest exactly as the SP would send it (its entity ID and ACS).
      const { xml } = buildAuthnRequest({ issuer: config.sp.entityId, acsUrl: config.sp.acsUrl, destination: ssoUrl, nameIdFormat: config.sp.nameIdFormat });
      return webLogin({ http, startUrl: redirectBindingUrl(ssoUrl, xml), allowedOrigins: [idpOrigin] });
    },
    // Polis: the OAuth flow an app runs (authorize, the IdP login, its ACS, the code exchanged, the profile).
    // Any other SP: IdP-initiated, which works with any SP that accepts unsolicited responses, without knowing its login URL.
    login: (clientId, user) =>
      delivery.kind === 'polis'
        ? polisLogin({ http, polis: { url: delivery.url, tenant: delivery.tenant, product: delivery.product, redirectUrl: delivery.redirectUrls[0]! }, user, idpOrigins: [idpOrigin] })
        : webLogin({
        http,
        startUrl: `${config.auth0.samlBaseUrl}/samlp/${encodeURIComponent(clientId)}`,
        credentials: { username: user.email, password: user.password },
        allowedOrigins: [idpOrigin, spOrigin],
      }),
  };
}

async function writeJunit(
  ctx: Context,
  junitPath: string,
  suites: { name: string; report: VerifyReport }[],
  flags: VerifyOptions,
  now: Date,
  started: number,
  report: unknown,
): Promise<void> {
  const { renderJunitSuites } = await import('../render/verify-report.js');
  try {
    await writeFileAtomic(junitPath, ctx.secrets.redact(renderJunitSuites(suites, Boolean(flags.strict), now, Date.now() - started)));
  } catch (error) {
    // The path was writable when the run started. The checks' results still reach the caller.
    const checks = suites.flatMap((x) => x.report.checks);
    const counts = (['pass', 'warn', 'fail', 'skip'] as const).map((st) => `${checks.filter((c) => c.status === st).length} ${st}`).join(', ');
    throw new SsoError('FILE_WRITE_FAILED', `the checks ran (${counts}), but the JUnit report cannot be written to ${junitPath} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      hint: "Check the --junit path; the report is in this error's details under --json.",
      details: report as Record<string, unknown>,
      cause: error,
    });
  }
}

export async function resolveTestUser(ctx: Context, flags: Pick<VerifyFlags, 'testUser' | 'testPasswordFile'>): Promise<{ email: string; password: string } | undefined> {
  const email = flags.testUser ?? ctx.env[TEST_USER_ENV.email] ?? ctx.env.SANDBOX_USER_EMAIL;
  let password = ctx.env[TEST_USER_ENV.password] ?? ctx.env.SANDBOX_USER_PASSWORD;
  if (flags.testPasswordFile) {
    try {
      password = (await readFile(resolve(ctx.cwd, flags.testPasswordFile), 'utf8')).trim();
    } catch (error) {
      throw new SsoError('CONFIG_UNREADABLE', `cannot read --test-password-file ${flags.testPasswordFile} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
        exit: EXIT.usage,
        hint: 'Check the path and its permissions.',
      });
    }
  }
  if (!email && !password) return undefined;
  if (!email || !password) {
    throw new SsoError('CONFIG_INVALID', 'a test user needs both an email and a password', {
      exit: EXIT.usage,
      hint: `Pass --test-user and set ${TEST_USER_ENV.password} (or --test-password-file).`,
    });
  }
  ctx.secrets.add(password);
  return { email, password };
}
