/**
 * Resolves configuration from the config file, the environment and flags (lowest to highest
 * precedence). Pure: the shell reads files and stdin and passes their text in. Every value is
 * checked as it is read, by the shipped JSON Schema (./validate.ts), whichever source it comes from;
 * this module keeps only what relates settings to each other (delivery and its endpoint, the ACS
 * among the callbacks, secrets given twice) and turns valid values into their normal form. Every
 * problem is collected with the field and where its value came from, so one run reports them all.
 *
 * Values are taken as given (no trimming). An empty flag or config value is an error, never a
 * reason to fall back to another source; an empty environment variable counts as unset (CI systems
 * cannot unset a variable, only empty it).
 */
import { ENV, INPUTS, type InputName } from './inputs.js';
import { checkConfigObject, checkSetting } from './validate.js';
import { amplitudeSp } from '../sp/amplitude/urls.js';
import { auth0BaseUrl, loopbackTlsFrom } from '../idp/auth0/domain.js';
import { defaultSamlSettings, EMAIL_ADDRESS_FORMAT } from '../idp/auth0/saml-addon.js';
import type { ConfigDiagnostic, RawConfig, ResolvedConfig, SamlSettings, SpDelivery, ValueSource } from './types.js';

export const DEFAULT_CONFIG_FILE = 'sso-setup.json';
export const DEFAULT_AMPLITUDE_BASE_URL = 'https://amplitude.com';
export const DEFAULT_APP_NAME = 'Amplitude SSO';

export interface ConfigInputs {
  /** The config file, when one was found. */
  file?: { path: string; text: string };
  env: Record<string, string | undefined>;
  /** String values given as flags, keyed by input name. */
  flags: Partial<Record<InputName, string>>;
  /** Secrets the shell read from files or stdin. */
  secretFiles?: Partial<Record<'auth0ClientSecret' | 'amplitudeSsoToken', { value: string; origin: string }>>;
}

export interface ConfigResolution {
  /** Present when there is no error. */
  config?: ResolvedConfig;
  diagnostics: ConfigDiagnostic[];
}

interface Picked {
  value: string;
  source: ValueSource;
  origin: string;
}

/** Inputs that are settings of the config file (they have a path in the schema). */
type SettingName = { [K in InputName]: (typeof INPUTS)[K] extends { path: string } ? K : never }[InputName];

/** What one setting resolved to: a valid value, nothing given, or a value that was refused (already reported). */
type Choice = Picked | 'absent' | 'invalid';

