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
import { ENV, INPUTS, type FlagValues, type InputName } from './inputs.js';
import { checkConfigObject, checkSetting } from './validate.js';
import { amplitudeSp } from '../sp/amplitude/urls.js';
import { auth0BaseUrl, loopbackTlsFrom } from '../idp/auth0/domain.js';
import { defaultSamlSettings, EMAIL_ADDRESS_FORMAT } from '../idp/auth0/saml-addon.js';
import type { ConfigDiagnostic, Fleet, RawConfig, RawOrg, ResolvedConfig, SamlSettings, SpDelivery, ValueSource } from './types.js';

export const DEFAULT_CONFIG_FILE = 'sso-setup.json';
export const DEFAULT_AMPLITUDE_BASE_URL = 'https://amplitude.com';
export const DEFAULT_APP_NAME = 'Amplitude SSO';

export interface ConfigInputs {
  /** The config file, when one was found. */
  file?: { path: string; text: string };
  env: Record<string, string | undefined>;
  /** Values given as flags, keyed by input name (a list for a repeatable flag). */
  flags: FlagValues;
  /** Secrets the shell read from files or stdin. */
  secretFiles?: Partial<Record<'auth0ClientSecret' | 'amplitudeSsoToken', { value: string; origin: string }>>;
}

export interface ConfigResolution {
  /** Present when there is no error. */
  config?: ResolvedConfig;
  diagnostics: ConfigDiagnostic[];
}

export interface FleetResolution {
  /** Present when there is no error. */
  fleet?: Fleet;
  diagnostics: ConfigDiagnostic[];
}

interface Picked {
  value: string;
  source: ValueSource;
  origin: string;
}

/** Inputs that are settings of the config file (they have a path in the schema). */
type SettingName = { [K in InputName]: (typeof INPUTS)[K] extends { path: string; repeatable?: never } ? K : never }[InputName];

/** What one setting resolved to: a valid value, nothing given, or a value that was refused (already reported). */
type Choice = Picked | 'absent' | 'invalid';

/** The environment variable holding the SP endpoint token of one org (org IDs are digits, so any org has one). */
export function orgTokenEnv(orgId: string): string {
  return `${ENV.amplitudeSsoToken}_${orgId}`;
}

/**
 * One org's configuration, for commands that handle one org (`confirm-upload`, `init`, `demo`):
 * the single form, or a list of exactly one.
 */
export function resolveConfig(inputs: ConfigInputs): ConfigResolution {
  const { fleet, diagnostics } = resolveFleet(inputs);
  if (!fleet) return { diagnostics };
  if (fleet.orgs.length !== 1) {
    diagnostics.push({
      severity: 'error',
      field: 'amplitude.orgs',
      origin: fleet.orgs[0]?.configFile ?? DEFAULT_CONFIG_FILE,
      message: `this command handles one org, and the file lists ${fleet.orgs.length}`,
      hint: 'Pick one with --only ORG_ID.',
    });
    return { diagnostics };
  }
  return { config: fleet.orgs[0]!, diagnostics };
}

