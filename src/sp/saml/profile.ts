/**
 * Any SAML SP known from its metadata, as the core sees it (the `SpProfile` port). What the SP needs
 * of the assertion comes from its metadata (resolved into the configuration); what a person does in
 * its UI is not known, so the steps name the values every SP's SAML settings page asks for.
 */
import { createHash } from 'node:crypto';
import type { SpProfile } from '../../core/ports.js';
import { confirmUploadCommand, manualSteps } from '../manual-delivery.js';

/** Auth0 limits each `client_metadata` value to 255 characters; longer entity IDs are marked by their hash. */
const MAX_MARKER_LENGTH = 255;

/** The marker of an SP known by its entity ID: `saml:<entityID>`, or `saml:sha256:<hex>` when that is too long. */
export function samlMarker(entityId: string): string {
  const plain = `saml:${entityId}`;
  return plain.length <= MAX_MARKER_LENGTH ? plain : `saml:sha256:${createHash('sha256').update(entityId).digest('hex')}`;
}

export interface GenericSp {
  /** The SP as messages name it (its host). */
  name: string;
  nameIdFormat: string;
}

export function samlProfile(sp: GenericSp): SpProfile {
  const uploadSteps = (baseUrl: string, metadataPath: string) => [
    `Sign in to ${sp.name} (${baseUrl}) as an admin and open its SAML / single sign-on settings.`,
    `Upload ${metadataPath} as the identity provider's metadata; if it asks for values instead, take them from that file: the IdP entity ID (entityID), the SSO URL (SingleSignOnService, HTTP-Redirect) and the signing certificate (KeyDescriptor use="signing").`,
    'Save.',
  ];
  return {
    name: sp.name,
    settingsPlace: `${sp.name}'s SAML settings`,
    targetLabel: (entityId) => `${sp.name} (SP entity ID ${entityId})`,
    markerValue: samlMarker,
    nameIdFormat: sp.nameIdFormat,
    uploadSteps,
    confirmUploadCommand,
    manualSteps: (baseUrl, metadataPath, certificate) => manualSteps(uploadSteps(baseUrl, metadataPath), certificate),
    removalSteps: (baseUrl) => [
      `Sign in to ${sp.name} (${baseUrl}) as an admin and open its SAML / single sign-on settings.`,
      'Turn off any "require SSO" setting first, then remove the Auth0 identity provider and save.',
    ],
  };
}
