/**
 * The SP-ready Auth0 application: its SAML2 addon (`addons.samlp`), callbacks and marker. The defaults
 * are Amplitude's needs, which most SPs share: NameID = email in emailAddress format, a non-empty
 * attribute statement and a signed assertion (reference/amplitude-and-anchors.md §1.4); Auth0 stores
 * `samlp` verbatim and applies its own defaults (rsa-sha1!) at runtime, so every setting is sent explicitly.
 */
import type { SamlSettings } from '../../config/types.js';
import type { SamlAddon } from '../../core/ports.js';

export const EMAIL_ADDRESS_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
export const EMAIL_CLAIM = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress';
/** The claim Auth0 fills with the user ID (`auth0|…`): stable, what a persistent NameID needs. */
export const USER_ID_CLAIM = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier';
export const PERSISTENT_FORMAT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';

/** `client_metadata` key that marks the client sso-setup manages (client names are not unique in Auth0). */
export const MARKER_KEY = 'sso_setup';
/**
 * `client_metadata` keys of manual delivery (Auth0 allows 10 keys of 255-character strings, shared
 * with the customer's own): the certificate handed over for upload and when, and the person's
 * confirmation that they uploaded it, as `<fingerprint> <ISO time>` in one key.
 */
export const SP_CERT_KEY = 'sso_setup_sp_cert';
export const SP_CERT_AT_KEY = 'sso_setup_sp_cert_at';
export const SP_CONFIRMED_KEY = 'sso_setup_sp_confirmed';

export function defaultSamlSettings(sp: { entityId: string; acsUrl: string }): SamlSettings {
  return {
    callbacks: [sp.acsUrl],
    audience: sp.entityId,
    recipient: sp.acsUrl,
    destination: sp.acsUrl,
    nameIdentifierFormat: EMAIL_ADDRESS_FORMAT,
    nameIdentifierProbes: [EMAIL_CLAIM],
    mappings: { email: EMAIL_CLAIM },
    signatureAlgorithm: 'rsa-sha256',
    digestAlgorithm: 'sha256',
    lifetimeInSeconds: 3600,
    signResponse: false,
  };
}

/** The `addons.samlp` keys sso-setup manages; any other key a person set is kept as it is. */
export function samlAddon(settings: SamlSettings): SamlAddon {
  const { callbacks: _callbacks, ...addon } = settings;
  return addon;
}
