/**
 * Resolves configuration from the config file, the environment and flags (lowest to highest
 * precedence). Pure: the shell reads files and stdin and passes their text in. Every problem is
 * collected with the field and where its value came from, so one run reports them all.
 */
import { ENV, INPUTS, type InputName } from './inputs.js';
import { amplitudeSp } from '../sp/amplitude/urls.js';
import { isLoopbackHost } from '../http/agent.js';
import { auth0BaseUrl, domainHost, loopbackTlsFrom } from '../idp/auth0/domain.js';
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

export function resolveConfig(inputs: ConfigInputs): ConfigResolution {
  const diagnostics: ConfigDiagnostic[] = [];
  const sources: Record<string, ValueSource> = {};
  const fileName = inputs.file?.path ?? DEFAULT_CONFIG_FILE;
  const raw = inputs.file ? parseConfigFile(inputs.file, diagnostics) : {};

  const error = (field: string, origin: string, message: string, hint?: string) =>
    diagnostics.push({ severity: 'error', field, origin, message, ...(hint ? { hint } : {}) });
  const warn = (field: string, origin: string, message: string, hint?: string) =>
    diagnostics.push({ severity: 'warning', field, origin, message, ...(hint ? { hint } : {}) });

  /** flag > env > file, trimmed; empty strings count as absent. */
  const pick = (name: InputName, fileValue: unknown): Picked | undefined => {
    const spec = INPUTS[name];
    const flag = inputs.flags[name]?.trim();
    if (flag) return { value: flag, source: 'flag', origin: spec.flag.split(' ')[0]! };
    const envName = 'env' in spec ? spec.env : undefined;
    const env = envName ? inputs.env[envName]?.trim() : undefined;
    if (env) return { value: env, source: 'env', origin: `env ${envName}` };
    if (typeof fileValue === 'string' && fileValue.trim()) {
      return { value: fileValue.trim(), source: 'file', origin: `${fileName} ${'path' in spec ? spec.path : name}` };
    }
    return undefined;
  };
  const record = (path: string, p: Picked | undefined, fallback: ValueSource = 'default') => {
    sources[path] = p?.source ?? fallback;
  };

  // Auth0 tenant.
  const domainPick = pick('auth0Domain', raw.auth0?.domain);
  record('auth0.domain', domainPick);
  const domain = domainPick ? normalizeDomain(domainPick, error) : undefined;
  if (!domainPick) error('auth0.domain', 'missing', 'the Auth0 domain is not set', `Set ${ENV.auth0Domain} or pass --auth0-domain, e.g. acme.us.auth0.com.`);

  const clientIdPick = pick('auth0ClientId', raw.auth0?.clientId);
  record('auth0.clientId', clientIdPick);
  if (!clientIdPick) {
    error('auth0.clientId', 'missing', 'the Management API client ID is not set', `Set ${ENV.auth0ClientId} or pass --auth0-client-id.`);
  } else if (/\s/.test(clientIdPick.value)) {
    error('auth0.clientId', clientIdPick.origin, 'the client ID contains whitespace', 'Copy the Client ID from Auth0 > Applications > (your M2M app) > Settings.');
  }

  const secret = pickSecret(
    inputs,
    'auth0ClientSecret',
    INPUTS.auth0ClientSecret.flag.split(' ')[0]!,
    ENV.auth0ClientSecret,
    warn,
    error,
    'auth0.clientSecret',
  );
  sources['auth0.clientSecret'] = secret?.source ?? 'default';
  if (!secret) {
    error(
      'auth0.clientSecret',
      'missing',
      'the Management API client secret is not set',
      `Set ${ENV.auth0ClientSecret}, or pass --auth0-client-secret-file <file> ('-' reads stdin).`,
    );
  }

  // Amplitude org and delivery.
  const orgPick = pick('amplitudeOrgId', raw.amplitude?.orgId);
  record('amplitude.orgId', orgPick);
  if (!orgPick) {
    error('amplitude.orgId', 'missing', 'the Amplitude org ID is not set', `Set ${ENV.amplitudeOrgId} or pass --amplitude-org-id (the last part of the ACS URL in Amplitude's Access & SSO Settings).`);
  } else if (!/^[A-Za-z0-9_-]{1,64}$/.test(orgPick.value)) {
    error('amplitude.orgId', orgPick.origin, `'${orgPick.value}' is not an Amplitude org ID`, 'Use the number at the end of the ACS URL, e.g. 123456 from https://amplitude.com/saml/2/acs/123456.');
  }

  const basePick = pick('amplitudeBaseUrl', raw.amplitude?.baseUrl);
  record('amplitude.baseUrl', basePick);
  const baseUrl = basePick ? normalizeServiceUrl(basePick, 'amplitude.baseUrl', error, true) : DEFAULT_AMPLITUDE_BASE_URL;

  const endpointPick = pick('amplitudeSsoEndpoint', raw.amplitude?.ssoEndpoint);
  record('amplitude.ssoEndpoint', endpointPick);
  const endpoint = endpointPick ? normalizeServiceUrl(endpointPick, 'amplitude.ssoEndpoint', error, false) : undefined;

  const deliveryPick = pick('delivery', raw.amplitude?.delivery);
  record('amplitude.delivery', deliveryPick, 'derived');
  let deliveryKind: 'endpoint' | 'manual' = endpointPick ? 'endpoint' : 'manual';
  if (deliveryPick) {
    if (deliveryPick.value === 'endpoint' || deliveryPick.value === 'manual') deliveryKind = deliveryPick.value;
    else error('amplitude.delivery', deliveryPick.origin, `'${deliveryPick.value}' is not a delivery`, "Use 'endpoint' (push to the SP settings endpoint) or 'manual' (save a file to upload).");
  }

  let delivery: SpDelivery | undefined;
  if (deliveryKind === 'endpoint') {
    const token = pickSecret(inputs, 'amplitudeSsoToken', undefined, ENV.amplitudeSsoToken, warn, error, 'amplitude.ssoToken');
    sources['amplitude.ssoToken'] = token?.source ?? 'default';
    if (!endpointPick) {
      error('amplitude.ssoEndpoint', deliveryPick?.origin ?? 'missing', "delivery 'endpoint' needs the SP settings endpoint URL", `Set ${ENV.amplitudeSsoEndpoint} or pass --amplitude-sso-endpoint, or use --delivery manual.`);
    }
    if (!token) {
      error('amplitude.ssoToken', 'missing', "delivery 'endpoint' needs the SP endpoint's token", `Set ${ENV.amplitudeSsoToken} or pass --amplitude-sso-token-file <file>.`);
    }
    if (endpoint && token) delivery = { kind: 'endpoint', url: endpoint, token: token.value };
  } else {
    const filePick = pick('metadataFile', raw.amplitude?.metadataFile);
    record('amplitude.metadataFile', filePick);
    delivery = { kind: 'manual', metadataFile: filePick?.value ?? `amplitude-idp-metadata-${orgPick?.value ?? 'org'}.xml` };
  }

  const namePick = pick('appName', raw.application?.name);
  record('application.name', namePick);
  const name = namePick?.value ?? DEFAULT_APP_NAME;
  if (/[<>]/.test(name) || name.length > 128) {
    error('application.name', namePick?.origin ?? 'default', 'the application name must be 1-128 characters without < or >', 'Auth0 refuses such names; choose another with --app-name.');
  }

  if (diagnostics.some((d) => d.severity === 'error') || !domain || !domainPick || !clientIdPick || !secret || !orgPick || !delivery || !baseUrl) {
    return { diagnostics };
  }

  const sp = amplitudeSp(baseUrl, orgPick.value);
  const saml = resolveSaml(raw.saml, defaultSamlSettings(sp), fileName, diagnostics);
  if (!saml) return { diagnostics };

  const config: ResolvedConfig = {
    auth0: {
      domain,
      baseUrl: auth0BaseUrl(domain, loopbackTlsFrom(inputs.env)),
      clientId: clientIdPick.value,
      clientSecret: secret.value,
      origins: { domain: domainPick.origin, clientId: clientIdPick.origin, clientSecret: secret.origin },
    },
    amplitude: { orgId: orgPick.value, baseUrl, entityId: sp.entityId, acsUrl: sp.acsUrl, delivery },
    application: { name },
    saml,
    ...(inputs.file ? { configFile: inputs.file.path } : {}),
    sources,
  };
  return { config, diagnostics };
}

