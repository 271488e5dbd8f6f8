/**
 * The tenant as a SAML identity provider, per client with the SAML2 Web App addon:
 *
 * - `GET /samlp/metadata/{client_id}`: rendered by samlp's own metadata template, as Auth0 does
 *   (the real documents have exactly its structure; reference auth0-api.md §3).
 * - `GET|POST /samlp/{client_id}`: SP-initiated (SAMLRequest in the Redirect or POST binding) or
 *   IdP-initiated (no SAMLRequest). The AssertionConsumerServiceURL must be one of the client's
 *   `callbacks` (Auth0 docs: extra ACS URLs must be in Allowed Callback URLs); without one the
 *   first callback is used. Then, like New Universal Login, a redirect to `/u/login?state=…`.
 * - `/u/login`: the login form; the sandbox user's credentials lead to `/authorize/resume`, which
 *   answers samlp's auto-submitting form with the signed SAMLResponse.
 * - The transaction is bound to the browser's session cookie (`auth0`, or its fallback
 *   `auth0_compat`: Auth0 docs, "Authentication API Cookies"); a request without it gets Auth0's
 *   "couldn't find your session" error.
 *
 * The response follows `addons.samlp` with Auth0's documented defaults (rsa-sha1 / sha1, 3600 s,
 * audience = the AuthnRequest's Issuer, recipient and destination = the ACS), not samlp's own.
 */
import { inflateRawSync } from 'node:zlib';
import type { Auth0Tenant } from './tenant.js';
import { isJsonObject, type JsonObject } from './clients.js';
import { newSessionIndex, newTransactionState } from './identifiers.js';
import { DATABASE_CONNECTION } from './connections.js';
import { renderErrorPage, renderLoginPage, type LoginChoices } from './login-pages.js';
import { auth0ProfileMapper } from './saml-claims.js';
import { expressShim, samlpModule, type ParsedAuthnRequest, type SamlpRequest } from './samlp-module.js';
import { pemLf } from './signing-keys.js';

export interface PageResult {
  status: number;
  headers: Record<string, string | string[]>;
  body: string | Buffer;
}

/** An SP request as received: the parameters of either binding. */
export interface SamlBindingInput {
  method: 'GET' | 'POST';
  params: Record<string, string>;
}

interface LoginTransaction {
  clientId: string;
  /** The host the login started on: the tenant's domain or its custom domain (issuer and URLs follow it). */
  host: string;
  /** The browser session the login started in (the `auth0` cookie). */
  session: string;
  acsUrl: string;
  method: 'GET' | 'POST';
  samlRequest?: string;
  relayState?: string;
  sigAlg?: string;
  signature?: string;
  authenticated: boolean;
  expiresAt: number;
}

/** How long a login may take from the SP's request to the final form. */
const TRANSACTION_TTL_MS = 15 * 60_000;

const HTML = 'text/html; charset=utf-8';

export class SamlIdentityProvider {
  readonly #tenant: Auth0Tenant;
  readonly #scheme: 'http' | 'https';
  readonly #transactions = new Map<string, LoginTransaction>();

  constructor(tenant: Auth0Tenant, scheme: 'http' | 'https' = 'http') {
    this.#tenant = tenant;
    this.#scheme = scheme;
  }

  /**
   * The IdP entity ID (metadata `entityID`, assertion Issuer) for a request on `host`: `urn:` + the
   * host, so `urn:<custom domain>` on a custom domain ("the issuer entity ID ... will change when
   * using a custom domain (from something like urn:northwind.auth0.com to ... urn:login.northwind.com)",
   * Auth0 docs, Configure Features to Use Custom Domains > Configure SAML applications).
   */
  entityId(host: string = this.#tenant.domain): string {
    return `urn:${host}`;
  }

