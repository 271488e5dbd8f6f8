/**
 * The SAML 2.0 IdP metadata checker: saml-metadata-checks.md §3, items 2-25, turned into one report.
 * `sso-setup metadata check` prints it; `apply` and `verify` call it on every run before anything is
 * uploaded to the SP, because a poisoned or expired document locks an organisation out (or lets an
 * attacker in). Pure apart from the optional schema and signature steps, which load their libraries
 * lazily; it never throws on bad input: every problem is a finding with a stable code (findings.ts).
 */
import { isLoopbackHost } from '../http/agent.js';
import { describeCertificate, parseCertificateElementText, parseTrustedCertificate, type CertificateFacts } from './certificate.js';
import { FindingList, type Finding } from './findings.js';
import {
  readMetadataDocument,
  SAML2_PROTOCOL,
  XMLDSIG_NS,
  SAML_BINDINGS,
  type EndpointModel,
  type EntityDescriptorModel,
  type IdpRoleModel,
  type MetadataDocument,
} from './idp-metadata.js';
import { descendants, parseXmlDocument, printable, tagName, type XmlDocument } from './xml.js';

export { DEFAULT_MAX_BYTES, MAX_BYTES_CEILING } from './xml.js';

export interface MetadataCheckOptions {
  /** The instant certificates and validUntil are judged at (the CLI's `--now`). */
  now: Date;
  /** Warn when a valid signing certificate expires within this many days (CLI default 30). */
  warnDays: number;
  /** The entityID the document must carry, e.g. `urn:acme.us.auth0.com` for Auth0. */
  expectEntityId?: string;
  /** Every SSO endpoint must be on this host (`host`, `host:port`, or a URL whose host is used). */
  expectHost?: string;
  /**
   * Signers the caller trusts (PEM or base64 DER). When given, the document must be signed and verify
   * against one of these, never against a certificate inside the document.
   */
  trustedCertificates?: string[];
  /** Validate against the SAML metadata XSDs (~150-200 ms; `apply`/`verify` pass true). */
  schema?: boolean;
  /** A NameID format the SP needs, e.g. `urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress`. */
  requireNameIdFormat?: string;
  /**
   * Plain-http SSO endpoints on a loopback host: `warn` (the default, for documents of unknown
   * origin), `accept` when the caller knowingly talks to a loopback tenant (the sandbox serves http
   * by design), `error` like any other http endpoint (what `apply` passes for a real, https tenant).
   */
  loopbackHttp?: 'warn' | 'accept' | 'error';
  /** Byte cap; default 256 KiB, never more than 1 MiB. */
  maxBytes?: number;
}

export interface MetadataEndpoint {
  binding: string;
  location: string;
  responseLocation?: string;
}

export interface MetadataCertificate {
  /** Upper-case colon-separated hex of X509Certificate.fingerprint256. */
  sha256: string;
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  /** Whole days from `now` to notAfter, rounded toward zero; negative once expired by a day or more. */
  daysLeft: number;
  /** notAfter is at or before `now`. */
  expired: boolean;
  keyAlgorithm: string;
  keyBits: number | null;
  signatureAlgorithm: string;
  /** `signing`, or `unspecified` when the KeyDescriptor has no `use` (it then serves both uses). */
  use: 'signing' | 'unspecified';
}

export interface MetadataSignature {
  verified: boolean;
  /** Verified against a certificate the caller supplied (not one from the document). */
  pinned: boolean;
  signerSha256: string | null;
  signatureAlgorithm: string | null;
  digestAlgorithm: string | null;
}

/**
 * The result, and the `--json` document of `sso-setup metadata check`. Fields are only ever added,
 * never renamed (users' scripts read them).
 */
export interface MetadataReport {
  valid: boolean;
  entityId: string | null;
  sso: MetadataEndpoint[];
  slo: MetadataEndpoint[];
  nameIdFormats: string[];
  wantAuthnRequestsSigned: boolean | null;
  /** Signing certificates (use absent or `signing`), document order, deduplicated. */
  certificates: MetadataCertificate[];
  signed: boolean;
  signature: MetadataSignature | null;
  schemaValidated: boolean;
  errors: Finding[];
  warnings: Finding[];
}