function pickSecret(
  inputs: ConfigInputs,
  name: 'auth0ClientSecret' | 'amplitudeSsoToken',
  flagName: string | undefined,
  envName: string,
  warn: (f: string, o: string, m: string, h?: string) => void,
  error: (f: string, o: string, m: string, h?: string) => void,
  field: string,
): Picked | undefined {
  const fromFile = inputs.secretFiles?.[name];
  const flagValue = name === 'auth0ClientSecret' ? inputs.flags.auth0ClientSecret?.trim() : undefined;
  if (fromFile && flagValue) {
    error(field, `${flagName} and ${fromFile.origin}`, 'the secret is given twice', 'Pass either the flag or the file, not both.');
    return undefined;
  }
  if (fromFile) {
    const value = fromFile.value.trim();
    if (!value) {
      error(field, fromFile.origin, 'the secret file is empty', 'Write the secret into the file, on one line.');
      return undefined;
    }
    const source = fromFile.origin === 'stdin' || fromFile.origin === 'prompt' ? fromFile.origin : 'file';
    return { value, source, origin: fromFile.origin };
  }
  if (flagValue && flagName) {
    warn(field, flagName, 'a secret passed as a flag is visible in the process list and shell history', `Use ${envName} or ${flagName}-file instead.`);
    return { value: flagValue, source: 'flag', origin: flagName };
  }
  const env = inputs.env[envName]?.trim();
  if (env) return { value: env, source: 'env', origin: `env ${envName}` };
  return undefined;
}

