/**
 * The config file `init` leaves behind for CI to replay: every answer except secrets.
 */
import { DEFAULT_AMPLITUDE_BASE_URL as DEFAULT_BASE_URL, DEFAULT_APP_NAME } from './resolve.js';
import type { RawConfig, RawOrg } from './types.js';

export const CONFIG_SCHEMA_REF = './node_modules/sso-setup/schema/sso-setup.schema.json';

export interface SetupAnswers {
  domain: string;
  customDomain?: string;
  clientId: string;
  orgId: string;
  baseUrl: string;
  delivery: 'endpoint' | 'manual';
  ssoEndpoint?: string;
  metadataFile?: string;
  appName: string;
  /** The connections the application is enabled on, exactly; absent: left alone. */
  connections?: string[];
}

export function configFileFor(answers: SetupAnswers, previous: RawConfig = {}): RawConfig {
  if (previous.amplitude?.orgs) return listFileFor(answers, previous);
  const amplitude: NonNullable<RawConfig['amplitude']> = { orgId: answers.orgId, delivery: answers.delivery };
  if (answers.baseUrl !== DEFAULT_BASE_URL) amplitude.baseUrl = answers.baseUrl;
  if (answers.delivery === 'endpoint' && answers.ssoEndpoint) amplitude.ssoEndpoint = answers.ssoEndpoint;
  if (answers.delivery === 'manual' && answers.metadataFile) amplitude.metadataFile = answers.metadataFile;
  return {
    $schema: previous.$schema ?? CONFIG_SCHEMA_REF,
    auth0: auth0Section(answers),
    amplitude,
    application: { name: answers.appName, ...(answers.connections?.length ? { connections: answers.connections } : {}) },
    // SAML settings are not asked by the wizard; keep any the file already had.
    ...(previous.saml ? { saml: previous.saml } : {}),
  };
}

function auth0Section(answers: SetupAnswers): NonNullable<RawConfig['auth0']> {
  return { domain: answers.domain, ...(answers.customDomain ? { customDomain: answers.customDomain } : {}), clientId: answers.clientId };
}

/** The org IDs of a list config (`amplitude.orgs`), in file order; undefined for the one-org form. */
export function listedOrgIds(config: RawConfig | undefined): string[] | undefined {
  const orgs = config?.amplitude?.orgs;
  return Array.isArray(orgs) ? orgs.map((o) => o.orgId) : undefined;
}

/**
 * One org of a list config seen as the one-org form, with the list's defaults filled in the way
 * apply resolves them (base URL, delivery, the application's name "<name> (<orgId>)", connections),
 * so the wizard's defaults and its plan match what `apply` will do for that org. An org ID the list
 * lacks gets the list's defaults only.
 */
export function orgView(config: RawConfig, orgId: string | undefined): RawConfig {
  const list = config.amplitude ?? {};
  const entry = (list.orgs ?? []).find((o) => o.orgId === orgId);
  const endpoint = entry?.ssoEndpoint;
  const delivery = entry?.delivery ?? list.delivery ?? (endpoint ? 'endpoint' : undefined);
  const connections = entry?.connections ?? config.application?.connections;
  return {
    ...(config.$schema ? { $schema: config.$schema } : {}),
    ...(config.auth0 ? { auth0: config.auth0 } : {}),
    amplitude: {
      ...(orgId ? { orgId } : {}),
      baseUrl: entry?.baseUrl ?? list.baseUrl ?? DEFAULT_BASE_URL,
      ...(delivery ? { delivery } : {}),
      ...(endpoint ? { ssoEndpoint: endpoint } : {}),
      ...(entry?.metadataFile ? { metadataFile: entry.metadataFile } : {}),
    },
    application: {
      name: entry?.name ?? `${config.application?.name ?? DEFAULT_APP_NAME} (${orgId ?? 'org'})`,
      ...(connections ? { connections } : {}),
    },
    ...(config.saml ? { saml: config.saml } : {}),
  };
}

/**
 * The list config with the answered org's entry replaced (or added at the end): only what differs
 * from the list's defaults is written into the entry; the other entries and shared settings stay.
 */
function listFileFor(answers: SetupAnswers, previous: RawConfig): RawConfig {
  const list = previous.amplitude!;
  const shared = previous.application ?? {};
  const entry: RawOrg = { orgId: answers.orgId };
  if (answers.baseUrl !== (list.baseUrl ?? DEFAULT_BASE_URL)) entry.baseUrl = answers.baseUrl;
  if (answers.delivery !== list.delivery) entry.delivery = answers.delivery;
  if (answers.delivery === 'endpoint' && answers.ssoEndpoint) entry.ssoEndpoint = answers.ssoEndpoint;
  if (answers.delivery === 'manual' && answers.metadataFile) entry.metadataFile = answers.metadataFile;
  if (answers.appName !== `${shared.name ?? DEFAULT_APP_NAME} (${answers.orgId})`) entry.name = answers.appName;
  if (answers.connections?.length && !sameList(answers.connections, shared.connections)) entry.connections = answers.connections;
  const orgs = list.orgs!;
  const at = orgs.findIndex((o) => o.orgId === answers.orgId);
  return {
    ...previous,
    $schema: previous.$schema ?? CONFIG_SCHEMA_REF,
    auth0: auth0Section(answers),
    amplitude: { ...list, orgs: at < 0 ? [...orgs, entry] : orgs.map((o, i) => (i === at ? entry : o)) },
  };
}

function sameList(a: readonly string[], b: readonly string[] | undefined): boolean {
  return b !== undefined && a.length === b.length && a.every((x) => b.includes(x));
}
