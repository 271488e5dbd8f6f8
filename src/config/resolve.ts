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
import { defaultSamlSettings, EMAIL_ADDRESS_FORMAT, PERSISTENT_FORMAT, USER_ID_CLAIM } from '../idp/auth0/saml-addon.js';
import type { ConfigDiagnostic, Fleet, RawConfig, RawOrg, ResolvedConfig, SamlSettings, SpDelivery, SpKind, SpMetadataFacts, ValueSource } from './types.js';

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
  /** The SP metadata `spMetadataSource` named, as the shell read and checked it (generic and Polis targets). */
  spMetadata?: SpMetadataFacts;
}

/** Where the SP metadata of a generic or Polis target comes from, for the shell to read before resolving. */
export interface SpMetadataSource {
  kind: 'saml' | 'polis';
  /** A file path, `-` (stdin) or an http(s) URL. */
  location: string;
  /** The setting that named it (`--sp-metadata`, `sso-setup.json sp.metadata`, `env POLIS_URL`), for errors. */
  origin: string;
}

/**
 * Polis serves its SP metadata here: boxyhq/jackson's next.config.js rewrites `/.well-known/sp-metadata` to
 * `pages/api/well-known/sp-metadata.ts` (`spConfig.toXMLMetadata`); the sandbox serves the same routes.
 */
export const POLIS_SP_METADATA_PATH = '/.well-known/sp-metadata';

/**
 * Which kind of SP the inputs configure: `sp` in the file or `--sp-metadata` is any SAML SP from its
 * metadata; `polis` in the file or `--polis-url` is Polis; anything else is Amplitude (as before both
 * existed). Environment variables alone never switch the kind: the sandbox's env file names them all.
 */
function targetKind(flags: FlagValues, raw: RawConfig): SpKind {
  if (flags.spMetadata !== undefined || raw.sp !== undefined) return 'saml';
  if (flags.polisUrl !== undefined || raw.polis !== undefined) return 'polis';
  return 'amplitude';
}

/**
 * The SP metadata a generic or Polis target needs, or undefined (Amplitude, or nothing valid named:
 * the resolver then reports the problem). Pure: it reads the file's text, not the document.
 */
