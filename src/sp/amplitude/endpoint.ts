/**
 * SP delivery over the SP settings endpoint (contract: docs/sp-settings-endpoint.md). Amplitude
 * publishes no such API; the sandbox implements the contract, and so can a proxy or a future API.
 */
import { SsoError } from '../../errors.js';
import { describeFailure, RateLimitedError, type FetchLike } from '../../http/client.js';
import type { EndpointSp, SpTrust } from '../../core/ports.js';

interface SettingsDocument {
  enabled?: boolean;
  idpEntityId?: string;
  ssoUrl?: string;
  certificates?: { sha256?: string }[];
  updatedAt?: string;
}

export function createEndpointSp(url: string, token: string, http: FetchLike): EndpointSp {
  const request = async (method: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> | undefined }> => {
    let response: Response;
    try {
      response = await http(url, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      if (error instanceof RateLimitedError) throw rateLimited(method, error);
      throw new SsoError('SP_UNREACHABLE', `could not reach the SP settings endpoint ${url}: ${describeFailure(error)}`, {
        hint: 'Check AMPLITUDE_SSO_ENDPOINT and that the endpoint is up; the run is safe to repeat.',
        cause: error,
      });
    }
    const text = await response.text();
    let json: Record<string, unknown> | undefined;
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, json };
  };

  const rateLimited = (method: string, error?: RateLimitedError): SsoError => {
    const why = error ? `: ${error.explanation}` : '';
    return new SsoError('SP_RATE_LIMITED', `the SP settings endpoint ${url} kept rate-limiting ${method} requests${why}`, {
      hint: 'Run again once the limit resets (the run is safe to repeat); SSO_SETUP_RATE_LIMIT_WAIT=SECONDS allows a longer wait.',
      ...(error ? { cause: error, details: error.details } : {}),
    });
  };

  const fail = (method: string, status: number, json: Record<string, unknown> | undefined): SsoError => {
    const err = json?.error as { code?: string; message?: string } | undefined;
    const reason = err?.message ? `: ${err.message}` : '';
    if (status === 401 || status === 403) {
      return new SsoError('SP_UNAUTHORIZED', `the SP settings endpoint refused the token (${status}${reason})`, {
        hint: 'Check AMPLITUDE_SSO_TOKEN (or --amplitude-sso-token-file).',
      });
    }
    if (status === 400 || status === 422) {
      return new SsoError('SP_REJECTED_METADATA', `the SP refused the IdP metadata${reason || ` (${status})`}`, {
        hint: 'Run `sso-setup metadata check` on the saved metadata to see why.',
        details: { spError: err?.code },
      });
    }
    if (status === 429) return rateLimited(method);
    if (status === 404) {
      return new SsoError('SP_ENDPOINT_NOT_FOUND', `the SP settings endpoint ${url} answered 404 to ${method}`, { hint: 'Check AMPLITUDE_SSO_ENDPOINT.' });
    }
    return new SsoError('SP_SERVER_ERROR', `the SP settings endpoint failed (${method} → HTTP ${status}${reason})`, {
      hint: 'Run again later; the run is safe to repeat.',
    });
  };

  const toTrust = (doc: SettingsDocument | undefined): SpTrust => {
    if (!doc || doc.enabled === false) return { kind: 'endpoint', enabled: false };
    return {
      kind: 'endpoint',
      enabled: true,
      idpEntityId: doc.idpEntityId ?? '',
      ssoUrl: doc.ssoUrl ?? '',
      certificates: (doc.certificates ?? []).map((c) => (c.sha256 ?? '').toUpperCase()).filter(Boolean),
      ...(doc.updatedAt ? { updatedAt: doc.updatedAt } : {}),
    };
  };

  return {
    delivery: 'endpoint',
    target: url,
    async readTrust() {
      const { status, json } = await request('GET');
      if (status === 200) return toTrust(json as SettingsDocument);
      throw fail('GET', status, json);
    },
    async upload(metadataXml: string, additionalCertificates: string[]) {
      const { status, json } = await request('PUT', { identityProvider: 'auth0', metadataXml, additionalCertificates });
      // A settings document (it names `enabled`) is what the SP stored; anything else says nothing.
      if (status === 200 || status === 201) return json && typeof json.enabled === 'boolean' ? toTrust(json as SettingsDocument) : undefined;
      throw fail('PUT', status, json);
    },
    async disable() {
      const { status, json } = await request('DELETE');
      if (status === 204 || status === 200 || status === 404) return;
      throw fail('DELETE', status, json);
    },
  };
}
