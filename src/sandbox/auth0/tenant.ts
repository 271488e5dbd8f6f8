/**
 * The state of one emulated Auth0 tenant: its clients, the management app's grant, the signing
 * key ring, the issued Management API tokens and the one database user. The HTTP handlers call
 * into it; tests reach it through `Auth0TenantControl`.
 *
 * A fresh real tenant lists three clients: "Default App", the global "All Applications" client
 * (`global: true`, with `owners` and `callbacks: []`) and, once you create one, the
 * machine-to-machine app for the Management API. The sandbox starts with the same three, each in
 * the raw key order recorded from a real tenant (NOTES §2.1, TestAccDataClientByName #4).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { SandboxUser } from '../types.js';
import { signAccessToken, TOKEN_MESSAGES, verifyAccessToken, type AccessTokenClaims, type TokenVerdict } from './access-tokens.js';
import { inexistentClient } from './api-errors.js';
import { buildConnectionRecord, DATABASE_CONNECTION, inexistentConnection, newConnectionId, type EnabledClientChange } from './connections.js';
import {
  applyClientPatch,
  buildClientRecord,
  cloneJson,
  defaultRefreshToken,
  isJsonObject,
  issueClientCredentials,
  type ClientSigningKey,
  type JsonObject,
} from './clients.js';
import { newClientId, newClientSecret, newDatabaseUserId, newPassword, randomString } from './identifiers.js';
import type { SigningKeyRing } from './signing-keys.js';
import { TokenBucket } from './rate-limit.js';

/**
 * `POST /api/v2/keys/signing/rotate` has its own limit on every tier: burst 5, sustained 5 a day
 * (Auth0 docs, rate-limit-configurations/free-public, essentials-professional-b2b, enterprise-public).
 */
export const ROTATION_LIMIT = { burst: 5, perSecond: 5 / 86_400 } as const;

/** The scopes the sandbox grants the CLI's management app: clients CRUD, signing keys, connections. */
export const DEFAULT_MANAGEMENT_SCOPES = [
  'read:clients',
  'create:clients',
  'update:clients',
  'delete:clients',
  'read:signing_keys',
  'create:signing_keys',
  'update:signing_keys',
  'read:connections',
  'update:connections',
] as const;

/** Auth0's default Management API token lifetime (docs: 86,400 seconds). */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 86_400;

export interface TenantSettings {
  domain: string;
  name: string;
  keys: SigningKeyRing;
  now: () => Date;
  tokenLifetimeSeconds: number;
  /**
   * The tenant flag `enable_client_connections`: "Whether all current connections should be enabled
   * when a new client (application) is created (true, default) or not (false)" (API reference,
   * tenant settings). Default true.
   */
  enableClientConnections?: boolean;
  /** A verified custom domain (`host:port`) served by the same server: SAML and login pages answer on it too. */
  customDomain?: string;
}

/** The user profile Auth0 would hold for the sandbox user (what SAML attributes are made from). */
export interface UserProfile extends Record<string, unknown> {
  user_id: string;
  email: string;
  email_verified: boolean;
  name: string;
  given_name: string;
  family_name: string;
  nickname: string;
  picture: string;
  identities: { provider: string; user_id: string; connection: string; isSocial: boolean }[];
  created_at: string;
  updated_at: string;
}

export interface IssuedToken {
  access_token: string;
  expires_in: number;
  scope?: string;
  token_type: 'Bearer';
}

export class Auth0Tenant {
  readonly domain: string;
  readonly name: string;
  readonly keys: SigningKeyRing;
  readonly now: () => Date;
  readonly tokenLifetimeSeconds: number;
  readonly managementClientId: string;
  readonly globalClientId: string;
  readonly user: SandboxUser;
  readonly profile: UserProfile;
  readonly #clients = new Map<string, JsonObject>();
  readonly #connections = new Map<string, JsonObject>();
  /** Connection id → the client ids it is enabled for, in the order they were enabled. */
  readonly #enabledClients = new Map<string, Set<string>>();
  readonly enableClientConnections: boolean;
  readonly customDomain: string | undefined;
  #managementScopes: string[] = [...DEFAULT_MANAGEMENT_SCOPES];
  /** Issued token → expiry (seconds); revoking all tokens clears it. */
  readonly #issued = new Map<string, number>();
  /** The rotate endpoint's own bucket (on the real clock, as the tenant-wide bucket is). */
  readonly rotations = new TokenBucket(ROTATION_LIMIT, Date.now());

