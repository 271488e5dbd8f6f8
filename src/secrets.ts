/**
 * Secret values (the Auth0 client secret, Management API tokens, the SP token) are registered here
 * as soon as they are read or received. Everything that leaves the process (stdout, stderr, files
 * we write, error messages, JSON output) passes through `redact`, so a secret echoed back by a
 * library error or a server body is replaced before anyone sees it.
 */
export const REDACTED = '[REDACTED]';

export class SecretRegistry {
  readonly #values = new Set<string>();

  /** Registers a secret. Very short values are not registered: redacting them would mangle text. */
  add(value: string | undefined | null): void {
    if (typeof value !== 'string') return;
    const v = value.trim();
    if (v.length < 6) return;
    this.#values.add(v);
    // Secrets also travel URL-encoded (form bodies) and base64-encoded (basic auth).
    const encoded = encodeURIComponent(v);
    if (encoded !== v) this.#values.add(encoded);
  }

  get size(): number {
    return this.#values.size;
  }

  redact(text: string): string {
    if (this.#values.size === 0 || text.length === 0) return text;
    let out = text;
    // Longest first, so a secret that contains another is replaced whole.
    for (const v of [...this.#values].sort((a, b) => b.length - a.length)) {
      if (out.includes(v)) out = out.split(v).join(REDACTED);
    }
    return out;
  }
}

/** Patterns that look like credentials even when we were never told the value. */
const BEARER = /\b(Bearer\s+)[A-Za-z0-9\-._~+/]+=*/g;
const SECRET_FIELDS = /("(?:client_secret|access_token|refresh_token|id_token|token|password)"\s*:\s*")[^"]*(")/g;
const FORM_SECRETS = /\b((?:client_secret|access_token|password)=)[^&\s]+/g;

/** Removes credential-shaped substrings: a second line of defence behind the registry. */
export function scrubCredentials(text: string): string {
  return text
    .replace(BEARER, `$1${REDACTED}`)
    .replace(SECRET_FIELDS, `$1${REDACTED}$2`)
    .replace(FORM_SECRETS, `$1${REDACTED}`);
}
