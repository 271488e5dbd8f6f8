/**
 * An Auth0 domain (`acme.us.auth0.com`, or `127.0.0.1:4010` for the sandbox) and the base URL it
 * is reached at: https, except plain http for a loopback host (PRODUCT.md: never elsewhere).
 */
import { isLoopbackHost } from '../../http/agent.js';

/** The host without a port. */
export function domainHost(domain: string): string {
  return domain.replace(/:\d+$/, '');
}

export function auth0BaseUrl(domain: string): string {
  return `${isLoopbackHost(domainHost(domain)) ? 'http' : 'https'}://${domain}`;
}