/** Certificates may start this far in the future without being "not yet valid" (clock skew). */
export const NOT_BEFORE_SKEW_MS = 5 * 60 * 1000;
/** Google's limit on signing keys in one document; more is a sign of a rotation never cleaned up. */
export const MAX_SIGNING_CERTIFICATES = 3;
const DAY_MS = 24 * 60 * 60 * 1000;

export const KNOWN_NAMEID_FORMATS = new Set([
  'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
  'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  'urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName',
  'urn:oasis:names:tc:SAML:1.1:nameid-format:WindowsDomainQualifiedName',
  'urn:oasis:names:tc:SAML:2.0:nameid-format:kerberos',
  'urn:oasis:names:tc:SAML:2.0:nameid-format:entity',
  'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
  'urn:oasis:names:tc:SAML:2.0:nameid-format:encrypted',
]);

/** Checks one SAML 2.0 IdP metadata document. Never throws on bad input. */
export function checkMetadata(input: Uint8Array | string, options: MetadataCheckOptions): Promise<MetadataReport> {
  return checkMetadataDocument(input, options, emptyReport(), { party: 'IdP', notEntity: describeNotIdpEntity, role: checkIdpRole });
}

/** The report fields every role's checker fills in the shared document steps. */
export interface DocumentReport {
  valid: boolean;
  entityId: string | null;
  schemaValidated: boolean;
  errors: Finding[];
  warnings: Finding[];
}

/** What a role's checker (IdP, SP) adds to the shared document steps. */
export interface RoleSteps<R extends DocumentReport> {
  /** Whose metadata it is, for the messages' advice (where a fresh copy or the signer's certificate comes from). */
  party: Party;
  /** The finding for a document that is not one <EntityDescriptor>: an aggregate or another root element. */
  notEntity(metadata: Exclude<MetadataDocument, { kind: 'entity' }>, findings: FindingList): void;
  /** The role's own checks, after the entity's ID, validity and duplicate IDs; ends before the schema's findings. */
  role(document: XmlDocument, entity: EntityDescriptorModel, options: MetadataCheckOptions, report: R, findings: FindingList): Promise<void>;
}

/**
 * The steps every metadata check takes, in this order: parse (hardened XML layer), one <EntityDescriptor>,
 * its entityID, validity and duplicate IDs, the role's own checks, then the schema's findings. Never throws:
 * anything unexpected is CHECK_INTERNAL_ERROR.
 */
export async function checkMetadataDocument<R extends DocumentReport>(input: Uint8Array | string, options: MetadataCheckOptions, report: R, steps: RoleSteps<R>): Promise<R> {
  const findings = new FindingList();
  try {
    const parsed = parseXmlDocument(input, { maxBytes: options.maxBytes });
    if (!parsed.ok) {
      findings.add(parsed.code, parsed.message);
      return finish(report, findings);
    }
    const document = parsed.document;
    const metadata = readMetadataDocument(document);
    if (metadata.kind !== 'entity') {
      steps.notEntity(metadata, findings);
      return finish(report, findings);
    }
    // Started before the other checks: the validator's worker start-up overlaps them and the signature.
    const schema = options.schema ? import('./schema.js').then((m) => m.validateMetadataSchema(document.text)) : undefined;
    schema?.catch(() => undefined);
    const entity = metadata.entity;
    report.entityId = entity.entityId === null ? null : entity.entityId.trim();
    checkEntityId(entity, options, findings);
    checkValidity(entity.validUntil, entity.cacheDuration, tagName(entity.element), options.now, findings, steps.party);
    checkDuplicateIds(document, findings);
    await steps.role(document, entity, options, report, findings);
    if (schema) {
      findings.addAll(await schema);
      report.schemaValidated = true;
    }
  } catch (error) {
    findings.add('CHECK_INTERNAL_ERROR', `The checker failed unexpectedly: ${printable(error instanceof Error ? error.message : String(error))}. Please report this.`);
  }
  return finish(report, findings);
}

