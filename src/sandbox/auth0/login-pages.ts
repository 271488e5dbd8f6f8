/**
 * The HTML a browser sees during a sandbox login: a Universal-Login-like form and Auth0-like error
 * pages. Plain, dependency-free markup whose form fields (`state`, `username`, `password`) are
 * what Auth0's New Universal Login posts, so scripted logins work the same way against both.
 */
import { escapeHtml } from '../http-kit.js';

export interface LoginPageModel {
  state: string;
  tenantName: string;
  applicationName: string;
  /** Prefilled username after a failed attempt. */
  username?: string;
  error?: string;
}

export function renderLoginPage(m: LoginPageModel): string {
  const action = `/u/login?state=${encodeURIComponent(m.state)}`;
  const error = m.error ? `\n      <div id="error-element-password" class="error" role="alert">${escapeHtml(m.error)}</div>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Log in | ${escapeHtml(m.tenantName)}</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
</head>
<body>
  <main>
    <h1>Welcome</h1>
    <p>Log in to ${escapeHtml(m.tenantName)} to continue to ${escapeHtml(m.applicationName)}.</p>
    <form method="POST" action="${escapeHtml(action)}">
      <input type="hidden" name="state" value="${escapeHtml(m.state)}">
      <label for="username">Email address</label>
      <input type="text" id="username" name="username" value="${escapeHtml(m.username ?? '')}" autocomplete="email" required>
      <label for="password">Password</label>
      <input type="password" id="password" name="password" autocomplete="current-password" required>${error}
      <button type="submit" name="action" value="default">Continue</button>
    </form>
    <p><small>sso-setup sandbox: a local emulation of an Auth0 tenant.</small></p>
  </main>
</body>
</html>
`;
}

export interface ErrorPageModel {
  /** OAuth-style code shown on Auth0's error page, e.g. `invalid_request`. */
  code: string;
  title: string;
  description: string;
}

/** Auth0's generic error page ("Oops!, something went wrong") with the code and description. */
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
    <h2 class="error-title">${escapeHtml(m.title)}</h2>
    <p class="error-code">${escapeHtml(m.code)}</p>
    <p class="error-description">${escapeHtml(m.description)}</p>
  </main>
</body>
</html>
`;
}
