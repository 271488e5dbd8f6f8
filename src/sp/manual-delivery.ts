/**
 * Manual SP delivery: the SP has no settings API sso-setup can use (Amplitude has none public; a SAML
 * SP known only from its metadata), so the metadata is saved to a file and a person uploads it. Two facts are recorded in the Auth0 client's `client_metadata`, so
 * `verify` (anywhere, later) can judge them: the certificate handed over (by `apply`), and a
 * person's confirmation that they uploaded exactly that certificate (`confirm-upload`, or `init`).
 * A hand-over alone proves nothing about the SP.
 */
import type { Auth0Client, ManualSp, SpTrust } from '../core/ports.js';
import { SP_CERT_AT_KEY, SP_CERT_KEY, SP_CONFIRMED_KEY } from '../idp/auth0/saml-addon.js';

export function createManualSp(metadataFile: string): ManualSp {
  return {
    delivery: 'manual',
    target: metadataFile,
    async readTrust(client: Auth0Client | undefined): Promise<SpTrust> {
      const meta = client?.client_metadata ?? {};
      // `<fingerprint> <ISO time>`; anything else (a hand edit) counts as no confirmation.
      const [confirmedCertificate, confirmedAt, ...rest] = (meta[SP_CONFIRMED_KEY] ?? '').trim().split(/\s+/);
      const confirmed = confirmedCertificate && confirmedAt && rest.length === 0 ? { confirmedCertificate, confirmedAt } : {};
      return {
        kind: 'manual',
        ...(meta[SP_CERT_KEY] ? { recordedCertificate: meta[SP_CERT_KEY] } : {}),
        ...(meta[SP_CERT_AT_KEY] ? { recordedAt: meta[SP_CERT_AT_KEY] } : {}),
        ...confirmed,
      };
    },
    handOverRecord(certificate: string, at: Date) {
      return { [SP_CERT_KEY]: certificate, [SP_CERT_AT_KEY]: at.toISOString(), [SP_CONFIRMED_KEY]: null };
    },
    confirmationRecord(certificate: string, at: Date) {
      return { [SP_CONFIRMED_KEY]: `${certificate} ${at.toISOString()}` };
    },
  };
}

/** The command that records a person's confirmation of the upload of `certificate`. */
export function confirmUploadCommand(certificate: string): string {
  return `sso-setup confirm-upload --fingerprint ${certificate}`;
}

/** Everything left to the person after a hand-over: the upload steps, the confirmation, a test login, verify. */
export function manualSteps(uploadSteps: string[], certificate: string | undefined): string[] {
  return [
    ...uploadSteps,
    certificate
      ? `Record that you did: ${confirmUploadCommand(certificate)}`
      : 'Record that you did: `sso-setup confirm-upload --fingerprint <the certificate apply printed>`',
    'Test a login in a private window before turning on "Require SSO" (keep one admin who can sign in with a password).',
    'Run `sso-setup verify` to check both sides.',
  ];
}
