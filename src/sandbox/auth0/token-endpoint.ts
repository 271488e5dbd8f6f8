/**
 * `POST /oauth/token` for the client-credentials grant (the only way the CLI gets a Management API
 * token). Error bodies and texts are Auth0's: 401 `access_denied` / `Unauthorized` for an unknown
 * client or a wrong secret; 403 `access_denied` "Service not enabled within domain: …" for an
 * audience the tenant does not serve; 403 for a client without a grant on the Management API.
 * Other grants are not emulated, except that an authorization code is always invalid (the sandbox
 * never issues one), which is what Auth0 answers for an unknown code.
 */
import { OAuthError } from './api-errors.js';
import type { Auth0Tenant, IssuedToken } from './tenant.js';

export type TokenRequest = Record<string, string>;

/** Reads client credentials from the body (`client_secret_post`) or a Basic header (`client_secret_basic`). */
export function clientCredentialsOf(params: TokenRequest, authorization: string | undefined): { id?: string; secret?: string } {
  const basic = authorization && /^Basic\s+(\S+)$/i.exec(authorization);
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0) return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  }
  const out: { id?: string; secret?: string } = {};
  if (params['client_id'] !== undefined) out.id = params['client_id'];
  if (params['client_secret'] !== undefined) out.secret = params['client_secret'];
  return out;
}

/** RFC 6749 §2.3.1 form-encodes Basic credentials; a malformed escape is taken literally. */
function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

export function handleTokenRequest(tenant: Auth0Tenant, params: TokenRequest, authorization: string | undefined): IssuedToken {
  const grantType = params['grant_type'];
  if (!grantType) throw new OAuthError(400, 'invalid_request', 'Missing required parameter: grant_type');
  if (grantType !== 'client_credentials' && grantType !== 'authorization_code')
    throw new OAuthError(400, 'unsupported_grant_type', `Unsupported grant type: ${grantType}`);

  const { id, secret } = clientCredentialsOf(params, authorization);
  if (!id) throw new OAuthError(400, 'invalid_request', 'Missing required parameter: client_id');
  const client = secret === undefined ? undefined : tenant.authenticateClient(id, secret);
  if (!client) throw new OAuthError(401, 'access_denied', 'Unauthorized');

  const grants = Array.isArray(client['grant_types']) ? (client['grant_types'] as unknown[]) : [];
  if (!grants.includes(grantType)) throw new OAuthError(403, 'unauthorized_client', `Grant type '${grantType}' not allowed for the client.`);
  if (grantType === 'authorization_code') throw new OAuthError(403, 'invalid_grant', 'Invalid authorization code');

  const audience = params['audience'];
  if (!audience)
    throw new OAuthError(403, 'access_denied', 'No audience parameter was provided, and no default audience has been configured');
  if (audience !== tenant.managementAudience) throw new OAuthError(403, 'access_denied', `Service not enabled within domain: ${audience}`);
  const scopes = tenant.grantedManagementScopes(id);
  if (!scopes) throw new OAuthError(403, 'access_denied', `Client "${id}" is not authorized to access resource server "${audience}".`);

  // Scopes are read now: changing the grant later affects new tokens only, as in Auth0.
  return tenant.issueManagementToken(id, scopes);
}