function describeNotIdpEntity(metadata: Exclude<MetadataDocument, { kind: 'entity' }>, findings: FindingList): void {
  if (metadata.kind === 'aggregate') {
    const count = metadata.entityIds.length;
    const idps = metadata.idpEntityIds;
    const sample = idps.slice(0, 3).join(', ') + (idps.length > 3 ? ', …' : '');
    findings.add(
      'METADATA_AGGREGATE',
      `The document is a federation aggregate (<EntitiesDescriptor>${metadata.name ? ` "${printable(metadata.name)}"` : ''}) holding ${count} entities, ${idps.length} of them IdPs${idps.length ? ` (${printable(sample)})` : ''}; pass the metadata of the one IdP to use (its own <EntityDescriptor> document).`,
    );
    return;
  }
  const root = metadata.root;
  if (root.localName.toLowerCase() === 'html') {
    findings.add('INPUT_HTML', 'The document is an (X)HTML page, not SAML metadata: the URL or file is probably a login or error page.');
  } else {
    const ns = root.namespaceUri ? ` in namespace ${root.namespaceUri}` : ' in no namespace';
    const hint = root.localName === 'EntityDescriptor' ? ' (right name, wrong namespace: it must be urn:oasis:names:tc:SAML:2.0:metadata)' : '';
    findings.add('METADATA_WRONG_ROOT', `The document element is ${tagName(root)}${ns}${hint}; SAML metadata starts with <EntityDescriptor> in urn:oasis:names:tc:SAML:2.0:metadata.`);
  }
}

async function checkIdpRole(document: XmlDocument, entity: EntityDescriptorModel, options: MetadataCheckOptions, report: MetadataReport, findings: FindingList): Promise<void> {
  const role = entity.idpRoles[0];
  if (!role) {
    if (entity.spRoleCount > 0) {
      findings.add(
        'METADATA_NOT_IDP',
        `This is SP metadata (it has an <SPSSODescriptor> and no <IDPSSODescriptor>): it describes a service provider such as an Auth0 SAML connection, not an identity provider. Download the IdP metadata instead (for Auth0: https://<domain>/samlp/metadata/<client_id>).`,
      );
    } else {
      findings.add('IDP_ROLE_MISSING', `The <EntityDescriptor> has no <IDPSSODescriptor>, so it describes no identity provider.`);
    }
    for (const c of entity.commentedValues) commentInValue(c, findings);
    return;
  }
  if (entity.idpRoles.length > 1) {
    findings.add('IDP_ROLE_MULTIPLE', `The <EntityDescriptor> has ${entity.idpRoles.length} <IDPSSODescriptor> elements (lines ${entity.idpRoles.map((r) => r.line).join(', ')}); exactly one is allowed.`);
  }
  checkProtocol(role, findings);
  checkValidity(role.validUntil, role.cacheDuration, '<IDPSSODescriptor>', options.now, findings);
  report.sso = role.singleSignOnServices.map(endpointOf);
  report.slo = role.singleLogoutServices.map(endpointOf);
  checkSingleSignOn(role, options, findings);
  checkSingleLogout(role, findings);
  report.nameIdFormats = [...role.nameIdFormats];
  checkNameIdFormats(role, options, findings);
  report.wantAuthnRequestsSigned = checkWantAuthnRequestsSigned(role, findings);
  for (const c of entity.commentedValues) commentInValue(c, findings);

  const certificates = checkSigningCertificates(role, options, findings);
  report.certificates = certificates.map(({ facts, use }) => certificateOf(facts, use, options.now));
  await checkSignature(document, certificates.map((c) => c.facts), options, report, findings);
}

// ---- Entity (items 7, 8, 20) --------------------------------------------------------------------

export function checkEntityId(entity: EntityDescriptorModel, options: MetadataCheckOptions, findings: FindingList): void {
  const raw = entity.entityId;
  if (raw === null || raw.trim() === '') {
    findings.add('ENTITY_ID_MISSING', `The <EntityDescriptor> has ${raw === null ? 'no' : 'an empty'} entityID attribute.`);
    return;
  }
  const value = raw.trim();
  if (raw !== value) findings.add('ENTITY_ID_INVALID', `The entityID "${printable(value)}" has surrounding whitespace; SPs compare entity IDs exactly.`);
  if (value.length > 1024) findings.add('ENTITY_ID_INVALID', `The entityID is ${value.length} characters long; SAML allows at most 1024.`);
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(value)) {
    findings.add('ENTITY_ID_INVALID', `The entityID "${printable(value)}" is not an absolute URI (such as urn:acme.us.auth0.com or https://idp.example.com/).`);
  }
  if (options.expectEntityId !== undefined && value !== options.expectEntityId) {
    findings.add('ENTITY_ID_MISMATCH', `The entityID is "${printable(value)}", expected "${printable(options.expectEntityId)}".`);
  }
}