  /** The client's enabled connections, as its login page offers them. */
  #loginChoices(clientId: string): LoginChoices {
    const connections = this.#tenant.connectionsOfClient(clientId);
    return {
      database: connections.some((c) => c['strategy'] === 'auth0'),
      userConnection: connections.some((c) => c['name'] === DATABASE_CONNECTION),
      others: connections.filter((c) => c['strategy'] !== 'auth0').map((c) => ({ name: String(c['name']), strategy: String(c['strategy']) })),
    };
  }

  /** The samlp addon config of a client, or undefined when the client or the addon is missing. */
  #addon(clientId: string): { client: JsonObject; addon: JsonObject } | undefined {
    const client = this.#tenant.clientRecord(clientId);
    const addons = client?.['addons'];
    if (!client || !isJsonObject(addons) || !isJsonObject(addons['samlp'])) return undefined;
    return { client, addon: addons['samlp'] };
  }

  async metadata(clientId: string, host: string = this.#tenant.domain): Promise<PageResult> {
    if (!this.#addon(clientId)) {
      return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `Not Found: no client ${clientId} with the SAML2 Web App addon\n` };
    }
    const base = `/samlp/${encodeURIComponent(clientId)}`;
    const render = samlpModule().metadata({
      issuer: this.entityId(host),
      cert: pemLf('CERTIFICATE', this.#tenant.keys.current.certDer),
      redirectEndpointPath: base,
      postEndpointPath: base,
      logoutEndpointPaths: { redirect: `${base}/logout`, post: `${base}/logout` },
    });
    const { res, result } = expressShim();
    render(this.#shimRequest(host, 'GET', `/samlp/metadata/${clientId}`, {}, {}), res);
    const out = await result;
    return { status: out.status, headers: out.headers, body: out.body };
  }

  pem(): PageResult {
    return {
      status: 200,
      headers: { 'content-type': 'application/x-pem-file', 'content-disposition': `attachment; filename="${this.#tenant.name}.pem"` },
      body: pemLf('CERTIFICATE', this.#tenant.keys.current.certDer),
    };
  }

  cer(): PageResult {
    return {
      status: 200,
      headers: { 'content-type': 'application/pkix-cert', 'content-disposition': `attachment; filename="${this.#tenant.name}.cer"` },
      body: this.#tenant.keys.current.certDer,
    };
  }

  /** `/samlp/{client_id}`: checks the request and the ACS, then starts a login transaction. */
  async start(clientId: string, input: SamlBindingInput, session: string, host: string = this.#tenant.domain): Promise<PageResult> {
    this.#forgetExpired();
    if (!this.#tenant.clientRecord(clientId)) return errorPage(400, 'invalid_request', 'Invalid request', `Unknown client: ${clientId}`);
    const found = this.#addon(clientId);
    if (!found) return errorPage(400, 'invalid_request', 'Invalid request', `The SAML2 Web App addon is not enabled for client ${clientId}.`);
    const { client, addon } = found;
    const p = input.params;

    let parsed: ParsedAuthnRequest | undefined;
    if (p['SAMLRequest']) {
      const tooBig = oversizedRequest(p['SAMLRequest']);
      if (tooBig) return errorPage(400, 'invalid_request', 'Invalid SAML request', tooBig);
      try {
        parsed = await this.#parse(input, addon);
      } catch (e) {
        return errorPage(400, 'invalid_request', 'Invalid SAML request', e instanceof Error ? e.message : String(e));
      }
    }

    const callbacks = Array.isArray(client['callbacks']) ? client['callbacks'].filter((c): c is string => typeof c === 'string') : [];
    const requested = parsed?.assertionConsumerServiceURL;
    if (requested !== undefined && !callbacks.includes(requested)) {
      return errorPage(
        400,
        'invalid_request',
        'Callback URL mismatch',
        `Callback URL mismatch. The provided AssertionConsumerServiceURL (${requested}) is not in the list of allowed callback URLs. ` +
          'Please go to the Application Settings page and make sure you are sending a valid callback url from your application.',
      );
    }
    const acsUrl = requested ?? callbacks[0];
    if (acsUrl === undefined) {
      return errorPage(400, 'invalid_request', 'Invalid request', 'The application has no Allowed Callback URL to send the SAML response to.');
    }

    // Auth0's answer when no connection is enabled for the application ("no connections enabled for
    // the client", quoted in auth0-samples/auth0-vue-samples#185), here on its error page.
    if (this.#tenant.connectionsOfClient(clientId).length === 0) return errorPage(400, 'invalid_request', 'Invalid request', 'no connections enabled for the client');

    const state = newTransactionState();
    const tx: LoginTransaction = { clientId, host, session, acsUrl, method: input.method, authenticated: false, expiresAt: Date.now() + TRANSACTION_TTL_MS };
    if (p['SAMLRequest']) tx.samlRequest = p['SAMLRequest'];
    if (p['RelayState'] !== undefined) tx.relayState = p['RelayState'];
    if (p['SigAlg'] !== undefined) tx.sigAlg = p['SigAlg'];
    if (p['Signature'] !== undefined) tx.signature = p['Signature'];
    this.#transactions.set(state, tx);
    return { status: 302, headers: { location: `/u/login?state=${encodeURIComponent(state)}` }, body: '' };
  }

  loginPage(state: string, session: string | undefined): PageResult {
    const tx = this.#live(state);
    if (!tx) return expiredTransaction();
    if (tx.session !== session) return lostSession();
    return { status: 200, headers: { 'content-type': HTML }, body: renderLoginPage({ state, tenantName: this.#tenant.name, applicationName: this.#appName(tx), ...this.#loginChoices(tx.clientId) }) };
  }

  /** Checks the posted credentials against the sandbox user. */
  login(state: string, form: Record<string, string>, session: string | undefined): PageResult {
    const tx = this.#live(state);
    if (!tx || (form['state'] !== undefined && form['state'] !== state)) return expiredTransaction();
    if (tx.session !== session) return lostSession();
    const choices = this.#loginChoices(tx.clientId);
    const chosen = form['connection'];
    if (chosen !== undefined) {
      const other = choices.others.find((c) => c.name === chosen);
      if (!other) return errorPage(400, 'invalid_request', 'Invalid request', 'the connection was disabled');
      return errorPage(400, 'invalid_request', 'Invalid request', `The sandbox does not emulate logins through the ${other.strategy} connection "${other.name}": only its database connection has a user.`);
    }
    // Auth0 answers "the connection was disabled" when a client logs in through a connection not enabled for it.
    if (!choices.database) return errorPage(400, 'invalid_request', 'Invalid request', 'the connection was disabled');
    const username = (form['username'] ?? '').trim();
    const user = this.#tenant.user;
    // The user lives in the database connection: through another one, it is unknown.
    if (!choices.userConnection || username.toLowerCase() !== user.email.toLowerCase() || form['password'] !== user.password) {
      return {
        status: 400,
        headers: { 'content-type': HTML },
        body: renderLoginPage({ state, tenantName: this.#tenant.name, applicationName: this.#appName(tx), ...choices, username, error: 'Wrong email or password' }),
      };
    }
    tx.authenticated = true;
    return { status: 302, headers: { location: `/authorize/resume?state=${encodeURIComponent(state)}` }, body: '' };
  }

  /** After login: samlp builds, signs and posts the response (its own form template). */
  async resume(state: string, session: string | undefined): Promise<PageResult> {
    const tx = this.#live(state);
    if (!tx || !tx.authenticated) return expiredTransaction();
    if (tx.session !== session) return lostSession();
    this.#transactions.delete(state);
    const found = this.#addon(tx.clientId);
    if (!found) return errorPage(400, 'invalid_request', 'Invalid request', `The SAML2 Web App addon is not enabled for client ${tx.clientId}.`);

    const { res, next, result } = expressShim();
    const middleware = samlpModule().auth(this.#samlOptions(found.addon, tx));
    const req =
      tx.method === 'POST'
        ? this.#shimRequest(tx.host, 'POST', `/samlp/${tx.clientId}`, {}, this.#bindingParams(tx))
        : this.#shimRequest(tx.host, 'GET', `/samlp/${tx.clientId}`, this.#bindingParams(tx), {});
    try {
      middleware(req, res, next);
      const out = await result;
      if (out.status !== 200) return errorPage(out.status, 'invalid_request', 'Invalid request', out.body || 'The SAML response could not be created.');
      return { status: 200, headers: { 'content-type': out.headers['content-type'] ?? 'text/html' }, body: out.body };
    } catch (e) {
      return errorPage(500, 'server_error', 'The SAML response could not be created', e instanceof Error ? e.message : String(e));
    }
  }

  /** samlp options from the addon, with Auth0's documented defaults where the addon is silent. */
  #samlOptions(addon: JsonObject, tx: LoginTransaction): Record<string, unknown> {
    const key = this.#tenant.keys.current;
    const str = (k: string): string | undefined => (typeof addon[k] === 'string' && addon[k] !== '' ? (addon[k] as string) : undefined);
    const bool = (k: string, fallback: boolean): boolean => (typeof addon[k] === 'boolean' ? (addon[k] as boolean) : fallback);
    const signResponse = bool('signResponse', false);
    const options: Record<string, unknown> = {
      issuer: str('issuer') ?? this.entityId(tx.host),
      cert: pemLf('CERTIFICATE', key.certDer),
      key: key.privateKeyPem,
      getPostURL: (_audience: unknown, _dom: unknown, _req: unknown, cb: (err: unknown, url?: string) => void) => cb(null, tx.acsUrl),
      getUserFromRequest: () => ({ ...this.#tenant.profile, clientID: tx.clientId }),
      profileMapper: auth0ProfileMapper(addon),
      recipient: str('recipient') ?? tx.acsUrl,
      destination: str('destination') ?? tx.acsUrl,
      signatureAlgorithm: str('signatureAlgorithm') ?? 'rsa-sha1',
      digestAlgorithm: str('digestAlgorithm') ?? 'sha1',
      signResponse,
      signAssertion: !signResponse,
      lifetimeInSeconds: typeof addon['lifetimeInSeconds'] === 'number' ? addon['lifetimeInSeconds'] : 3600,
      typedAttributes: bool('typedAttributes', true),
      includeAttributeNameFormat: bool('includeAttributeNameFormat', true),
      nameIdentifierProbes: addon['nameIdentifierProbes'],
      sessionIndex: newSessionIndex(),
      RelayState: tx.relayState ?? '',
    };
    const audience = str('audience');
    if (audience !== undefined) options['audience'] = audience;
    const classRef = str('authnContextClassRef');
    if (classRef !== undefined) options['authnContextClassRef'] = classRef;
    const signingCert = str('signingCert');
    if (signingCert !== undefined) options['signingCert'] = signingCert;
    return options;
  }

  #parse(input: SamlBindingInput, addon: JsonObject): Promise<ParsedAuthnRequest | undefined> {
    const signingCert = typeof addon['signingCert'] === 'string' ? addon['signingCert'] : undefined;
    const req =
      input.method === 'POST' ? this.#shimRequest(this.#tenant.domain, 'POST', '/samlp', {}, input.params) : this.#shimRequest(this.#tenant.domain, 'GET', '/samlp', input.params, {});
    return new Promise((resolve, reject) => {
      samlpModule().parseRequest(req, signingCert ? { signingCert } : {}, (err, data) => (err ? reject(toError(err)) : resolve(data)));
    });
  }

  #bindingParams(tx: LoginTransaction): Record<string, string> {
    const out: Record<string, string> = {};
    if (tx.samlRequest !== undefined) out['SAMLRequest'] = tx.samlRequest;
    if (tx.relayState !== undefined) out['RelayState'] = tx.relayState;
    if (tx.sigAlg !== undefined) out['SigAlg'] = tx.sigAlg;
    if (tx.signature !== undefined) out['Signature'] = tx.signature;
    return out;
  }

  /** The request samlp sees: one of the tenant's own hosts (its domain or custom domain) and its scheme. */
  #shimRequest(host: string, method: string, path: string, query: Record<string, string>, body: Record<string, string>): SamlpRequest {
    return { method, headers: { host }, query, body, originalUrl: path, protocol: this.#scheme };
  }

  #appName(tx: LoginTransaction): string {
    return String(this.#tenant.clientRecord(tx.clientId)?.['name'] ?? tx.clientId);
  }

  #live(state: string): LoginTransaction | undefined {
    const tx = this.#transactions.get(state);
    if (!tx) return undefined;
    if (tx.expiresAt <= Date.now()) {
      this.#transactions.delete(state);
      return undefined;
    }
    return tx;
  }

  #forgetExpired(): void {
    const now = Date.now();
    for (const [state, tx] of this.#transactions) if (tx.expiresAt <= now) this.#transactions.delete(state);
  }
}

/** Largest AuthnRequest accepted once inflated: samlp would inflate a deflate bomb without limit. */
const MAX_AUTHN_REQUEST_BYTES = 256 * 1024;

function oversizedRequest(encoded: string): string | undefined {
  const raw = Buffer.from(encoded, 'base64');
  if (raw[0] === 0x3c) return raw.length > MAX_AUTHN_REQUEST_BYTES ? 'The SAMLRequest is too large.' : undefined;
  try {
    inflateRawSync(raw, { maxOutputLength: MAX_AUTHN_REQUEST_BYTES });
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? 'The SAMLRequest is too large.' : 'The SAMLRequest is not valid base64-encoded (deflated) XML.';
  }
}

function errorPage(status: number, code: string, title: string, description: string): PageResult {
  return { status, headers: { 'content-type': HTML }, body: renderErrorPage({ code, title, description }) };
}

function expiredTransaction(): PageResult {
  return errorPage(400, 'invalid_request', 'Invalid state', 'The login transaction is unknown or has expired. Start the login again from the application.');
}

/** Auth0's text when the login transaction's session cookie is missing (as users quote the page). */
function lostSession(): PageResult {
  return errorPage(
    400,
    'invalid_request',
    'Invalid request',
    "You may have pressed the back button, refreshed during login, opened too many login dialogs, or there is some issue with cookies, since we couldn't find your session. Try logging in again from the application and if the problem persists please contact the administrator.",
  );
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
