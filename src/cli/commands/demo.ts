import { EXIT, SsoError, type ExitCode } from '../../errors.js';
import { resolveConfig } from '../../config/resolve.js';
import { startSandbox } from '../../sandbox/index.js';
import { webLogin } from '../../login/web-login.js';
import type { Context } from '../context.js';
import { createProgress } from '../progress.js';
import { applyWithConfig, printApplyResult, reportSteps } from './apply.js';
import { createHttp } from '../services.js';
import { trustCertificateAuthority } from '../../http/agent.js';

/**
 * The whole product in one command, on the built-in sandbox: start a local Auth0 tenant and
 * Amplitude org, run `apply` against them, then sign in as the sandbox user through both (an
 * SP-initiated SAML login over plain HTTP, or https with `--tls`). Exits 0 only when that login succeeded.
 */
export async function runDemoCommand(ctx: Context, flags: { tls?: boolean; customDomain?: boolean } = {}): Promise<ExitCode> {
  const progress = await createProgress(ctx);
  const step = progress.start(`Starting the sandbox: a local Auth0 tenant and a local Amplitude org${flags.tls ? ' over https' : ''}`);
  const sandbox = await startSandbox({ ...(flags.tls ? { tls: true } : {}), ...(flags.customDomain ? { customDomain: true } : {}) });
  // The sandbox's CA is new: trust it in this process (a child would be given NODE_EXTRA_CA_CERTS).
  if (sandbox.tls) await trustCertificateAuthority(sandbox.tls.caPem);
  ctx.secrets.add(sandbox.env.AUTH0_CLIENT_SECRET);
  ctx.secrets.add(sandbox.env.AMPLITUDE_SSO_TOKEN);
  ctx.secrets.add(sandbox.env.SANDBOX_USER_PASSWORD);
  step.done(
    `Sandbox up: Auth0 at ${sandbox.auth0.baseUrl}${sandbox.auth0.customDomain ? ` (custom domain ${sandbox.auth0.customDomain})` : ''}, Amplitude org ${sandbox.amplitude.orgId} at ${sandbox.amplitude.baseUrl}`,
  );
  try {
    // Only the sandbox's values: never the caller's AUTH0_* variables or ./sso-setup.json.
    const { config } = resolveConfig({ env: sandbox.env, flags: {} });
    if (!config) throw new SsoError('DEMO_CONFIG', 'the sandbox produced an incomplete configuration');

    let result;
    try {
      result = await applyWithConfig(ctx, config, { dryRun: false, progress });
    } catch (error) {
      reportSteps(ctx, error);
      throw error;
    }
    if (!ctx.output.json) await printApplyResult(ctx, result, config.sp.name);

    const login = progress.start(`Signing in as ${sandbox.auth0.user.email}: SP-initiated SAML login through both emulators, no browser`);
    const outcome = await webLogin({
      http: createHttp(ctx, progress),
      startUrl: sandbox.amplitude.loginUrl,
      credentials: { username: sandbox.auth0.user.email, password: sandbox.auth0.user.password },
      // With a custom domain the SP sends the person there (the SSO URL of the metadata it holds).
      allowedOrigins: [...new Set([sandbox.auth0.baseUrl, new URL(config.auth0.samlBaseUrl).origin]), sandbox.amplitude.baseUrl],
      onStep: (text) => progress.info(text),
    });
    if (outcome.outcome !== 'signed-in') {
      login.fail();
      const message = outcome.outcome === 'failed' ? outcome.message : 'the flow stopped at the login page';
      throw new SsoError('DEMO_LOGIN_FAILED', `the sandbox login did not succeed: ${message}`, {
        hint: 'This is a bug in sso-setup or its sandbox; run again with --verbose and report it.',
        details: { trail: outcome.trail },
      });
    }
    login.done(`Amplitude accepted the signed assertion (${outcome.trail.length} requests)`);
    const email = outcome.email ?? sandbox.auth0.user.email;
    if (ctx.output.json) {
      ctx.io.stdout.write(`${JSON.stringify({ signedIn: true, email, apply: result, login: { trail: outcome.trail } }, null, 2)}\n`);
    } else {
      ctx.io.stdout.write(`\nsigned in to Amplitude (sandbox) as ${email}\n`);
    }
    return EXIT.ok;
  } finally {
    await sandbox.close();
  }
}
