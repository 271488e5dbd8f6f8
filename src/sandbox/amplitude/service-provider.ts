/**
 * The SAML half of the emulated org, done by a real SP library (@node-saml/node-saml 5.1), configured
 * from the uploaded IdP metadata: AuthnRequests for SP-initiated login, and validation of what the
 * IdP posts to the ACS. Amplitude's own rules come after node-saml (./amplitude-rules.ts).
 *
 * node-saml 5.1 with wantAuthnResponseSigned=false and wantAssertionsSigned=false still demands one
 * signature: when the Response has no valid signature it verifies the Assertion and throws "Invalid
 * signature" (lib/saml.js validatePostResponseAsync), then reads the profile from the signed bytes
 * only. Our pre-check adds a clear SAML_UNSIGNED for a response carrying no signature at all.
 */
import { SAML, SamlStatusError, ValidateInResponseTo, type CacheProvider, type Profile } from '@node-saml/node-saml';
import { applyAmplitudeRules, NAMEID_EMAIL, NAMEID_UNSPECIFIED, type EmailPolicy } from './amplitude-rules.js';
import { DS_NS } from './idp-metadata.js';
import { rejection, type Rejection } from './rejection.js';
import { childElements, parseUntrustedXml } from './safe-xml.js';
import type { SpIdentity, SsoState } from './settings.js';

const PROTOCOL_NS = 'urn:oasis:names:tc:SAML:2.0:protocol';
const ASSERTION_NS = 'urn:oasis:names:tc:SAML:2.0:assertion';

export interface SpContext {
  sp: SpIdentity;
  state: SsoState;
  /** Shared across SAML instances, so AuthnRequest IDs outlive a settings change. */
  cache: CacheProvider;
  acceptedClockSkewMs: number;
  emailPolicy: EmailPolicy;
}

/** A login the ACS accepted. */
export interface AcceptedLogin {
  email: string;
  nameId: string;
  nameIdFormat: string;
  attributes: Record<string, string | string[]>;
  issuer: string;
  inResponseTo: string | undefined;
  assertionId: string | undefined;
  /** When the assertion stops being usable (Conditions/@NotOnOrAfter), for the replay cache. */
  notOnOrAfter: Date | undefined;
}

export type AcsVerdict = { ok: true; login: AcceptedLogin } | { ok: false; rejection: Rejection };

export function samlFor(ctx: SpContext): SAML {
  return new SAML({
    idpCert: ctx.state.certificates.map((c) => c.pem),
    issuer: ctx.sp.entityId,
    audience: ctx.sp.entityId,
    callbackUrl: ctx.sp.acsUrl,
    entryPoint: ctx.state.settings.ssoUrl,
    wantAuthnResponseSigned: false,
    wantAssertionsSigned: false,
    validateInResponseTo: ValidateInResponseTo.ifPresent,
    requestIdExpirationPeriodMs: 60 * 60 * 1000,
    cacheProvider: ctx.cache,
    acceptedClockSkewMs: ctx.acceptedClockSkewMs,
    identifierFormat: NAMEID_EMAIL,
    disableRequestedAuthnContext: true,
    // node-saml deflates by default, which only the Redirect binding allows (SAML bindings §3.5.4).
    skipRequestCompression: ctx.state.settings.ssoBinding === 'HTTP-POST',
  });
}

/** SP-initiated login: where to send the browser (HTTP-Redirect) or the auto-posting form (HTTP-POST). */
export async function startLogin(ctx: SpContext, relayState: string): Promise<{ kind: 'redirect'; location: string } | { kind: 'form'; html: string }> {
  const saml = samlFor(ctx);
  if (ctx.state.settings.ssoBinding === 'HTTP-POST') return { kind: 'form', html: await saml.getAuthorizeFormAsync(relayState) };
  return { kind: 'redirect', location: await saml.getAuthorizeUrlAsync(relayState, undefined, {}) };
}

/** Validates a posted SAMLResponse (base64) against the stored IdP metadata and Amplitude's rules. */
export async function consumeResponse(ctx: SpContext, samlResponse: string): Promise<AcsVerdict> {
  const pre = precheck(samlResponse);
  if (!pre.ok) return pre;

  let profile: Profile | null;
  try {
    const result = await samlFor(ctx).validatePostResponseAsync({ SAMLResponse: samlResponse });
    profile = result.profile;
  } catch (e) {
    return { ok: false, rejection: fromNodeSamlError(e) };
  }
  if (!profile) return { ok: false, rejection: rejection(400, 'SAML_NO_ASSERTION', 'the SAML message carries no login (no assertion)') };

  const assertion = assertionOf(profile);
  const attributes = stringAttributes(profile.attributes);
  const verdict = applyAmplitudeRules(
    {
      issuer: profile.issuer,
      nameId: profile.nameID,
      nameIdFormat: profile.nameIDFormat,
      attributes,
      destination: pre.destination,
      recipients: assertion.recipients,
    },
    { acsUrl: ctx.sp.acsUrl, idpEntityId: ctx.state.settings.idpEntityId, emailPolicy: ctx.emailPolicy },
  );
  if (!verdict.ok) return verdict;
  return {
    ok: true,
    login: {
      email: verdict.email,
      nameId: profile.nameID,
      nameIdFormat: profile.nameIDFormat ?? NAMEID_UNSPECIFIED,
      attributes,
      issuer: profile.issuer,
      inResponseTo: typeof profile.inResponseTo === 'string' ? profile.inResponseTo : undefined,
      assertionId: assertion.id,
      notOnOrAfter: assertion.notOnOrAfter,
    },
  };
}

