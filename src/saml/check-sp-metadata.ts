/**
 * The SAML 2.0 SP metadata checker (`metadata check --role sp`, `apply --sp-metadata`): the same hardened
 * XML layer, entity, validity, duplicate-ID, certificate and signature checks as the IdP checker, then
 * the SP role (saml-metadata-2.0-os §2.4.4): one <SPSSODescriptor>, the HTTP-POST AssertionConsumerService
 * an IdP posts to (Artifact, PAOS and other bindings are ignored: Auth0 only posts), the NameID formats,
 * WantAssertionsSigned, AuthnRequestsSigned and the SP's signing certificate. Pure apart from the optional
 * schema and signature steps; never throws on bad input.
 */
import { FindingList, type Finding } from './findings.js';
import {
  certificateOf,
  checkMetadataDocument,
  checkNameIdFormats,
  checkSignature,
  checkSigningCertificates,
  checkValidity,
  commentInValue,
  endpointOf,
  judgeLocation,
  shortBinding,
  type MetadataCertificate,
  type MetadataCheckOptions,
  type MetadataEndpoint,
  type MetadataSignature,
} from './check-metadata.js';
import { SAML2_PROTOCOL, SAML_BINDINGS, type EntityDescriptorModel, type IndexedEndpointModel, type MetadataDocument, type SpRoleModel } from './idp-metadata.js';
import { printable, tagName, type XmlDocument } from './xml.js';

export interface AssertionConsumerService {
  binding: string;
  location: string;
  /** The `index` attribute as a number, null when absent or invalid. */
  index: number | null;
  isDefault: boolean | null;
}

/** The `--json` document of `metadata check --role sp`; fields are only ever added. */
export interface SpMetadataReport {
  valid: boolean;
  role: 'sp';
  entityId: string | null;
  /** Every AssertionConsumerService, document order. */
  assertionConsumerServices: AssertionConsumerService[];
  /** The HTTP-POST ACS an IdP posts to: isDefault="true", else the first not marked isDefault="false", else the first. */
  acs: string | null;
  slo: MetadataEndpoint[];
  nameIdFormats: string[];
  authnRequestsSigned: boolean | null;
  wantAssertionsSigned: boolean | null;
  /** The SP's signing certificates (use absent or `signing`), with their DER in base64 (the IdP may check requests with it). */
  certificates: (MetadataCertificate & { base64: string })[];
  signed: boolean;
  signature: MetadataSignature | null;
  schemaValidated: boolean;
  errors: Finding[];
  warnings: Finding[];
}

/** Checks one SAML 2.0 SP metadata document. Never throws on bad input. */
export function checkSpMetadata(input: Uint8Array | string, options: MetadataCheckOptions): Promise<SpMetadataReport> {
  return checkMetadataDocument(input, options, emptySpReport(), { party: 'SP', notEntity: describeNotSpEntity, role: checkSpEntity });
}

function describeNotSpEntity(metadata: Exclude<MetadataDocument, { kind: 'entity' }>, findings: FindingList): void {
  if (metadata.kind === 'aggregate') {
    findings.add('METADATA_AGGREGATE', `The document is a federation aggregate (<EntitiesDescriptor>) holding ${metadata.entityIds.length} entities; pass the metadata of the one SP to use (its own <EntityDescriptor> document).`);
    return;
  }
  const root = metadata.root;
  const ns = root.namespaceUri ? ` in namespace ${root.namespaceUri}` : ' in no namespace';
  const hint = root.localName === 'EntityDescriptor' ? ' (right name, wrong namespace: it must be urn:oasis:names:tc:SAML:2.0:metadata)' : '';
  findings.add(root.localName.toLowerCase() === 'html' ? 'INPUT_HTML' : 'METADATA_WRONG_ROOT', `The document element is ${tagName(root)}${ns}${hint}; SAML metadata starts with <EntityDescriptor> in urn:oasis:names:tc:SAML:2.0:metadata.`);
}

