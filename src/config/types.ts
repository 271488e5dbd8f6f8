/**
 * Configuration as read (`RawConfig`, every field optional and untrusted) and as resolved
 * (`ResolvedConfig`, complete and validated). Resolution is a pure function (./resolve.ts).
 */

/** The config file `sso-setup.json` (JSON Schema: schema/sso-setup.schema.json). Never holds secrets. */
export interface RawConfig {
  $schema?: string;
  auth0?: {
    domain?: string;
    /** The tenant's custom domain: SAML metadata, entity ID and login on it; the Management API stays on `domain`. */
    customDomain?: string;
    clientId?: string;
  };
  amplitude?: {
    orgId?: string;
    baseUrl?: string;
    /** `endpoint` pushes metadata to an SP settings endpoint; `manual` saves a file for upload. */
    delivery?: 'endpoint' | 'manual';
    ssoEndpoint?: string;
    /** Where manual delivery writes the IdP metadata. */
    metadataFile?: string;
    /** Several orgs (instead of `orgId`): one Auth0 application each. */
    orgs?: RawOrg[];
  };
  /**
   * Any SAML SP, described by its SP metadata (instead of `amplitude`): the IdP metadata is handed over
   * as a file with generic steps.
   */
  sp?: {
    /** The SP metadata: a file path (relative to the working directory) or an https URL. */
    metadata?: string;
    /** Where the IdP metadata is saved for upload. Default ./idp-metadata-<SP host>.xml. */
    metadataFile?: string;
  };
  /** Ory Polis (formerly BoxyHQ SAML Jackson): pushed through its connection API (instead of `amplitude`). */
  polis?: {
    /** Polis's base URL (POLIS_URL). */
    url?: string;
    /** The tenant and product the connection is for (POLIS_TENANT, POLIS_PRODUCT). */
    tenant?: string;
    product?: string;
    /** Where Polis may send users back with the OAuth code; the first is the default. */
    redirectUrls?: string[];
  };
  application?: {
    name?: string;
    /** The connections (by name) the application is enabled on, exactly; absent: left alone. */
    connections?: string[];
  };
  saml?: Partial<SamlSettings>;
}

/** One entry of `amplitude.orgs`: its settings win over `amplitude.baseUrl` / `amplitude.delivery`. */
export interface RawOrg {
  orgId: string;
  baseUrl?: string;
  delivery?: 'endpoint' | 'manual';
  ssoEndpoint?: string;
  metadataFile?: string;
  /** Name of this org's Auth0 application. */
  name?: string;
  /** The connections this org's application is enabled on, exactly (over `application.connections`). */
  connections?: string[];
}

/** Settings of the Auth0 SAML2 addon that sso-setup manages. Defaults are right for Amplitude. */
export interface SamlSettings {
  /** Allowed ACS URLs; the first is the addon's "Application Callback URL". Default: [ACS]. */
  callbacks: string[];
  /** Assertion audience. Default: the Amplitude entity ID. */
  audience: string;
  /** SubjectConfirmationData Recipient. Default: the ACS. */
  recipient: string;
  /** Response Destination. Default: the ACS. */
  destination: string;
  nameIdentifierFormat: string;
  nameIdentifierProbes: string[];
  /** Auth0 profile property → SAML attribute name. */
  mappings: Record<string, string | string[]>;
  signatureAlgorithm: 'rsa-sha256' | 'rsa-sha1';
  digestAlgorithm: 'sha256' | 'sha1';
  lifetimeInSeconds: number;
  signResponse: boolean;
  /**
   * The SP's certificate (PEM): Auth0 then requires and checks the signature of its AuthnRequests. Set
   * from the SP metadata of an SP that signs them (AuthnRequestsSigned); absent for Amplitude.
   */
  signingCert?: string;
}

export type ValueSource = 'file' | 'env' | 'flag' | 'stdin' | 'prompt' | 'default' | 'derived';

/** Which kind of SP a target is: it decides the SP's profile and connector (src/sp/targets.ts). */
export type SpKind = 'amplitude' | 'saml' | 'polis';