  constructor(settings: TenantSettings) {
    this.domain = settings.domain;
    this.name = settings.name;
    this.keys = settings.keys;
    this.now = settings.now;
    this.tokenLifetimeSeconds = settings.tokenLifetimeSeconds;
    this.enableClientConnections = settings.enableClientConnections ?? true;
    this.customDomain = settings.customDomain;

    const created = this.now().toISOString();
    const userId = newDatabaseUserId();
    this.user = { email: 'ada@sandbox.example', password: newPassword(), givenName: 'Ada', familyName: 'Lovelace', userId };
    this.profile = {
      user_id: userId,
      email: this.user.email,
      email_verified: true,
      name: `${this.user.givenName} ${this.user.familyName}`,
      given_name: this.user.givenName,
      family_name: this.user.familyName,
      nickname: 'ada',
      picture: `https://s.gravatar.com/avatar/${createHash('md5').update(this.user.email).digest('hex')}?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fad.png`,
      identities: [{ provider: 'auth0', user_id: userId.slice('auth0|'.length), connection: DATABASE_CONNECTION, isSocial: false }],
      created_at: created,
      updated_at: created,
    };

    // A new tenant's database connection holds its users; "Default App" is enabled on it.
    const database = this.createConnection(DATABASE_CONNECTION, 'auth0');
    const defaultApp = this.#seedDefaultApp();
    this.#store(defaultApp);
    this.#enabledClients.get(String(database['id']))!.add(String(defaultApp['client_id']));
    const management = this.#seedManagementApp();
    this.managementClientId = String(management['client_id']);
    this.#store(management);
    const global = this.#seedGlobalClient();
    this.globalClientId = String(global['client_id']);
    this.#store(global);
  }

  get issuer(): string {
    return `https://${this.domain}/`;
  }

  /** The Management API identifier: always https, even though the sandbox serves http (the SDK sends it). */
  get managementAudience(): string {
    return `https://${this.domain}/api/v2/`;
  }