/** Cheap structural checks with our own hardened parser before node-saml sees the bytes. */
function precheck(samlResponse: string): { ok: true; destination: string | undefined } | { ok: false; rejection: Rejection } {
  const compact = samlResponse.replace(/\s+/g, '');
  if (compact === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0) {
    return { ok: false, rejection: rejection(400, 'SAML_MALFORMED', 'SAMLResponse is not base64') };
  }
  const parsed = parseUntrustedXml(Buffer.from(compact, 'base64'));
  if (!parsed.ok) return { ok: false, rejection: rejection(400, 'SAML_MALFORMED', `SAMLResponse is not acceptable XML: ${parsed.detail}`) };
  const root = parsed.root;
  if (root.namespaceURI !== PROTOCOL_NS || root.localName !== 'Response') {
    return { ok: false, rejection: rejection(400, 'SAML_NOT_A_RESPONSE', `SAMLResponse holds <${root.localName ?? root.nodeName}>, expected a SAML 2.0 <samlp:Response>`) };
  }
  if (childElements(root, ASSERTION_NS, 'EncryptedAssertion').length > 0) {
    return {
      ok: false,
      rejection: rejection(400, 'SAML_ENCRYPTED_UNSUPPORTED', 'the assertion is encrypted, and this org has no SP encryption certificate', 'Turn off assertion encryption in the IdP.'),
    };
  }
  const signed =
    childElements(root, DS_NS, 'Signature').length > 0 ||
    childElements(root, ASSERTION_NS, 'Assertion').some((a) => childElements(a, DS_NS, 'Signature').length > 0);
  if (!signed && childElements(root, ASSERTION_NS, 'Assertion').length > 0) {
    return {
      ok: false,
      rejection: rejection(401, 'SAML_UNSIGNED', 'neither the SAML Response nor its Assertion is signed', 'Sign the response, the assertion, or both in the IdP.'),
    };
  }
  return { ok: true, destination: root.getAttribute('Destination') ?? undefined };
}

/** node-saml reports everything as an Error with a message; these are the messages 5.1 uses. */
export function fromNodeSamlError(e: unknown): Rejection {
  const message = e instanceof Error ? e.message : String(e);
  const short = message.split('\n')[0]!.slice(0, 300);
  if (e instanceof SamlStatusError) {
    return rejection(401, 'SAML_STATUS_NOT_SUCCESS', `the IdP answered with an error status: ${short}`);
  }
  const is = (...needles: string[]) => needles.some((n) => message.includes(n));
  if (is('Invalid signature', 'Invalid document signature', 'Too many signatures', 'Cannot obtain assertion from signed data', 'ref URI included quote', 'signature reference uri')) {
    return rejection(
      401,
      'SAML_SIGNATURE_INVALID',
      `no signature on the Response or Assertion verifies with a certificate from the uploaded IdP metadata (${short})`,
      'Upload current IdP metadata; after a signing-key rotation the SP must trust the new certificate.',
    );
  }
  if (is('audience mismatch', 'no AudienceRestriction', 'has no Audience value')) {
    return rejection(403, 'SAML_AUDIENCE_MISMATCH', short, "Set the IdP's audience to this org's entity ID.");
  }
  if (is('SAML assertion expired')) return rejection(401, 'SAML_EXPIRED', short, 'Sign in again; check the IdP and SP clocks.');
  if (is('not yet valid')) return rejection(401, 'SAML_NOT_YET_VALID', short, 'Check the IdP and SP clocks.');
  if (is('InResponseTo', 'subjectInResponseTo')) {
    return rejection(401, 'SAML_IN_RESPONSE_TO_INVALID', `${short} (the login was not started here, was already used, or timed out)`, 'Start the login again.');
  }
  if (is('No valid subject confirmation')) return rejection(401, 'SAML_SUBJECT_CONFIRMATION_INVALID', short);
  if (is('Missing SAML assertion')) return rejection(400, 'SAML_NO_ASSERTION', 'the SAML Response has no assertion');
  return rejection(400, 'SAML_MALFORMED', `the SAML Response was refused: ${short}`);
}

interface AssertionFacts {
  id: string | undefined;
  notOnOrAfter: Date | undefined;
  recipients: string[];
}

/** Reads a few facts from node-saml's parse of the *signed* assertion (xml2js shape). */
function assertionOf(profile: Profile): AssertionFacts {
  const root = record(profile.getAssertion?.())?.Assertion;
  const a = record(root);
  const attrs = (node: unknown): Record<string, unknown> | undefined => record(record(node)?.$);
  const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : undefined);
  const recipients: string[] = [];
  const subject = record(first(a?.Subject));
  for (const sc of list(subject?.SubjectConfirmation)) {
    for (const data of list(record(sc)?.SubjectConfirmationData)) {
      const r = attrs(data)?.Recipient;
      if (typeof r === 'string') recipients.push(r);
    }
  }
  const id = attrs(a)?.ID;
  const until = attrs(first(a?.Conditions))?.NotOnOrAfter;
  const notOnOrAfter = typeof until === 'string' && !Number.isNaN(Date.parse(until)) ? new Date(until) : undefined;
  return { id: typeof id === 'string' ? id : undefined, notOnOrAfter, recipients };
}

function stringAttributes(raw: unknown): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  const r = record(raw);
  if (!r) return out;
  for (const [name, value] of Object.entries(r)) {
    if (typeof value === 'string') out[name] = value;
    else if (Array.isArray(value)) {
      const strings = value.filter((v): v is string => typeof v === 'string');
      if (strings.length > 0) out[name] = strings;
    }
  }
  return out;
}

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
