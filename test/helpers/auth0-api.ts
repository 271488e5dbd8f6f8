/**
 * A tiny HTTP client for the emulator tests: gets a Management API token the way the SDK does
 * (form-encoded client credentials) and calls the API, returning status, headers and parsed body.
 */
import type { Auth0Emulator } from '../../src/sandbox/types.js';

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export async function request(url: string, init: RequestInit = {}): Promise<ApiResponse> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export function tokenRequestBody(emu: Auth0Emulator, overrides: Record<string, string> = {}): URLSearchParams {
  return new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: emu.management.clientId,
    client_secret: emu.management.clientSecret,
    audience: `https://${emu.domain}/api/v2/`,
    ...overrides,
  });
}

export async function managementToken(emu: Auth0Emulator): Promise<string> {
  const res = await request(`${emu.baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: tokenRequestBody(emu),
  });
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${res.text}`);
  return (res.json as { access_token: string }).access_token;
}

export type Api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<ApiResponse>;

/** Calls `/api/v2{path}` with the token; `body` is sent as JSON unless it is a string. */
export function managementApi(emu: Auth0Emulator, token: string): Api {
  return (method, path, body, headers = {}) => {
    const init: RequestInit = { method, headers: { authorization: `Bearer ${token}`, ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      init.headers = { 'content-type': 'application/json', ...init.headers };
    }
    return request(`${emu.baseUrl}/api/v2${path}`, init);
  };
}

/**
 * The `Cookie` header for what a response set (each Set-Cookie's name=value): enough to carry the
 * sandbox's login session (`auth0`, `auth0_compat`) through a hand-driven login in a test.
 */
export function cookieHeaderFrom(res: { headers: Headers }): string {
  return res.headers
    .getSetCookie()
    .map((line) => line.split(';')[0]!.trim())
    .join('; ');
}
