/**
 * Error bodies in the two shapes Auth0 answers with. The Management API uses
 * `{statusCode, error, message[, errorCode]}` in exactly that key order, `error` being the HTTP
 * reason phrase (NOTES §5); the Authentication API (`/oauth/token`) uses OAuth's
 * `{error, error_description}`. Handlers throw these and one place renders them, so every error
 * the emulator produces has a recorded shape.
 */
import { STATUS_CODES } from 'node:http';

export interface ManagementErrorBody {
  statusCode: number;
  error: string;
  message: string;
  errorCode?: string;
  /** Present on token-validation 401s (hapi's `Boom.unauthorized(message, 'Bearer')`). */
  attributes?: { error: string };
}

/** A Management API failure: thrown by handlers, rendered by the server. */
export class ManagementApiError extends Error {
  readonly status: number;
  readonly body: ManagementErrorBody;
  readonly headers: Record<string, string>;

  constructor(status: number, message: string, errorCode?: string, headers: Record<string, string> = {}, withAttributes = false) {
    super(message);
    this.status = status;
    this.body = managementErrorBody(status, message, errorCode, withAttributes);
    this.headers = headers;
  }
}

/** Builds the body with Auth0's key order; `errorCode` and `attributes` are omitted when unset. */
export function managementErrorBody(status: number, message: string, errorCode?: string, withAttributes = false): ManagementErrorBody {
  const body: ManagementErrorBody = { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message };
  if (errorCode !== undefined) body.errorCode = errorCode;
  if (withAttributes) body.attributes = { error: message };
  return body;
}

/** The body Auth0 sends when the tenant's global Management API bucket is empty (recorded, raw). */
export const GLOBAL_LIMIT_BODY = managementErrorBody(429, 'Global limit has been reached', 'too_many_requests');

export const inexistentClient = (): ManagementApiError =>
  new ManagementApiError(404, 'The client does not exist', 'inexistent_client');

/** `Payload validation error: '<what>' on property <path>.`, the format of Auth0's JSON-schema validator. */
export function payloadValidationError(what: string, property?: string): ManagementApiError {
  const where = property === undefined ? '' : ` on property ${property}`;
  return new ManagementApiError(400, `Payload validation error: '${what}'${where}.`, 'invalid_body');
}

export function queryValidationError(what: string, property?: string): ManagementApiError {
  const where = property === undefined ? '' : ` on property ${property}`;
  return new ManagementApiError(400, `Query validation error: '${what}'${where}.`, 'invalid_query_string');
}

/** 403 for a token that lacks every scope of a group (message format from auth0-deploy-cli#178). */
export function insufficientScope(anyOf: readonly string[]): ManagementApiError {
  return new ManagementApiError(403, `Insufficient scope, expected any of: ${anyOf.join(',')}`, 'insufficient_scope');
}

/** A failure of `/oauth/token`, in OAuth's error shape. */
export class OAuthError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, description: string) {
    super(description);
    this.status = status;
    this.code = code;
  }

  get body(): { error: string; error_description: string } {
    return { error: this.code, error_description: this.message };
  }
}
