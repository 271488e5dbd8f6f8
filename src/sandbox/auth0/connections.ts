/**
 * Connections (the ways users sign in: a database, a social or enterprise identity provider) and
 * which applications each one is enabled for. Pure functions over plain JSON; the tenant holds
 * the records and the enabled-clients sets.
 *
 * Shapes and rules from recorded traffic (fixtures/conformance/auth0-connections-recorded.json,
 * go-auth0's cassettes of 2024-10 to 2025-06) and Auth0's API reference:
 * - a connection is `{id, options, strategy, name, is_domain_connection, realms}` in that order
 *   (`display_name`, `show_as_button` when set);
 * - `GET /connections` answers a bare array, `{total, start, limit, connections}` with
 *   `include_totals`, or `{connections, next?}` with checkpoint paging (`take`/`from`); a `fields`
 *   projection always keeps `is_domain_connection` (recorded);
 * - `options` is shown only to a token with `read:connections_options` (Auth0's 2025 deprecation of
 *   option access without it);
 * - `enabled_clients` is not part of a connection any more: Auth0 deprecated it on the connection
 *   endpoints in favour of `GET`/`PATCH /connections/{id}/clients`, and tenants created since
 *   2026-01-07 may not have it at all; the sandbox is such a tenant.
 */
import { ManagementApiError, payloadValidationError } from './api-errors.js';
import { cloneJson, isJsonObject, type FieldSelection, type JsonObject } from './clients.js';
import { randomString } from './identifiers.js';
import { checkpointPage, parseBoolean, parseInteger, splitList, unknownParameters } from './query.js';

/** The database connection every new tenant has, holding the sandbox user. */
export const DATABASE_CONNECTION = 'Username-Password-Authentication';

/** Connection ids are `con_` + 16 alphanumerics (`con_p11vGXNLwzTTMJaG`, recorded). */
export function newConnectionId(): string {
  return `con_${randomString(16)}`;
}

export const inexistentConnection = (): ManagementApiError =>
  new ManagementApiError(404, 'The connection does not exist', 'inexistent_connection');

/** Options of a database connection as Auth0 creates it (recorded create response, 2025). */
function databaseOptions(): JsonObject {
  return {
    mfa: { active: true, return_enroll_settings: true },
    passwordPolicy: 'good',
    strategy_version: 2,
    authentication_methods: { password: { enabled: true }, passkey: { enabled: false } },
    passkey_options: { challenge_ui: 'both', progressive_enrollment_enabled: true, local_enrollment_enabled: true },
    brute_force_protection: true,
  };
}

/** A connection record in Auth0's key order. Only `auth0` (database) connections hold users the sandbox can sign in. */
export function buildConnectionRecord(id: string, name: string, strategy: string): JsonObject {
  return {
    id,
    options: strategy === 'auth0' ? databaseOptions() : {},
    strategy,
    name,
    is_domain_connection: false,
    realms: [name],
  };
}

/** What a caller sees: `options` only with `read:connections_options`, then the `fields` projection. */
export function presentConnection(record: JsonObject, scopes: readonly string[], selection: FieldSelection = { includeFields: true }): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(cloneJson(record))) {
    if (key === 'options' && !scopes.includes('read:connections_options')) continue;
    if (selection.fields) {
      const listed = selection.fields.includes(key);
      if (selection.includeFields ? !listed && key !== 'is_domain_connection' : listed) continue;
    }
    out[key] = value;
  }
  return out;
}

export interface ConnectionListQuery {
  selection: FieldSelection;
  strategies?: string[];
  name?: string;
  /** Offset paging (`page`/`per_page`), with `include_totals` for the `{total, start, limit}` shape. */
  page?: number;
  perPage: number;
  includeTotals: boolean;
  checkpoint?: { from?: string; take: number };
}

const CONNECTION_LIST_PARAMETERS = new Set(['fields', 'include_fields', 'page', 'per_page', 'include_totals', 'from', 'take', 'strategy', 'name']);
const LIST_PAGE = { default: 50, max: 100 } as const;

/**
 * `GET /api/v2/connections`. The official SDK (v7) always sends `include_totals=true` with
 * `take`, which Auth0 accepts ("Not returned when using checkpoint pagination"); mixing `from`/`take`
 * with `page`/`per_page` is refused (the sandbox's rule; Auth0's answer is not recorded).
 */
export function parseConnectionListQuery(query: URLSearchParams): ConnectionListQuery | ManagementApiError {
  const unknown = unknownParameters(query, CONNECTION_LIST_PARAMETERS);
  if (unknown) return unknown;
  const page = parseInteger(query, 'page', 0);
  if (typeof page === 'object') return page;
  const perPage = parseInteger(query, 'per_page', 1, LIST_PAGE.max);
  if (typeof perPage === 'object') return perPage;
  const take = parseInteger(query, 'take', 1, LIST_PAGE.max);
  if (typeof take === 'object') return take;
  const includeTotals = parseBoolean(query, 'include_totals');
  if (typeof includeTotals === 'object') return includeTotals;
  const includeFields = parseBoolean(query, 'include_fields');
  if (typeof includeFields === 'object') return includeFields;
  const from = query.get('from');
  if ((take !== undefined || from !== null) && (page !== undefined || perPage !== undefined)) {
    return new ManagementApiError(400, 'The Auth0 sandbox does not combine checkpoint pagination (from/take) with page/per_page', 'invalid_query_string');
  }
  const out: ConnectionListQuery = { selection: selectionOf(query, includeFields), perPage: perPage ?? LIST_PAGE.default, includeTotals: includeTotals ?? false };
  if (page !== undefined) out.page = page;
  const strategies = query.getAll('strategy').flatMap(splitList);
  if (strategies.length) out.strategies = strategies;
  const name = query.get('name');
  if (name !== null) out.name = name;
  if (take !== undefined || from !== null) out.checkpoint = { take: take ?? LIST_PAGE.default, ...(from !== null ? { from } : {}) };
  return out;
}

