/**
 * The small interfaces the core needs from the outside world. `src/idp/auth0` and
 * `src/sp/*` implement them (over HTTP, or as fixed rules); the CLI passes them in. The core
 * never imports an IdP or SP adapter, the SDK, undici or chalk (test/core/layering.test.ts).
 */
import type { SamlSettings } from '../config/types.js';

/** The IdP's SAML settings sso-setup manages (the configured SAML settings without the callbacks). */
export type SamlAddon = Omit<SamlSettings, 'callbacks'>;

/** Management API scopes, by what they allow. */
export interface IdpScopes {
  readClients: string;
  createClients: string;
  updateClients: string;
  deleteClients: string;
  readSigningKeys: string;
  readConnections: string;
  updateConnections: string;
  createSigningKeys: string;
  updateSigningKeys: string;
}

/** The IdP's fixed rules, as far as the core needs them (Auth0: `src/idp/auth0/rules.ts`). */
export interface IdpRules {
  readonly scopes: IdpScopes;
  /** How to grant missing scopes, one line. */
  grantHint(scopes: string[]): string;
  /** The application metadata key that marks the application sso-setup manages. */
  readonly markerKey: string;
  /** The claim that carries the user's email. */
  readonly emailClaim: string;
  /** The SAML settings as the IdP application stores them. */
  samlAddon(settings: SamlSettings): SamlAddon;
}

/**
 * What the core needs of the SP beyond its connector: how it is named in messages and in the marker
 * on the IdP application, what it requires of the assertion, and what a person does by hand. One per
 * kind of SP: `src/sp/amplitude/profile.ts`, `src/sp/saml/profile.ts` (any SP from its metadata),
 * `src/sp/polis/profile.ts`; the CLI picks it for the configured target (`src/sp/targets.ts`).
 */
export interface SpProfile {
  /** The SP as messages name it: `Amplitude`, `Polis`, or the SP's host. */
  readonly name: string;
  /** Where a person changes the SP's IdP settings, for hints: `Amplitude (Settings > … > Access & SSO Settings)`. */
  readonly settingsPlace: string;
  /** The target as messages name it: `Amplitude org 123456`, `Polis connection acme/app`. */
  targetLabel(targetId: string): string;
  /** The marker value naming the SP target (an org, an entity ID) whose application it is. */
  markerValue(targetId: string): string;
  /** The NameID format the SP requires. */
  readonly nameIdFormat: string;
  /** The steps in the SP's UI that upload the metadata file. */
  uploadSteps(baseUrl: string, metadataPath: string): string[];
  /** The command that records a person's confirmation of the upload of `certificate`. */
  confirmUploadCommand(certificate: string): string;
  /** Everything left to the person after a hand-over: the upload, its confirmation, a test login, verify. */
  manualSteps(baseUrl: string, metadataPath: string, certificate: string | undefined): string[];
  /** The steps that turn SSO off in the SP by hand (destroy, manual delivery). */
  removalSteps(baseUrl: string): string[];
}

/** An Auth0 application as the Management API returns it (only the fields sso-setup reads are typed). */
export interface Auth0Client {
  client_id: string;
  name: string;
  app_type?: string;
  callbacks?: string[];
  addons?: Record<string, Record<string, unknown>>;
  client_metadata?: Record<string, string>;
  [field: string]: unknown;
}

/** The body of `POST /api/v2/clients` or `PATCH /api/v2/clients/{id}` that sso-setup sends. */
export interface ClientWrite {
  name?: string;
  app_type?: string;
  callbacks?: string[];
  addons?: Record<string, Record<string, unknown>>;
  client_metadata?: Record<string, string | null>;
}

/** A tenant signing key (`GET /api/v2/keys/signing`), without the private parts. */
export interface SigningKeyInfo {
  kid: string;
  /** PEM. */
  cert: string;
  current: boolean;
  next: boolean;
  previous: boolean;
  revoked: boolean;
  fingerprint?: string;
  /** When it stopped being the current key (a previous key), ISO time. */
  currentUntil?: string;
}

/**
 * A connection: one way users sign in (a database, Google Workspace, an enterprise IdP). An
 * application can be used only through the connections enabled for it.
 */
export interface IdpConnection {
  id: string;
  name: string;
  /** `auth0` (database), `google-oauth2`, `samlp`, `waad`, … */
  strategy: string;
}

/** The Management API scopes granted to the token, as the token endpoint reported them. */
export interface IdpSession {
  scopes: string[];
}

