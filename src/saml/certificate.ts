/**
 * X.509 facts the metadata checks judge (items 15-18): fingerprint, names, validity, key size and the
 * algorithm the issuer signed the certificate with. Parsing is node:crypto's X509Certificate; Node 20's
 * class has no signature-algorithm property, so a tiny DER reader (RFC 5280 §4.1) supplies that and the
 * exact validity times.
 */
import { X509Certificate, type KeyObject } from 'node:crypto';

export interface CertificateFacts {
  /** Upper-case colon-separated hex SHA-256 of the DER, as `X509Certificate.fingerprint256`. */
  readonly sha256: string;
  /** One line, e.g. `CN=acme.us.auth0.com`; `''` for an empty DN (some 2016 Auth0 tenants). */
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** `RSA`, `RSA-PSS`, `EC`, `DSA`, `Ed25519`, … */
  readonly keyAlgorithm: string;
  /** RSA/DSA modulus bits, EC curve bits; null when unknown. */
  readonly keyBits: number | null;
  /** OpenSSL-style name, e.g. `sha256WithRSAEncryption`, or the dotted OID when unknown. */
  readonly signatureAlgorithm: string;
  /** The hash inside the issuer's signature algorithm, when known. */
  readonly signatureHash: SignatureHash | null;
  /** Standard base64 of the DER, no whitespace: what `<ds:X509Certificate>` should hold. */
  readonly base64: string;
}

export type SignatureHash = 'md2' | 'md5' | 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';

export type CertificateParse =
  | { readonly ok: true; readonly certificate: CertificateFacts }
  | { readonly ok: false; readonly problem: 'base64' | 'der'; readonly message: string };

/**
 * Reads the text of a `<ds:X509Certificate>` element: base64 DER, whitespace allowed between
 * characters (xs:base64Binary), nothing else. PEM armour is refused: the element must hold bare base64.
 */
export function parseCertificateElementText(text: string): CertificateParse {
  const compact = text.replace(/[ \t\r\n]+/g, '');
  if (compact.includes('-----BEGIN') || compact.includes('-----END')) {
    return { ok: false, problem: 'base64', message: 'holds PEM armour (-----BEGIN CERTIFICATE-----); the element must contain bare base64' };
  }
  if (compact === '') return { ok: false, problem: 'base64', message: 'is empty' };
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0) {
    const bad = /[^A-Za-z0-9+/=]/.exec(compact)?.[0];
    const why = bad ? `contains "${bad === '"' ? '\\"' : bad}"` : 'has the wrong length or padding';
    return { ok: false, problem: 'base64', message: `is not valid base64 (it ${why})` };
  }
  return readCertificateDer(Buffer.from(compact, 'base64'));
}

/**
 * Reads a certificate the caller trusts (a pinned signer): PEM (the first CERTIFICATE block), or
 * base64 DER with any whitespace, or raw DER bytes.
 */
export function parseTrustedCertificate(input: string | Uint8Array): CertificateParse {
  if (typeof input !== 'string') {
    const asText = Buffer.from(input).toString('latin1');
    if (asText.includes('-----BEGIN')) return parseTrustedCertificate(asText);
    return readCertificateDer(input);
  }
  const pem = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(input);
  if (input.includes('-----BEGIN') && !pem) {
    return { ok: false, problem: 'base64', message: 'has PEM armour but no CERTIFICATE block (a private key or public key is not a certificate)' };
  }
  return parseCertificateElementText(pem ? pem[1]! : input);
}

