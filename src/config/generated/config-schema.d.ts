/** Types of config-schema.js, which scripts/build.mjs generates from schema/sso-setup.schema.json. */
export interface SchemaError {
  /** JSON Pointer of the failing value, e.g. `/auth0/domain`. */
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message?: string;
  /** The failing subschema (the validator is compiled with `verbose`). */
  readonly parentSchema?: Readonly<Record<string, unknown>>;
  readonly data?: unknown;
}

export interface CompiledValidator {
  (data: unknown): boolean;
  errors?: SchemaError[] | null;
}

/** The whole config file. */
export declare const validateConfig: CompiledValidator;
/** `$defs/host`: a host name with an optional port (or a pasted https:// URL of it). */
export declare const validateHost: CompiledValidator;