  get managementScopes(): string[] {
    return [...this.#managementScopes];
  }

  setManagementScopes(scopes: readonly string[]): void {
    this.#managementScopes = [...scopes];
  }

  get managementSecret(): string {
    return String(this.#clients.get(this.managementClientId)?.['client_secret'] ?? '');
  }

  // --- clients -----------------------------------------------------------------------------

  /** Stores a new client; returns it as the create response shows it (full new credentials). */
  createClient(body: JsonObject): JsonObject {
    const record = buildClientRecord(body, { clientId: this.#unusedClientId(), clientSecret: newClientSecret() }, this.name);
    if (this.enableClientConnections) for (const clients of this.#enabledClients.values()) clients.add(String(record['client_id']));
    const methods = record['client_authentication_methods'];
    if (!isJsonObject(methods)) {
      this.#store(record);
      return cloneJson(record);
    }
    const { shown, stored } = issueClientCredentials(methods, this.now(), () => `cred_${randomString(22)}`);
    this.#store({ ...record, client_authentication_methods: stored });
    return cloneJson({ ...record, client_authentication_methods: shown });
  }

  clientRecord(clientId: string): JsonObject | undefined {
    const record = this.#clients.get(clientId);
    return record ? cloneJson(record) : undefined;
  }

  clientRecords(): JsonObject[] {
    return [...this.#clients.values()].map((r) => cloneJson(r));
  }

  patchClient(clientId: string, patch: JsonObject): JsonObject {
    const record = this.#clients.get(clientId);
    if (!record) throw inexistentClient();
    const next = applyClientPatch(record, patch);
    this.#clients.set(clientId, next);
    return cloneJson(next);
  }

  /** DELETE is idempotent in Auth0 (204 for an id already deleted, NOTES §2.3). */
  deleteClient(clientId: string): void {
    this.#clients.delete(clientId);
    for (const clients of this.#enabledClients.values()) clients.delete(clientId);
  }

  rotateClientSecret(clientId: string): JsonObject {
    return this.patchClient(clientId, { client_secret: newClientSecret() });
  }

  /** What every client's `signing_keys` shows: the tenant's current certificate (raw format, NOTES §2.1). */
  clientSigningKey(): ClientSigningKey {
    const current = this.keys.current;
    return { cert: current.certPem, pkcs7: `${current.pkcs7Pem}\r\n`, subject: 'deprecated' };
  }

  // --- connections ---------------------------------------------------------------------------

  /** Adds a connection (as the dashboard would); enabled for no application. */
  createConnection(name: string, strategy: string): JsonObject {
    let id = newConnectionId();
    while (this.#connections.has(id)) id = newConnectionId();
    const record = buildConnectionRecord(id, name, strategy);
    this.#connections.set(id, record);
    this.#enabledClients.set(id, new Set());
    return cloneJson(record);
  }

  connectionRecords(): JsonObject[] {
    return [...this.#connections.values()].map((r) => cloneJson(r));
  }

  connectionRecord(id: string): JsonObject | undefined {
    const record = this.#connections.get(id);
    return record ? cloneJson(record) : undefined;
  }

  connectionByName(name: string): JsonObject | undefined {
    return this.connectionRecords().find((c) => c['name'] === name);
  }

  /** The client ids a connection is enabled for; throws 404 for an unknown connection. */
  enabledClientIds(connectionId: string): string[] {
    const clients = this.#enabledClients.get(connectionId);
    if (!clients) throw inexistentConnection();
    return [...clients];
  }

  /** The connections enabled for a client, in connection order. */
  connectionsOfClient(clientId: string): JsonObject[] {
    return this.connectionRecords().filter((c) => this.#enabledClients.get(String(c['id']))?.has(clientId));
  }

  /** `PATCH /connections/{id}/clients`: every client must exist (checked before any change). */
  setEnabledClients(connectionId: string, changes: readonly EnabledClientChange[]): void {
    const clients = this.#enabledClients.get(connectionId);
    if (!clients) throw inexistentConnection();
    if (changes.some((c) => !this.#clients.has(c.clientId))) throw inexistentClient();
    for (const c of changes) {
      if (c.enabled) clients.add(c.clientId);
      else clients.delete(c.clientId);
    }
  }

  // --- tokens --------------------------------------------------------------------------------

  /** Checks a client's secret in constant time; unknown clients and wrong secrets look the same. */
  authenticateClient(clientId: string, secret: string): JsonObject | undefined {
    const record = this.#clients.get(clientId);
    const stored = typeof record?.['client_secret'] === 'string' ? (record['client_secret'] as string) : undefined;
    if (!record || stored === undefined) return undefined;
    const a = createHash('sha256').update(stored).digest();
    const b = createHash('sha256').update(secret).digest();
    return timingSafeEqual(a, b) ? record : undefined;
  }

  /** Scopes a client is granted on the Management API, or undefined without a client grant. */
  grantedManagementScopes(clientId: string): string[] | undefined {
    return clientId === this.managementClientId ? this.managementScopes : undefined;
  }

  issueManagementToken(clientId: string, scopes: readonly string[]): IssuedToken {
    const iat = Math.floor(this.now().getTime() / 1000);
    const claims: AccessTokenClaims = {
      iss: this.issuer,
      sub: `${clientId}@clients`,
      aud: this.managementAudience,
      iat,
      exp: iat + this.tokenLifetimeSeconds,
      scope: scopes.join(' '),
      gty: 'client-credentials',
      azp: clientId,
    };
    const token = signAccessToken(claims, this.keys.current);
    this.#forgetExpired(iat);
    this.#issued.set(token, claims.exp);
    // Key order of Auth0's documented response; `scope` only when the grant has scopes (NOTES §7).
    return scopes.length > 0
      ? { access_token: token, expires_in: this.tokenLifetimeSeconds, scope: claims.scope, token_type: 'Bearer' }
      : { access_token: token, expires_in: this.tokenLifetimeSeconds, token_type: 'Bearer' };
  }

  verifyManagementToken(token: string): TokenVerdict {
    const verdict = verifyAccessToken(token, {
      trustedKeys: this.keys.trusted,
      nowSeconds: Math.floor(this.now().getTime() / 1000),
      audience: this.managementAudience,
    });
    if (verdict.ok && !this.#issued.has(token)) return { ok: false, message: TOKEN_MESSAGES.invalid };
    return verdict;
  }

  revokeAllTokens(): void {
    this.#issued.clear();
  }

  #forgetExpired(nowSeconds: number): void {
    for (const [token, exp] of this.#issued) if (exp <= nowSeconds) this.#issued.delete(token);
  }

  // --- seeding ---------------------------------------------------------------------------------

  #store(record: JsonObject): void {
    this.#clients.set(String(record['client_id']), record);
  }

  #unusedClientId(): string {
    let id = newClientId();
    while (this.#clients.has(id)) id = newClientId();
    return id;
  }

  /** Key order of "Default App" in the recorded raw list. */
  #seedDefaultApp(): JsonObject {
    return {
      tenant: this.name,
      global: false,
      is_token_endpoint_ip_header_trusted: false,
      name: 'Default App',
      callbacks: ['http://localhost:3000/callback'],
      is_first_party: true,
      oidc_conformant: true,
      sso_disabled: false,
      cross_origin_auth: false,
      cross_origin_authentication: false,
      refresh_token: defaultRefreshToken(false),
      signing_keys: [],
      client_id: this.#unusedClientId(),
      callback_url_template: false,
      client_secret: newClientSecret(),
      jwt_configuration: { alg: 'RS256', lifetime_in_seconds: 36000, secret_encoded: false },
      grant_types: ['authorization_code', 'implicit', 'refresh_token', 'client_credentials'],
      custom_login_page_on: true,
    };
  }

  /** A dashboard-created machine-to-machine app ("Terraform Provider Auth0" in the raw list). */
  #seedManagementApp(): JsonObject {
    return {
      tenant: this.name,
      global: false,
      is_token_endpoint_ip_header_trusted: false,
      name: 'sso-setup sandbox (Management API)',
      is_first_party: true,
      oidc_conformant: true,
      sso_disabled: false,
      cross_origin_auth: false,
      cross_origin_authentication: false,
      refresh_token: defaultRefreshToken(true),
      signing_keys: [],
      client_id: this.#unusedClientId(),
      callback_url_template: false,
      client_secret: newClientSecret(),
      jwt_configuration: { alg: 'RS256', lifetime_in_seconds: 36000, secret_encoded: false },
      token_endpoint_auth_method: 'client_secret_post',
      app_type: 'non_interactive',
      grant_types: ['client_credentials'],
      custom_login_page_on: true,
    };
  }

  /** The global client: no `callback_url_template`, with `owners` (NOTES §2.1). */
  #seedGlobalClient(): JsonObject {
    return {
      tenant: this.name,
      global: true,
      callbacks: [],
      is_first_party: true,
      name: 'All Applications',
      refresh_token: defaultRefreshToken(false),
      owners: [`mr|${this.user.userId}`],
      custom_login_page: '<html><body>Sandbox login page</body></html>',
      signing_keys: [],
      client_id: this.#unusedClientId(),
      client_secret: newClientSecret(),
      custom_login_page_on: false,
    };
  }
}