export function resolveFleet(inputs: ConfigInputs): FleetResolution {
  const diagnostics: ConfigDiagnostic[] = [];
  const sources: Record<string, ValueSource> = {};
  const fileName = inputs.file?.path ?? DEFAULT_CONFIG_FILE;
  const file = inputs.file ? readConfigFile(inputs.file, diagnostics) : { raw: {}, refused: () => false };
  const raw = file.raw;

  const error = (field: string, origin: string, message: string, hint?: string) =>
    diagnostics.push({ severity: 'error', field, origin, message, ...(hint ? { hint } : {}) });
  const warn = (field: string, origin: string, message: string, hint?: string) =>
    diagnostics.push({ severity: 'warning', field, origin, message, ...(hint ? { hint } : {}) });

  /** flag > env > file; the first source that gives a value decides, and its value must be valid. Read once. */
  const picked = new Map<SettingName, Choice>();
  const pick = (name: SettingName): Choice => {
    if (!picked.has(name)) picked.set(name, pickOnce(name));
    return picked.get(name)!;
  };
  const pickOnce = (name: SettingName): Choice => {
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

  const customPick = pick('auth0CustomDomain');
  record('auth0.customDomain', customPick);
  const customDomain = given(customPick) ? normalDomain(customPick.value) : undefined;

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

  // The SP endpoint token shared by every org without one of its own; read (and checked) once.
  let sharedToken: Choice | undefined;
  const sharedTokenChoice = () => (sharedToken ??= pickSecret(inputs, 'amplitudeSsoToken', undefined, ENV.amplitudeSsoToken, warn, error, 'amplitude.ssoToken'));

  // Connections: the flag's list (repeated --connection) over the file's; checked by the same rule.
  // They apply to every org's application, unless a list entry names its own (and no flag is given).
  let sharedConnections: string[] | undefined;
  let connectionsSource: ValueSource | undefined;
  const flagConnections = inputs.flags.connection;
  if (flagConnections !== undefined && flagConnections.length > 0) {
    const problem = checkSetting(INPUTS.connection.path, flagConnections);
    if (problem) error(INPUTS.connection.path, '--connection', problem);
    else sharedConnections = flagConnections;
    connectionsSource = 'flag';
  } else if (!file.refused(INPUTS.connection.path)) {
    const fromFile = valueAt(raw, INPUTS.connection.path);
    if (Array.isArray(fromFile)) {
      sharedConnections = fromFile as string[];
      connectionsSource = 'file';
    }
  }

  /** One org: its own values (`own`, from a list entry) over the shared ones (flags, env, file). */
  const resolveOrg = (own: OrgValues | undefined, orgSources: Record<string, ValueSource>): ResolvedOrg | undefined => {
    const at = (key: string) => (own ? `${own.path}.${key}` : `amplitude.${key}`);
    const orgPick = own ? own.orgId : pick('amplitudeOrgId');
    orgSources['amplitude.orgId'] = given(orgPick) ? orgPick.source : 'default';
    if (orgPick === 'absent') {
      error('amplitude.orgId', 'missing', 'the Amplitude org ID is not set', `Set ${ENV.amplitudeOrgId} or pass --amplitude-org-id (the number at the end of the ACS URL in Amplitude's Access & SSO Settings).`);
    }
    const basePick = own && own.baseUrl !== 'absent' ? own.baseUrl : pick('amplitudeBaseUrl');
    orgSources['amplitude.baseUrl'] = given(basePick) ? basePick.source : 'default';
    const baseUrl = given(basePick) ? new URL(basePick.value).origin : basePick === 'absent' ? DEFAULT_AMPLITUDE_BASE_URL : undefined;

    const endpointPick = own ? own.ssoEndpoint : pick('amplitudeSsoEndpoint');
    orgSources['amplitude.ssoEndpoint'] = given(endpointPick) ? endpointPick.source : 'default';
    const endpoint = given(endpointPick) ? new URL(endpointPick.value).toString() : undefined;

    const deliveryPick = own && own.delivery !== 'absent' ? own.delivery : pick('delivery');
    orgSources['amplitude.delivery'] = given(deliveryPick) ? deliveryPick.source : 'derived';
    const deliveryKind: 'endpoint' | 'manual' = given(deliveryPick) ? (deliveryPick.value as 'endpoint' | 'manual') : endpointPick !== 'absent' ? 'endpoint' : 'manual';

    let delivery: SpDelivery | undefined;
    if (deliveryKind === 'endpoint') {
      // The org's own token first (AMPLITUDE_SSO_TOKEN_<orgId>), then the shared one.
      const ownEnv = given(orgPick) ? orgTokenEnv(orgPick.value) : undefined;
      const ownToken = ownEnv ? envSecret(inputs, ownEnv, error, at('ssoToken')) : 'absent';
      const token = ownToken !== 'absent' ? ownToken : sharedTokenChoice();
      orgSources['amplitude.ssoToken'] = given(token) ? token.source : 'default';
      if (endpointPick === 'absent') {
        error(at('ssoEndpoint'), given(deliveryPick) ? deliveryPick.origin : 'missing', "delivery 'endpoint' needs the SP settings endpoint URL", own ? `Add "ssoEndpoint" to the entry, or set "delivery": "manual".` : `Set ${ENV.amplitudeSsoEndpoint} or pass --amplitude-sso-endpoint, or use --delivery manual.`);
      }
      if (token === 'absent') {
        error(at('ssoToken'), 'missing', "delivery 'endpoint' needs the SP endpoint's token", own && ownEnv ? `Set ${ownEnv} (or ${ENV.amplitudeSsoToken}, shared by every org) or pass --amplitude-sso-token-file <file>.` : `Set ${ENV.amplitudeSsoToken} or pass --amplitude-sso-token-file <file>.`);
      }
      if (endpoint && given(token)) delivery = { kind: 'endpoint', url: endpoint, token: token.value };
    } else {
      const filePick = own ? own.metadataFile : pick('metadataFile');
      orgSources['amplitude.metadataFile'] = given(filePick) ? filePick.source : 'default';
      if (filePick !== 'invalid') {
        delivery = { kind: 'manual', metadataFile: given(filePick) ? filePick.value : `amplitude-idp-metadata-${given(orgPick) ? orgPick.value : 'org'}.xml` };
      }
    }

    const namePick = pick('appName');
    orgSources['application.name'] = own && given(own.name) ? own.name.source : given(namePick) ? namePick.source : 'default';
    const shared = given(namePick) ? namePick.value : DEFAULT_APP_NAME;
    // In a list, each org's application is told apart by name too (Auth0 names need not be unique, people's eyes do).
    const name = own ? (given(own.name) ? own.name.value : `${shared} (${given(orgPick) ? orgPick.value : 'org'})`) : shared;

    // The SAML settings relate to the org (its ACS must be a callback): checked whenever both are valid.
    const sp = given(orgPick) && baseUrl ? amplitudeSp(baseUrl, orgPick.value) : undefined;
    const saml = sp && !file.refused('saml.callbacks') ? resolveSaml(raw.saml, defaultSamlSettings(sp), fileName, diagnostics, own ? `for org ${sp.orgId}` : undefined) : undefined;
    if (!delivery || !sp || !saml || (own?.name === 'invalid') || own?.connections === 'invalid') return undefined;
    const connections = connectionsSource !== 'flag' && own?.connections ? own.connections : sharedConnections;
    if (connections) orgSources['application.connections'] = connections === sharedConnections ? connectionsSource! : 'file';
    return { amplitude: { orgId: sp.orgId, baseUrl: sp.baseUrl, entityId: sp.entityId, acsUrl: sp.acsUrl, delivery }, application: { name, ...(connections ? { connections } : {}) }, saml };
  };

  const list = file.refused('amplitude.orgs') ? 'invalid' : raw.amplitude?.orgs;
  const resolved: { org: ResolvedOrg; sources: Record<string, ValueSource> }[] = [];
  let complete = true;
  if (list === 'invalid') {
    complete = false;
  } else if (Array.isArray(list)) {
    // The list names each org: settings of one org given outside it would apply to which?
    for (const [name, field] of [['amplitudeOrgId', 'orgId'], ['amplitudeSsoEndpoint', 'ssoEndpoint'], ['metadataFile', 'metadataFile']] as const) {
      const p = pick(name);
      if (given(p)) error(`amplitude.${field}`, p.origin, `is set, but ${fileName} lists the orgs in amplitude.orgs`, `Give each org's ${field} in its entry of amplitude.orgs, and remove this${p.source === 'env' ? ' variable' : p.source === 'flag' ? ' flag' : ''}; pick orgs with --only ORG_ID.`);
    }
    const seen = new Map<string, number>();
    const files = new Map<string, string>();
    list.forEach((entry, i) => {
      const path = `amplitude.orgs.${i}`;
      const value = (key: keyof RawOrg): Choice => {
        if (file.refused(`${path}.${key}`)) return 'invalid';
        const v = entry[key];
        return typeof v === 'string' ? { value: v, source: 'file', origin: `${fileName} ${path}.${key}` } : 'absent';
      };
      const orgSources: Record<string, ValueSource> = { ...sources };
      const orgId = value('orgId');
      if (given(orgId)) {
        const first = seen.get(orgId.value);
        if (first !== undefined) error(`${path}.orgId`, orgId.origin, `org ${orgId.value} is listed twice (also amplitude.orgs.${first})`, 'List each org once.');
        else seen.set(orgId.value, i);
      }
      const ownConnections = file.refused(`${path}.connections`) ? ('invalid' as const) : Array.isArray(entry.connections) ? entry.connections : undefined;
      const org = resolveOrg(
        { path, orgId, baseUrl: value('baseUrl'), delivery: value('delivery'), ssoEndpoint: value('ssoEndpoint'), metadataFile: value('metadataFile'), name: value('name'), ...(ownConnections ? { connections: ownConnections } : {}) },
        orgSources,
      );
      if (!org) {
        complete = false;
        return;
      }
      if (org.amplitude.delivery.kind === 'manual') {
        const target = org.amplitude.delivery.metadataFile;
        const other = files.get(target);
        if (other) error(`${path}.metadataFile`, `${fileName} ${path}`, `org ${org.amplitude.orgId} would save its metadata to ${target}, as org ${other} does`, 'Give each org its own metadataFile.');
        else files.set(target, org.amplitude.orgId);
      }
      resolved.push({ org, sources: orgSources });
    });
  } else {
    const orgSources: Record<string, ValueSource> = { ...sources };
    const org = resolveOrg(undefined, orgSources);
    if (org) resolved.push({ org, sources: orgSources });
    else complete = false;
  }

  if (diagnostics.some((d) => d.severity === 'error') || !complete || !domain || !given(domainPick) || !given(clientIdPick) || !given(secret)) {
    return { diagnostics };
  }
  // With a custom domain the SAML endpoints are there; the Management API stays on the domain.
  const samlDomain = customDomain ?? domain;
  const auth0: ResolvedConfig['auth0'] = {
    domain,
    baseUrl: auth0BaseUrl(domain, loopbackTlsFrom(inputs.env)),
    ...(customDomain ? { customDomain } : {}),
    samlDomain,
    samlBaseUrl: auth0BaseUrl(samlDomain, loopbackTlsFrom(inputs.env)),
    clientId: clientIdPick.value,
    clientSecret: secret.value,
    origins: { domain: domainPick.origin, clientId: clientIdPick.origin, clientSecret: secret.origin },
  };
  const orgs = resolved.map(({ org, sources: orgSources }): ResolvedConfig => ({
    auth0,
    ...org,
    ...(inputs.file ? { configFile: inputs.file.path } : {}),
    sources: { ...orgSources, ...sources },
  }));
  return { fleet: { form: Array.isArray(list) ? 'list' : 'single', orgs }, diagnostics };
}

/** What a list entry gives for its org (each value checked by the schema already). */
interface OrgValues {
  /** `amplitude.orgs.3`, for messages. */
  path: string;
  orgId: Choice;
  baseUrl: Choice;
  delivery: Choice;
  ssoEndpoint: Choice;
  metadataFile: Choice;
  name: Choice;
  /** The entry's own `connections` (over `application.connections`), or 'invalid' when the schema refused them. */
  connections?: string[] | 'invalid';
}

type ResolvedOrg = Pick<ResolvedConfig, 'amplitude' | 'application' | 'saml'>;

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
  return envSecret(inputs, envName, error, field);
}

/** A secret from one environment variable (empty counts as unset; only whitespace is an error). */
function envSecret(inputs: ConfigInputs, envName: string, error: (f: string, o: string, m: string, h?: string) => void, field: string): Choice {
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
  forOrg?: string,
): SamlSettings | undefined {
  const s: SamlSettings = { ...defaults, ...(raw ?? {}) };
  if (!s.callbacks.includes(defaults.recipient)) {
    diagnostics.push({
      severity: 'error',
      field: 'saml.callbacks',
      origin: `${fileName} saml.callbacks`,
      message: `must include Amplitude's ACS ${defaults.recipient}${forOrg ? ` (${forOrg}; saml applies to every org of amplitude.orgs)` : ''}`,
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
