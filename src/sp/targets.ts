/**
 * The SP side of a configured target, by kind: its profile (what the core needs to know of it) and its
 * connector (how the IdP metadata reaches it). One place, so every command treats a kind alike.
 */
import type { ResolvedConfig } from '../config/types.js';
import type { SpConnector, SpProfile } from '../core/ports.js';
import type { FetchLike } from '../http/client.js';
import { amplitudeProfile } from './amplitude/profile.js';
import { createEndpointSp } from './amplitude/endpoint.js';
import { createManualSp } from './manual-delivery.js';
import { createPolisSp } from './polis/connector.js';
import { polisProfile } from './polis/profile.js';
import { samlProfile } from './saml/profile.js';

export function spProfileFor(sp: ResolvedConfig['sp']): SpProfile {
  if (sp.kind === 'amplitude') return amplitudeProfile;
  if (sp.kind === 'polis') return polisProfile(sp.nameIdFormat);
  return samlProfile({ name: sp.name, nameIdFormat: sp.nameIdFormat });
}

/** The SP's connector on the run's HTTP client; `secret` registers what must never be printed. */
export function createSpConnector(sp: ResolvedConfig['sp'], http: FetchLike, secret: (value: string) => void): SpConnector {
  const delivery = sp.delivery;
  if (delivery.kind === 'endpoint') {
    secret(delivery.token);
    return createEndpointSp(delivery.url, delivery.token, http);
  }
  if (delivery.kind === 'polis') {
    secret(delivery.apiKey);
    const [defaultRedirectUrl] = delivery.redirectUrls;
    return createPolisSp(
      { url: delivery.url, tenant: delivery.tenant, product: delivery.product, redirectUrls: delivery.redirectUrls, defaultRedirectUrl: defaultRedirectUrl!, name: 'sso-setup (Auth0)' },
      delivery.apiKey,
      http,
    );
  }
  return createManualSp(delivery.metadataFile);
}