/** Parses DER bytes; every failure is a result, never an exception. */
export function readCertificateDer(der: Uint8Array): CertificateParse {
  let x509: X509Certificate;
  let structure: DerCertificate;
  try {
    structure = readDerCertificate(der);
    x509 = new X509Certificate(der);
  } catch (error) {
    return { ok: false, problem: 'der', message: `is not a DER-encoded X.509 certificate (${opensslDetail(error)})` };
  }
  // X509Certificate parses the key only when asked: a certificate whose SubjectPublicKeyInfo is
  // corrupt constructs fine and throws here.
  let key: KeyObject;
  try {
    key = x509.publicKey;
  } catch (error) {
    return { ok: false, problem: 'der', message: `has a public key that cannot be read (${opensslDetail(error)})` };
  }
  const details = key.asymmetricKeyDetails ?? {};
  const type = key.asymmetricKeyType ?? 'unknown';
  const keyAlgorithm = KEY_TYPE_NAMES[type] ?? type;
  let keyBits: number | null = null;
  if (typeof details.modulusLength === 'number') keyBits = details.modulusLength;
  else if (typeof details.namedCurve === 'string') keyBits = curveBits(details.namedCurve);
  else if (type === 'ed25519') keyBits = 256;
  else if (type === 'ed448') keyBits = 456;
  const algorithm = SIGNATURE_ALGORITHMS[structure.signatureAlgorithmOid];
  return {
    ok: true,
    certificate: {
      sha256: x509.fingerprint256,
      subject: oneLineName(x509.subject),
      issuer: oneLineName(x509.issuer),
      notBefore: structure.notBefore,
      notAfter: structure.notAfter,
      keyAlgorithm,
      keyBits,
      signatureAlgorithm: algorithm?.name ?? structure.signatureAlgorithmOid,
      signatureHash: algorithm?.hash ?? null,
      base64: Buffer.from(der).toString('base64'),
    },
  };
}

function opensslDetail(error: unknown): string {
  const detail = error instanceof Error ? error.message.replace(/^error:[0-9A-F]+:/i, '') : String(error);
  return detail.slice(0, 120);
}

