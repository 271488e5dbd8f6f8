/**
 * Ory Polis as the core sees it (the `SpProfile` port). Polis is pushed to through its API, so the
 * manual steps are for when a person must act in its admin portal instead.
 */
import type { SpProfile } from '../../core/ports.js';
import { confirmUploadCommand, manualSteps } from '../manual-delivery.js';

/** The marker of a Polis target: `polis:<tenant>/<product>` (what its connection API keys a connection by). */
export function polisMarker(targetId: string): string {
  return `polis:${targetId}`;
}

export function polisProfile(nameIdFormat: string): SpProfile {
  const uploadSteps = (baseUrl: string, metadataPath: string) => [
    `Sign in to Polis's admin portal at ${baseUrl} and open Enterprise SSO > Connections.`,
    `Create (or edit) the SAML connection for the tenant and product, with ${metadataPath} as the IdP metadata, and save.`,
  ];
  return {
    name: 'Polis',
    settingsPlace: "Polis (admin portal > Enterprise SSO > Connections)",
    targetLabel: (id) => `Polis connection ${id}`,
    markerValue: polisMarker,
    nameIdFormat,
    uploadSteps,
    confirmUploadCommand,
    manualSteps: (baseUrl, metadataPath, certificate) => manualSteps(uploadSteps(baseUrl, metadataPath), certificate),
    removalSteps: (baseUrl) => [`Sign in to Polis's admin portal at ${baseUrl} and delete the SAML connection for the tenant and product.`],
  };
}
