/**
 * Random identifiers in the shapes Auth0 uses, so code that pattern-matches ids (or stores them in
 * fixed-width columns) behaves the same against the sandbox as against a real tenant.
 */
import { randomBytes, randomInt } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Uniform random string over `alphabet` (no modulo bias: `randomInt` rejects samples). */
export function randomString(length: number, alphabet = ALPHANUMERIC): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** Client ids are 32 alphanumeric characters (NOTES §2.2). */
export function newClientId(): string {
  return randomString(32);
}

/** Client secrets are 64 characters of base64url, as Auth0 generates them. */
export function newClientSecret(): string {
  return randomBytes(48).toString('base64url');
}

/** Signing key ids look like `21hi274Rp02112mgkUGma` (Auth0 API reference example). */
export function newKeyId(): string {
  return randomString(21);
}

/** Database users are `auth0|` + 24 hex digits (a MongoDB ObjectId). */
export function newDatabaseUserId(): string {
  return `auth0|${randomBytes(12).toString('hex')}`;
}

/** A password that satisfies Auth0's default "good" policy (lower, upper, digit, 8+). */
export function newPassword(): string {
  return `${randomString(4, 'abcdefghijkmnpqrstuvwxyz')}-${randomString(4, 'ABCDEFGHJKLMNPQRSTUVWXYZ')}-${randomString(4, '23456789')}-${randomString(6)}`;
}

/** Opaque state for the Universal Login transaction (never guessable). */
export function newTransactionState(): string {
  return randomBytes(24).toString('base64url');
}

/** SessionIndex values in Auth0 assertions are `_` + 32 alphanumerics. */
export function newSessionIndex(): string {
  return `_${randomString(32)}`;
}
