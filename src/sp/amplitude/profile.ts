/** Amplitude as the core sees it (the `SpProfile` port): its org marker, NameID format and manual steps. */
import type { SpProfile } from '../../core/ports.js';
import { EMAIL_ADDRESS_FORMAT } from '../../idp/auth0/saml-addon.js';
import { amplitudeUploadSteps, confirmUploadCommand, manualUploadSteps } from './manual.js';

export const amplitudeProfile: SpProfile = {
  markerValue: (orgId) => `amplitude:${orgId}`,
  nameIdFormat: EMAIL_ADDRESS_FORMAT,
  uploadSteps: amplitudeUploadSteps,
  confirmUploadCommand,
  manualSteps: manualUploadSteps,
};
