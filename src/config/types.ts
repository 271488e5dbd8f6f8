/**
 * Configuration as read (`RawConfig`, every field optional and untrusted) and as resolved
 * (`ResolvedConfig`, complete and validated). Resolution is a pure function (./resolve.ts).
 */

/** The config file `sso-setup.json` (JSON Schema: schema/sso-setup.schema.json). Never holds secrets. */
export interface RawConfig {
  $schema?: string;
  auth0?: {
    domain?: string;
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
  };
  application?: {
    name?: string;
  };
  saml?: Partial<SamlSettings>;
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
}

export type ValueSource = 'file' | 'env' | 'flag' | 'stdin' | 'prompt' | 'default' | 'derived';

export type SpDelivery =
  | { kind: 'endpoint'; url: string; token: string }
  | { kind: 'manual'; metadataFile: string };

export interface ResolvedConfig {
  auth0: {
    /** Host, optionally with a port: `acme.us.auth0.com`, `127.0.0.1:4010`. */
    domain: string;
    /** `https://{domain}`, or `http://{domain}` for a loopback host (the sandbox). */
    baseUrl: string;
    clientId: string;
    clientSecret: string;
    /**
     * Where the domain and the credentials came from, named as in config errors (`env AUTH0_DOMAIN`,
     * `--auth0-client-id`, `sso-setup.json auth0.clientId`, `stdin`, `prompt`): an error about
     * them points there.
     */
    origins: { domain: string; clientId: string; clientSecret: string };
  };
  amplitude: {
    orgId: string;
    baseUrl: string;
    entityId: string;
    acsUrl: string;
    delivery: SpDelivery;
  };
  application: { name: string };
  saml: SamlSettings;
  /** Where the config file was read from, if one was. */
  configFile?: string;
  /** Where each value came from, by dotted path: for `--verbose` and error messages. */
  sources: Record<string, ValueSource>;
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
