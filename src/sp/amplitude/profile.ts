/** Amplitude as the core sees it (the `SpProfile` port): its org marker, NameID format and manual steps. */
import type { SpProfile } from '../../core/ports.js';
import { EMAIL_ADDRESS_FORMAT } from '../../idp/auth0/saml-addon.js';
import { confirmUploadCommand, manualSteps } from '../manual-delivery.js';

/** The steps in Amplitude's UI (as Amplitude's own Auth0 guide gives them). */
export function amplitudeUploadSteps(baseUrl: string, metadataPath: string): string[] {
  return [
    `Sign in to ${baseUrl} as an organisation admin.`,
    'Open Settings > Organization settings > Access & SSO Settings.',
    'Identity Provider: choose Auth0.',
    `Upload Metadata File: choose ${metadataPath}.`,
    'Click Save.',
  ];
}

export const amplitudeProfile: SpProfile = {
  name: 'Amplitude',
  settingsPlace: 'Amplitude (Settings > Organization settings > Access & SSO Settings)',
  targetLabel: (orgId) => `Amplitude org ${orgId}`,
  markerValue: (orgId) => `amplitude:${orgId}`,
  nameIdFormat: EMAIL_ADDRESS_FORMAT,
  uploadSteps: amplitudeUploadSteps,
  confirmUploadCommand,
  manualSteps: (baseUrl, metadataPath, certificate) => manualSteps(amplitudeUploadSteps(baseUrl, metadataPath), certificate),
  removalSteps: (baseUrl) => [
    `Sign in to ${baseUrl} as an organisation admin.`,
    'Open Settings > Organization settings > Access & SSO Settings.',
    'Turn off "Require SSO" first if it is on, then remove the Auth0 identity provider and save.',
  ],
};