export type SpDelivery =
  | { kind: 'endpoint'; url: string; token: string }
  | { kind: 'manual'; metadataFile: string }
  /** Polis's connection API (src/sp/polis/connector.ts); the API key is a secret (POLIS_API_KEY). */
  | { kind: 'polis'; url: string; apiKey: string; tenant: string; product: string; redirectUrls: string[] };

/**
 * What an SP's metadata says, as far as the IdP application needs it (read and checked by the shell
 * with src/saml/check-sp-metadata.ts before configuration is resolved).
 */
export interface SpMetadataFacts {
  /** Where it was read: a path or a URL, for messages. */
  source: string;
  entityId: string;
  /** The HTTP-POST ACS (isDefault, then lowest index, then document order). */
  acsUrl: string;
  /** Every HTTP-POST ACS: each must be an allowed callback. */
  acsUrls: string[];
  nameIdFormats: string[];
  wantAssertionsSigned: boolean | null;
  authnRequestsSigned: boolean | null;
  /** SHA-256 fingerprints of the SP's signing certificates. */
  signingCertificates: string[];
  /** When the SP signs its AuthnRequests (AuthnRequestsSigned): its first signing certificate, PEM. */
  requestSigningCertificate?: string;
}

export interface ResolvedConfig {
  auth0: {
    /** Host, optionally with a port: `acme.us.auth0.com`, `127.0.0.1:4010`. */
    domain: string;
    /** `https://{domain}`, or `http://{domain}` for a loopback host (the sandbox). The Management API and its token. */
    baseUrl: string;
    /** The tenant's custom domain, when one is set. */
    customDomain?: string;
    /**
     * Where the IdP's SAML endpoints and login pages are, and the host its entity ID names
     * (`urn:{samlDomain}`): the custom domain when one is set, else the domain.
     */
    samlDomain: string;
    samlBaseUrl: string;
    clientId: string;
    clientSecret: string;
    /**
     * Where the domain and the credentials came from, named as in config errors (`env AUTH0_DOMAIN`,
     * `--auth0-client-id`, `sso-setup.json auth0.clientId`, `stdin`, `prompt`): an error about
     * them points there.
     */
    origins: { domain: string; clientId: string; clientSecret: string };
  };
  /** The SP this configuration wires the IdP to. */
  sp: {
    kind: SpKind;
    /**
     * What names the target in the marker, `--only` and fleet output: the Amplitude org ID, the SP's
     * entity ID, or Polis's `tenant/product`.
     */
    id: string;
    /** The SP as messages name it: `Amplitude`, `Polis`, or the SP's host. */
    name: string;
    /** Where its admin signs in (Amplitude's base URL, Polis's URL, the ACS's origin). */
    baseUrl: string;
    entityId: string;
    acsUrl: string;
    /** The NameID format the SP requires. */
    nameIdFormat: string;
    delivery: SpDelivery;
    /** What the SP's metadata said (generic and Polis targets). */
    metadata?: SpMetadataFacts;
  };
  application: {
    name: string;
    /** The connections the application must be enabled on, exactly; undefined: sso-setup leaves connections alone. */
    connections?: string[];
  };
  saml: SamlSettings;
  /** Where the config file was read from, if one was. */
  configFile?: string;
  /** Where each value came from, by dotted path: for `--verbose` and error messages. */
  sources: Record<string, ValueSource>;
}

/**
 * Every org a run handles, each as a complete `ResolvedConfig` (the Auth0 tenant and credentials are
 * the same in all). `single`: the config names one org (`amplitude.orgId`, AMPLITUDE_ORG_ID); `list`:
 * the file lists them (`amplitude.orgs`), even if only one. Output shapes follow the form, not the count.
 */
export interface Fleet {
  form: 'single' | 'list';
  orgs: ResolvedConfig[];
}

/** A problem found while resolving configuration; errors stop the run, warnings are printed. */
export interface ConfigDiagnostic {
  severity: 'error' | 'warning';
  /** Dotted path of the field, e.g. `auth0.domain`. */
  field: string;
  /** Where the offending value came from, e.g. `env AUTH0_DOMAIN` or `--auth0-domain`. */
  origin: string;
  message: string;
  hint?: string;
}
