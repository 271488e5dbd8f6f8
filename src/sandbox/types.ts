/**
 * The sandbox's public surface: what `sso-setup sandbox`, `sso-setup demo` and the tests use.
 * The emulators live in ./auth0 and ./amplitude; product code never imports them (only the
 * sandbox and demo commands do).
 */
import type { Faults, FaultOptions } from './faults.js';
import type { TlsIdentity } from './http-kit.js';
import type { RequestLog } from './request-log.js';

export type { TlsIdentity } from './http-kit.js';

/** Token-bucket settings, as Auth0 describes its rate limits (burst = bucket size). */
export interface RateLimitSettings {
  /** Requests added to the bucket per second. */
  perSecond: number;
  /** Bucket size. */
  burst: number;
}

/** Presets: Auth0's free tier (Management API burst 2, 2/s) and a generous default for local use. */
export const RATE_LIMIT_PRESETS: Record<'free' | 'generous', RateLimitSettings> = {
  free: { perSecond: 2, burst: 2 },
  generous: { perSecond: 50, burst: 100 },
};

export interface SandboxUser {
  email: string;
  password: string;
  givenName: string;
  familyName: string;
  userId: string;
}

export interface Auth0EmulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Default `RATE_LIMIT_PRESETS.generous`. */
  rateLimit?: RateLimitSettings;
  faults?: FaultOptions;
  /** Seed of the rate-based faults whenever faults are set without a seed of their own (default 1). */
  faultSeed?: number;
  /** Bearer token of the admin route `/__sandbox/faults` (src/sandbox/admin.ts); no route without one. */
  adminToken?: string;
  /** Lifetime of Management API tokens, seconds (Auth0's default is 86400). */
  tokenLifetimeSeconds?: number;
  /** Clock for token expiry and certificate dates (tests move it). */
  now?: () => Date;
  /** Serve https with this certificate (`sandbox --tls`); plain http when absent. */
  tls?: TlsIdentity;
  /** Host name in the tenant's domain and URLs (default: `host`); with TLS one the certificate covers. */
  publicHost?: string;
  /** Records every request served (shared by a sandbox's emulators: ../request-log.ts). */
  requestLog?: RequestLog;
  /**
   * Auth0's tenant flag `enable_client_connections`: new applications are enabled on every existing
   * connection (true, the default) or on none (false: a tenant whose new applications get none).
   */
  enableClientConnections?: boolean;
  /**
   * A second host name the same server answers on as the tenant's verified custom domain
   * (`customDomainHost:PORT`): SAML metadata, SSO and login pages on it use it in their URLs and
   * entity ID, as Auth0 does; the Management API answers on both. Must resolve to `host`.
   */
  customDomainHost?: string;
}

/** The machine-to-machine application the CLI authenticates as. */
export interface ManagementApp {
  clientId: string;
  clientSecret: string;
  scopes: string[];
}

/** A tenant signing key, as `GET /api/v2/keys/signing` describes it (plus the private key). */
export interface TenantSigningKey {
  kid: string;
  cert: string;
  pkcs7: string;
  privateKeyPem: string;
  current: boolean;
  next: boolean;
  previous: boolean;
  current_since?: string;
  current_until?: string;
  fingerprint: string;
  thumbprint: string;
  revoked: boolean;
  revoked_at?: string;
}

/** Handles tests use to change the tenant behind the API's back (as a person in the dashboard would). */
export interface Auth0TenantControl {
  /** Replaces the scopes granted to the management app (takes effect for new tokens). */
  setManagementScopes(scopes: string[]): void;
  /** Invalidates every issued Management API token. */
  revokeAllTokens(): void;
  /** A stored client, exactly as the API would return it (deep copy), or undefined. */
  getClient(clientId: string): Record<string, unknown> | undefined;
  listClients(): Record<string, unknown>[];
  /** Edits a client as the dashboard would (same merge rules as PATCH). */
  patchClient(clientId: string, patch: Record<string, unknown>): void;
  /** Creates a client as the dashboard (or another tool) would, at once: no latency, faults or rate limit. Returns its ID. */
  createClient(body: Record<string, unknown>): string;
  signingKeys(): TenantSigningKey[];
  /** POST /keys/signing/rotate semantics: next becomes current, a new next is made. */
  rotateSigningKey(): void;
  /** Every connection, as `GET /api/v2/connections` shows it to a token with every scope. */
  listConnections(): Record<string, unknown>[];
  /** Adds a connection enabled for no application (as the dashboard would); returns it. */
  createConnection(name: string, strategy: string): Record<string, unknown>;
  /** Names of the connections enabled for a client. */
  connectionsOf(clientId: string): string[];
  /** Turns a client on or off on a connection (Auth0 > Applications > the app > Connections). */
  setConnectionEnabled(connectionName: string, clientId: string, enabled: boolean): void;
  setRateLimit(limit: RateLimitSettings): void;
}

