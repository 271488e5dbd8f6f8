/**
 * A minimal X.509 v3 certificate builder over node:crypto (which can make keys but not
 * certificates). The sandbox uses it for the tenant's signing keys and for its TLS CA and server
 * certificate; tests use it to make the certificates the metadata checker must judge (expired, not
 * yet valid, RSA-1024, SHA-1 …). DER encoding per RFC 5280 §4.1 and §4.2.
 *
 * By default a certificate carries what Auth0's signing certificates carry (compared with
 * `openssl x509 -text` / `asn1parse` on fixtures/metadata/auth0-idp-*-2023/2025): basicConstraints
 * CA:TRUE (critical), a subject key identifier (SHA-1 of the public key, RFC 5280 §4.2.1.2 method 1),
 * keyUsage digitalSignature + keyCertSign (critical), in that order, and the CN as a
 * PrintableString when its characters allow (else UTF8String).
 */
import { createHash, createSign, generateKeyPairSync, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';

export type CertHash = 'sha1' | 'sha256' | 'sha384' | 'sha512';

export interface CertificateSpec {
  /** Subject and issuer common name (self-signed); `''` gives an empty DN, as some old Auth0 tenants have. */
  commonName: string;
  notBefore: Date;
  notAfter: Date;
  /** Key to certify; generated when absent. */
  keys?: { privateKey: KeyObject; publicKey: KeyObject };
  /** RSA modulus bits (when keys are generated with `keyType: 'rsa'`). */
  rsaBits?: number;
  keyType?: 'rsa' | 'ec';
  hash?: CertHash;
  /** The issuing CA; self-signed when absent. */
  issuer?: CertificateIssuer;
  /** v3 extensions; default `AUTH0_SIGNING_EXTENSIONS`; `'none'` for a certificate without any. */
  extensions?: CertificateExtensions | 'none';
}

export interface CertificateIssuer {
  commonName: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export type KeyUsage = 'digitalSignature' | 'nonRepudiation' | 'keyEncipherment' | 'dataEncipherment' | 'keyAgreement' | 'keyCertSign' | 'cRLSign';

export interface CertificateExtensions {
  ca: boolean;
  pathLength?: number;
  keyUsage: KeyUsage[];
  extendedKeyUsage?: ('serverAuth' | 'clientAuth')[];
  /** Host names and IP addresses the certificate covers (TLS server certificates). */
  subjectAltNames?: string[];
}

/** What Auth0's tenant signing certificates carry. */
export const AUTH0_SIGNING_EXTENSIONS: CertificateExtensions = { ca: true, keyUsage: ['digitalSignature', 'keyCertSign'] };

export interface IssuedCertificate {
  certPem: string;
  /** Base64 DER without armour, as it appears in `<ds:X509Certificate>`. */
  certBase64: string;
  privateKeyPem: string;
  publicKeyPem: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function issueSelfSigned(spec: CertificateSpec): IssuedCertificate {
  const keyType = spec.keyType ?? 'rsa';
  const keys =
    spec.keys ??
    (keyType === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: spec.rsaBits ?? 2048 }));
  const hash = spec.hash ?? 'sha256';
  const subject = distinguishedName(spec.commonName);
  const signerKey = spec.issuer?.privateKey ?? keys.privateKey;
  const signerIsEc = signerKey.asymmetricKeyType === 'ec';
  const algorithm = signatureAlgorithm(signerIsEc, hash);
  const issuerName = spec.issuer ? distinguishedName(spec.issuer.commonName) : subject;
  const spki = keys.publicKey.export({ type: 'spki', format: 'der' });
  const extensions = spec.extensions === 'none' ? undefined : encodeExtensions(spec.extensions ?? AUTH0_SIGNING_EXTENSIONS, spki, spec.issuer);
  const serial = randomBytes(9);
  // A positive, minimally encoded INTEGER: high bit clear (positive) and a non-zero first byte
  // (a leading zero byte is only allowed before a byte with the high bit set).
  serial[0] = (serial[0]! & 0x7f) | 0x40;

  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serial),
    algorithm,
    issuerName,
    seq(time(spec.notBefore), time(spec.notAfter)),
    subject,
    spki,
    ...(extensions ? [explicit(3, extensions)] : []),
  );
  const signer = createSign(hash.toUpperCase());
  signer.update(tbs);
  const signature = signer.sign(signerKey);
  const der = seq(tbs, algorithm, bitString(signature));
  const certBase64 = der.toString('base64');
  const certPem = `-----BEGIN CERTIFICATE-----\n${certBase64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
  // Round-trip through node's parser: a builder bug must fail here, not in a test far away.
  new X509Certificate(der);
  return {
    certPem,
    certBase64,
    privateKeyPem: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey: keys.privateKey,
    publicKey: keys.publicKey,
  };
}

const OID = {
  commonName: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  keyUsage: '2.5.29.15',
  extendedKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  sha1WithRSA: '1.2.840.113549.1.1.5',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  sha384WithRSA: '1.2.840.113549.1.1.12',
  sha512WithRSA: '1.2.840.113549.1.1.13',
  ecdsaWithSHA1: '1.2.840.10045.4.1',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  ecdsaWithSHA384: '1.2.840.10045.4.3.3',
  ecdsaWithSHA512: '1.2.840.10045.4.3.4',
} as const;

function signatureAlgorithm(isEc: boolean, hash: CertHash): Buffer {
  if (isEc) {
    const oid = { sha1: OID.ecdsaWithSHA1, sha256: OID.ecdsaWithSHA256, sha384: OID.ecdsaWithSHA384, sha512: OID.ecdsaWithSHA512 }[hash];
    return seq(objectId(oid)); // ECDSA: parameters absent (RFC 5758 §3.2)
  }
  const oid = { sha1: OID.sha1WithRSA, sha256: OID.sha256WithRSA, sha384: OID.sha384WithRSA, sha512: OID.sha512WithRSA }[hash];
  return seq(objectId(oid), Buffer.from([0x05, 0x00])); // RSA: NULL parameters
}

/** X.520 PrintableString's alphabet; other names are UTF8String. */
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

function distinguishedName(cn: string): Buffer {
  if (cn === '') return seq();
  const value = PRINTABLE.test(cn) ? tlv(0x13, Buffer.from(cn, 'ascii')) : tlv(0x0c, Buffer.from(cn, 'utf8'));
  return seq(set(seq(objectId(OID.commonName), value)));
}

const KEY_USAGE_BITS: Record<KeyUsage, number> = {
  digitalSignature: 0, nonRepudiation: 1, keyEncipherment: 2, dataEncipherment: 3, keyAgreement: 4, keyCertSign: 5, cRLSign: 6,
};

function encodeExtensions(ext: CertificateExtensions, spki: Buffer, issuer: CertificateIssuer | undefined): Buffer {
  const list: Buffer[] = [];
  const basic = ext.ca ? seq(tlv(0x01, Buffer.from([0xff])), ...(ext.pathLength !== undefined ? [integer(Buffer.from([ext.pathLength]))] : [])) : seq();
  list.push(extension(OID.basicConstraints, true, basic));
  list.push(extension(OID.subjectKeyIdentifier, false, tlv(0x04, keyIdentifier(spki))));
  if (issuer) {
    const issuerSpki = issuer.publicKey.export({ type: 'spki', format: 'der' });
    list.push(extension(OID.authorityKeyIdentifier, false, seq(tlv(0x80, keyIdentifier(issuerSpki)))));
  }
  list.push(extension(OID.keyUsage, true, namedBits(ext.keyUsage.map((u) => KEY_USAGE_BITS[u]))));
  if (ext.extendedKeyUsage?.length) list.push(extension(OID.extendedKeyUsage, false, seq(...ext.extendedKeyUsage.map((u) => objectId(OID[u])))));
  if (ext.subjectAltNames?.length) list.push(extension(OID.subjectAltName, false, seq(...ext.subjectAltNames.map(generalName))));
  return seq(...list);
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return seq(objectId(oid), ...(critical ? [tlv(0x01, Buffer.from([0xff]))] : []), tlv(0x04, value));
}

/** RFC 5280 §4.2.1.2 (1): SHA-1 of the subjectPublicKey BIT STRING's value. */
function keyIdentifier(spki: Buffer): Buffer {
  const outer = readTlv(spki, 0);
  const algorithm = readTlv(spki, outer.start);
  const bits = readTlv(spki, algorithm.start + algorithm.length);
  return createHash('sha1').update(spki.subarray(bits.start + 1, bits.start + bits.length)).digest();
}

function readTlv(der: Buffer, at: number): { start: number; length: number } {
  let i = at + 1;
  let length = der[i++]!;
  if (length & 0x80) {
    const n = length & 0x7f;
    length = 0;
    for (let k = 0; k < n; k++) length = length * 256 + der[i++]!;
  }
  return { start: i, length };
}

/** A DER named-bit BIT STRING: trailing zero bits dropped (X.690 §11.2.2). */
function namedBits(bits: number[]): Buffer {
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const b of bits) bytes[Math.floor(b / 8)]! |= 0x80 >> b % 8;
  return tlv(0x03, Buffer.concat([Buffer.from([7 - (highest % 8)]), bytes]));
}

function generalName(name: string): Buffer {
  const family = isIP(name);
  if (family === 4) return tlv(0x87, Buffer.from(name.split('.').map(Number)));
  if (family === 6) return tlv(0x87, ipv6Bytes(name));
  return tlv(0x82, Buffer.from(name, 'ascii'));
}

function ipv6Bytes(address: string): Buffer {
  const [head, tail] = address.split('::') as [string, string | undefined];
  const part = (s: string | undefined): number[] => (s ? s.split(':').map((h) => parseInt(h, 16)) : []);
  const a = part(head);
  const b = part(tail);
  const groups = tail === undefined ? a : [...a, ...new Array<number>(8 - a.length - b.length).fill(0), ...b];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

function time(d: Date): Buffer {
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '') + 'Z'; // YYYYMMDDHHMMSSZ
  const year = d.getUTCFullYear();
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
  return year < 2050 && year >= 1950 ? tlv(0x17, Buffer.from(digits.slice(2), 'ascii')) : tlv(0x18, Buffer.from(digits, 'ascii'));
}

function tlv(tag: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function seq(...parts: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(parts));
}

function set(...parts: Buffer[]): Buffer {
  return tlv(0x31, Buffer.concat(parts));
}

function explicit(tagNumber: number, inner: Buffer): Buffer {
  return tlv(0xa0 | tagNumber, inner);
}

function integer(bytes: Buffer): Buffer {
  return tlv(0x02, bytes);
}

function bitString(bytes: Buffer): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([0]), bytes]));
}

function objectId(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [];
    let v = arc;
    do {
      chunk.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    for (let i = 0; i < chunk.length - 1; i++) chunk[i]! |= 0x80;
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}