const DATE_TIME = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?$/;
const DURATION = /^-?P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?$/;

/** The party a metadata document describes. */
export type Party = 'IdP' | 'SP';

export function checkValidity(validUntil: string | null, cacheDuration: string | null, where: string, now: Date, findings: FindingList, party: Party = 'IdP'): void {
  if (validUntil !== null) {
    const text = validUntil.trim();
    // xs:dateTime without a zone is read as UTC, as SAML processors do.
    const at = DATE_TIME.test(text) ? new Date(/[Zz]|[+-]\d{2}:\d{2}$/.test(text) ? text : `${text}Z`) : null;
    if (!at || Number.isNaN(at.getTime())) {
      findings.add('METADATA_VALID_UNTIL_INVALID', `The validUntil "${printable(text)}" on ${where} is not an xs:dateTime.`);
    } else if (at.getTime() <= now.getTime()) {
      findings.add('METADATA_EXPIRED', `The metadata expired: validUntil on ${where} is ${at.toISOString()}, before ${now.toISOString()}. Download a fresh copy from the ${party}.`);
    }
  }
  if (cacheDuration !== null && !DURATION.test(cacheDuration.trim())) {
    findings.add('METADATA_CACHE_DURATION_INVALID', `The cacheDuration "${printable(cacheDuration)}" on ${where} is not an xs:duration (such as PT30M).`);
  }
}

/** XML signatures find their target by ID; two elements with one ID are how wrapping attacks hide. */
export function checkDuplicateIds(document: XmlDocument, findings: FindingList): void {
  const seen = new Map<string, number>();
  for (const element of descendants(document.root)) {
    for (const a of element.attributes) {
      if (a.namespaceUri !== null || (a.localName !== 'ID' && a.localName !== 'Id' && a.localName !== 'id')) continue;
      const first = seen.get(a.value);
      if (first !== undefined) {
        findings.add('XML_DUPLICATE_ID', `The ID "${printable(a.value, 80)}" appears on line ${first} and again on line ${element.line}; IDs must be unique.`);
        return;
      }
      seen.set(a.value, element.line);
    }
  }
}

export function commentInValue(c: { name: string; line: number }, findings: FindingList): void {
  findings.add(
    'XML_COMMENT_IN_VALUE',
    `The value of ${c.name} on line ${c.line} contains an XML comment; a comment inside a value is how comment-injection attacks make parsers read different values. Remove it.`,
  );
}

// ---- IdP role (items 9-13) ----------------------------------------------------------------------

function checkProtocol(role: IdpRoleModel, findings: FindingList): void {
  const protocols = (role.protocolSupportEnumeration ?? '').split(/\s+/).filter(Boolean);
  if (!protocols.includes(SAML2_PROTOCOL)) {
    findings.add(
      'PROTOCOL_UNSUPPORTED',
      `The <IDPSSODescriptor> on line ${role.line} does not list ${SAML2_PROTOCOL} in protocolSupportEnumeration${protocols.length ? ` (it lists ${printable(protocols.join(' '))})` : ''}.`,
    );
  }
}

export type LocationVerdict = { kind: 'ok'; url: URL } | { kind: 'loopback-http'; url: URL } | { kind: 'not-https'; url: URL } | { kind: 'invalid'; reason: string };

export function judgeLocation(raw: string | null): LocationVerdict {
  const text = (raw ?? '').trim();
  if (text === '') return { kind: 'invalid', reason: 'has no Location' };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { kind: 'invalid', reason: `has the Location "${printable(text)}", which is not an absolute URL` };
  }
  if (url.username !== '' || url.password !== '') return { kind: 'invalid', reason: 'has a Location with a user name or password in it' };
  if (url.hash !== '') return { kind: 'invalid', reason: `has a Location with a #fragment ("${printable(text)}")` };
  if (url.protocol === 'https:') return { kind: 'ok', url };
  if (url.protocol === 'http:') return isLoopbackHost(url.hostname) ? { kind: 'loopback-http', url } : { kind: 'not-https', url };
  return { kind: 'invalid', reason: `has the Location "${printable(text)}", which is not an https URL` };
}

