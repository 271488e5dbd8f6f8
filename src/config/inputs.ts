/**
 * Every configuration input, declared once: its config-file path, flag, environment variable, help
 * text and wizard prompt. Commander options and `init`'s questions are both built from this table,
 * so help text and prompts cannot drift apart. Plain data: cheap to import at start-up.
 */

/** The environment variables sso-setup reads (same names as Auth0's deploy CLI and Terraform provider). */
export const ENV = {
  auth0Domain: 'AUTH0_DOMAIN',
  auth0CustomDomain: 'AUTH0_CUSTOM_DOMAIN',
  auth0ClientId: 'AUTH0_CLIENT_ID',
  auth0ClientSecret: 'AUTH0_CLIENT_SECRET',
  amplitudeOrgId: 'AMPLITUDE_ORG_ID',
  amplitudeBaseUrl: 'AMPLITUDE_BASE_URL',
  amplitudeSsoEndpoint: 'AMPLITUDE_SSO_ENDPOINT',
  amplitudeSsoToken: 'AMPLITUDE_SSO_TOKEN',
  polisUrl: 'POLIS_URL',
  polisApiKey: 'POLIS_API_KEY',
  polisTenant: 'POLIS_TENANT',
  polisProduct: 'POLIS_PRODUCT',
  polisRedirectUrl: 'POLIS_REDIRECT_URL',
  config: 'SSO_SETUP_CONFIG',
  debug: 'SSO_SETUP_DEBUG',
  /** Seconds of rate-limit (429) waiting a run may do in all (src/http/client.ts). */
  rateLimitWait: 'SSO_SETUP_RATE_LIMIT_WAIT',
} as const;

export interface InputSpec {
  /** Key in the parsed commander options (camelCase of the flag). */
  option: string;
  /** Commander flag syntax. */
  flag: string;
  description: string;
  /** Dotted path in RawConfig, for inputs that can come from the config file. */
  path?: string;
  env?: string;
  /** Never written to the config file, never printed. */
  secret?: boolean;
  /** Question for `init`. */
  prompt?: string;
  /** The flag may be given several times; its value is the list (a list in the config file too). */
  repeatable?: true;
}

