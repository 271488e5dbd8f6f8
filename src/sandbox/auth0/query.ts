/**
 * Query-string rules shared by the emulated list endpoints (clients, connections, their enabled
 * clients and connections): typed parameters checked like Auth0's validator does, and checkpoint
 * pagination (`from`/`take` answered with an opaque `next`).
 */
import { ManagementApiError, queryValidationError } from './api-errors.js';

export function splitList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

export function parseInteger(query: URLSearchParams, name: string, min: number, max?: number): number | undefined | ManagementApiError {
  if (query.getAll(name).length > 1) return queryValidationError('Expected type integer but found type array', name);
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) return queryValidationError(`Expected type integer but found type string`, name);
  const value = Number(raw);
  if (value < min) return queryValidationError(`Value ${value} is less than minimum ${min}`, name);
  if (max !== undefined && value > max) return queryValidationError(`Value ${value} is greater than maximum ${max}`, name);
  return value;
}

export function parseBoolean(query: URLSearchParams, name: string): boolean | undefined | ManagementApiError {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  return queryValidationError(`Expected type boolean but found type string`, name);
}

/** A parameter the endpoint does not know: refused, never ignored (the sandbox's rule). */
export function unknownParameters(query: URLSearchParams, known: ReadonlySet<string>): ManagementApiError | undefined {
  const unknown = [...new Set(query.keys())].filter((k) => !known.has(k));
  return unknown.length > 0 ? queryValidationError(`Additional properties not allowed: ${unknown.join(',')}`) : undefined;
}

/**
 * One page of checkpoint pagination. `next` (the caller's next `from`) is opaque to callers: here,
 * the id of the first record of the next page, base64url-encoded; absent on the last page.
 */
export function checkpointPage<T>(records: readonly T[], idOf: (r: T) => string, page: { from?: string; take: number }): { start: number; records: T[]; next?: string } {
  const fromId = page.from === undefined ? undefined : Buffer.from(page.from, 'base64url').toString('utf8');
  const start = fromId === undefined ? 0 : Math.max(0, records.findIndex((r) => idOf(r) === fromId));
  const following = records[start + page.take];
  return {
    start,
    records: records.slice(start, start + page.take),
    ...(following ? { next: Buffer.from(idOf(following), 'utf8').toString('base64url') } : {}),
  };
}