function checkSingleSignOn(role: IdpRoleModel, options: MetadataCheckOptions, findings: FindingList): void {
  const usable: { endpoint: EndpointModel; url: URL | null }[] = [];
  const ignored = new Set<string>();
  for (const endpoint of role.singleSignOnServices) {
    const binding = (endpoint.binding ?? '').trim();
    if (binding !== SAML_BINDINGS.redirect && binding !== SAML_BINDINGS.post) {
      ignored.add(binding || '(no Binding)');
      continue;
    }
    const where = `The SingleSignOnService (${shortBinding(binding)}) on line ${endpoint.line}`;
    const verdict = judgeLocation(endpoint.location);
    if (verdict.kind === 'invalid') {
      findings.add('SSO_LOCATION_INVALID', `${where} ${verdict.reason}.`);
      usable.push({ endpoint, url: null });
      continue;
    }
    const loopbackHttp = options.loopbackHttp ?? 'warn';
    if (verdict.kind === 'not-https' || (verdict.kind === 'loopback-http' && loopbackHttp === 'error')) {
      findings.add('SSO_NOT_HTTPS', `${where} uses plain http (${printable(verdict.url.href)}); SAML messages would travel unencrypted. The IdP's SSO URL must be https.`);
    } else if (verdict.kind === 'loopback-http' && loopbackHttp === 'warn') {
      findings.add('SSO_LOOPBACK_HTTP', `${where} uses plain http on a loopback host (${printable(verdict.url.href)}): fine for a local sandbox, never for production.`);
    }
    usable.push({ endpoint, url: verdict.url });
  }
  if (usable.length === 0) {
    findings.add(
      'SSO_MISSING',
      `The <IDPSSODescriptor> has no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding${role.singleSignOnServices.length ? ` (only ${[...ignored].map(shortBinding).join(', ')})` : ''}, so an SP cannot send users to it.`,
    );
  } else if (!usable.some((u) => u.endpoint.binding?.trim() === SAML_BINDINGS.redirect)) {
    findings.add('SSO_REDIRECT_MISSING', 'No SingleSignOnService uses the HTTP-Redirect binding, which SPs use for AuthnRequests by default (saml2int SDP-IDP02).');
  }
  if (ignored.size > 0 && usable.length > 0) {
    findings.add('SSO_BINDING_IGNORED', `SingleSignOnService endpoints with the bindings ${[...ignored].map(shortBinding).join(', ')} are ignored: only HTTP-Redirect and HTTP-POST are used for browser SSO.`);
  }
  if (options.expectHost !== undefined) {
    const expected = normaliseExpectedHost(options.expectHost);
    for (const { endpoint, url } of usable) {
      if (!url) continue;
      const actual = expected.includes(':') ? url.host.toLowerCase() : url.hostname.toLowerCase();
      if (actual !== expected) {
        findings.add('SSO_HOST_MISMATCH', `The SingleSignOnService (${shortBinding(endpoint.binding ?? '')}) on line ${endpoint.line} is on ${printable(actual)}, expected ${printable(expected)}.`);
      }
    }
  }
}

function normaliseExpectedHost(value: string): string {
  const text = value.trim().toLowerCase();
  if (text.includes('://')) {
    try {
      return new URL(text).host;
    } catch {
      return text;
    }
  }
  return text.replace(/\/.*$/, '');
}

function checkSingleLogout(role: IdpRoleModel, findings: FindingList): void {
  for (const endpoint of role.singleLogoutServices) {
    for (const [attribute, value] of [
      ['Location', endpoint.location],
      ['ResponseLocation', endpoint.responseLocation],
    ] as const) {
      if (attribute === 'ResponseLocation' && value === null) continue;
      const verdict = judgeLocation(value);
      const where = `The SingleLogoutService (${shortBinding(endpoint.binding ?? '')}) on line ${endpoint.line}`;
      if (verdict.kind === 'invalid') findings.add('SLO_LOCATION_INVALID', `${where} ${attribute === 'Location' ? verdict.reason : verdict.reason.replace('Location', 'ResponseLocation')}; single logout will not work.`);
      else if (verdict.kind === 'not-https') findings.add('SLO_LOCATION_INVALID', `${where} uses plain http for its ${attribute} (${printable(verdict.url.href)}).`);
    }
  }
}

