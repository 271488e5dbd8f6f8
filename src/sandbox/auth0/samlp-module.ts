/**
 * Auth0's own SAML IdP library (`samlp`, with `saml` underneath), loaded through `require` (they
 * are CommonJS without type declarations) and typed here for the parts the emulator uses. samlp
 * is written as Express middleware; `expressShim` gives it the few request/response members it
 * touches, so it runs on a plain node:http server and renders exactly what it renders for Auth0.
 */
import { createRequire } from 'node:module';

export interface SamlpRequest {
  method: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  body: Record<string, string>;
  originalUrl: string;
  protocol: string;
}

export interface SamlpResponse {
  set(name: string, value: string): void;
  /** `send(body)`, or Express 3's `send(status)` / `send(status, body)`, which samlp still uses. */
  send(a?: unknown, b?: unknown): void;
}

export type SamlpMiddleware = (req: SamlpRequest, res: SamlpResponse, next: (err?: unknown) => void) => void;

export interface ParsedAuthnRequest {
  issuer?: string;
  assertionConsumerServiceURL?: string;
  destination?: string;
  id?: string;
  forceAuthn?: string;
}

/** What `profileMapper(user)` must return (samlp's `PassportProfileMapper` contract). */
export interface SamlpProfileMap {
  getClaims(options?: unknown): Record<string, unknown>;
  getNameIdentifier(options?: unknown): { nameIdentifier?: string; nameIdentifierFormat?: string };
}

export interface SamlpModule {
  metadata(options: Record<string, unknown>): (req: SamlpRequest, res: SamlpResponse) => void;
  auth(options: Record<string, unknown>): SamlpMiddleware;
  parseRequest(req: SamlpRequest, options: Record<string, unknown>, callback: (err: unknown, data?: ParsedAuthnRequest) => void): void;
}

let loaded: SamlpModule | undefined;

export function samlpModule(): SamlpModule {
  loaded ??= createRequire(import.meta.url)('samlp') as SamlpModule;
  return loaded;
}

export interface ShimResult {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A response object for samlp and a promise of what it sent. `next(err)` rejects the promise.
 */
export function expressShim(): { res: SamlpResponse; next: (err?: unknown) => void; result: Promise<ShimResult> } {
  const headers: Record<string, string> = {};
  let settle!: (r: ShimResult) => void;
  let fail!: (e: unknown) => void;
  const result = new Promise<ShimResult>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  const res: SamlpResponse = {
    set(name, value) {
      headers[name.toLowerCase()] = value;
    },
    send(a, b) {
      if (typeof a === 'number') settle({ status: a, headers, body: b === undefined ? '' : String(b) });
      else settle({ status: 200, headers, body: a === undefined ? '' : String(a) });
    },
  };
  return { res, next: (err) => fail(err ?? new Error('samlp passed the request on without answering')), result };
}
