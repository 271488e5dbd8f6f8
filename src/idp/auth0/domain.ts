/**
 * An Auth0 domain (`acme.us.auth0.com`, or `127.0.0.1:4010` for the sandbox) and the base URL it
 * is reached at: https, except plain http for a loopback host (PRODUCT.md: never elsewhere), and
 * https for a loopback host too when it serves TLS (`SANDBOX_TLS=1`, written by `sandbox --tls`).
 */
import { isLoopbackHost } from '../../http/agent.js';

/** The host without a port. */
export function domainHost(domain: string): string {
  return domain.replace(/:\d+$/, '');
}

/** `loopbackTls`: the loopback host serves https (the sandbox with `--tls`). */
export function auth0BaseUrl(domain: string, loopbackTls = false): string {
  return `${isLoopbackHost(domainHost(domain)) && !loopbackTls ? 'http' : 'https'}://${domain}`;
}

/** Whether the environment says the loopback sandbox serves TLS. */
export function loopbackTlsFrom(env: Readonly<Record<string, string | undefined>>): boolean {
  return env['SANDBOX_TLS'] === '1';
}