export interface IdpAdmin {
  /** Gets a Management API token (and checks the credentials). */
  connect(): Promise<IdpSession>;
  /** Every client of the tenant (all pages). */
  listClients(): Promise<Auth0Client[]>;
  /** Every client whose `client_metadata[key]` equals `value` (one listing). */
  findClientsByMarker(key: string, value: string): Promise<Auth0Client[]>;
  getClient(clientId: string): Promise<Auth0Client | undefined>;
  createClient(body: ClientWrite): Promise<Auth0Client>;
  updateClient(clientId: string, patch: ClientWrite): Promise<Auth0Client>;
  /** Deletes the client; one that is already gone is not an error. */
  deleteClient(clientId: string): Promise<void>;
  /** `/samlp/metadata/{client_id}` URL. */
  metadataUrl(clientId: string): string;
  /** Downloads the IdP metadata document (bytes as served). */
  downloadMetadata(clientId: string): Promise<Uint8Array>;
  signingKeys(): Promise<SigningKeyInfo[]>;
  /** Every connection of the tenant. */
  listConnections(): Promise<IdpConnection[]>;
  /** The connections the application is enabled on. */
  connectionsOf(clientId: string): Promise<IdpConnection[]>;
  /** Turns the application on or off on one connection. */
  setConnectionEnabled(connectionId: string, clientId: string, enabled: boolean): Promise<void>;
  /**
   * `POST /api/v2/keys/signing/rotate`: the next key becomes current and a new next key is queued.
   * Returns the new next key. Never repeated by the HTTP layer (a POST), and limited by Auth0 to 5 a day.
   */
  rotateSigningKey(): Promise<{ kid: string; cert: string }>;
}

/** What the SP currently trusts, as far as sso-setup can tell. */
export type SpTrust =
  | { kind: 'endpoint'; enabled: false }
  | {
      kind: 'endpoint';
      enabled: true;
      idpEntityId: string;
      ssoUrl: string;
      /** SHA-256 fingerprints, colon-separated upper-case hex. */
      certificates: string[];
      updatedAt?: string;
    }
  | {
      kind: 'manual';
      /** Fingerprint handed over at the last manual delivery (recorded in client_metadata), if any. */
      recordedCertificate?: string;
      recordedAt?: string;
      /**
       * Fingerprint a person confirmed uploading in the SP, and when. Nothing reads the SP itself
       * (the SP has no API sso-setup can read): this is a person's statement, and holds only for the same certificate.
       */
      confirmedCertificate?: string;
      confirmedAt?: string;
    };

/** The SP side: an SP settings endpoint, or a person uploading a file. */
export interface SpConnector {
  readonly delivery: 'endpoint' | 'manual';
  /** Where the SP side lives, for messages (endpoint URL or file path). */
  readonly target: string;
  /** The SP keeps only the certificate of the metadata it is given (Polis): no next key can be pre-trusted. */
  readonly trustsOneCertificate?: boolean;
  /** Reads what the SP trusts now (for manual delivery, from the IdP client's record). */
  readTrust(client: Auth0Client | undefined): Promise<SpTrust>;
}

export interface EndpointSp extends SpConnector {
  readonly delivery: 'endpoint';
  /**
   * Replaces the SP's IdP settings; `additionalCertificates` (PEM) are trusted besides the metadata's.
   * Returns what the SP says it stored, or undefined when its answer does not say (then read it back).
   */
  upload(metadataXml: string, additionalCertificates: string[]): Promise<SpTrust | undefined>;
  disable(): Promise<void>;
}

/**
 * Manual delivery: a person uploads the file. The hand-over and the person's confirmation are
 * recorded on the IdP application (the only shared place every later run can read).
 */
export interface ManualSp extends SpConnector {
  readonly delivery: 'manual';
  /** The `client_metadata` change recording a hand-over of `certificate`; it drops any earlier confirmation. */
  handOverRecord(certificate: string, at: Date): Record<string, string | null>;
  /** The `client_metadata` change recording that a person confirmed uploading `certificate`. */
  confirmationRecord(certificate: string, at: Date): Record<string, string | null>;
}

export interface FileStore {
  read(path: string): Promise<string | undefined>;
  /** Writes atomically (temp file + rename), creating no directories. */
  write(path: string, text: string): Promise<void>;
  /** Absolute path, for messages. */
  resolve(path: string): string;
}

/** Progress of a long step: spinners on a TTY, plain lines in CI, nothing under --json. */
export interface Progress {
  start(title: string): ProgressStep;
  /** A line that is not a step (e.g. "waiting 2 s for the rate limit"). */
  info(text: string): void;
  warn(text: string): void;
}

export interface ProgressStep {
  done(text?: string): void;
  skip(text?: string): void;
  fail(text?: string): void;
  /** Changes the text while running (e.g. a retry notice). */
  update(text: string): void;
}
