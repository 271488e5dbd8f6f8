/**
 * Fetches one document (IdP metadata) over the network, defensively (saml-metadata-checks.md §3 item 1):
 * https only (plain http only for loopback hosts, i.e. the sandbox), TLS verification on, one deadline
 * for the whole exchange, a byte cap enforced while the body streams (and from Content-Length before),
 * and at most three redirects, each to the same host. `metadata check <url>` and `apply` both use it.
 */
import { EXIT, SsoError, usageError } from '../errors.js';
import { isLoopbackHost } from './agent.js';
import { createHttpClient, describeFailure, errorCode, HttpTimeoutError, RateLimitedError, type FetchLike } from './client.js';

export interface DownloadOptions {
  /** Refuse bodies larger than this (checked from Content-Length and while streaming). */
  maxBytes: number;
  /** Deadline for the whole download, redirects and body included. */
  timeoutMs: number;
  /** The Accept header; default prefers SAML metadata, then any XML. */
  accept?: string;
  /** At most 3 (the default); a lower number is honoured. */
  maxRedirects?: number;
  /**
   * The product's HTTP client (retries, per-attempt deadline, request log); `apply` and `verify`
   * pass theirs. Default: a client with the same policy.
   */
  fetch?: FetchLike;
}

export interface DownloadedDocument {
  bytes: Uint8Array;
  /** The response's Content-Type header, when it had one. */
  contentType: string | null;
  /** Where the document finally came from, after redirects. */
  finalUrl: string;
}

export const MAX_REDIRECTS = 3;
const DEFAULT_ACCEPT = 'application/samlmetadata+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1';
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Downloads `url`; every failure is an SsoError with a stable code (README: download codes). */
export async function downloadDocument(url: string, options: DownloadOptions): Promise<DownloadedDocument> {
  const first = checkUrl(url);
  const maxRedirects = Math.min(options.maxRedirects ?? MAX_REDIRECTS, MAX_REDIRECTS);
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const http = options.fetch ?? createHttpClient({ timeoutMs: options.timeoutMs });

  let current = first;
  for (let redirects = 0; ; redirects++) {
    let response: Response;
    try {
      response = await http(current.href, {
        method: 'GET',
        signal: deadline,
        redirect: 'manual',
        headers: { accept: options.accept ?? DEFAULT_ACCEPT },
      });
    } catch (error) {
      throw transportError(error, current, deadline, options.timeoutMs);
    }

    if (REDIRECT_STATUSES.has(response.status)) {
      await discard(response);
      const location = response.headers.get('location');
      if (!location) {
        throw new SsoError('DOWNLOAD_FAILED', `${current.href} answered ${response.status} without a Location header.`, { hint: 'Check the URL.' });
      }
      let next: URL;
      try {
        next = new URL(location, current);
      } catch {
        throw new SsoError('DOWNLOAD_FAILED', `${current.href} redirects to an invalid URL.`, { hint: 'Check the URL.' });
      }
      if (next.hostname.toLowerCase() !== first.hostname.toLowerCase()) {
        throw new SsoError('REDIRECT_OFF_HOST', `${current.href} redirects to another host (${next.host}); redirects are followed only within ${first.hostname}.`, {
          hint: 'Use the final URL directly if you trust that host.',
        });
      }
      if (next.protocol !== 'https:' && !(next.protocol === 'http:' && isLoopbackHost(next.hostname))) {
        throw new SsoError('REDIRECT_INSECURE', `${current.href} redirects to ${next.protocol}//${next.host}, which is not https.`, { hint: 'Only https is allowed (plain http only on loopback).' });
      }
      if (redirects >= maxRedirects) {
        throw new SsoError('REDIRECT_LIMIT', `${first.href} redirected more than ${maxRedirects} times.`, { hint: 'Use the final URL directly.' });
      }
      current = next;
      continue;
    }

    if (response.status < 200 || response.status > 299) {
      await discard(response);
      throw new SsoError('DOWNLOAD_HTTP_STATUS', `${current.href} answered HTTP ${response.status}.`, {
        hint: response.status === 404 ? 'Check the URL (for Auth0 metadata: the domain and the client ID).' : 'Check the URL and try again.',
        details: { status: response.status },
      });
    }

    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(declared) && declared > options.maxBytes) {
      await discard(response);
      throw tooLarge(current, options.maxBytes);
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      for await (const chunk of (response.body ?? []) as AsyncIterable<Uint8Array>) {
        total += chunk.length;
        if (total > options.maxBytes) {
          await discard(response);
          throw tooLarge(current, options.maxBytes);
        }
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof SsoError) throw error;
      throw transportError(error, current, deadline, options.timeoutMs);
    }
    return { bytes: new Uint8Array(Buffer.concat(chunks, total)), contentType: response.headers.get('content-type'), finalUrl: current.href };
  }
}

/** Only https URLs, or plain http to a loopback host; refused before any connection is made. */
function checkUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError('URL_INVALID', `"${text}" is not a valid URL.`, 'Pass a full URL such as https://acme.us.auth0.com/samlp/metadata/<client_id>.');
  }
  if (url.username || url.password) {
    throw usageError('URL_INVALID', `The URL ${url.protocol}//${url.host}${url.pathname} contains credentials.`, 'Remove the user name and password from the URL.');
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:') {
    if (isLoopbackHost(url.hostname)) return url;
    throw usageError('URL_INSECURE', `Refusing plain http to ${url.host}: metadata must be fetched over https.`, `Use https://${url.host}${url.pathname}${url.search}.`);
  }
  throw usageError('URL_INVALID', `Unsupported URL scheme ${url.protocol} in ${text}.`, 'Pass an https:// URL, a file path, or - for stdin.');
}

function transportError(error: unknown, url: URL, deadline: AbortSignal, timeoutMs: number): SsoError {
  // A connection failure stays one even when the deadline ran out while retrying it.
  const timedOut = error instanceof HttpTimeoutError || ((error as Error)?.name === 'AbortError' || (error as Error)?.name === 'TimeoutError') || (deadline.aborted && errorCode(error) === undefined);
  if (timedOut) {
    return new SsoError('DOWNLOAD_TIMEOUT', `Downloading ${url.href} took longer than ${timeoutMs} ms.`, { hint: 'Check the network and the host, then try again.', cause: error });
  }
  const reason = describeFailure(error);
  return new SsoError('DOWNLOAD_FAILED', `Could not download ${url.href} (${reason}).`, {
    hint:
      error instanceof RateLimitedError
        ? 'The server is rate-limiting this client; try again later.'
        : /CERT|SSL|TLS/i.test(reason)
          ? "The server's TLS certificate is not trusted; fix the server or the CA bundle (NODE_EXTRA_CA_CERTS)."
          : 'Check the host name and the network.',
    cause: error,
    exit: EXIT.failure,
  });
}

function tooLarge(url: URL, maxBytes: number): SsoError {
  return new SsoError('DOWNLOAD_TOO_LARGE', `${url.href} sent more than ${maxBytes} bytes, the limit for this document.`, {
    hint: 'SAML metadata for one IdP is a few KiB; check that the URL points at IdP metadata, not an aggregate.',
  });
}

/** Stops reading a body: the status or the size already said what we need. */
async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}
