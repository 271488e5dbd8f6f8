/**
 * Reads the SP metadata a generic or Polis target is described by (a file, stdin, or a URL; Polis serves
 * its own), checks it with the same hardened layer as `metadata check --role sp`, and reduces it to what
 * the IdP application needs. Loaded only for those targets.
 */
import type { SpMetadataSource } from '../config/resolve.js';
import type { SpMetadataFacts } from '../config/types.js';
import { EXIT, SsoError } from '../errors.js';
import { pemOf } from '../saml/certificate.js';
import { checkSpMetadata } from '../saml/check-sp-metadata.js';
import { escapeUnsafe } from '../text.js';
import { readSource } from './commands/metadata-check.js';
import type { Context } from './context.js';

const POST_BINDING = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

export async function loadSpMetadata(ctx: Context, source: SpMetadataSource): Promise<SpMetadataFacts> {
  const where = `${source.location} (${source.origin})`;
  let bytes: Uint8Array;
  try {
    bytes = await readSource(ctx, source.location);
  } catch (error) {
    if (error instanceof SsoError) {
      // Polis serves its metadata: not reaching it is not a usage error, and says which setting named it.
      throw new SsoError(error.code, `the SP metadata ${where}: ${error.message}`, { exit: error.exit, ...(error.hint ? { hint: error.hint } : {}), cause: error });
    }
    throw error;
  }
  // Metadata served over plain http on a loopback host is a local SP (the sandbox's Polis): its http ACS is expected.
  const local = /^http:\/\/(127\.\d+\.\d+\.\d+|localhost)(:\d+)?\//i.test(source.location);
  const report = await checkSpMetadata(bytes, { now: ctx.now(), warnDays: 30, schema: true, ...(local ? { loopbackHttp: 'accept' as const } : {}) });
  for (const w of report.warnings) ctx.io.stderr.write(`warning: the SP metadata ${escapeUnsafe(where)}: ${escapeUnsafe(w.message)}\n`);
  if (!report.valid || report.entityId === null || report.acs === null) {
    throw new SsoError('SP_METADATA_INVALID', `the SP metadata ${where} failed the checks: ${report.errors.map((e) => e.code).join(', ')}`, {
      exit: EXIT.usage,
      hint: `See why with: sso-setup metadata check --role sp ${source.location}`,
      details: { errors: report.errors },
      list: report.errors.map((e) => `${e.code}: ${e.message}`),
    });
  }
  return {
    source: source.location,
    entityId: report.entityId,
    acsUrl: report.acs,
    acsUrls: report.assertionConsumerServices.filter((a) => a.binding === POST_BINDING).map((a) => a.location),
    nameIdFormats: report.nameIdFormats,
    wantAssertionsSigned: report.wantAssertionsSigned,
    authnRequestsSigned: report.authnRequestsSigned,
    signingCertificates: report.certificates.map((c) => c.sha256),
    ...(report.authnRequestsSigned === true && report.certificates[0] ? { requestSigningCertificate: pemOf(report.certificates[0]) } : {}),
  };
}
