/**
 * A minimal X.509 v3 certificate builder over node:crypto (which can make keys but not
 * certificates). The sandbox uses it for the tenant's signing keys; tests use it to make the
 * certificates the metadata checker must judge (expired, not yet valid, RSA-1024, SHA-1 …).
 * DER encoding per RFC 5280 §4.1, only the parts a self-signed certificate needs.
 */
import { createSign, generateKeyPairSync, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';

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
}

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
  const isEc = keys.publicKey.asymmetricKeyType === 'ec';
  const algorithm = signatureAlgorithm(isEc, hash);
  const name = distinguishedName(spec.commonName);
  const serial = randomBytes(9);
  // A positive, minimally encoded INTEGER: high bit clear (positive) and a non-zero first byte
  // (a leading zero byte is only allowed before a byte with the high bit set).
  serial[0] = (serial[0]! & 0x7f) | 0x40;

  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serial),
    algorithm,
    name,
    seq(time(spec.notBefore), time(spec.notAfter)),
    name,
    keys.publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signer = createSign(hash.toUpperCase());
  signer.update(tbs);
  const signature = signer.sign(keys.privateKey);
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

function distinguishedName(cn: string): Buffer {
  if (cn === '') return seq();
  return seq(set(seq(objectId(OID.commonName), tlv(0x0c, Buffer.from(cn, 'utf8')))));
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
