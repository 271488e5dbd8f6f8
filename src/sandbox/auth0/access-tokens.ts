/**
 * Management API access tokens: RS256 JWTs signed with the tenant signing key, with the claims
 * Auth0 puts in a client-credentials token (`iss`, `sub` = `{client_id}@clients`, `aud`, `iat`,
 * `exp`, `scope`, `gty`, `azp`). Verification answers with the messages Auth0's API gateway uses
 * (hapi-auth-jwt: "Invalid signature received for JSON Web Token validation", "Expired token
 * received for JSON Web Token validation"), so a client sees the same 401 text as in production.
 */
import { createSign, createVerify } from 'node:crypto';
import type { SigningKeyMaterial } from './signing-keys.js';

export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  iat: number;
  exp: number;
  scope: string;
  gty: 'client-credentials';
  azp: string;
}

export function signAccessToken(claims: AccessTokenClaims, key: SigningKeyMaterial): string {
  const header = { alg: 'RS256', typ: 'JWT', kid: key.kid };
  const signingInput = `${b64json(header)}.${b64json(claims)}`;
  const signature = createSign('RSA-SHA256').update(signingInput).sign(key.privateKey).toString('base64url');
  return `${signingInput}.${signature}`;
}

export type TokenVerdict = { ok: true; claims: AccessTokenClaims } | { ok: false; message: string };

export const TOKEN_MESSAGES = {
  invalid: 'Invalid token',
  badSignature: 'Invalid signature received for JSON Web Token validation',
  expired: 'Expired token received for JSON Web Token validation',
} as const;

/** Checks shape, signature (against the keys still trusted), expiry and audience, in that order. */
export function verifyAccessToken(
  token: string,
  opts: { trustedKeys: readonly SigningKeyMaterial[]; nowSeconds: number; audience: string },
): TokenVerdict {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, message: TOKEN_MESSAGES.invalid };
  const [h, p, s] = parts as [string, string, string];
  const header = parseJson(h);
  const claims = parseJson(p) as Partial<AccessTokenClaims> | undefined;
  if (!header || !claims || typeof header !== 'object') return { ok: false, message: TOKEN_MESSAGES.invalid };

  const { alg, kid } = header as { alg?: unknown; kid?: unknown };
  const key = opts.trustedKeys.find((k) => k.kid === kid);
  if (alg !== 'RS256' || !key) return { ok: false, message: TOKEN_MESSAGES.badSignature };
  const valid = createVerify('RSA-SHA256').update(`${h}.${p}`).verify(key.publicKey, Buffer.from(s, 'base64url'));
  if (!valid) return { ok: false, message: TOKEN_MESSAGES.badSignature };

  if (typeof claims.exp !== 'number' || claims.exp <= opts.nowSeconds) return { ok: false, message: TOKEN_MESSAGES.expired };
  if (claims.aud !== opts.audience) return { ok: false, message: `Bad audience: ${String(claims.aud)}` };
  return { ok: true, claims: claims as AccessTokenClaims };
}

function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function parseJson(segment: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}