export function resolveConfig(inputs: ConfigInputs): ConfigResolution {
  const diagnostics: ConfigDiagnostic[] = [];
  const sources: Record<string, ValueSource> = {};
  const fileName = inputs.file?.path ?? DEFAULT_CONFIG_FILE;
  const file = inputs.file ? readConfigFile(inputs.file, diagnostics) : { raw: {}, refused: () => false };
  const raw = file.raw;

  const error = (field: string, origin: string, message: string, hint?: string) =>
    diagnostics.push({ severity: 'error', field, origin, message, ...(hint ? { hint } : {}) });
  const warn = (field: string, origin: string, message: string, hint?: string) =>
    diagnostics.push({ severity: 'warning', field, origin, message, ...(hint ? { hint } : {}) });

  /** flag > env > file; the first source that gives a value decides, and its value must be valid. */
  const pick = (name: SettingName): Choice => {
    const spec = INPUTS[name];
    const candidates: Picked[] = [];
    const flag = inputs.flags[name];
    if (flag !== undefined) candidates.push({ value: flag, source: 'flag', origin: spec.flag.split(' ')[0]! });
    const envName = 'env' in spec ? spec.env : undefined;
    const env = envName ? inputs.env[envName] : undefined;
    if (env !== undefined && env !== '') candidates.push({ value: env, source: 'env', origin: `env ${envName}` });
    const chosen = candidates[0];
    if (chosen) {
      const problem = checkSetting(spec.path, chosen.value);
      if (!problem) return chosen;
      error(spec.path, chosen.origin, problem);
      return 'invalid';
    }
    if (file.refused(spec.path)) return 'invalid';
    const fileValue = valueAt(raw, spec.path);
    if (typeof fileValue === 'string') return { value: fileValue, source: 'file', origin: `${fileName} ${spec.path}` };
    return 'absent';
  };
  const given = (p: Choice): p is Picked => typeof p === 'object';
  const record = (path: string, p: Choice, fallback: ValueSource = 'default') => {
    sources[path] = given(p) ? p.source : fallback;
  };

  // Auth0 tenant.
  const domainPick = pick('auth0Domain');
  record('auth0.domain', domainPick);
  const domain = given(domainPick) ? normalDomain(domainPick.value) : undefined;
  if (domainPick === 'absent') error('auth0.domain', 'missing', 'the Auth0 domain is not set', `Set ${ENV.auth0Domain} or pass --auth0-domain, e.g. acme.us.auth0.com.`);

  const clientIdPick = pick('auth0ClientId');
  record('auth0.clientId', clientIdPick);
  if (clientIdPick === 'absent') error('auth0.clientId', 'missing', 'the Management API client ID is not set', `Set ${ENV.auth0ClientId} or pass --auth0-client-id.`);

  const secret = pickSecret(
    inputs,
    'auth0ClientSecret',
    INPUTS.auth0ClientSecret.flag.split(' ')[0]!,
    ENV.auth0ClientSecret,
    warn,
    error,
    'auth0.clientSecret',
  );
  sources['auth0.clientSecret'] = given(secret) ? secret.source : 'default';
  if (secret === 'absent') {
    error(
      'auth0.clientSecret',
      'missing',
      'the Management API client secret is not set',
      `Set ${ENV.auth0ClientSecret}, or pass --auth0-client-secret-file <file> ('-' reads stdin).`,
    );
  }

  // Amplitude org and delivery.
  const orgPick = pick('amplitudeOrgId');
  record('amplitude.orgId', orgPick);
  if (orgPick === 'absent') {
    error('amplitude.orgId', 'missing', 'the Amplitude org ID is not set', `Set ${ENV.amplitudeOrgId} or pass --amplitude-org-id (the number at the end of the ACS URL in Amplitude's Access & SSO Settings).`);
  }

  const basePick = pick('amplitudeBaseUrl');
  record('amplitude.baseUrl', basePick);
  const baseUrl = given(basePick) ? new URL(basePick.value).origin : basePick === 'absent' ? DEFAULT_AMPLITUDE_BASE_URL : undefined;

  const endpointPick = pick('amplitudeSsoEndpoint');
  record('amplitude.ssoEndpoint', endpointPick);
  const endpoint = given(endpointPick) ? new URL(endpointPick.value).toString() : undefined;

  const deliveryPick = pick('delivery');
  record('amplitude.delivery', deliveryPick, 'derived');
  const deliveryKind: 'endpoint' | 'manual' = given(deliveryPick) ? (deliveryPick.value as 'endpoint' | 'manual') : endpointPick !== 'absent' ? 'endpoint' : 'manual';

  let delivery: SpDelivery | undefined;
  if (deliveryKind === 'endpoint') {
    const token = pickSecret(inputs, 'amplitudeSsoToken', undefined, ENV.amplitudeSsoToken, warn, error, 'amplitude.ssoToken');
    sources['amplitude.ssoToken'] = given(token) ? token.source : 'default';
    if (endpointPick === 'absent') {
      error('amplitude.ssoEndpoint', given(deliveryPick) ? deliveryPick.origin : 'missing', "delivery 'endpoint' needs the SP settings endpoint URL", `Set ${ENV.amplitudeSsoEndpoint} or pass --amplitude-sso-endpoint, or use --delivery manual.`);
    }
    if (token === 'absent') {
      error('amplitude.ssoToken', 'missing', "delivery 'endpoint' needs the SP endpoint's token", `Set ${ENV.amplitudeSsoToken} or pass --amplitude-sso-token-file <file>.`);
    }
    if (endpoint && given(token)) delivery = { kind: 'endpoint', url: endpoint, token: token.value };
  } else {
    const filePick = pick('metadataFile');
    record('amplitude.metadataFile', filePick);
    if (filePick !== 'invalid') {
      delivery = { kind: 'manual', metadataFile: given(filePick) ? filePick.value : `amplitude-idp-metadata-${given(orgPick) ? orgPick.value : 'org'}.xml` };
    }
  }

  const namePick = pick('appName');
  record('application.name', namePick);
  const name = given(namePick) ? namePick.value : DEFAULT_APP_NAME;

  // The SAML settings relate to the org (its ACS must be a callback): checked whenever both are valid.
  const sp = given(orgPick) && baseUrl ? amplitudeSp(baseUrl, orgPick.value) : undefined;
  const saml = sp && !file.refused('saml.callbacks') ? resolveSaml(raw.saml, defaultSamlSettings(sp), fileName, diagnostics) : undefined;

  if (diagnostics.some((d) => d.severity === 'error') || !domain || !given(domainPick) || !given(clientIdPick) || !given(secret) || !given(orgPick) || !delivery || !sp || !saml) {
    return { diagnostics };
  }

  const config: ResolvedConfig = {
    auth0: {
      domain,
      baseUrl: auth0BaseUrl(domain, loopbackTlsFrom(inputs.env)),
      clientId: clientIdPick.value,
      clientSecret: secret.value,
      origins: { domain: domainPick.origin, clientId: clientIdPick.origin, clientSecret: secret.origin },
    },
    amplitude: { orgId: orgPick.value, baseUrl: sp.baseUrl, entityId: sp.entityId, acsUrl: sp.acsUrl, delivery },
    application: { name },
    saml,
    ...(inputs.file ? { configFile: inputs.file.path } : {}),
    sources,
  };
  return { config, diagnostics };
}