/** PEM text of a certificate, for libraries that want it. */
export function pemOf(certificate: Pick<CertificateFacts, 'base64'>): string {
  const lines = certificate.base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** `CN=x` for messages; `(empty subject)` when the DN is empty. */
export function describeCertificate(certificate: Pick<CertificateFacts, 'subject' | 'sha256'>): string {
  // The subject is attacker-controlled text: no control characters in a one-line message.
  const subject = certificate.subject.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').slice(0, 200);
  const name = subject === '' ? '(empty subject)' : subject;
  return `${name} (SHA-256 ${certificate.sha256.slice(0, 23)}…)`;
}

const KEY_TYPE_NAMES: Record<string, string> = {
  rsa: 'RSA',
  'rsa-pss': 'RSA-PSS',
  ec: 'EC',
  dsa: 'DSA',
  ed25519: 'Ed25519',
  ed448: 'Ed448',
};

function curveBits(curve: string): number | null {
  const known: Record<string, number> = { prime256v1: 256, secp256k1: 256, secp384r1: 384, secp521r1: 521, 'P-256': 256, 'P-384': 384, 'P-521': 521 };
  if (known[curve] !== undefined) return known[curve];
  const digits = /(\d{3})/.exec(curve)?.[1];
  return digits ? Number(digits) : null;
}

function oneLineName(name: string | undefined): string {
  return (name ?? '').split('\n').filter((part) => part !== '').join(', ');
}

const SIGNATURE_ALGORITHMS: Record<string, { name: string; hash: SignatureHash | null }> = {
  '1.2.840.113549.1.1.2': { name: 'md2WithRSAEncryption', hash: 'md2' },
  '1.2.840.113549.1.1.4': { name: 'md5WithRSAEncryption', hash: 'md5' },
  '1.2.840.113549.1.1.5': { name: 'sha1WithRSAEncryption', hash: 'sha1' },
  '1.3.14.3.2.29': { name: 'sha1WithRSASignature', hash: 'sha1' },
  '1.2.840.113549.1.1.14': { name: 'sha224WithRSAEncryption', hash: 'sha224' },
  '1.2.840.113549.1.1.11': { name: 'sha256WithRSAEncryption', hash: 'sha256' },
  '1.2.840.113549.1.1.12': { name: 'sha384WithRSAEncryption', hash: 'sha384' },
  '1.2.840.113549.1.1.13': { name: 'sha512WithRSAEncryption', hash: 'sha512' },
  // The hash of RSASSA-PSS sits in its parameters; not needed for any rule here.
  '1.2.840.113549.1.1.10': { name: 'RSASSA-PSS', hash: null },
  '1.2.840.10045.4.1': { name: 'ecdsa-with-SHA1', hash: 'sha1' },
  '1.2.840.10045.4.3.1': { name: 'ecdsa-with-SHA224', hash: 'sha224' },
  '1.2.840.10045.4.3.2': { name: 'ecdsa-with-SHA256', hash: 'sha256' },
  '1.2.840.10045.4.3.3': { name: 'ecdsa-with-SHA384', hash: 'sha384' },
  '1.2.840.10045.4.3.4': { name: 'ecdsa-with-SHA512', hash: 'sha512' },
  '1.2.840.10040.4.3': { name: 'dsa-with-SHA1', hash: 'sha1' },
  '2.16.840.1.101.3.4.3.2': { name: 'dsa-with-SHA256', hash: 'sha256' },
  '1.3.101.112': { name: 'Ed25519', hash: null },
  '1.3.101.113': { name: 'Ed448', hash: null },
};

// ---- A DER reader for exactly what we need --------------------------------------------------

interface DerCertificate {
  signatureAlgorithmOid: string;
  notBefore: Date;
  notAfter: Date;
}

interface Tlv {
  tag: number;
  /** Content start and end offsets. */
  start: number;
  end: number;
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } (RFC 5280 §4.1). */
function readDerCertificate(der: Uint8Array): DerCertificate {
  const cert = readTlv(der, 0, der.length, 0x30);
  if (cert.end !== der.length) throw new Error('trailing bytes after the certificate');
  const tbs = readTlv(der, cert.start, cert.end, 0x30);
  const signatureAlgorithm = readTlv(der, tbs.end, cert.end, 0x30);
  const oid = readTlv(der, signatureAlgorithm.start, signatureAlgorithm.end, 0x06);

  // tbsCertificate: [0] version OPTIONAL, serialNumber, signature, issuer, validity, …
  let field = readTlv(der, tbs.start, tbs.end);
  if (field.tag === 0xa0) field = readTlv(der, field.end, tbs.end);
  if (field.tag !== 0x02) throw new Error('no serial number');
  const innerSignature = readTlv(der, field.end, tbs.end, 0x30);
  const issuer = readTlv(der, innerSignature.end, tbs.end, 0x30);
  const validity = readTlv(der, issuer.end, tbs.end, 0x30);
  const notBefore = readTlv(der, validity.start, validity.end);
  const notAfter = readTlv(der, notBefore.end, validity.end);
  return {
    signatureAlgorithmOid: decodeOid(der.subarray(oid.start, oid.end)),
    notBefore: decodeTime(der, notBefore),
    notAfter: decodeTime(der, notAfter),
  };
}

function readTlv(der: Uint8Array, at: number, limit: number, expectTag?: number): Tlv {
  if (at + 2 > limit) throw new Error('truncated DER');
  const tag = der[at]!;
  if (expectTag !== undefined && tag !== expectTag) throw new Error(`unexpected DER tag 0x${tag.toString(16)}`);
  let length = der[at + 1]!;
  let start = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > limit) throw new Error('bad DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[start + i]!;
    start += count;
  }
  const end = start + length;
  if (end > limit) throw new Error('DER length past the end');
  return { tag, start, end };
}

function decodeOid(bytes: Uint8Array): string {
  if (bytes.length === 0) throw new Error('empty OID');
  const arcs: number[] = [];
  let value = 0;
  for (const b of bytes) {
    value = value * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else arcs.push(value);
      value = 0;
    }
  }
  return arcs.join('.');
}

/** UTCTime (YYMMDDHHMMSSZ, years 1950-2049) or GeneralizedTime (YYYYMMDDHHMMSS[.f]Z). */
function decodeTime(der: Uint8Array, tlv: Tlv): Date {
  const text = Buffer.from(der.subarray(tlv.start, tlv.end)).toString('latin1');
  let m: RegExpExecArray | null;
  let year: number;
  if (tlv.tag === 0x17 && (m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/.exec(text))) {
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (tlv.tag === 0x18 && (m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:\.\d+)?Z$/.exec(text))) {
    year = Number(m[1]);
  } else {
    throw new Error(`bad validity time "${text}"`);
  }
  const date = new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)));
  if (Number.isNaN(date.getTime())) throw new Error(`bad validity time "${text}"`);
  return date;
}
