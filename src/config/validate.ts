/**
 * Every setting's value is checked by one source of truth: the JSON Schema shipped in
 * `schema/sso-setup.schema.json` (what users' editors check `sso-setup.json` against). The build
 * compiles it to standalone code (src/config/generated/config-schema.js, ajv is not loaded at run
 * time); this module runs it on the config file, and on the values flags, environment variables and
 * the wizard give (placed at their path in an otherwise empty config), and turns its errors into
 * one-line problems: the field, and what is wrong with the value, in the words of the schema's
 * `errorMessage`. Rules that relate settings to each other stay in the resolver.
 */
import { validateConfig, validateHost, type SchemaError } from './generated/config-schema.js';
import { ENV } from './inputs.js';
import { quoted } from '../text.js';

export interface SchemaProblem {
  /** A key the schema does not declare, or a value it refuses. */
  kind: 'unknown-setting' | 'bad-value';
  /** Dotted path of the setting, e.g. `auth0.domain`, `saml.mappings.email`, `auth0.domian`. */
  field: string;
  message: string;
  hint?: string;
}

/** Settings that exist but are never read from the file (secrets). A Map: keys come from the file. */
const SECRET_SETTINGS: ReadonlyMap<string, string> = new Map([
  ['auth0.clientSecret', ENV.auth0ClientSecret],
  ['amplitude.ssoToken', ENV.amplitudeSsoToken],
  ['polis.apiKey', ENV.polisApiKey],
]);

/** Checks a parsed config object (the file, or one value placed at its path) against the schema. */
export function checkConfigObject(data: unknown): SchemaProblem[] {
  if (validateConfig(data)) return [];
  const errors = validateConfig.errors ?? [];
  const problems: SchemaProblem[] = [];
  const byPath = new Map<string, SchemaError[]>();
  for (const e of errors) {
    if (e.keyword === 'additionalProperties') {
      problems.push(unknownSetting(e));
      continue;
    }
    byPath.set(e.instancePath, [...(byPath.get(e.instancePath) ?? []), e]);
  }
  for (const [pointer, list] of byPath) problems.push({ kind: 'bad-value', field: fieldOf(pointer), message: describe(list) });
  return problems;
}

/** Checks one setting's value, e.g. a flag or an answer in the wizard; undefined when it is valid. */
export function checkSetting(path: string, value: unknown): string | undefined {
  const problems = checkConfigObject(placeAt(path, value));
  return problems.length ? problems.map((p) => p.message).join('; ') : undefined;
}

/**
 * Checks a host as `$defs/host` defines it (DNS rules, port 1-65535), for flags that take one;
 * undefined when it is valid.
 */
export function checkHost(value: string): string | undefined {
  if (validateHost(value)) return undefined;
  const errors = validateHost.errors ?? [];
  return errors.length ? describe(errors) : 'is not a host';
}

/** `{ auth0: { domain: value } }` for `auth0.domain`. */
export function placeAt(path: string, value: unknown): Record<string, unknown> {
  const keys = path.split('.');
  let node: unknown = value;
  for (const key of keys.reverse()) node = { [key]: node };
  return node as Record<string, unknown>;
}

/** One message for all errors at one place: the most telling one wins. */
function describe(list: SchemaError[]): string {
  const first = list[0]!;
  // anyOf/oneOf come after the alternatives' own errors and speak for all of them.
  const combined = list.find((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  if (combined) return `${shown(first.data)} ${annotation(combined) ?? 'has the wrong type'}`;
  const type = list.find((e) => e.keyword === 'type');
  if (type) return `must be ${typeWords(String(type.params.type))}${first.data === undefined ? '' : `, not ${jsonType(first.data)}`}`;
  const choice = list.find((e) => e.keyword === 'enum');
  if (choice) return `${shown(first.data)} is not one of ${(choice.params.allowedValues as unknown[]).map((v) => `'${String(v)}'`).join(', ')}`;
  if (first.data === '') return 'is empty';
  const message = annotation(first);
  if (message) return message.startsWith('must') ? `${shown(first.data)}: ${message}` : `${shown(first.data)} ${message}`;
  return `${shown(first.data)} ${first.message ?? 'is not valid'}`;
}

function unknownSetting(e: SchemaError): SchemaProblem {
  const key = String(e.params.additionalProperty);
  const parent = fieldOf(e.instancePath);
  const field = parent ? `${parent}.${key}` : key;
  // An org of amplitude.orgs has its own token variable; `ssoToken` in an entry is the same mistake.
  const secretEnv = SECRET_SETTINGS.get(field.replace(/^amplitude\.orgs\.\d+\./, 'amplitude.'));
  if (secretEnv) {
    return {
      kind: 'unknown-setting',
      field,
      message: 'secrets are not read from the config file',
      hint: `Set ${secretEnv} in the environment (or use the --…-file flag) and remove '${key}' from the file.`,
    };
  }
  const known = Object.keys((e.parentSchema?.properties as Record<string, unknown> | undefined) ?? {});
  return { kind: 'unknown-setting', field, message: `unknown setting ${quoted(field, 60)}`, hint: suggest(key, known) };
}

function annotation(e: SchemaError): string | undefined {
  const message = e.parentSchema?.errorMessage;
  return typeof message === 'string' ? message : undefined;
}

/** `/saml/mappings/email` → `saml.mappings.email` (JSON Pointer unescaped). */
function fieldOf(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function shown(value: unknown): string {
  return typeof value === 'string' ? quoted(value) : JSON.stringify(value) ?? String(value);
}

function typeWords(type: string): string {
  return { string: 'a string', object: 'an object', array: 'a list', integer: 'a whole number', number: 'a number', boolean: 'true or false' }[type] ?? type;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number') return Number.isInteger(value) ? 'a whole number' : 'a number';
  return String(typeof value);
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
