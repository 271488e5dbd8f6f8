/**
 * What the emulated org shows a browser: the success and failure pages of the ACS, a home page, and
 * the SP metadata document. Pure string building; every value is escaped.
 */
import { escapeHtml } from '../http-kit.js';
import type { SpSession } from '../types.js';
import { NAMEID_EMAIL } from './amplitude-rules.js';
import type { Rejection } from './rejection.js';
import type { SpIdentity, SsoState } from './settings.js';

/** True when the Accept header ranks application/json above text/html (a tie goes to HTML). */
export function prefersJson(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranges = accept.split(',').map((part) => {
    const [range = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    const quality = q ? Number(q.slice(2)) : 1;
    return { range, q: Number.isFinite(quality) ? quality : 0 };
  });
  const quality = (type: string): number => {
    const [major] = type.split('/');
    const exact = ranges.find((r) => r.range === type);
    if (exact) return exact.q;
    const wild = ranges.find((r) => r.range === `${major}/*`);
    if (wild) return wild.q;
    return ranges.find((r) => r.range === '*/*')?.q ?? 0;
  };
  return quality('application/json') > quality('text/html');
}

export function signedInPage(session: SpSession): string {
  return page(
    'Signed in',
    `<h1>Signed in to Amplitude (sandbox) as ${escapeHtml(session.email)}</h1>
<p>NameID <code>${escapeHtml(session.nameId)}</code> (${escapeHtml(session.nameIdFormat)}), issued by <code>${escapeHtml(session.issuer)}</code>.</p>
<p><a href="/">Home</a></p>`,
  );
}

export function failurePage(title: string, r: Rejection): string {
  return page(
    title,
    `<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(r.message)}</p>
${r.hint ? `<p>${escapeHtml(r.hint)}</p>` : ''}
<p>Error code: <code>${escapeHtml(r.code)}</code></p>`,
  );
}

export function homePage(sp: SpIdentity, loginUrl: string, state: SsoState | undefined, signedInAs: string | undefined): string {
  const sso = state
    ? `<p>SSO is configured with <code>${escapeHtml(state.settings.idpEntityId)}</code> (${escapeHtml(state.settings.identityProvider)}). <a href="${escapeHtml(loginUrl)}">Sign in with SSO</a></p>`
    : '<p>SSO is not configured: upload IdP metadata through the SSO settings endpoint.</p>';
  return page(
    'Amplitude (sandbox)',
    `<h1>Amplitude (sandbox) org ${escapeHtml(sp.orgId)}</h1>
${signedInAs ? `<p>Signed in as ${escapeHtml(signedInAs)}.</p>` : ''}
<dl><dt>Entity ID</dt><dd><code>${escapeHtml(sp.entityId)}</code></dd><dt>ACS URL</dt><dd><code>${escapeHtml(sp.acsUrl)}</code></dd></dl>
${sso}`,
  );
}

/**
 * SP metadata for the org. The real https://amplitude.com/saml/2/metadata/{org} is not known to
 * serve metadata; this is a convenience for IdPs that import SP metadata.
 */
export function spMetadataXml(sp: SpIdentity): string {
  const attr = (v: string) => escapeHtml(v);
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${attr(sp.entityId)}">
  <md:SPSSODescriptor AuthnRequestsSigned="false" WantAssertionsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:NameIDFormat>${NAMEID_EMAIL}</md:NameIDFormat>
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${attr(sp.acsUrl)}" index="0" isDefault="true"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
`;
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · Amplitude (sandbox)</title></head>
<body>
${body}
</body></html>
`;
}
