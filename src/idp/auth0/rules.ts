/** Auth0's rules as the core sees them (the `IdpRules` port): scopes, marker, email claim, SAML addon. */
import type { IdpRules } from '../../core/ports.js';
import { EMAIL_CLAIM, MARKER_KEY, samlAddon } from './saml-addon.js';
import { grantHint, SCOPES } from './scopes.js';

export const auth0Rules: IdpRules = {
  scopes: SCOPES,
  grantHint,
  markerKey: MARKER_KEY,
  emailClaim: EMAIL_CLAIM,
  samlAddon,
};