export function checkNameIdFormats(role: { nameIdFormats: readonly string[] }, options: MetadataCheckOptions, findings: FindingList): void {
  for (const format of new Set(role.nameIdFormats)) {
    if (!KNOWN_NAMEID_FORMATS.has(format)) findings.add('NAMEID_FORMAT_UNKNOWN', `The NameIDFormat "${printable(format)}" is not a SAML-defined format.`);
  }
  const required = options.requireNameIdFormat;
  if (required === undefined) return;
  if (role.nameIdFormats.length === 0) {
    findings.add('NAMEID_FORMAT_UNLISTED', `The IdP lists no NameIDFormat, so it cannot be confirmed that it issues ${required}.`);
  } else if (!role.nameIdFormats.includes(required)) {
    findings.add('NAMEID_FORMAT_NOT_OFFERED', `The IdP does not offer the NameID format ${required} that the SP needs (it lists ${printable(role.nameIdFormats.join(', '))}).`);
  }
}

function checkWantAuthnRequestsSigned(role: IdpRoleModel, findings: FindingList): boolean | null {
  const raw = role.wantAuthnRequestsSigned;
  if (raw === null) return null;
  const value = raw.trim();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  findings.add('WANT_AUTHN_REQUESTS_SIGNED_INVALID', `WantAuthnRequestsSigned is "${printable(value)}"; it must be true, false, 1 or 0.`);
  return null;
}

// ---- Keys and certificates (items 14-19) --------------------------------------------------------

export interface SigningCertificate {
  facts: CertificateFacts;
  use: 'signing' | 'unspecified';
}

