/**
 * The SAML 2.0 metadata model (saml-metadata-2.0-os §2), read from the hardened element tree by
 * namespace URI and local name, never by prefix: Auth0 writes the metadata namespace as the default
 * namespace, Okta and Google as `md:`. Reading is separate from judging (check-metadata.ts) so the
 * model holds values exactly as written (trimmed only where the schema type collapses whitespace).
 */
import { attributeValue, childElements, descendants, tagName, textContent, type XmlDocument, type XmlElement } from './xml.js';

export const SAML_METADATA_NS = 'urn:oasis:names:tc:SAML:2.0:metadata';
export const XMLDSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
export const SAML2_PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';
export const SAML_BINDINGS = {
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
} as const;

export type MetadataDocument =
  | { readonly kind: 'entity'; readonly entity: EntityDescriptorModel }
  | { readonly kind: 'aggregate'; readonly name: string | null; readonly entityIds: readonly string[]; readonly idpEntityIds: readonly string[] }
  | { readonly kind: 'other'; readonly root: XmlElement };

export interface EntityDescriptorModel {
  readonly element: XmlElement;
  /** As written (not trimmed: surrounding whitespace is itself an error). Null when absent. */
  readonly entityId: string | null;
  readonly id: string | null;
  readonly validUntil: string | null;
  readonly cacheDuration: string | null;
  readonly idpRoles: readonly IdpRoleModel[];
  readonly spRoleCount: number;
  readonly spRoles: readonly SpRoleModel[];
  /** Elements whose text this model reads but which contain a comment (item 24). */
  readonly commentedValues: readonly { readonly name: string; readonly line: number }[];
}

export interface IdpRoleModel {
  readonly line: number;
  readonly protocolSupportEnumeration: string | null;
  readonly wantAuthnRequestsSigned: string | null;
  readonly validUntil: string | null;
  readonly cacheDuration: string | null;
  readonly keyDescriptors: readonly KeyDescriptorModel[];
  readonly singleSignOnServices: readonly EndpointModel[];
  readonly singleLogoutServices: readonly EndpointModel[];
  /** Trimmed (xs:anyURI collapses whitespace), document order. */
  readonly nameIdFormats: readonly string[];
}

/** An `<SPSSODescriptor>` (saml-metadata-2.0-os §2.4.4), values as written. */
export interface SpRoleModel {
  readonly line: number;
  readonly protocolSupportEnumeration: string | null;
  readonly authnRequestsSigned: string | null;
  readonly wantAssertionsSigned: string | null;
  readonly validUntil: string | null;
  readonly cacheDuration: string | null;
  readonly keyDescriptors: readonly KeyDescriptorModel[];
  readonly assertionConsumerServices: readonly IndexedEndpointModel[];
  readonly singleLogoutServices: readonly EndpointModel[];
  /** Trimmed (xs:anyURI collapses whitespace), document order. */
  readonly nameIdFormats: readonly string[];
}

/** An IndexedEndpointType (§2.2.3): `index` and `isDefault` as written, null when absent. */
export interface IndexedEndpointModel extends EndpointModel {
  readonly index: string | null;
  readonly isDefault: string | null;
}

export interface EndpointModel {
  readonly binding: string | null;
  readonly location: string | null;
  readonly responseLocation: string | null;
  readonly line: number;
}

export interface KeyDescriptorModel {
  /** `signing`, `encryption`, something invalid, or null (meaning both). */
  readonly use: string | null;
  /** Raw text of each `ds:KeyInfo/ds:X509Data/ds:X509Certificate`. */
  readonly certificates: readonly { readonly text: string; readonly line: number }[];
  readonly line: number;
}

