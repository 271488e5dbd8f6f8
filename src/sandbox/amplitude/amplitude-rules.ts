/**
 * Amplitude's own rules for a login, applied after node-saml has verified signatures, times,
 * audience and InResponseTo. Sources (shared/reference/amplitude-and-anchors.md §1.4):
 * "Set the assertion Subject to the user's email address, with format …:emailAddress";
 * "Map at least one SAML attribute … to a non-empty value" (an empty <AttributeStatement> "prevents
 * Amplitude from processing the SAML response"); the email search order Subject → emailaddress
 * claim → `emailaddress` → `email` attribute (case-insensitive). Destination/Recipient = ACS is the
 * SAML 2.0 Web SSO profile rule every SP applies. Pure.
 */
import { rejection, type Rejection } from './rejection.js';

export const NAMEID_EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
export const NAMEID_UNSPECIFIED = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';
export const EMAIL_CLAIM = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress';

export type EmailPolicy = 'subject' | 'lookup';

/** What the rules look at, read from the verified assertion (and the Response's Destination). */
export interface LoginFacts {
  issuer: string | undefined;
  nameId: string | undefined;
  nameIdFormat: string | undefined;
  attributes: Record<string, string | string[]>;
  /** `Response/@Destination`. */
  destination: string | undefined;
  /** Every `SubjectConfirmationData/@Recipient` in the assertion. */
  recipients: string[];
}

export interface LoginExpectations {
  acsUrl: string;
  idpEntityId: string;
  emailPolicy: EmailPolicy;
}

export type RulesVerdict = { ok: true; email: string } | { ok: false; rejection: Rejection };

/** Judges a node-saml-verified login; the first broken rule wins, in the order a person would fix them. */
export function applyAmplitudeRules(f: LoginFacts, x: LoginExpectations): RulesVerdict {
  const no = (status: number, code: string, message: string, hint?: string): RulesVerdict => ({ ok: false, rejection: rejection(status, code, message, hint) });

  if (f.destination === undefined || f.destination === '') {
    return no(403, 'SAML_DESTINATION_MISMATCH', 'the SAML Response has no Destination', `Set the IdP's destination to the ACS URL ${x.acsUrl}.`);
  }
  if (f.destination !== x.acsUrl) {
    return no(403, 'SAML_DESTINATION_MISMATCH', `the SAML Response Destination is ${f.destination}, expected ${x.acsUrl}`, "Set the IdP's destination to this org's ACS URL.");
  }
  const wrongRecipient = f.recipients.find((r) => r !== x.acsUrl);
  if (wrongRecipient !== undefined) {
    return no(403, 'SAML_RECIPIENT_MISMATCH', `SubjectConfirmationData Recipient is ${wrongRecipient}, expected ${x.acsUrl}`, "Set the IdP's recipient to this org's ACS URL.");
  }
  if (f.issuer !== x.idpEntityId) {
    return no(403, 'SAML_ISSUER_MISMATCH', `the assertion Issuer is ${f.issuer ?? '(none)'}, expected ${x.idpEntityId} (from the uploaded IdP metadata)`, 'Upload the metadata of the IdP that signs these assertions.');
  }
  if (!Object.values(f.attributes).some(hasNonEmptyValue)) {
    return no(
      403,
      'SAML_ATTRIBUTES_EMPTY',
      'the assertion has no attribute with a non-empty value (an empty AttributeStatement)',
      'Map at least one attribute, e.g. the email claim, in the IdP.',
    );
  }

  const email = resolveEmail(f, x.emailPolicy);
  if (!email.ok) return no(403, 'SAML_NAMEID_NOT_EMAIL', email.reason, `Send the user's email as the NameID with format ${NAMEID_EMAIL}.`);
  return { ok: true, email: email.email };
}

/** Amplitude's email lookup. Under `subject`, only the NameID counts. */
export function resolveEmail(f: Pick<LoginFacts, 'nameId' | 'nameIdFormat' | 'attributes'>, policy: EmailPolicy): { ok: true; email: string } | { ok: false; reason: string } {
  const nameId = f.nameId?.trim();
  if (policy === 'subject') {
    if (!nameId) return { ok: false, reason: 'the assertion has no NameID' };
    const format = f.nameIdFormat ?? NAMEID_UNSPECIFIED;
    if (format !== NAMEID_EMAIL && format !== NAMEID_UNSPECIFIED) {
      return { ok: false, reason: `the NameID format is ${format}, expected ${NAMEID_EMAIL}` };
    }
    if (!isEmail(nameId)) return { ok: false, reason: `the NameID '${nameId.slice(0, 100)}' is not an email address` };
    return { ok: true, email: nameId };
  }
  if (nameId && isEmail(nameId)) return { ok: true, email: nameId };
  const byName = (wanted: string): string | undefined => {
    for (const [name, value] of Object.entries(f.attributes)) {
      if (name.toLowerCase() !== wanted) continue;
      const first = (Array.isArray(value) ? value : [value]).map((v) => v.trim()).find(isEmail);
      if (first) return first;
    }
    return undefined;
  };
  const found = byName(EMAIL_CLAIM) ?? byName('emailaddress') ?? byName('email');
  if (found) return { ok: true, email: found };
  return { ok: false, reason: 'no email address in the NameID or in an emailaddress/email attribute' };
}

/** A deliberately plain shape check: one @, no spaces, a dot in the domain, at most 254 characters. */
export function isEmail(value: string): boolean {
  return value.length <= 254 && /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:".]+$/.test(value);
}

function hasNonEmptyValue(v: string | string[]): boolean {
  return (Array.isArray(v) ? v : [v]).some((s) => s.trim() !== '');
}