/** Accepts `acme.us.auth0.com`, `acme.us.auth0.com:443`, and a pasted `https://acme.us.auth0.com/`. */
function normalizeDomain(p: Picked, error: (f: string, o: string, m: string, h?: string) => void): string | undefined {
  let v = p.value;
  const scheme = /^([a-z]+):\/\//i.exec(v);
  if (scheme) {
    const isHttp = scheme[1]!.toLowerCase() === 'http';
    v = v.slice(scheme[0].length);
    if (isHttp && !isLoopbackHost(domainHost(v.replace(/\/+$/, '')))) {
      error('auth0.domain', p.origin, `'${p.value}' uses plain http`, 'Auth0 is reached over https only; give the host, e.g. acme.us.auth0.com.');
      return undefined;
    }
  }
  v = v.replace(/\/+$/, '');
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(v) || v.startsWith('.') || v.endsWith('.')) {
    error('auth0.domain', p.origin, `'${p.value}' is not an Auth0 domain`, 'Give the tenant host only, e.g. acme.us.auth0.com (no path).');
    return undefined;
  }
  return v.toLowerCase();
}

function normalizeServiceUrl(
  p: Picked,
  field: string,
  error: (f: string, o: string, m: string, h?: string) => void,
  originOnly: boolean,
): string | undefined {
  let url: URL;
  try {
    url = new URL(p.value);
  } catch {
    error(field, p.origin, `'${p.value}' is not a URL`, 'Give an absolute https:// URL.');
    return undefined;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    error(field, p.origin, `'${p.value}' is not an https URL`, 'Use https:// (plain http is allowed only for 127.0.0.1/localhost).');
    return undefined;
  }
  if (url.username || url.password) {
    error(field, p.origin, 'the URL contains credentials', 'Remove user:password@ from the URL; tokens go in their own setting.');
    return undefined;
  }
  if (originOnly && url.pathname !== '/' && url.pathname !== '') {
    error(field, p.origin, `'${p.value}' has a path`, 'Give the base URL only, e.g. https://amplitude.com.');
    return undefined;
  }
  return originOnly ? url.origin : url.toString();
}

const SAML_KEYS: (keyof SamlSettings)[] = [
  'callbacks',
  'audience',
  'recipient',
  'destination',
  'nameIdentifierFormat',
  'nameIdentifierProbes',
  'mappings',
  'signatureAlgorithm',
  'digestAlgorithm',
  'lifetimeInSeconds',
  'signResponse',
];

