/**
 * Does this domain answer like an Auth0 tenant? Every tenant publishes its signing keys at
 * /.well-known/jwks.json without authentication, so one GET tells a typo from a tenant.
 */
import { describeFailure, errorCode, type FetchLike } from '../../http/client.js';

export type TenantProbe = { ok: true } | { ok: false; reason: string };

export async function probeTenant(baseUrl: string, http: FetchLike): Promise<TenantProbe> {
  const url = `${baseUrl}/.well-known/jwks.json`;
  let response: Response;
  try {
    response = await http(url, { headers: { accept: 'application/json' } });
  } catch (error) {
    const host = new URL(baseUrl).host;
    if (errorCode(error) === 'ENOTFOUND') return { ok: false, reason: `${host} does not exist (DNS: no such host); check it for a typo` };
    return { ok: false, reason: `${host} did not answer (${describeFailure(error)})` };
  }
  const text = await response.text();
  if (response.status !== 200) return { ok: false, reason: `${url} answered HTTP ${response.status}; this does not look like an Auth0 tenant` };
  try {
    const keys = (JSON.parse(text) as { keys?: unknown }).keys;
    if (Array.isArray(keys) && keys.length > 0) return { ok: true };
  } catch {
    // fall through
  }
  return { ok: false, reason: `${url} is not a key set; this does not look like an Auth0 tenant` };
}
