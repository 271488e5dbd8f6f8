/**
 * The tenant's application signing keys: what `/api/v2/keys/signing` lists, what signs SAML
 * responses and Management API tokens, and what `/pem` and `/cer` serve.
 *
 * Auth0 always has a current key and a queued next key (OIDC discovery "always includes both the
 * current key and the next key"). Rotation makes the next key current, the old current previous,
 * and queues a new next key; only a previously used key can be revoked (docs: "Revoke Signing
 * Keys": "Before you can revoke a previously-used signing key, you must first have rotated the
 * key"). Tokens signed with a previous key stay valid until it is revoked.
 *
 * Formats, from Auth0's API reference example for GET /keys/signing/{kid}: `cert` and `pkcs7` are
 * PEM with `\r\n` line breaks and no trailing break; `fingerprint` is the SHA-1 of the DER
 * certificate as colon-separated upper-case hex, `thumbprint` the same digest without colons.
 * Certificates are self-signed RSA-2048 with CN=<domain> and sha256WithRSA, valid ~13.7 years,
 * as real tenants' certificates are (fixtures in shared/fixtures/metadata).
 */
import { createHash, generateKeyPair, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { issueSelfSigned, type IssuedCertificate } from '../x509.js';
import type { TenantSigningKey } from '../types.js';
import { newKeyId } from './identifiers.js';
import { ManagementApiError } from './api-errors.js';

const generateKeyPairAsync = promisify(generateKeyPair);

/** 2023-07-25 → 2037-04-02 on a real tenant's certificate: 4999 days. */
const CERT_VALIDITY_DAYS = 4999;

export interface SigningKeyMaterial {
  kid: string;
  certDer: Buffer;
  /** `-----BEGIN CERTIFICATE-----\r\n…\r\n-----END CERTIFICATE-----` (no trailing break). */
  certPem: string;
  /** PKCS#7 (degenerate SignedData holding the certificate), same PEM layout. */
  pkcs7Pem: string;
  privateKeyPem: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  fingerprint: string;
  thumbprint: string;
}

/** Makes a key and its self-signed certificate (RSA generation runs off the main thread). */
export async function createSigningKeyMaterial(domain: string, now: Date): Promise<SigningKeyMaterial> {
  return materialFor(domain, now, await generateKeyPairAsync('rsa', { modulusLength: 2048 }));
}

/** The same, blocking (about a quarter of a second); used only when no spare key is ready. */
export function createSigningKeyMaterialSync(domain: string, now: Date): SigningKeyMaterial {
  return materialFor(domain, now, generateKeyPairSync('rsa', { modulusLength: 2048 }));
}

function materialFor(domain: string, now: Date, keys: { privateKey: KeyObject; publicKey: KeyObject }): SigningKeyMaterial {
  const notAfter = new Date(now.getTime() + CERT_VALIDITY_DAYS * 86_400_000);
  const issued = issueWithRetry(() => issueSelfSigned({ commonName: domain, notBefore: now, notAfter, keys, hash: 'sha256' }));
  const certDer = Buffer.from(issued.certBase64, 'base64');
  const sha1 = createHash('sha1').update(certDer).digest('hex').toUpperCase();
  return {
    kid: newKeyId(),
    certDer,
    certPem: pemCrlf('CERTIFICATE', certDer),
    pkcs7Pem: pemCrlf('PKCS7', degeneratePkcs7(certDer)),
    privateKeyPem: issued.privateKeyPem,
    privateKey: issued.privateKey,
    publicKey: issued.publicKey,
    fingerprint: sha1.match(/../g)!.join(':'),
    thumbprint: sha1,
  };
}

/**
 * x509.ts draws a random serial that now and then (about 1 in 500) encodes as a non-minimal DER
 * INTEGER, which node's parser rejects; a new serial fixes it.
 */
function issueWithRetry(issue: () => IssuedCertificate): IssuedCertificate {
  for (let attempt = 1; ; attempt++) {
    try {
      return issue();
    } catch (e) {
      if (attempt >= 8) throw e;
    }
  }
}

/** PEM with CRLF line breaks and no final break, as Auth0's JSON carries certificates. */
export function pemCrlf(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return [`-----BEGIN ${label}-----`, ...lines, `-----END ${label}-----`].join('\r\n');
}

/** The usual LF PEM (with a final newline), for `/pem` and for libraries. */
export function pemLf(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return [`-----BEGIN ${label}-----`, ...lines, `-----END ${label}-----`, ''].join('\n');
}

/** RFC 2315 SignedData with no signers: the usual "certificates only" PKCS#7 container. */
function degeneratePkcs7(certDer: Buffer): Buffer {
  const signedData = der(0x30, [
    der(0x02, [Buffer.from([1])]), // version 1
    der(0x31, []), // digestAlgorithms: none
    der(0x30, [oid([0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01])]), // contentInfo: data
    der(0xa0, [certDer]), // certificates [0] IMPLICIT
    der(0x31, []), // signerInfos: none
  ]);
  return der(0x30, [oid([0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02]), der(0xa0, [signedData])]);
}

function oid(bytes: number[]): Buffer {
  return der(0x06, [Buffer.from(bytes)]);
}

function der(tag: number, parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const n = body.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
    len = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), len, body]);
}

interface KeyState {
  material: SigningKeyMaterial;
  role: 'current' | 'next' | 'previous';
  currentSince?: string;
  currentUntil?: string;
  revokedAt?: string;
}

/** How many revoked keys Auth0 keeps listing ("the last three revoked keys"). */
const LISTED_REVOKED_KEYS = 3;

/** Makes key material; the ring asks for it when it rotates. */
export interface SigningKeyFactory {
  make(now: Date): Promise<SigningKeyMaterial>;
  makeSync(now: Date): SigningKeyMaterial;
}

