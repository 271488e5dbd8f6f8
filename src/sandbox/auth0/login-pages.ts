/**
 * The HTML a browser sees during a sandbox login: Auth0's New Universal Login "login" page (user and
 * password on one page) and its error page. The login page has the markup of a real one (see
 * fixtures/login/auth0-ul-login-2023.html): a primary form (`data-form-primary`) without an
 * `action`, so it posts back to `/u/login?state=…`; `state` hidden; a hidden first submit button
 * `name="action" value="default"` (what Enter sends); `username` and `password` inputs; a
 * `type="button"` password toggle; the visible Continue button. Scripted logins therefore meet the
 * same form rules against the sandbox as against Auth0. The page offers the application's enabled
 * connections, as the real one does: the primary form when a database connection is enabled, and
 * a secondary "Continue with …" form (`data-form-secondary`, hidden `connection`) per other one.
 */
import { escapeHtml } from '../http-kit.js';

/** What the login page offers: the application's enabled connections. */
export interface LoginChoices {
  /** A database connection is enabled: the page shows the user and password form. */
  database: boolean;
  /** The database connection holding the sandbox user is one of them. */
  userConnection: boolean;
  /** Other (social, enterprise) connections: one "Continue with …" form each. */
  others: { name: string; strategy: string }[];
}

export interface LoginPageModel extends LoginChoices {
  state: string;
  tenantName: string;
  applicationName: string;
  /** Prefilled username after a failed attempt. */
  username?: string;
  error?: string;
}

export function renderLoginPage(m: LoginPageModel): string {
  const state = escapeHtml(m.state);
  const error = m.error
    ? `
                    <span id="error-element-password" class="ulp-input-error-message" data-error-code="wrong-credentials">${escapeHtml(m.error)}</span>`
    : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <meta name="robots" content="noindex, nofollow" />
  <title>Log in | ${escapeHtml(m.tenantName)}</title>
</head>
<body class="_widget-auto-layout">
<main class="_widget login">
  <section class="_prompt-box-outer">
    <div>
      <header>
        <h1>Welcome</h1>
        <div>
          <p>Log in to ${escapeHtml(m.tenantName)} to continue to ${escapeHtml(m.applicationName)}.</p>
        </div>
      </header>
      <div>${m.database ? primaryForm(state, m, error) : ''}${m.others.map((c) => secondaryForm(state, c)).join('')}
      </div>
    </div>
    <p><small>sso-setup sandbox: a local emulation of an Auth0 tenant.</small></p>
  </section>
</main>
</body>
</html>
`;
}

/** The user and password form (Universal Login's primary form). */
function primaryForm(state: string, m: LoginPageModel, error: string): string {
  return `
        <form method="POST" class="_form-login" data-form-primary="true">
          <input type="hidden" name="state" value="${state}" />
          <div style="visibility: hidden !important; position: absolute !important" aria-hidden="true">
            <button type="submit" name="action" value="default" aria-hidden="true" tabindex="-1">Continue</button>
          </div>
          <div class="input-wrapper _input-wrapper">
            <label class="no-js" for="username">Email address</label>
            <input class="input" inputMode="email" name="username" id="username" type="text" value="${escapeHtml(m.username ?? '')}" required autoComplete="username" autoCapitalize="none" spellCheck="false" autoFocus />
          </div>
          <div class="input-wrapper _input-wrapper">
            <label class="no-js" for="password">Password</label>
            <input class="input" name="password" id="password" type="password" required autoComplete="current-password" autoCapitalize="none" spellCheck="false" />
            <button type="button" class="ulp-button-icon _button-icon" data-action="toggle">
              <span class="screen-reader-only password-toggle-label" data-label="show-password">Show password</span>
            </button>${error}
          </div>
          <div>
            <button type="submit" name="action" value="default" data-action-button-primary="true">Continue</button>
          </div>
        </form>`;
}

/** A "Continue with …" form, as the real page renders one per social or enterprise connection. */
function secondaryForm(state: string, c: { name: string; strategy: string }): string {
  return `
        <form method="post" data-provider="${escapeHtml(c.strategy)}" data-form-secondary="true">
          <input type="hidden" name="state" value="${state}" />
          <input type="hidden" name="connection" value="${escapeHtml(c.name)}" />
          <button type="submit" data-provider="${escapeHtml(c.strategy)}" data-action-button-secondary="true">
            <span>Continue with ${escapeHtml(c.name)}</span>
          </button>
        </form>`;
}

export interface ErrorPageModel {
  /** OAuth-style code shown on Auth0's error page, e.g. `invalid_request`. */
  code: string;
  title: string;
  description: string;
}

/**
 * Auth0's generic error page: "Oops!, something went wrong", the sentence Auth0 shows under it, and
 * the technical details (code and description). Wording of those two lines as users quote them;
 * the layout is the sandbox's own (no saved copy of the real page's HTML was found).
 */
export function renderErrorPage(m: ErrorPageModel): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Error</title>
</head>
<body>
  <main>
    <h1>Oops!, something went wrong</h1>
    <p>There could be a misconfiguration in the system or a service outage. We track these errors automatically, but if the problem persists feel free to contact us.</p>
    <h2 class="error-title">${escapeHtml(m.title)}</h2>
    <p>TECHNICAL DETAILS: <span class="error-code">${escapeHtml(m.code)}</span></p>
    <p class="error-description">${escapeHtml(m.description)}</p>
  </main>
</body>
</html>
`;
}