export function spMetadataSource(inputs: ConfigInputs): SpMetadataSource | undefined {
  // A broken file names no source: the resolver reports it.
  const parsed = inputs.file ? parseConfigText(inputs.file.text) : undefined;
  const raw: RawConfig = parsed?.ok ? parsed.data : {};
  const fileName = inputs.file?.path ?? DEFAULT_CONFIG_FILE;
  const kind = targetKind(inputs.flags, raw);
  if (kind === 'saml') {
    const flag = inputs.flags.spMetadata;
    if (flag !== undefined) return checkSetting('sp.metadata', flag) ? undefined : { kind, location: flag, origin: '--sp-metadata' };
    const value = raw.sp?.metadata;
    return typeof value === 'string' && !checkSetting('sp.metadata', value) ? { kind, location: value, origin: `${fileName} sp.metadata` } : undefined;
  }
  if (kind === 'polis') {
    const env = inputs.env[ENV.polisUrl];
    const [value, origin] =
      inputs.flags.polisUrl !== undefined ? [inputs.flags.polisUrl, '--polis-url'] : env ? [env, `env ${ENV.polisUrl}`] : [raw.polis?.url, `${fileName} polis.url`];
    if (typeof value !== 'string' || checkSetting('polis.url', value)) return undefined;
    return { kind, location: `${new URL(value).origin}${POLIS_SP_METADATA_PATH}`, origin };
  }
  return undefined;
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
    return { sp: { kind: 'amplitude', id: sp.orgId, name: 'Amplitude', baseUrl: sp.baseUrl, entityId: sp.entityId, acsUrl: sp.acsUrl, nameIdFormat: EMAIL_ADDRESS_FORMAT, delivery }, application: { name, ...(connections ? { connections } : {}) }, saml };
  };

  /** A SAML SP from its metadata, or Polis: one target, described by the SP metadata the shell read. */
  const resolveOtherSp = (kind: 'saml' | 'polis', orgSources: Record<string, ValueSource>): ResolvedOrg | undefined => {
    const what = kind === 'saml' ? 'a SAML SP from its metadata (sp, --sp-metadata)' : 'Ory Polis (polis, --polis-url)';
    // One configuration wires one SP: settings of another kind would be ignored, silently.
    if (raw.amplitude !== undefined) error('amplitude', `${fileName} amplitude`, `is set, but this configuration wires ${what}`, 'One configuration wires one SP: remove amplitude, or keep one config file per SP.');
    if (kind === 'saml' && (raw.polis !== undefined || inputs.flags.polisUrl !== undefined)) {
      error('polis', raw.polis !== undefined ? `${fileName} polis` : '--polis-url', `is set, but this configuration wires ${what}`, 'Configure either sp (a SAML SP from its metadata) or polis, not both.');
    }
    for (const name of ['amplitudeOrgId', 'amplitudeBaseUrl', 'amplitudeSsoEndpoint', 'amplitudeSsoTokenFile'] as const) {
      if (inputs.flags[name] !== undefined) error(INPUTS[name].flag.split(' ')[0]!, INPUTS[name].flag.split(' ')[0]!, `is an Amplitude setting, but this configuration wires ${what}`, 'Leave it out.');
    }
    const facts = inputs.spMetadata;
    if (kind === 'saml') {
      const source = pick('spMetadata');
      if (source === 'absent') error('sp.metadata', `${fileName} sp`, 'the SP metadata is not set', 'Set sp.metadata to the SP metadata file or https URL, or pass --sp-metadata.');
    }

    let delivery: SpDelivery | undefined;
    let id: string | undefined;
    let target: { name: string; baseUrl: string } | undefined;
    if (kind === 'saml') {
      const deliveryPick = pick('delivery');
      if (given(deliveryPick) && deliveryPick.value !== 'manual') {
        error('sp.delivery', deliveryPick.origin, `'${deliveryPick.value}' is not a delivery of a SAML SP known from its metadata`, 'It is delivered by hand (the IdP metadata is saved for upload): leave --delivery out.');
      }
      const flagFile = inputs.flags.metadataFile;
      // The flag is checked by the same rule as the file's value (the schema checked that one).
      const flagProblem = flagFile === undefined ? undefined : checkSetting('sp.metadataFile', flagFile);
      if (flagProblem) error('sp.metadataFile', '--metadata-file', flagProblem);
      const fileValue = file.refused('sp.metadataFile') ? undefined : raw.sp?.metadataFile;
      orgSources['sp.metadataFile'] = flagFile !== undefined ? 'flag' : fileValue !== undefined ? 'file' : 'default';
      if (facts && !flagProblem) {
        const name = spHost(facts);
        id = facts.entityId;
        target = { name, baseUrl: new URL(facts.acsUrl).origin };
        delivery = { kind: 'manual', metadataFile: flagFile ?? fileValue ?? `idp-metadata-${name.replace(/[^A-Za-z0-9.-]+/g, '-')}.xml` };
      }
    } else {
      for (const name of ['delivery', 'metadataFile'] as const) {
        const p = pick(name);
        if (given(p)) error(INPUTS[name].path, p.origin, 'is not a setting of a Polis target', "Polis is pushed to through its connection API: leave it out.");
      }
      const urlPick = pick('polisUrl');
      const tenant = pick('polisTenant');
      const product = pick('polisProduct');
      for (const [p, field, env] of [[urlPick, 'polis.url', ENV.polisUrl], [tenant, 'polis.tenant', ENV.polisTenant], [product, 'polis.product', ENV.polisProduct]] as const) {
        orgSources[field] = given(p) ? p.source : 'default';
        if (p === 'absent') error(field, 'missing', `${field} is not set`, `Set ${env}, or ${field} in ${fileName}.`);
      }
      const envRedirect = inputs.env[ENV.polisRedirectUrl];
      let redirectUrls: string[] | undefined;
      if (envRedirect) {
        const problem = checkSetting('polis.redirectUrls', [envRedirect]);
        if (problem) error('polis.redirectUrls', `env ${ENV.polisRedirectUrl}`, problem);
        else redirectUrls = [envRedirect];
      } else if (!file.refused('polis.redirectUrls') && raw.polis?.redirectUrls) {
        redirectUrls = raw.polis.redirectUrls;
      } else if (!file.refused('polis.redirectUrls')) {
        error('polis.redirectUrls', 'missing', "Polis needs the app's OAuth redirect URLs", `Set polis.redirectUrls in ${fileName} (the first is the default), or ${ENV.polisRedirectUrl}.`);
      }
      const apiKey = envSecret(inputs, ENV.polisApiKey, error, 'polis.apiKey');
      orgSources['polis.apiKey'] = given(apiKey) ? apiKey.source : 'default';
      if (apiKey === 'absent') error('polis.apiKey', 'missing', "Polis's API key is not set", `Set ${ENV.polisApiKey} to one of the keys in Polis's JACKSON_API_KEYS.`);
      if (given(urlPick) && given(tenant) && given(product) && redirectUrls && given(apiKey)) {
        id = `${tenant.value}/${product.value}`;
        const url = new URL(urlPick.value).origin;
        target = { name: 'Polis', baseUrl: url };
        delivery = { kind: 'polis', url, apiKey: apiKey.value, tenant: tenant.value, product: product.value, redirectUrls };
      }
    }
    if (!facts || !delivery || !id || !target) return undefined;

    const nameIdFormat = spNameIdFormat(facts);
    const namePick = pick('appName');
    orgSources['application.name'] = given(namePick) ? namePick.source : 'default';
    const name = given(namePick) ? namePick.value : kind === 'polis' ? `Polis SSO (${id})` : `${target.name} SSO`;
    const defaults: SamlSettings = {
      ...defaultSamlSettings(facts),
      callbacks: [...new Set([facts.acsUrl, ...facts.acsUrls])],
      nameIdentifierFormat: nameIdFormat,
      // A persistent NameID must not change with the user's email: the user ID (the email stays an attribute).
      ...(nameIdFormat === PERSISTENT_FORMAT ? { nameIdentifierProbes: [USER_ID_CLAIM] } : {}),
      // An SP that signs its requests: Auth0 then refuses unsigned or forged ones.
      ...(facts.requestSigningCertificate ? { signingCert: facts.requestSigningCertificate } : {}),
    };
    const saml = file.refused('saml.callbacks') ? undefined : resolveSaml(raw.saml, defaults, fileName, diagnostics, undefined, { name: target.name, nameIdFormat, facts });
    if (!saml) return undefined;
    if (sharedConnections) orgSources['application.connections'] = connectionsSource!;
    return {
      sp: { kind, id, name: target.name, baseUrl: target.baseUrl, entityId: facts.entityId, acsUrl: facts.acsUrl, nameIdFormat, delivery, metadata: facts },
      application: { name, ...(sharedConnections ? { connections: sharedConnections } : {}) },
      saml,
    };
  };

  const kind = targetKind(inputs.flags, raw);
  const list = kind !== 'amplitude' ? undefined : file.refused('amplitude.orgs') ? 'invalid' : raw.amplitude?.orgs;
  const resolved: { org: ResolvedOrg; sources: Record<string, ValueSource> }[] = [];
  let complete = true;
  if (kind !== 'amplitude') {
    const orgSources: Record<string, ValueSource> = { ...sources };
    const org = resolveOtherSp(kind, orgSources);
    if (org) resolved.push({ org, sources: orgSources });
    else complete = false;
  } else if (list === 'invalid') {
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
      if (org.sp.delivery.kind === 'manual') {
        const target = org.sp.delivery.metadataFile;
        const other = files.get(target);
        if (other) error(`${path}.metadataFile`, `${fileName} ${path}`, `org ${org.sp.id} would save its metadata to ${target}, as org ${other} does`, 'Give each org its own metadataFile.');
        else files.set(target, org.sp.id);
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

type ResolvedOrg = Pick<ResolvedConfig, 'sp' | 'application' | 'saml'>;

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

/** The SP a generic or Polis target's SAML settings are checked against. */
interface SamlTarget {
  name: string;
  nameIdFormat: string;
  facts: SpMetadataFacts;
}

/**
 * The SAML addon settings: the file's values (the schema checked their shapes) over the SP's defaults
 * (Amplitude's, or those its metadata gives: `other`).
 */
function resolveSaml(
  raw: Partial<SamlSettings> | undefined,
  defaults: SamlSettings,
  fileName: string,
  diagnostics: ConfigDiagnostic[],
  forOrg?: string,
  other?: SamlTarget,
): SamlSettings | undefined {
  const s: SamlSettings = { ...defaults, ...(raw ?? {}) };
  const spName = other ? other.name : 'Amplitude';
  if (!s.callbacks.includes(defaults.recipient)) {
    diagnostics.push({
      severity: 'error',
      field: 'saml.callbacks',
      origin: `${fileName} saml.callbacks`,
      message: `must include ${spName}'s ACS ${defaults.recipient}${forOrg ? ` (${forOrg}; saml applies to every org of amplitude.orgs)` : ''}`,
      hint: 'Auth0 refuses SAML requests whose ACS is not an allowed callback.',
    });
    return undefined;
  }
  if (s.signatureAlgorithm === 'rsa-sha1' || s.digestAlgorithm === 'sha1') {
    diagnostics.push({ severity: 'warning', field: 'saml.signatureAlgorithm', origin: `${fileName} saml`, message: 'SHA-1 signatures are weak', hint: "Use 'rsa-sha256' and 'sha256'." });
  }
  if (!other && s.nameIdentifierFormat !== EMAIL_ADDRESS_FORMAT) {
    diagnostics.push({ severity: 'warning', field: 'saml.nameIdentifierFormat', origin: `${fileName} saml.nameIdentifierFormat`, message: 'Amplitude expects the NameID to be the email in emailAddress format', hint: `Remove it to use ${EMAIL_ADDRESS_FORMAT}.` });
  }
  if (other && other.facts.nameIdFormats.length > 0 && !other.facts.nameIdFormats.includes(s.nameIdentifierFormat) && !other.facts.nameIdFormats.includes(UNSPECIFIED_FORMAT)) {
    diagnostics.push({
      severity: 'warning',
      field: 'saml.nameIdentifierFormat',
      origin: `${fileName} saml.nameIdentifierFormat`,
      message: `${other.name}'s metadata lists NameID formats ${other.facts.nameIdFormats.join(', ')}, not ${s.nameIdentifierFormat}`,
      hint: `Remove it to use ${other.nameIdFormat}.`,
    });
  }
  // Auth0 signs either the assertion (the default) or the response (signResponse): an SP that wants signed assertions refuses the latter.
  if (other?.facts.wantAssertionsSigned === true && s.signResponse) {
    diagnostics.push({
      severity: 'error',
      field: 'saml.signResponse',
      origin: `${fileName} saml.signResponse`,
      message: `${other.name}'s metadata sets WantAssertionsSigned, and signResponse true makes Auth0 sign the response instead of the assertion`,
      hint: 'Remove saml.signResponse (Auth0 then signs the assertion).',
    });
    return undefined;
  }
  return s;
}

/** The SP's name in messages: the host of its entity ID when that is a URL, else of its ACS. */
function spHost(facts: SpMetadataFacts): string {
  try {
    const host = new URL(facts.entityId).host;
    if (host) return host;
  } catch {
    // A URN entity ID: named by the ACS.
  }
  return new URL(facts.acsUrl).host;
}

/**
 * The NameID format to send: emailAddress when the SP lists it or states no need (none listed, or only
 * `unspecified`, which accepts any), else the first it lists (Auth0 offers emailAddress, persistent, transient).
 */
function spNameIdFormat(facts: SpMetadataFacts): string {
  const needs = facts.nameIdFormats.filter((f) => f !== UNSPECIFIED_FORMAT);
  if (needs.length === 0 || needs.includes(EMAIL_ADDRESS_FORMAT)) return EMAIL_ADDRESS_FORMAT;
  return needs[0]!;
}

const UNSPECIFIED_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';

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
  const parsed = parseConfigText(file.text);
  if (!parsed.ok) {
    if (parsed.problem === 'json') err('(file)', file.path, `is not valid JSON: ${parsed.message}`, 'Fix the JSON syntax (sso-setup.json is plain JSON, no comments).');
    else err('(file)', file.path, 'must hold a JSON object', 'See the example config in the README.');
    return { raw: {}, refused };
  }
  const data = parsed.data;
  for (const problem of checkConfigObject(data)) {
    invalid.add(problem.field);
    err(problem.field, problem.kind === 'bad-value' ? `${file.path} ${problem.field}` : file.path, problem.message, problem.hint);
  }
  return { raw: data, refused };
}

/** The config file's text as a JSON object (not yet checked by the schema). One byte order mark is allowed. */
function parseConfigText(text: string): { ok: true; data: RawConfig } | { ok: false; problem: 'json' | 'not-object'; message: string } {
  let data: unknown;
  try {
    data = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    return { ok: false, problem: 'json', message: (e as Error).message };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { ok: false, problem: 'not-object', message: 'not an object' };
  return { ok: true, data: data as RawConfig };
}
