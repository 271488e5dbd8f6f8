/**
 * Overlapping runs: two `apply` runs that start together (a push-triggered and a scheduled CI job)
 * both find no application and both create one. Every application sso-setup creates therefore
 * carries an origin record in `client_metadata` (when it was created, a fingerprint of the
 * configuration it was created from, and which run created it), and one ranking, the same for every
 * observer, says which of several marked applications is *the* one:
 *
 *   1. applications without an origin record (made by hand, or before sso-setup wrote one) first:
 *      sso-setup never created them, so it never prefers its own over them;
 *   2. then the earliest origin time;
 *   3. then the smaller client ID (a tie on the millisecond).
 *
 * A run that created an application re-lists the marked ones at once; if its own is not first, it
 * deletes its own (only its own) and carries on with the first. Two runs that see each other agree,
 * because they rank the same list the same way. A run that saw itself alone cannot lose to a later
 * creation as long as the racing machines' clocks agree to within a run's duration (seconds); and
 * every run that changed something re-lists once more at its end and yields if it is no longer first.
 *
 * What a killed racer leaves behind is repaired by the next run, which deletes a duplicate only when
 * it can prove it came from such a race: every marked application has an origin record, all from
 * the same configuration, all created within RACE_WINDOW_MS of each other. Anything else stays an
 * AUTH0_DUPLICATE_APPLICATION error for a person to look at. Pure functions only.
 */
import { createHash } from 'node:crypto';
import type { Auth0Client, ClientWrite } from './ports.js';

/** `client_metadata` key of the origin record (Auth0 allows 10 keys, string values of at most 255 characters). */
export const ORIGIN_KEY = 'sso_setup_origin';

/**
 * The longest time between two creations that a race can explain: each racer creates right after a
 * list that saw nothing, and the gap is at most one run's rate-limit waits and timeouts (minutes).
 */
export const RACE_WINDOW_MS = 10 * 60_000;

export interface Origin {
  /** When the creating run sent the create (its clock), ISO 8601 with milliseconds. */
  createdAt: string;
  createdAtMs: number;
  /** Fingerprint of the configuration the application was created from (16 hex digits). */
  config: string;
  /** Random ID of the run that created it (16 hex digits). */
  run: string;
}

const ORIGIN_PATTERN = /^v1 (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z) ([0-9a-f]{16}) ([0-9a-f]{16})$/;

/** `v1 <createdAt> <config> <run>`: about 60 characters, well inside Auth0's 255. */
export function formatOrigin(origin: Omit<Origin, 'createdAtMs'>): string {
  return `v1 ${origin.createdAt} ${origin.config} ${origin.run}`;
}

export function parseOrigin(value: unknown): Origin | undefined {
  if (typeof value !== 'string') return undefined;
  const m = ORIGIN_PATTERN.exec(value);
  if (!m) return undefined;
  const createdAtMs = Date.parse(m[1]!);
  if (Number.isNaN(createdAtMs)) return undefined;
  return { createdAt: m[1]!, createdAtMs, config: m[2]!, run: m[3]! };
}

export function originOf(client: Auth0Client): Origin | undefined {
  return parseOrigin(client.client_metadata?.[ORIGIN_KEY]);
}

/** Fingerprint of what a create sends, metadata aside: two runs of the same configuration agree on it. */
export function configFingerprint(body: ClientWrite): string {
  const { client_metadata: _metadata, ...rest } = body;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex').slice(0, 16);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The marked applications, the one to keep first (see the ranking above). */
export function rankMarked(clients: Auth0Client[]): Auth0Client[] {
  return [...clients].sort((a, b) => {
    const oa = originOf(a);
    const ob = originOf(b);
    if (!oa !== !ob) return oa ? 1 : -1;
    if (oa && ob && oa.createdAtMs !== ob.createdAtMs) return oa.createdAtMs - ob.createdAtMs;
    return a.client_id < b.client_id ? -1 : a.client_id > b.client_id ? 1 : 0;
  });
}

export type MarkedApplications =
  | { kind: 'none' }
  | { kind: 'one'; client: Auth0Client }
  /** Several, provably left by overlapping runs: keep `winner`, the others may be deleted. */
  | { kind: 'race'; winner: Auth0Client; duplicates: Auth0Client[] }
  /** Several, and nothing proves they are race duplicates: a person must decide. */
  | { kind: 'ambiguous'; clients: Auth0Client[]; reason: string };

/** What a run that created none of them may do with the marked applications it found. */
export function judgeMarked(clients: Auth0Client[]): MarkedApplications {
  if (clients.length === 0) return { kind: 'none' };
  if (clients.length === 1) return { kind: 'one', client: clients[0]! };
  const ranked = rankMarked(clients);
  const origins = ranked.map(originOf);
  const without = ranked.filter((_, i) => !origins[i]);
  if (without.length) {
    return { kind: 'ambiguous', clients: ranked, reason: `${ids(without)} ${without.length === 1 ? 'was' : 'were'} not created by sso-setup (no ${ORIGIN_KEY} record)` };
  }
  const known = origins as Origin[];
  if (new Set(known.map((o) => o.config)).size > 1) {
    return { kind: 'ambiguous', clients: ranked, reason: 'they were created from different configurations' };
  }
  const spread = known.at(-1)!.createdAtMs - known[0]!.createdAtMs;
  if (spread > RACE_WINDOW_MS) {
    return {
      kind: 'ambiguous',
      clients: ranked,
      reason: `they were created ${Math.round(spread / 60_000)} minutes apart, too far apart for overlapping runs`,
    };
  }
  return { kind: 'race', winner: ranked[0]!, duplicates: ranked.slice(1) };
}

function ids(clients: Auth0Client[]): string {
  return clients.map((c) => c.client_id).join(', ');
}
