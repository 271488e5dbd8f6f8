/**
 * The stable codes of the metadata checker. Users' scripts match on them (`--json`), the README lists
 * them, and a test keeps the two in step, so a code is never renamed: add a new one instead.
 * The checklist item (saml-metadata-checks.md §3) each code implements is noted beside it.
 */

/** How a finding affects the verdict: any error makes the document invalid; warnings never do. */
export type Severity = 'error' | 'warning';

export const FINDING_CODES = {
  // Input and encoding (items 2, 3)
  INPUT_EMPTY: 'error',
  INPUT_TOO_LARGE: 'error',
  INPUT_HTML: 'error',
  INPUT_JSON: 'error',
  INPUT_NOT_XML: 'error',
  XML_ENCODING_UNSUPPORTED: 'error',
  XML_INVALID_UTF8: 'error',
  // XML hardening and well-formedness (items 4, 5, 24, 25)
  XML_DOCTYPE_FORBIDDEN: 'error',
  XML_MALFORMED: 'error',
  XML_TRUNCATED: 'error',
  XML_MULTIPLE_ROOTS: 'error',
  XML_TOO_DEEP: 'error',
  XML_TOO_MANY_NODES: 'error',
  XML_UNDEFINED_ENTITY: 'error',
  XML_UNBOUND_PREFIX: 'error',
  XML_DUPLICATE_ID: 'error',
  XML_COMMENT_IN_VALUE: 'error',
  XML_PARSER_DIFFERENTIAL: 'error',
  // XML Schema (item 6)
  SCHEMA_INVALID: 'error',
  SCHEMA_EXTENSION_NOT_VALIDATED: 'warning',
  SCHEMA_CHECK_FAILED: 'error',
  // Document structure (items 7-9, 20)
  METADATA_WRONG_ROOT: 'error',
  METADATA_AGGREGATE: 'error',
  METADATA_NOT_IDP: 'error',
  IDP_ROLE_MISSING: 'error',
  IDP_ROLE_MULTIPLE: 'error',
  PROTOCOL_UNSUPPORTED: 'error',
  ENTITY_ID_MISSING: 'error',
  ENTITY_ID_INVALID: 'error',
  ENTITY_ID_MISMATCH: 'error',
  METADATA_EXPIRED: 'error',
  METADATA_VALID_UNTIL_INVALID: 'error',
  METADATA_CACHE_DURATION_INVALID: 'error',
  // Endpoints and name IDs (items 10-13)
  SSO_MISSING: 'error',
  SSO_LOCATION_INVALID: 'error',
  SSO_NOT_HTTPS: 'error',
  SSO_LOOPBACK_HTTP: 'warning',
  SSO_HOST_MISMATCH: 'error',
  SSO_BINDING_IGNORED: 'warning',
  SSO_REDIRECT_MISSING: 'warning',
  SLO_LOCATION_INVALID: 'warning',
  NAMEID_FORMAT_UNKNOWN: 'warning',
  NAMEID_FORMAT_UNLISTED: 'warning',
  NAMEID_FORMAT_NOT_OFFERED: 'error',
  WANT_AUTHN_REQUESTS_SIGNED_INVALID: 'error',
  // Keys and certificates (items 14-19)
  KEY_SIGNING_MISSING: 'error',
  KEY_USE_INVALID: 'error',
  KEY_DESCRIPTOR_NO_CERTIFICATE: 'warning',
  CERT_INVALID_BASE64: 'error',
  CERT_UNPARSABLE: 'error',
  CERT_EXPIRED: 'error',
  CERT_EXPIRED_ROTATION: 'warning',
  CERT_NOT_YET_VALID: 'error',
  CERT_EXPIRES_SOON: 'warning',
  CERT_KEY_TOO_SMALL: 'error',
  CERT_KEY_UNSUPPORTED: 'error',
  CERT_SIGNATURE_SHA1: 'warning',
  CERT_SIGNATURE_MD5: 'error',
  CERT_TOO_MANY: 'warning',
  // XML signature (items 21-23)
  SIGNATURE_MISSING: 'error',
  SIGNATURE_MULTIPLE: 'error',
  SIGNATURE_MISPLACED: 'error',
  SIGNATURE_MALFORMED: 'error',
  SIGNATURE_REFERENCE_INVALID: 'error',
  SIGNATURE_TRANSFORM_FORBIDDEN: 'error',
  SIGNATURE_ALGORITHM_FORBIDDEN: 'error',
  SIGNATURE_INVALID: 'error',
  SIGNATURE_TOO_COMPLEX: 'error',
  SIGNATURE_SIGNER_NOT_PINNED: 'warning',
  TRUSTED_CERT_INVALID: 'error',
  // SP metadata (`metadata check --role sp`, `apply --sp-metadata`)
  METADATA_NOT_SP: 'error',
  SP_ROLE_MISSING: 'error',
  SP_ROLE_MULTIPLE: 'error',
  ACS_MISSING: 'error',
  ACS_LOCATION_INVALID: 'error',
  ACS_NOT_HTTPS: 'error',
  ACS_LOOPBACK_HTTP: 'warning',
  ACS_BINDING_IGNORED: 'warning',
  ACS_INDEX_INVALID: 'error',
  ACS_DEFAULT_MULTIPLE: 'warning',
  AUTHN_REQUESTS_SIGNED_INVALID: 'error',
  WANT_ASSERTIONS_SIGNED_INVALID: 'error',
  SP_SIGNING_CERT_MISSING: 'error',
  SP_CERT_EXPIRED: 'warning',
  // The checker itself
  CHECK_INTERNAL_ERROR: 'error',
} as const satisfies Record<string, Severity>;

export type FindingCode = keyof typeof FINDING_CODES;

/** One problem found in a document: a stable code and a one-line message saying what and where. */
export interface Finding {
  code: FindingCode;
  message: string;
}

/** Collects findings in the order the checks run, split by severity. */
export class FindingList {
  readonly errors: Finding[] = [];
  readonly warnings: Finding[] = [];

  add(code: FindingCode, message: string): void {
    (FINDING_CODES[code] === 'error' ? this.errors : this.warnings).push({ code, message });
  }

  addAll(findings: readonly Finding[]): void {
    for (const f of findings) this.add(f.code, f.message);
  }
}
