/**
 * The config file `init` leaves behind for CI to replay: every answer except secrets.
 */
import type { RawConfig } from './types.js';

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
  const amplitude: NonNullable<RawConfig['amplitude']> = { orgId: answers.orgId, delivery: answers.delivery };
  if (answers.baseUrl !== 'https://amplitude.com') amplitude.baseUrl = answers.baseUrl;
  if (answers.delivery === 'endpoint' && answers.ssoEndpoint) amplitude.ssoEndpoint = answers.ssoEndpoint;
  if (answers.delivery === 'manual' && answers.metadataFile) amplitude.metadataFile = answers.metadataFile;
  return {
    $schema: previous.$schema ?? CONFIG_SCHEMA_REF,
    auth0: { domain: answers.domain, ...(answers.customDomain ? { customDomain: answers.customDomain } : {}), clientId: answers.clientId },
    amplitude,
    application: { name: answers.appName, ...(answers.connections?.length ? { connections: answers.connections } : {}) },
    // SAML settings are not asked by the wizard; keep any the file already had.
    ...(previous.saml ? { saml: previous.saml } : {}),
  };
}