export const INPUTS = {
  config: {
    option: 'config',
    flag: '--config <file>',
    description: 'config file (default: ./sso-setup.json when present)',
    env: ENV.config,
  },
  auth0Domain: {
    option: 'auth0Domain',
    flag: '--auth0-domain <domain>',
    description: 'Auth0 tenant domain, e.g. acme.us.auth0.com',
    path: 'auth0.domain',
    env: ENV.auth0Domain,
    prompt: 'Auth0 domain (e.g. acme.us.auth0.com)',
  },
  auth0CustomDomain: {
    option: 'auth0CustomDomain',
    flag: '--auth0-custom-domain <domain>',
    description: "the tenant's custom domain (e.g. login.acme.com) for the SAML metadata, entity ID and login; the Management API stays on --auth0-domain",
    path: 'auth0.customDomain',
    env: ENV.auth0CustomDomain,
  },
  auth0ClientId: {
    option: 'auth0ClientId',
    flag: '--auth0-client-id <id>',
    description: 'client ID of a machine-to-machine application authorised for the Management API',
    path: 'auth0.clientId',
    env: ENV.auth0ClientId,
    prompt: 'Management API client ID',
  },
  auth0ClientSecret: {
    option: 'auth0ClientSecret',
    flag: '--auth0-client-secret <secret>',
    description: `its client secret; warns: a flag shows in the process table and shell history (prefer ${ENV.auth0ClientSecret} or --auth0-client-secret-file)`,
    env: ENV.auth0ClientSecret,
    secret: true,
    prompt: 'Management API client secret',
  },
  auth0ClientSecretFile: {
    option: 'auth0ClientSecretFile',
    flag: '--auth0-client-secret-file <file>',
    description: "read the client secret from a file ('-' reads stdin)",
    secret: true,
  },
  amplitudeOrgId: {
    option: 'amplitudeOrgId',
    flag: '--amplitude-org-id <id>',
    description: 'Amplitude organisation ID (the end of the ACS URL in Access & SSO Settings)',
    path: 'amplitude.orgId',
    env: ENV.amplitudeOrgId,
    prompt: 'Amplitude org ID, or paste the ACS URL from Amplitude > Settings > Organization settings > Access & SSO Settings',
  },
  amplitudeBaseUrl: {
    option: 'amplitudeBaseUrl',
    flag: '--amplitude-base-url <url>',
    description: 'Amplitude base URL (default https://amplitude.com; give yours for a non-US data centre)',
    path: 'amplitude.baseUrl',
    env: ENV.amplitudeBaseUrl,
    prompt: 'Amplitude base URL',
  },
  amplitudeSsoEndpoint: {
    option: 'amplitudeSsoEndpoint',
    flag: '--amplitude-sso-endpoint <url>',
    description: 'SP settings endpoint to push the IdP metadata to (docs/sp-settings-endpoint.md)',
    path: 'amplitude.ssoEndpoint',
    env: ENV.amplitudeSsoEndpoint,
    prompt: 'SP settings endpoint URL',
  },
  amplitudeSsoTokenFile: {
    option: 'amplitudeSsoTokenFile',
    flag: '--amplitude-sso-token-file <file>',
    description: `read the SP endpoint's bearer token from a file ('-' reads stdin; or set ${ENV.amplitudeSsoToken})`,
    env: ENV.amplitudeSsoToken,
    secret: true,
    prompt: 'SP settings endpoint token',
  },
  delivery: {
    option: 'delivery',
    flag: '--delivery <kind>',
    description: "how the IdP metadata reaches Amplitude: 'endpoint' (push) or 'manual' (file + steps); default endpoint when one is configured",
    path: 'amplitude.delivery',
  },
  metadataFile: {
    option: 'metadataFile',
    flag: '--metadata-file <file>',
    description: 'where manual delivery saves the IdP metadata (default ./amplitude-idp-metadata-<org>.xml; with --sp-metadata ./idp-metadata-<SP host>.xml)',
    path: 'amplitude.metadataFile',
  },
  spMetadata: {
    option: 'spMetadata',
    flag: '--sp-metadata <file|url>',
    description: "any SAML SP instead of Amplitude: its SP metadata (file, https URL, or '-' for stdin); the IdP metadata is saved for upload (README: Other SAML apps)",
    path: 'sp.metadata',
  },
  polisUrl: {
    option: 'polisUrl',
    flag: '--polis-url <url>',
    description: `Ory Polis instead of Amplitude: its base URL; the connection is pushed through its API (key in POLIS_API_KEY; README: Other SAML apps)`,
    path: 'polis.url',
    env: ENV.polisUrl,
  },
  polisTenant: {
    option: 'polisTenant',
    flag: '--polis-tenant <tenant>',
    description: 'the Polis tenant the SAML connection is for',
    path: 'polis.tenant',
    env: ENV.polisTenant,
  },
  polisProduct: {
    option: 'polisProduct',
    flag: '--polis-product <product>',
    description: 'the Polis product the SAML connection is for',
    path: 'polis.product',
    env: ENV.polisProduct,
  },
  appName: {
    option: 'appName',
    flag: '--app-name <name>',
    description: 'name of the Auth0 application (default "Amplitude SSO")',
    path: 'application.name',
    prompt: 'Name of the Auth0 application',
  },
  connection: {
    option: 'connection',
    flag: '--connection <name>',
    description: 'enable the application on exactly these Auth0 connections (repeat the flag; needs read:connections and update:connections); without it, connections are left alone',
    path: 'application.connections',
    repeatable: true,
    prompt: 'Connections that may sign in to Amplitude',
  },
} as const satisfies Record<string, InputSpec>;

/** Values given as flags: a string each, a list for a repeatable flag. */
export type FlagValues = { [K in InputName]?: (typeof INPUTS)[K] extends { repeatable: true } ? string[] : string };

export type InputName = keyof typeof INPUTS;

/** The Auth0 and SP inputs shared by apply, verify, destroy and init. */
export const SETUP_INPUTS: InputName[] = [
  'config',
  'auth0Domain',
  'auth0CustomDomain',
  'auth0ClientId',
  'auth0ClientSecret',
  'auth0ClientSecretFile',
  'amplitudeOrgId',
  'amplitudeBaseUrl',
  'amplitudeSsoEndpoint',
  'amplitudeSsoTokenFile',
  'delivery',
  'metadataFile',
  'spMetadata',
  'polisUrl',
  'polisTenant',
  'polisProduct',
  'appName',
  'connection',
];