export function checkSigningCertificates(
  descriptor: { keyDescriptors: IdpRoleModel['keyDescriptors'] },
  options: MetadataCheckOptions,
  findings: FindingList,
  role: 'idp' | 'sp' = 'idp',
): SigningCertificate[] {
  const signing = descriptor.keyDescriptors.filter((kd) => kd.use === null || kd.use.trim() === 'signing');
  for (const kd of descriptor.keyDescriptors) {
    if (kd.use !== null && kd.use.trim() !== 'signing' && kd.use.trim() !== 'encryption') {
      findings.add('KEY_USE_INVALID', `The KeyDescriptor on line ${kd.line} has use="${printable(kd.use)}"; it must be "signing" or "encryption" (or absent).`);
    }
  }
  const certificates: SigningCertificate[] = [];
  const seen = new Set<string>();
  let attempted = 0;
  for (const kd of signing) {
    if (kd.certificates.length === 0) {
      findings.add('KEY_DESCRIPTOR_NO_CERTIFICATE', `The signing KeyDescriptor on line ${kd.line} holds no ds:X509Certificate, so its key cannot be used.`);
    }
    for (const cert of kd.certificates) {
      attempted++;
      const parsed = parseCertificateElementText(cert.text);
      if (!parsed.ok) {
        const code = parsed.problem === 'base64' ? 'CERT_INVALID_BASE64' : 'CERT_UNPARSABLE';
        findings.add(code, `The X509Certificate on line ${cert.line} ${parsed.message}.`);
        continue;
      }
      if (seen.has(parsed.certificate.sha256)) continue;
      seen.add(parsed.certificate.sha256);
      certificates.push({ facts: parsed.certificate, use: kd.use === null ? 'unspecified' : 'signing' });
    }
  }
  if (attempted === 0) {
    // An SP needs a signing key only when it signs its requests; its checker decides.
    if (role === 'idp') missingIdpSigningKey(findings);
    return certificates;
  }

  const now = options.now.getTime();
  for (const { facts } of certificates) {
    const who = `The signing certificate ${describeCertificate(facts)}`;
    if (facts.keyAlgorithm === 'RSA' || facts.keyAlgorithm === 'RSA-PSS') {
      if (facts.keyBits === null || facts.keyBits < 2048) findings.add('CERT_KEY_TOO_SMALL', `${who} has a ${facts.keyBits ?? '?'}-bit RSA key; at least 2048 bits are required.`);
    } else if (facts.keyAlgorithm === 'EC') {
      if (facts.keyBits === null || facts.keyBits < 256) findings.add('CERT_KEY_TOO_SMALL', `${who} has a ${facts.keyBits ?? '?'}-bit EC key; at least 256 bits are required.`);
    } else {
      findings.add('CERT_KEY_UNSUPPORTED', `${who} has a ${facts.keyAlgorithm} key; SAML SPs expect RSA (or EC) signing keys.`);
    }
    if (facts.signatureHash === 'md5' || facts.signatureHash === 'md2') {
      findings.add('CERT_SIGNATURE_MD5', `${who} is signed with ${facts.signatureAlgorithm}, which is broken; issue a new certificate.`);
    } else if (facts.signatureHash === 'sha1') {
      findings.add(
        'CERT_SIGNATURE_SHA1',
        `${who} is signed with ${facts.signatureAlgorithm} (SHA-1). SAML trusts the key, not the certificate's own signature, so this still works; rotate to a SHA-256 certificate when convenient.`,
      );
    }
    if (facts.notBefore.getTime() > now + NOT_BEFORE_SKEW_MS) {
      findings.add('CERT_NOT_YET_VALID', `${who} is not valid until ${facts.notBefore.toISOString()} (now is ${options.now.toISOString()}); check the IdP's clock or the --now time.`);
    }
  }
  if (role === 'sp') {
    // The IdP trusts the SP's key, not its certificate's dates (saml2int): an expired SP certificate still
    // verifies AuthnRequests, so it is worth a warning, never a refusal.
    for (const { facts } of certificates) {
      if (facts.notAfter.getTime() <= now) {
        findings.add('SP_CERT_EXPIRED', `The SP signing certificate ${describeCertificate(facts)} expired on ${facts.notAfter.toISOString()}; the IdP still verifies its requests with the key, but ask the SP to publish a current one.`);
      }
    }
    return certificates;
  }
  const current = certificates.filter(({ facts }) => facts.notBefore.getTime() <= now + NOT_BEFORE_SKEW_MS && facts.notAfter.getTime() > now);
  for (const { facts } of certificates) {
    if (facts.notAfter.getTime() > now) continue;
    const ago = -wholeDays(facts.notAfter.getTime() - now);
    const when = `expired on ${facts.notAfter.toISOString()} (${ago} day${ago === 1 ? '' : 's'} before ${options.now.toISOString().slice(0, 10)})`;
    if (current.length === 0) {
      findings.add('CERT_EXPIRED', `The signing certificate ${describeCertificate(facts)} ${when}, and no other signing certificate is valid; SPs will reject the IdP's responses. Renew the IdP's signing key and download fresh metadata.`);
    } else {
      findings.add('CERT_EXPIRED_ROTATION', `The signing certificate ${describeCertificate(facts)} ${when}; another signing certificate is still valid (a key rotation). Remove the expired one when the rotation is done.`);
    }
  }
  for (const { facts } of current) {
    const daysLeft = wholeDays(facts.notAfter.getTime() - now);
    if (daysLeft < options.warnDays) {
      findings.add('CERT_EXPIRES_SOON', `The signing certificate ${describeCertificate(facts)} expires on ${facts.notAfter.toISOString()}, in ${daysLeft} day${daysLeft === 1 ? '' : 's'}; rotate the IdP's signing key and update the SP before then.`);
    }
  }
  if (certificates.length > MAX_SIGNING_CERTIFICATES) {
    findings.add('CERT_TOO_MANY', `The document has ${certificates.length} distinct signing certificates; some SPs (Google) accept at most ${MAX_SIGNING_CERTIFICATES}. Remove retired keys.`);
  }
  return certificates;
}

function missingIdpSigningKey(findings: FindingList): void {
  findings.add(
    'KEY_SIGNING_MISSING',
    `The <IDPSSODescriptor> has no signing certificate (a KeyDescriptor with use="signing" or no use, holding a ds:X509Certificate), so an SP cannot verify its responses.`,
  );
}

// ---- Signature (items 21-23) --------------------------------------------------------------------