async function checkSpEntity(document: XmlDocument, entity: EntityDescriptorModel, options: MetadataCheckOptions, report: SpMetadataReport, findings: FindingList): Promise<void> {
  const role = entity.spRoles[0];
  if (!role) {
    if (entity.idpRoles.length > 0) {
      findings.add('METADATA_NOT_SP', 'This is IdP metadata (it has an <IDPSSODescriptor> and no <SPSSODescriptor>): pass the metadata of the application (the service provider) instead; check IdP metadata without --role sp.');
    } else {
      findings.add('SP_ROLE_MISSING', 'The <EntityDescriptor> has no <SPSSODescriptor>, so it describes no service provider.');
    }
  } else {
    if (entity.spRoles.length > 1) {
      findings.add('SP_ROLE_MULTIPLE', `The <EntityDescriptor> has ${entity.spRoles.length} <SPSSODescriptor> elements (lines ${entity.spRoles.map((r) => r.line).join(', ')}); exactly one is allowed.`);
    }
    checkSpRole(role, options, report, findings);
    const certificates = checkSigningCertificates(role, options, findings, 'sp');
    report.certificates = certificates.map(({ facts, use }) => ({ ...certificateOf(facts, use, options.now), base64: facts.base64 }));
    if (report.authnRequestsSigned === true && certificates.length === 0) {
      findings.add('SP_SIGNING_CERT_MISSING', 'AuthnRequestsSigned is true but the <SPSSODescriptor> holds no usable signing certificate, so the IdP cannot verify its requests. Ask the SP for metadata with its signing certificate.');
    }
    await checkSignature(document, certificates.map((c) => c.facts), options, report, findings, 'SP');
  }
  for (const c of entity.commentedValues) commentInValue(c, findings);
}

function checkSpRole(role: SpRoleModel, options: MetadataCheckOptions, report: SpMetadataReport, findings: FindingList): void {
  const protocols = (role.protocolSupportEnumeration ?? '').split(/\s+/).filter(Boolean);
  if (!protocols.includes(SAML2_PROTOCOL)) {
    findings.add('PROTOCOL_UNSUPPORTED', `The <SPSSODescriptor> on line ${role.line} does not list ${SAML2_PROTOCOL} in protocolSupportEnumeration${protocols.length ? ` (it lists ${printable(protocols.join(' '))})` : ''}.`);
  }
  checkValidity(role.validUntil, role.cacheDuration, '<SPSSODescriptor>', options.now, findings, 'SP');
  report.authnRequestsSigned = xsBoolean(role.authnRequestsSigned, 'AuthnRequestsSigned', 'AUTHN_REQUESTS_SIGNED_INVALID', findings);
  report.wantAssertionsSigned = xsBoolean(role.wantAssertionsSigned, 'WantAssertionsSigned', 'WANT_ASSERTIONS_SIGNED_INVALID', findings);
  report.nameIdFormats = role.nameIdFormats.filter((f) => f !== '');
  checkNameIdFormats({ nameIdFormats: report.nameIdFormats }, options, findings);
  report.slo = role.singleLogoutServices.map(endpointOf);
  report.assertionConsumerServices = role.assertionConsumerServices.map((acs) => ({
    ...endpointOf(acs),
    index: indexOf(acs),
    isDefault: acs.isDefault === null ? null : parseXsBoolean(acs.isDefault),
  }));
  report.acs = chooseAcs(role.assertionConsumerServices, options, findings);
}

/**
 * The HTTP-POST endpoint an IdP posts the response to, by §2.2.3's default-endpoint rule among the POST
 * endpoints: the first with isDefault="true", else the first without isDefault, else the first. (`index`
 * names an endpoint an AuthnRequest may ask for; it does not order them.)
 */
