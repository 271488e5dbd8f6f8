/**
 * Manual SP delivery: Amplitude has no public SSO settings API, so the metadata is saved to a file
 * and a person uploads it. The certificate handed over is recorded in the Auth0 client's
 * `client_metadata`, so `verify` (anywhere, later) can tell whether the IdP still signs with it.
 */
import type { Auth0Client, SpConnector, SpTrust } from '../../core/ports.js';
import { SP_CERT_AT_KEY, SP_CERT_KEY } from '../../idp/auth0/saml-addon.js';

export function createManualSp(metadataFile: string): SpConnector {
  return {
    delivery: 'manual',
    target: metadataFile,
    async readTrust(client: Auth0Client | undefined): Promise<SpTrust> {
      const meta = client?.client_metadata ?? {};
      return {
        kind: 'manual',
        ...(meta[SP_CERT_KEY] ? { recordedCertificate: meta[SP_CERT_KEY] } : {}),
        ...(meta[SP_CERT_AT_KEY] ? { recordedAt: meta[SP_CERT_AT_KEY] } : {}),
      };
    },
  };
}

/** The exact steps left to the person, in Amplitude's UI (as Amplitude's own Auth0 guide gives them). */
export function manualUploadSteps(baseUrl: string, metadataPath: string): string[] {
  return [
    `Sign in to ${baseUrl} as an organisation admin.`,
    'Open Settings > Organization settings > Access & SSO Settings.',
    'Identity Provider: choose Auth0.',
    `Upload Metadata File: choose ${metadataPath}.`,
    'Click Save.',
    'Test a login in a private window before turning on "Require SSO" (keep one admin who can sign in with a password).',
    'Run `sso-setup verify` to confirm both sides agree.',
  ];
}
