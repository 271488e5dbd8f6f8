/**
 * SP delivery to Ory Polis (formerly BoxyHQ SAML Jackson) through its documented connection API:
 * `GET/POST/PATCH/DELETE {POLIS_URL}/api/v1/sso`, header `Authorization: Api-Key <key>`, one SAML connection
 * per tenant + product, created from the IdP metadata (`rawMetadata`) with the OAuth redirect URLs the app
 * allows (`redirectUrl`, `defaultRedirectUrl`). Polis keeps the IdP's entity ID, SSO URLs and signing
 * certificate it read from the metadata; `readTrust` reports those, so apply's read-back and verify's
 * `sp.trust` compare what Polis really holds.
 */
import { X509Certificate } from 'node:crypto';
import { SsoError } from '../../errors.js';
import { describeFailure, RateLimitedError, type FetchLike } from '../../http/client.js';
import type { EndpointSp, SpTrust } from '../../core/ports.js';

export interface PolisTarget {
  /** Base URL of the Polis service, e.g. https://sso.example.com (POLIS_URL). */
  url: string;
  tenant: string;
  product: string;
  /** Where Polis may send users back with the OAuth code (the app's callback URLs). */
  redirectUrls: string[];
  defaultRedirectUrl: string;
  /** A label Polis shows for the connection. */
  name?: string;
}

/** A SAML connection as Polis's GET /api/v1/sso returns it (the fields read here). */
export interface PolisConnection {
  clientID: string;
  clientSecret: string;
  tenant: string;
  product: string;
  name?: string;
  redirectUrl?: string[] | string;
  defaultRedirectUrl?: string;
  idpMetadata?: {
    entityID?: string;
    sso?: { postUrl?: string; redirectUrl?: string };
    publicKey?: string;
    thumbprint?: string;
  };
}

export const POLIS_CONNECTIONS_PATH = '/api/v1/sso';

export interface PolisSp extends EndpointSp {
  /** The connection for the target's tenant and product, if any. */
  connection(): Promise<PolisConnection | undefined>;
}

export function createPolisSp(target: PolisTarget, apiKey: string, http: FetchLike): PolisSp {
  const base = new URL(POLIS_CONNECTIONS_PATH, `${target.url.replace(/\/+$/, '')}/`);
  const where = `${base.href}?tenant=${encodeURIComponent(target.tenant)}&product=${encodeURIComponent(target.product)}`;
  const tenantQuery = () => {
    const url = new URL(base);
    url.searchParams.set('tenant', target.tenant);
    url.searchParams.set('product', target.product);
    return url;
  };

  const request = async (method: string, url: URL, body?: unknown): Promise<{ status: number; json: unknown }> => {
    let response: Response;
    try {
      response = await http(url.href, {
        method,
        headers: {
          // Polis reads the key after the first space of the Authorization header; its docs write `Api-Key <key>`.
          authorization: `Api-Key ${apiKey}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      if (error instanceof RateLimitedError) {
        throw new SsoError('SP_RATE_LIMITED', `Polis at ${target.url} kept rate-limiting ${method} requests: ${error.explanation}`, {
          hint: 'Run again once the limit resets (the run is safe to repeat).',
          cause: error,
          details: error.details,
        });
      }
      throw new SsoError('SP_UNREACHABLE', `could not reach Polis at ${target.url}: ${describeFailure(error)}`, {
        hint: 'Check POLIS_URL and that Polis is up; the run is safe to repeat.',
        cause: error,
      });
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, json };
  };

  const fail = (method: string, status: number, json: unknown): SsoError => {
    const message = (json as { error?: { message?: string } } | undefined)?.error?.message;
    const reason = message ? `: ${message}` : '';
    if (status === 401 || status === 403) {
      return new SsoError('SP_UNAUTHORIZED', `Polis refused the API key (${status}${reason})`, {
        hint: 'Check POLIS_API_KEY: it must be one of the keys in Polis\'s JACKSON_API_KEYS.',
      });
    }
    if (status === 400 || status === 422) {
      return new SsoError('SP_REJECTED_METADATA', `Polis refused the connection${reason || ` (${status})`}`, {
        hint: 'Run `sso-setup metadata check` on the saved metadata, and check the redirect URLs in the config.',
      });
    }
    if (status === 404) {
      return new SsoError('SP_ENDPOINT_NOT_FOUND', `Polis answered 404 to ${method} ${base.href}`, { hint: 'Check POLIS_URL (the Polis base URL, without /api).' });
    }
    return new SsoError('SP_SERVER_ERROR', `Polis failed (${method} ${POLIS_CONNECTIONS_PATH} → HTTP ${status}${reason})`, {
      hint: 'Run again later; the run is safe to repeat.',
    });
  };

  const connection = async (): Promise<PolisConnection | undefined> => {
    const { status, json } = await request('GET', tenantQuery());
    if (status !== 200) throw fail('GET', status, json);
    const list = Array.isArray(json) ? (json as PolisConnection[]) : [];
    // One tenant + product may also hold OIDC connections; ours is the SAML one (it has idpMetadata).
    return list.find((c) => c.idpMetadata !== undefined);
  };

  return {
    delivery: 'endpoint',
    target: where,
    trustsOneCertificate: true,
    connection,
    async readTrust() {
      return toTrust(await connection());
    },
    async upload(metadataXml: string) {
      // Polis keeps the certificate of the metadata it is given; it has no list of extra trusted certificates.
      const existing = await connection();
      const fields = {
        rawMetadata: metadataXml,
        tenant: target.tenant,
        product: target.product,
        redirectUrl: JSON.stringify(target.redirectUrls),
        defaultRedirectUrl: target.defaultRedirectUrl,
        ...(target.name ? { name: target.name } : {}),
      };
      if (existing) {
        const { status, json } = await request('PATCH', base, { ...fields, clientID: existing.clientID, clientSecret: existing.clientSecret });
        if (status !== 204 && status !== 200) throw fail('PATCH', status, json);
      } else {
        const { status, json } = await request('POST', base, fields);
        if (status !== 200 && status !== 201) throw fail('POST', status, json);
      }
      return toTrust(await connection());
    },
    async disable() {
      const { status, json } = await request('DELETE', tenantQuery());
      if (status === 204 || status === 200 || status === 404) return;
      throw fail('DELETE', status, json);
    },
  };
}

/** What Polis trusts, in the core's terms: the IdP entity, its SSO URL and the certificate fingerprint. */
export function toTrust(connection: PolisConnection | undefined): SpTrust {
  const idp = connection?.idpMetadata;
  if (!connection || !idp) return { kind: 'endpoint', enabled: false };
  const fingerprint = certificateFingerprint(idp.publicKey);
  return {
    kind: 'endpoint',
    enabled: true,
    idpEntityId: idp.entityID ?? '',
    ssoUrl: idp.sso?.redirectUrl ?? idp.sso?.postUrl ?? '',
    certificates: fingerprint ? [fingerprint] : [],
  };
}

function certificateFingerprint(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const body = text.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  try {
    return new X509Certificate(Buffer.from(body, 'base64')).fingerprint256;
  } catch {
    return undefined;
  }
}