/** Filters and pages connections (order: creation) into the body shape the query asks for. */
export function pageConnections(records: readonly JsonObject[], query: ConnectionListQuery, present: (r: JsonObject) => JsonObject): unknown {
  const matching = records.filter(
    (r) => (query.strategies === undefined || query.strategies.includes(String(r['strategy']))) && (query.name === undefined || r['name'] === query.name),
  );
  if (query.checkpoint) {
    const page = checkpointPage(matching, (r) => String(r['id']), query.checkpoint);
    return { connections: page.records.map(present), ...(page.next ? { next: page.next } : {}) };
  }
  const start = (query.page ?? 0) * query.perPage;
  const connections = matching.slice(start, start + query.perPage).map(present);
  return query.includeTotals ? { total: matching.length, start, limit: query.perPage, connections } : connections;
}

/**
 * `GET /connections/{id}/clients` (`take` 1-1000, default 50, and `from`: the API reference) and
 * `GET /clients/{id}/connections` (`take`, `from`, `strategy`, `fields`, `include_fields`).
 */
export function parseEnabledClientsQuery(query: URLSearchParams): { from?: string; take: number } | ManagementApiError {
  const unknown = unknownParameters(query, new Set(['take', 'from']));
  if (unknown) return unknown;
  const take = parseInteger(query, 'take', 1, 1000);
  if (typeof take === 'object') return take;
  const from = query.get('from');
  return { take: take ?? 50, ...(from !== null ? { from } : {}) };
}

export interface ClientConnectionsQuery {
  page: { from?: string; take: number };
  strategies?: string[];
  selection: FieldSelection;
}

export function parseClientConnectionsQuery(query: URLSearchParams): ClientConnectionsQuery | ManagementApiError {
  const unknown = unknownParameters(query, new Set(['take', 'from', 'strategy', 'fields', 'include_fields']));
  if (unknown) return unknown;
  const take = parseInteger(query, 'take', 1, LIST_PAGE.max);
  if (typeof take === 'object') return take;
  const includeFields = parseBoolean(query, 'include_fields');
  if (typeof includeFields === 'object') return includeFields;
  const from = query.get('from');
  const strategies = query.getAll('strategy').flatMap(splitList);
  return {
    page: { take: take ?? LIST_PAGE.default, ...(from !== null ? { from } : {}) },
    ...(strategies.length ? { strategies } : {}),
    selection: selectionOf(query, includeFields),
  };
}

function selectionOf(query: URLSearchParams, includeFields: boolean | undefined): FieldSelection {
  const fields = query.get('fields');
  return fields ? { fields: splitList(fields), includeFields: includeFields ?? true } : { includeFields: includeFields ?? true };
}

/** One change of `PATCH /connections/{id}/clients`. */
export interface EnabledClientChange {
  clientId: string;
  enabled: boolean;
}

/** Auth0: "Note that the limit per PATCH request is 50 clients" (API reference, SDK type docs). */
export const ENABLED_CLIENTS_PATCH_LIMIT = 50;

/**
 * Checks the body of `PATCH /connections/{id}/clients`: an array of `{client_id, status}` (the API
 * reference's `UpdateEnabledClientConnectionsRequestContent`), 1 to 50 items. Messages in the
 * format of Auth0's payload validator; their exact words for this endpoint are not recorded.
 */
export function parseEnabledClientsPatch(body: unknown): EnabledClientChange[] | ManagementApiError {
  if (!Array.isArray(body)) return payloadValidationError(`Expected type array but found type ${jsonType(body)}`);
  if (body.length === 0) return payloadValidationError('Array is too short (0), minimum 1');
  if (body.length > ENABLED_CLIENTS_PATCH_LIMIT) return payloadValidationError(`Array is too long (${body.length}), maximum ${ENABLED_CLIENTS_PATCH_LIMIT}`);
  const out: EnabledClientChange[] = [];
  for (const [i, item] of body.entries()) {
    if (!isJsonObject(item)) return payloadValidationError(`Expected type object but found type ${jsonType(item)}`, `[${i}]`);
    const extra = Object.keys(item).filter((k) => k !== 'client_id' && k !== 'status');
    if (extra.length) return payloadValidationError(`Additional properties not allowed: ${extra.join(',')}`, `[${i}]`);
    if (typeof item['client_id'] !== 'string') return payloadValidationError(`Missing required property: client_id`, `[${i}]`);
    if (typeof item['status'] !== 'boolean') return payloadValidationError(`Expected type boolean but found type ${jsonType(item['status'])}`, `[${i}].status`);
    out.push({ clientId: item['client_id'], enabled: item['status'] });
  }
  return out;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}