export async function checkSignature(
  document: XmlDocument,
  documentCertificates: CertificateFacts[],
  options: MetadataCheckOptions,
  report: Pick<MetadataReport, 'signed' | 'signature'>,
  findings: FindingList,
  party: Party = 'IdP',
): Promise<void> {
  const trustedInput = options.trustedCertificates ?? [];
  // Most metadata (all of Auth0's) is unsigned: the signature module and xml-crypto stay unloaded.
  if (![...descendants(document.root)].some((e) => e.namespaceUri === XMLDSIG_NS && e.localName === 'Signature')) {
    if (trustedInput.length > 0) {
      findings.add('SIGNATURE_MISSING', 'A signing certificate was given to verify the document with, but the document is not signed.');
    }
    return;
  }
  const { inspectSignature, verifySignature } = await import('./signature.js');
  const inspection = inspectSignature(document);
  report.signed = true;
  findings.addAll(inspection.findings);
  const pinned = trustedInput.length > 0;
  report.signature = {
    verified: false,
    pinned,
    signerSha256: null,
    signatureAlgorithm: inspection.signatureAlgorithm,
    digestAlgorithm: inspection.digestAlgorithm,
  };
  if (!inspection.signature) return;

  const trusted: CertificateFacts[] = [];
  trustedInput.forEach((text, i) => {
    const parsed = parseTrustedCertificate(text);
    if (parsed.ok) trusted.push(parsed.certificate);
    else findings.add('TRUSTED_CERT_INVALID', `Trusted certificate #${i + 1} ${parsed.message}.`);
  });
  if (pinned && trusted.length === 0) return;

  const candidates = pinned ? trusted : documentCertificates;
  const describe = pinned
    ? `the pinned certificate${trusted.length === 1 ? '' : 's'} (${trusted.map((c) => c.sha256.slice(0, 23) + '…').join(', ')})`
    : `the document's own signing certificate${candidates.length === 1 ? '' : 's'}`;
  const outcome = await verifySignature(document, candidates, describe);
  findings.addAll(outcome.findings);
  report.signature.verified = outcome.verified;
  report.signature.signerSha256 = outcome.signerSha256;
  if (outcome.verified && !pinned) {
    findings.add(
      'SIGNATURE_SIGNER_NOT_PINNED',
      `The signature verifies with a certificate from the document itself, which proves integrity but not who signed it; pass the ${party}'s certificate (--signing-cert) to pin the signer.`,
    );
  }
}

// ---- Report -------------------------------------------------------------------------------------

export function emptyReport(): MetadataReport {
  return {
    valid: false,
    entityId: null,
    sso: [],
    slo: [],
    nameIdFormats: [],
    wantAuthnRequestsSigned: null,
    certificates: [],
    signed: false,
    signature: null,
    schemaValidated: false,
    errors: [],
    warnings: [],
  };
}

export function finish<R extends { errors: Finding[]; warnings: Finding[]; valid: boolean }>(report: R, findings: FindingList): R {
  report.errors = findings.errors;
  report.warnings = findings.warnings;
  report.valid = findings.errors.length === 0;
  return report;
}

export function endpointOf(endpoint: EndpointModel): MetadataEndpoint {
  const out: MetadataEndpoint = { binding: (endpoint.binding ?? '').trim(), location: (endpoint.location ?? '').trim() };
  if (endpoint.responseLocation !== null) out.responseLocation = endpoint.responseLocation.trim();
  return out;
}

export function certificateOf(facts: CertificateFacts, use: 'signing' | 'unspecified', now: Date): MetadataCertificate {
  return {
    sha256: facts.sha256,
    subject: facts.subject,
    issuer: facts.issuer,
    notBefore: facts.notBefore.toISOString(),
    notAfter: facts.notAfter.toISOString(),
    daysLeft: wholeDays(facts.notAfter.getTime() - now.getTime()),
    expired: facts.notAfter.getTime() <= now.getTime(),
    keyAlgorithm: facts.keyAlgorithm,
    keyBits: facts.keyBits,
    signatureAlgorithm: facts.signatureAlgorithm,
    use,
  };
}

function wholeDays(ms: number): number {
  return Math.trunc(ms / DAY_MS) || 0;
}

export function shortBinding(binding: string): string {
  return binding.replace(/^urn:oasis:names:tc:SAML:2\.0:bindings:/, '');
}