function chooseAcs(endpoints: readonly IndexedEndpointModel[], options: MetadataCheckOptions, findings: FindingList): string | null {
  const ignored = new Set<string>();
  const seenIndex = new Map<number, number>();
  const usable: IndexedEndpointModel[] = [];
  for (const endpoint of endpoints) {
    const where = `The AssertionConsumerService on line ${endpoint.line}`;
    const index = endpoint.index === null ? null : indexOf(endpoint);
    if (endpoint.index !== null && index === null) {
      findings.add('ACS_INDEX_INVALID', `${where} has index="${printable(endpoint.index)}"; it must be a number from 0 to 65535.`);
    } else if (index !== null) {
      const first = seenIndex.get(index);
      if (first !== undefined) findings.add('ACS_INDEX_INVALID', `${where} has index="${index}", already used on line ${first}; indexes must be unique.`);
      else seenIndex.set(index, endpoint.line);
    }
    if (endpoint.isDefault !== null && parseXsBoolean(endpoint.isDefault) === null) {
      findings.add('ACS_INDEX_INVALID', `${where} has isDefault="${printable(endpoint.isDefault)}"; it must be true, false, 1 or 0.`);
    }
    const binding = (endpoint.binding ?? '').trim();
    if (binding !== SAML_BINDINGS.post) {
      ignored.add(binding || '(no Binding)');
      continue;
    }
    usable.push(endpoint);
  }
  if (usable.length === 0) {
    findings.add(
      'ACS_MISSING',
      `The <SPSSODescriptor> has no AssertionConsumerService with the HTTP-POST binding${ignored.size ? ` (only ${[...ignored].map(shortBinding).join(', ')})` : ''}; an IdP such as Auth0 can only post its response.`,
    );
    return null;
  }
  if (ignored.size > 0) {
    findings.add('ACS_BINDING_IGNORED', `AssertionConsumerService endpoints with the bindings ${[...ignored].map(shortBinding).join(', ')} are ignored: the IdP posts its response (HTTP-POST).`);
  }
  const defaults = usable.filter((e) => e.isDefault !== null && parseXsBoolean(e.isDefault) === true);
  if (defaults.length > 1) {
    findings.add('ACS_DEFAULT_MULTIPLE', `${defaults.length} HTTP-POST AssertionConsumerService endpoints say isDefault="true" (lines ${defaults.map((e) => e.line).join(', ')}); the first is used.`);
  }
  const chosen = defaults[0] ?? usable.find((e) => e.isDefault === null) ?? usable[0]!;
  const verdict = judgeLocation(chosen.location);
  const where = `The HTTP-POST AssertionConsumerService on line ${chosen.line}`;
  if (verdict.kind === 'invalid') {
    findings.add('ACS_LOCATION_INVALID', `${where} ${verdict.reason}.`);
    return null;
  }
  const loopbackHttp = options.loopbackHttp ?? 'warn';
  if (verdict.kind === 'not-https' || (verdict.kind === 'loopback-http' && loopbackHttp === 'error')) {
    findings.add('ACS_NOT_HTTPS', `${where} uses plain http (${printable(verdict.url.href)}); the signed assertion would travel unencrypted. The ACS must be https.`);
  } else if (verdict.kind === 'loopback-http' && loopbackHttp === 'warn') {
    findings.add('ACS_LOOPBACK_HTTP', `${where} uses plain http on a loopback host (${printable(verdict.url.href)}): fine for a local sandbox, never for production.`);
  }
  // As written (trimmed): the IdP must post to exactly the URL the SP compares its Destination with.
  return (chosen.location ?? '').trim();
}

function indexOf(endpoint: IndexedEndpointModel): number | null {
  const text = (endpoint.index ?? '').trim();
  if (!/^\d{1,5}$/.test(text)) return null;
  const value = Number(text);
  return value <= 65535 ? value : null;
}

function parseXsBoolean(raw: string): boolean | null {
  const value = raw.trim();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return null;
}

function xsBoolean(raw: string | null, name: string, code: 'AUTHN_REQUESTS_SIGNED_INVALID' | 'WANT_ASSERTIONS_SIGNED_INVALID', findings: FindingList): boolean | null {
  if (raw === null) return null;
  const value = parseXsBoolean(raw);
  // pysaml2 writes "True"/"False"; xs:boolean allows only true, false, 1 and 0.
  if (value === null) findings.add(code, `${name} is "${printable(raw)}"; it must be true, false, 1 or 0.`);
  return value;
}

function emptySpReport(): SpMetadataReport {
  return {
    valid: false,
    role: 'sp',
    entityId: null,
    assertionConsumerServices: [],
    acs: null,
    slo: [],
    nameIdFormats: [],
    authnRequestsSigned: null,
    wantAssertionsSigned: null,
    certificates: [],
    signed: false,
    signature: null,
    schemaValidated: false,
    errors: [],
    warnings: [],
  };
}