export interface Auth0Emulator {
  /** `127.0.0.1:PORT` (with TLS `localhost:PORT`): what AUTH0_DOMAIN is set to. */
  readonly domain: string;
  /** `http://127.0.0.1:PORT` (with TLS `https://localhost:PORT`). */
  readonly baseUrl: string;
  /** The custom domain (`customDomainHost:PORT`) when one was asked for: what AUTH0_CUSTOM_DOMAIN is set to. */
  readonly customDomain?: string;
  readonly port: number;
  readonly management: ManagementApp;
  readonly user: SandboxUser;
  readonly faults: Faults;
  readonly tenant: Auth0TenantControl;
  close(): Promise<void>;
}

export interface AmplitudeEmulatorOptions {
  host?: string;
  port?: number;
  /** Numeric org ID; random when absent. */
  orgId?: string;
  faults?: FaultOptions;
  /** As for the Auth0 emulator. */
  faultSeed?: number;
  /** As for the Auth0 emulator. */
  adminToken?: string;
  /** Clock for certificate validity, `updatedAt` and session times (assertion times use node-saml's real clock). */
  now?: () => Date;
  /**
   * How the ACS finds the user's email. `subject` (default): the NameID must be an email, with
   * format emailAddress or unspecified, which is what Amplitude's setup guide requires "at a
   * minimum". `lookup`: Amplitude's documented search order (the Subject, then the emailaddress
   * claim, then an `emailaddress`, then an `email` attribute, case-insensitive).
   */
  emailPolicy?: 'subject' | 'lookup';
  /** Clock skew the ACS tolerates on assertion times, ms (default 30 000). */
  acceptedClockSkewMs?: number;
  /** Serve https with this certificate; plain http when absent. */
  tls?: TlsIdentity;
  /** Host name in the org's URLs (default: `host`). */
  publicHost?: string;
  /** As for the Auth0 emulator. */
  requestLog?: RequestLog;
}

/** What the SP holds after a successful upload through the settings endpoint. */
export interface StoredSsoSettings {
  identityProvider: string;
  metadataXml: string;
  idpEntityId: string;
  ssoUrl: string;
  /** The binding of `ssoUrl`: HTTP-Redirect when the IdP offers it, else HTTP-POST. */
  ssoBinding: 'HTTP-Redirect' | 'HTTP-POST';
  /**
   * Every certificate the SP accepts signatures from: the metadata's signing certificates, then any
   * `additionalCertificates` uploaded with it (a queued next key). `sha256` is node's
   * `X509Certificate.fingerprint256` (AB:CD:…).
   */
  certificates: { sha256: string; notAfter: string; source: 'metadata' | 'additional' }[];
  updatedAt: string;
}

/** A completed login at the emulated ACS. */
export interface SpSession {
  email: string;
  nameId: string;
  nameIdFormat: string;
  attributes: Record<string, string | string[]>;
  at: string;
  /** Value of the session cookie the ACS set. */
  sessionId: string;
  /** The assertion's Issuer (the IdP entity ID). */
  issuer: string;
  /** Set when the login was SP-initiated (the AuthnRequest ID). */
  inResponseTo?: string;
  relayState?: string;
}

export interface AmplitudeEmulator {
  readonly baseUrl: string;
  readonly port: number;
  readonly orgId: string;
  /** `{base}/saml/2/metadata/{org}` */
  readonly entityId: string;
  /** `{base}/saml/2/acs/{org}` */
  readonly acsUrl: string;
  /** SP-initiated login start: redirects to the IdP with an AuthnRequest. */
  readonly loginUrl: string;
  /** The SSO settings endpoint (our documented contract, docs/sp-settings-endpoint.md). */
  readonly ssoEndpoint: string;
  /** Bearer token for the settings endpoint. */
  readonly ssoToken: string;
  readonly faults: Faults;
  /** Current SSO settings, or undefined when SSO is not configured (or was disabled). */
  settings(): StoredSsoSettings | undefined;
  /** Logins accepted by the ACS, oldest first. */
  sessions(): SpSession[];
  close(): Promise<void>;
}