/**
 * The tenant host as the rest of the code uses it: a pasted `https://host/` (or `http://` for a
 * loopback host; the schema refused any other) is reduced to `host[:port]`, lower case.
 */
function normalDomain(value: string): string {
  return value.replace(/^https?:\/\//i, '').replace(/\/$/, '').toLowerCase();
}

function valueAt(data: unknown, path: string): unknown {
  let node = data;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function pickSecret(
  inputs: ConfigInputs,
  name: 'auth0ClientSecret' | 'amplitudeSsoToken',
  flagName: string | undefined,
  envName: string,
  warn: (f: string, o: string, m: string, h?: string) => void,
  error: (f: string, o: string, m: string, h?: string) => void,
  field: string,
): Choice {
  const fromFile = inputs.secretFiles?.[name];
  const flagValue = name === 'auth0ClientSecret' ? inputs.flags.auth0ClientSecret : undefined;
  if (fromFile && flagValue !== undefined) {
    error(field, `${flagName} and ${fromFile.origin}`, 'the secret is given twice', 'Pass either the flag or the file, not both.');
    return 'invalid';
  }
  if (fromFile) {
    // A secret file ends with a newline more often than not: the file's content is the secret, trimmed.
    const value = fromFile.value.trim();
    if (!value) {
      error(field, fromFile.origin, 'the secret file is empty', 'Write the secret into the file, on one line.');
      return 'invalid';
    }
    const source = fromFile.origin === 'stdin' || fromFile.origin === 'prompt' ? fromFile.origin : 'file';
    return { value, source, origin: fromFile.origin };
  }
  if (flagValue !== undefined && flagName) {
    if (flagValue.trim() === '') {
      error(field, flagName, 'the secret is empty', `Pass the secret, or leave the flag out to use ${envName}.`);
      return 'invalid';
    }
    // sso-setup hides its own arguments once it runs (bin/sso-setup.cjs), but not those of what started
    // it: a shell's command, npx's `npm exec` and `sh -c` show the flag to every local user for the whole run.
    warn(
      field,
      flagName,
      'a secret passed as a flag can be read by other users of this machine in the process table (ps) for the whole run, in the processes that started sso-setup (npx shows it in `npm exec` and `sh -c`), and stays in your shell history',
      `Set ${envName} in the environment, or pass ${flagName}-file FILE ('-' reads stdin).`,
    );
    return { value: flagValue, source: 'flag', origin: flagName };
  }
  const env = inputs.env[envName];
  if (env === undefined || env === '') return 'absent';
  if (env.trim() === '') {
    error(field, `env ${envName}`, 'the secret is blank (only whitespace)', `Set ${envName} to the secret, or unset it.`);
    return 'invalid';
  }
  return { value: env, source: 'env', origin: `env ${envName}` };
}

/** The SAML addon settings: the file's values (the schema checked their shapes) over Amplitude's defaults. */
function resolveSaml(
  raw: Partial<SamlSettings> | undefined,
  defaults: SamlSettings,
  fileName: string,
  diagnostics: ConfigDiagnostic[],
): SamlSettings | undefined {
  const s: SamlSettings = { ...defaults, ...(raw ?? {}) };
  if (!s.callbacks.includes(defaults.recipient)) {
    diagnostics.push({
      severity: 'error',
      field: 'saml.callbacks',
      origin: `${fileName} saml.callbacks`,
      message: `must include Amplitude's ACS ${defaults.recipient}`,
      hint: 'Auth0 refuses SAML requests whose ACS is not an allowed callback.',
    });
    return undefined;
  }
  if (s.signatureAlgorithm === 'rsa-sha1' || s.digestAlgorithm === 'sha1') {
    diagnostics.push({ severity: 'warning', field: 'saml.signatureAlgorithm', origin: `${fileName} saml`, message: 'SHA-1 signatures are weak', hint: "Use 'rsa-sha256' and 'sha256'." });
  }
  if (s.nameIdentifierFormat !== EMAIL_ADDRESS_FORMAT) {
    diagnostics.push({ severity: 'warning', field: 'saml.nameIdentifierFormat', origin: `${fileName} saml.nameIdentifierFormat`, message: 'Amplitude expects the NameID to be the email in emailAddress format', hint: `Remove it to use ${EMAIL_ADDRESS_FORMAT}.` });
  }
  return s;
}

/**
 * Parses the config file and checks it against the schema. Returns what it holds and the settings
 * whose values were refused (their problems are in `diagnostics`); unknown keys are errors too,
 * since they are usually typos. One byte order mark is allowed (Windows editors write one).
 */
function readConfigFile(
  file: { path: string; text: string },
  diagnostics: ConfigDiagnostic[],
): { raw: RawConfig; refused: (path: string) => boolean } {
  const invalid = new Set<string>();
  // A setting is refused when its value, or the object holding it, was.
  const refused = (path: string) => [...invalid].some((f) => path === f || path.startsWith(`${f}.`));
  const err = (field: string, origin: string, message: string, hint?: string) =>
    diagnostics.push({ severity: 'error', field, origin, message, ...(hint ? { hint } : {}) });
  const text = file.text.charCodeAt(0) === 0xfeff ? file.text.slice(1) : file.text;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    err('(file)', file.path, `is not valid JSON: ${(e as Error).message}`, 'Fix the JSON syntax (sso-setup.json is plain JSON, no comments).');
    return { raw: {}, refused };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    err('(file)', file.path, 'must hold a JSON object', 'See the example config in the README.');
    return { raw: {}, refused };
  }
  for (const problem of checkConfigObject(data)) {
    invalid.add(problem.field);
    err(problem.field, problem.kind === 'bad-value' ? `${file.path} ${problem.field}` : file.path, problem.message, problem.hint);
  }
  return { raw: data as RawConfig, refused };
}