/**
 * The tenant's key ring. Rotation is synchronous (so `tenant.rotateSigningKey()` can be too): it
 * uses a spare key made in the background, or makes one on the spot when none is ready yet.
 */
export class SigningKeyRing {
  readonly #keys: KeyState[] = [];
  readonly #factory: SigningKeyFactory;
  #spare: SigningKeyMaterial | undefined;
  #making = false;

  private constructor(factory: SigningKeyFactory) {
    this.#factory = factory;
  }

  static async create(factory: SigningKeyFactory, now: Date): Promise<SigningKeyRing> {
    const ring = new SigningKeyRing(factory);
    const [current, next] = await Promise.all([factory.make(now), factory.make(now)]);
    ring.#keys.push({ material: current, role: 'current', currentSince: now.toISOString() }, { material: next, role: 'next' });
    ring.#prepareSpare(now);
    return ring;
  }

  get current(): SigningKeyMaterial {
    return this.#find('current').material;
  }

  get next(): SigningKeyMaterial {
    return this.#find('next').material;
  }

  /** Keys whose signatures are still accepted: current, next and unrevoked previous keys. */
  get trusted(): SigningKeyMaterial[] {
    return this.#keys.filter((k) => k.revokedAt === undefined).map((k) => k.material);
  }

  byKid(kid: string): SigningKeyMaterial | undefined {
    return this.#listed().find((k) => k.material.kid === kid)?.material;
  }

  /** POST /keys/signing/rotate. Returns the newly queued next key. */
  rotate(now: Date): SigningKeyMaterial {
    const fresh = this.#spare ?? this.#factory.makeSync(now);
    this.#spare = undefined;
    const at = now.toISOString();
    const current = this.#find('current');
    const next = this.#find('next');
    current.role = 'previous';
    current.currentUntil = at;
    next.role = 'current';
    next.currentSince = at;
    this.#keys.push({ material: fresh, role: 'next' });
    this.#prepareSpare(now);
    return fresh;
  }

  #prepareSpare(now: Date): void {
    if (this.#making || this.#spare) return;
    this.#making = true;
    this.#factory.make(now).then(
      (m) => {
        this.#spare = m;
        this.#making = false;
      },
      () => {
        this.#making = false;
      },
    );
  }

  /** PUT /keys/signing/{kid}/revoke. Only a previously used, unrevoked key can be revoked. */
  revoke(kid: string, now: Date): SigningKeyMaterial {
    const key = this.#listed().find((k) => k.material.kid === kid);
    if (!key) throw new ManagementApiError(404, 'Signing key not found', 'inexistent_signing_key');
    if (key.revokedAt !== undefined) throw new ManagementApiError(400, 'The signing key has already been revoked', 'operation_not_supported');
    if (key.role !== 'previous')
      throw new ManagementApiError(400, `Only a previously used signing key can be revoked; rotate the ${key.role} key first`, 'operation_not_supported');
    key.revokedAt = now.toISOString();
    return key.material;
  }

  /** GET /keys/signing: every key, oldest first, with at most the last three revoked ones. */
  describe(): TenantSigningKey[] {
    return this.#listed().map((k) => describeKey(k));
  }

  describeKid(kid: string): TenantSigningKey | undefined {
    const key = this.#listed().find((k) => k.material.kid === kid);
    return key ? describeKey(key) : undefined;
  }

  #listed(): KeyState[] {
    const revoked = this.#keys.filter((k) => k.revokedAt !== undefined).slice(-LISTED_REVOKED_KEYS);
    return this.#keys.filter((k) => k.revokedAt === undefined || revoked.includes(k));
  }

  #find(role: 'current' | 'next'): KeyState {
    const key = this.#keys.find((k) => k.role === role);
    if (!key) throw new Error(`signing key ring has no ${role} key`);
    return key;
  }
}

function describeKey(k: KeyState): TenantSigningKey {
  const out: TenantSigningKey = {
    kid: k.material.kid,
    cert: k.material.certPem,
    fingerprint: k.material.fingerprint,
    thumbprint: k.material.thumbprint,
    pkcs7: k.material.pkcs7Pem,
    current: k.role === 'current',
    next: k.role === 'next',
    previous: k.role === 'previous',
    revoked: k.revokedAt !== undefined,
    privateKeyPem: k.material.privateKeyPem,
  };
  if (k.currentSince !== undefined) out.current_since = k.currentSince;
  if (k.currentUntil !== undefined) out.current_until = k.currentUntil;
  if (k.revokedAt !== undefined) out.revoked_at = k.revokedAt;
  return out;
}

/** The API view of a key: Auth0's field order, without the private key. */
export function signingKeyJson(key: TenantSigningKey): Record<string, unknown> {
  const out: Record<string, unknown> = {
    kid: key.kid,
    cert: key.cert,
    fingerprint: key.fingerprint,
    thumbprint: key.thumbprint,
    pkcs7: key.pkcs7,
    current: key.current,
    next: key.next,
    previous: key.previous,
  };
  if (key.current_since !== undefined) out['current_since'] = key.current_since;
  if (key.current_until !== undefined) out['current_until'] = key.current_until;
  out['revoked'] = key.revoked;
  if (key.revoked_at !== undefined) out['revoked_at'] = key.revoked_at;
  return out;
}

/** A JWKS entry as Auth0 publishes it at /.well-known/jwks.json. */
export function jwkOf(key: SigningKeyMaterial): Record<string, unknown> {
  const jwk = key.publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  return {
    kty: 'RSA',
    use: 'sig',
    n: jwk.n,
    e: jwk.e,
    kid: key.kid,
    x5t: createHash('sha1').update(key.certDer).digest('base64url'),
    x5c: [key.certDer.toString('base64')],
    alg: 'RS256',
  };
}
