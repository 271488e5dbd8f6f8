/**
 * Amplitude's SAML service-provider identifiers. Documented for the US site only
 * (https://amplitude.com/saml/2/{metadata,acs}/{orgId}); other data centres are not documented, so
 * we build them from the base URL the user gives instead of guessing.
 */
export interface AmplitudeSp {
  orgId: string;
  baseUrl: string;
  /** SP entity ID, also the assertion Audience Amplitude expects. */
  entityId: string;
  /** Assertion Consumer Service URL. */
  acsUrl: string;
}

export function amplitudeSp(baseUrl: string, orgId: string): AmplitudeSp {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    orgId,
    baseUrl: base,
    entityId: `${base}/saml/2/metadata/${orgId}`,
    acsUrl: `${base}/saml/2/acs/${orgId}`,
  };
}

/**
 * Reads the org ID (and base URL) from an ACS or entity-ID URL pasted from Amplitude's SSO settings
 * ("You can find your org ID in Amplitude's SSO settings: it's at the end of the ACS URL").
 */
export function parseAmplitudeSpUrl(text: string): { orgId: string; baseUrl: string } | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  const m = /^\/saml\/2\/(?:acs|metadata)\/([A-Za-z0-9_-]+)\/?$/.exec(url.pathname);
  if (!m) return undefined;
  return { orgId: m[1]!, baseUrl: url.origin };
}