function resolveSaml(
  raw: Partial<SamlSettings> | undefined,
  defaults: SamlSettings,
  fileName: string,
  diagnostics: ConfigDiagnostic[],
): SamlSettings | undefined {
  const s: SamlSettings = { ...defaults, ...(raw ?? {}) };
  const bad = (key: string, message: string, hint: string) =>
    diagnostics.push({ severity: 'error', field: `saml.${key}`, origin: `${fileName} saml.${key}`, message, hint });
  const isStringArray = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');

  if (!isStringArray(s.callbacks) || s.callbacks.length === 0) bad('callbacks', 'must be a non-empty list of URLs', 'e.g. ["https://amplitude.com/saml/2/acs/123456"].');
  else if (!s.callbacks.includes(defaults.recipient)) {
    bad('callbacks', `must include Amplitude's ACS ${defaults.recipient}`, 'Auth0 refuses SAML requests whose ACS is not an allowed callback.');
  }
  for (const key of ['audience', 'recipient', 'destination', 'nameIdentifierFormat'] as const) {
    if (typeof s[key] !== 'string' || !s[key]) bad(key, 'must be a non-empty string', `Remove saml.${key} to use the default.`);
  }
  if (!isStringArray(s.nameIdentifierProbes)) bad('nameIdentifierProbes', 'must be a list of claim URIs', 'Remove it to use the default.');
  const mappingsOk =
    typeof s.mappings === 'object' && s.mappings !== null && !Array.isArray(s.mappings) &&
    Object.values(s.mappings).every((v) => typeof v === 'string' || isStringArray(v));
  if (!mappingsOk) bad('mappings', 'must map profile properties to attribute names (strings or lists of strings)', 'e.g. {"email": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"}.');
  if (s.signatureAlgorithm !== 'rsa-sha256' && s.signatureAlgorithm !== 'rsa-sha1') bad('signatureAlgorithm', "must be 'rsa-sha256' or 'rsa-sha1'", "Use 'rsa-sha256'.");
  if (s.digestAlgorithm !== 'sha256' && s.digestAlgorithm !== 'sha1') bad('digestAlgorithm', "must be 'sha256' or 'sha1'", "Use 'sha256'.");
  if (!Number.isInteger(s.lifetimeInSeconds) || s.lifetimeInSeconds < 60 || s.lifetimeInSeconds > 86_400) bad('lifetimeInSeconds', 'must be a whole number of seconds from 60 to 86400', 'Remove it to use 3600.');
  if (typeof s.signResponse !== 'boolean') bad('signResponse', 'must be true or false', 'Remove it to sign the assertion (the default).');

  if (s.signatureAlgorithm === 'rsa-sha1' || s.digestAlgorithm === 'sha1') {
    diagnostics.push({ severity: 'warning', field: 'saml.signatureAlgorithm', origin: `${fileName} saml`, message: 'SHA-1 signatures are weak', hint: "Use 'rsa-sha256' and 'sha256'." });
  }
  if (s.nameIdentifierFormat !== EMAIL_ADDRESS_FORMAT) {
    diagnostics.push({ severity: 'warning', field: 'saml.nameIdentifierFormat', origin: `${fileName} saml.nameIdentifierFormat`, message: 'Amplitude expects the NameID to be the email in emailAddress format', hint: `Remove it to use ${EMAIL_ADDRESS_FORMAT}.` });
  }
  return diagnostics.some((d) => d.severity === 'error') ? undefined : s;
}

/** Parses and shape-checks the config file. Unknown keys are errors: they are usually typos. */
function parseConfigFile(file: { path: string; text: string }, diagnostics: ConfigDiagnostic[]): RawConfig {
  const err = (field: string, message: string, hint: string) =>
    diagnostics.push({ severity: 'error', field, origin: file.path, message, hint });
  let data: unknown;
  try {
    data = JSON.parse(file.text);
  } catch (e) {
    err('(file)', `is not valid JSON: ${(e as Error).message}`, 'Fix the JSON syntax (sso-setup.json is plain JSON, no comments).');
    return {};
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    err('(file)', 'must hold a JSON object', 'See the example config in the README.');
    return {};
  }
  const shape: Record<string, readonly string[] | null> = {
    $schema: null,
    auth0: ['domain', 'clientId'],
    amplitude: ['orgId', 'baseUrl', 'delivery', 'ssoEndpoint', 'metadataFile'],
    application: ['name'],
    saml: SAML_KEYS,
  };
  const secretKeys: Record<string, string> = {
    'auth0.clientSecret': ENV.auth0ClientSecret,
    'amplitude.ssoToken': ENV.amplitudeSsoToken,
  };
  const obj = data as Record<string, unknown>;
  for (const [key, value] of Object.entries(obj)) {
    if (!(key in shape)) {
      err(key, `unknown setting '${key}'`, suggest(key, Object.keys(shape)));
      continue;
    }
    const allowed = shape[key];
    if (!allowed) continue;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      err(key, 'must be an object', `e.g. "${key}": { ... }`);
      continue;
    }
    for (const [sub, subValue] of Object.entries(value as Record<string, unknown>)) {
      const path = `${key}.${sub}`;
      if (path in secretKeys) {
        err(path, 'secrets are not read from the config file', `Set ${secretKeys[path]} in the environment (or use the --…-file flag) and remove '${sub}' from the file.`);
      } else if (!allowed.includes(sub)) {
        err(path, `unknown setting '${path}'`, suggest(sub, allowed));
      } else if (key !== 'saml' && typeof subValue !== 'string') {
        err(path, 'must be a string', `e.g. "${sub}": "..."`);
      }
    }
  }
  return obj as RawConfig;
}

function suggest(word: string, candidates: readonly string[]): string {
  const best = candidates
    .map((c) => ({ c, d: editDistance(word.toLowerCase(), c.toLowerCase()) }))
    .sort((a, b) => a.d - b.d)[0];
  if (best && best.d <= Math.max(2, Math.floor(word.length / 3))) return `Did you mean '${best.c}'?`;
  return `Known settings: ${candidates.join(', ')}.`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
