/**
 * IdP metadata that carries a second signing certificate: Auth0's own metadata (already checked)
 * with one more `<KeyDescriptor use="signing">` for the tenant's next key. An SP that reads every
 * signing KeyDescriptor (SAML 2.0 metadata §2.4.1.1 allows several) trusts both keys, so a manual
 * upload of this file before a rotation keeps SSO working through it.
 *
 * Only ever applied to metadata that passed the checks (no DOCTYPE, size and depth caps); the
 * result is checked again by the caller.
 */
import { DOMParser, XMLSerializer, type Element } from '@xmldom/xmldom';

const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';
const DS = 'http://www.w3.org/2000/09/xmldsig#';

/** `metadataXml` with `certificatePem` added as a further signing key of its IDPSSODescriptor. */
export function withAdditionalSigningCertificate(metadataXml: string, certificatePem: string): string {
  const doc = new DOMParser().parseFromString(metadataXml, 'text/xml');
  const descriptor = doc.getElementsByTagNameNS(MD, 'IDPSSODescriptor')[0];
  if (!descriptor) throw new Error('the metadata has no IDPSSODescriptor');
  const keyDescriptors = Array.from(descriptor.childNodes).filter(
    (n): n is Element => n.nodeType === 1 && (n as Element).namespaceURI === MD && (n as Element).localName === 'KeyDescriptor',
  );
  const signing = keyDescriptors.find((k) => (k.getAttribute('use') ?? 'signing') === 'signing');
  if (!signing) throw new Error('the metadata has no signing KeyDescriptor');
  const copy = signing.cloneNode(true) as Element;
  const certificates = copy.getElementsByTagNameNS(DS, 'X509Certificate');
  if (certificates.length !== 1) throw new Error('the signing KeyDescriptor does not hold exactly one X509Certificate');
  const base64 = certificatePem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  const element = certificates[0]!;
  while (element.firstChild) element.removeChild(element.firstChild);
  element.appendChild(doc.createTextNode(base64));
  // Right after the current key's descriptor: KeyDescriptors come first in an SSODescriptor.
  descriptor.insertBefore(doc.createTextNode('\n    '), signing.nextSibling);
  descriptor.insertBefore(copy, signing.nextSibling);
  return new XMLSerializer().serializeToString(doc);
}