/** Classifies the document element and reads an EntityDescriptor into the model. Pure. */
export function readMetadataDocument(document: XmlDocument): MetadataDocument {
  const root = document.root;
  if (root.namespaceUri === SAML_METADATA_NS && root.localName === 'EntitiesDescriptor') {
    const entities = [...descendants(root)].filter((e) => e.namespaceUri === SAML_METADATA_NS && e.localName === 'EntityDescriptor');
    const idOf = (e: XmlElement) => (attributeValue(e, 'entityID') ?? '').trim();
    return {
      kind: 'aggregate',
      name: attributeValue(root, 'Name'),
      entityIds: entities.map(idOf),
      idpEntityIds: entities.filter((e) => childElements(e, SAML_METADATA_NS, 'IDPSSODescriptor').length > 0).map(idOf),
    };
  }
  if (root.namespaceUri !== SAML_METADATA_NS || root.localName !== 'EntityDescriptor') return { kind: 'other', root };

  const commented: { name: string; line: number }[] = [];
  const text = (element: XmlElement): string => {
    const { text: value, hasComment } = textContent(element);
    if (hasComment) commented.push({ name: tagName(element), line: element.line });
    return value;
  };
  const idpRoles = childElements(root, SAML_METADATA_NS, 'IDPSSODescriptor').map((role) => readIdpRole(role, text));
  const spRoles = childElements(root, SAML_METADATA_NS, 'SPSSODescriptor').map((role) => readSpRole(role, text));
  return {
    kind: 'entity',
    entity: {
      element: root,
      entityId: attributeValue(root, 'entityID'),
      id: attributeValue(root, 'ID'),
      validUntil: attributeValue(root, 'validUntil'),
      cacheDuration: attributeValue(root, 'cacheDuration'),
      idpRoles,
      spRoleCount: spRoles.length,
      spRoles,
      commentedValues: commented,
    },
  };
}

function readIdpRole(role: XmlElement, text: (e: XmlElement) => string): IdpRoleModel {
  return {
    line: role.line,
    protocolSupportEnumeration: attributeValue(role, 'protocolSupportEnumeration'),
    wantAuthnRequestsSigned: attributeValue(role, 'WantAuthnRequestsSigned'),
    validUntil: attributeValue(role, 'validUntil'),
    cacheDuration: attributeValue(role, 'cacheDuration'),
    keyDescriptors: readKeyDescriptors(role, text),
    singleSignOnServices: childElements(role, SAML_METADATA_NS, 'SingleSignOnService').map(readEndpoint),
    singleLogoutServices: childElements(role, SAML_METADATA_NS, 'SingleLogoutService').map(readEndpoint),
    nameIdFormats: childElements(role, SAML_METADATA_NS, 'NameIDFormat').map((f) => text(f).trim()),
  };
}

function readSpRole(role: XmlElement, text: (e: XmlElement) => string): SpRoleModel {
  return {
    line: role.line,
    protocolSupportEnumeration: attributeValue(role, 'protocolSupportEnumeration'),
    authnRequestsSigned: attributeValue(role, 'AuthnRequestsSigned'),
    wantAssertionsSigned: attributeValue(role, 'WantAssertionsSigned'),
    validUntil: attributeValue(role, 'validUntil'),
    cacheDuration: attributeValue(role, 'cacheDuration'),
    keyDescriptors: readKeyDescriptors(role, text),
    assertionConsumerServices: childElements(role, SAML_METADATA_NS, 'AssertionConsumerService').map((element) => ({
      ...readEndpoint(element),
      index: attributeValue(element, 'index'),
      isDefault: attributeValue(element, 'isDefault'),
    })),
    singleLogoutServices: childElements(role, SAML_METADATA_NS, 'SingleLogoutService').map(readEndpoint),
    nameIdFormats: childElements(role, SAML_METADATA_NS, 'NameIDFormat').map((f) => text(f).trim()),
  };
}

function readKeyDescriptors(role: XmlElement, text: (e: XmlElement) => string): KeyDescriptorModel[] {
  return childElements(role, SAML_METADATA_NS, 'KeyDescriptor').map((kd) => ({
    use: attributeValue(kd, 'use'),
    line: kd.line,
    certificates: childElements(kd, XMLDSIG_NS, 'KeyInfo')
      .flatMap((ki) => childElements(ki, XMLDSIG_NS, 'X509Data'))
      .flatMap((data) => childElements(data, XMLDSIG_NS, 'X509Certificate'))
      .map((cert) => ({ text: text(cert), line: cert.line })),
  }));
}

function readEndpoint(element: XmlElement): EndpointModel {
  return {
    binding: attributeValue(element, 'Binding'),
    location: attributeValue(element, 'Location'),
    responseLocation: attributeValue(element, 'ResponseLocation'),
    line: element.line,
  };
}
