/**
 * Many orgs against one Auth0 tenant: what they share and how they are run together.
 *
 * - One token, one client listing, one signing-key read and one connection listing per run:
 *   `shareTenant` gives each org an `IdpAdmin` view whose `connect`, first listing, `signingKeys` and
 *   `listConnections` are the run's single requests.
 * - Later listings (after a create, and at the end of a run that changed something: how overlapping
 *   runs are told apart, ./overlapping-runs.ts) are coalesced: a listing starts once every org still
 *   running is waiting for one (or has finished), and answers all of them. A fleet of N orgs makes a
 *   handful of listings, not 2N, and every org still gets a listing taken after its own writes.
 * - The orgs run concurrently, at most `concurrency` at a time (the pace is the tenant's rate
 *   limit, not CPU: src/http/rate-limiter.ts), and each ends in its own outcome: one org's failure
 *   never stops the others.
 * - Which orgs a run handles: `selectOrgs` (`--only`, `--shard K/N`).
 *
 * The rest of the core (apply, verify, destroy) is written for one org and knows nothing of this.
 */
import { createHash } from 'node:crypto';
import type { ResolvedConfig } from '../config/types.js';
import { SsoError, usageError } from '../errors.js';
import type { Auth0Client, IdpAdmin, IdpSession, SigningKeyInfo } from './ports.js';

/** What a fleet run shares, and how each org gets its view of the tenant. */
export interface SharedTenant {
  /** The run's one token request (memoised). */
  session(): Promise<IdpSession>;
  /**
   * An `IdpAdmin` for one org; `leave()` when the org is done, so coalesced listings stop waiting for
   * it. Its first listing is the run's shared one, unless `fresh` (a second pass over the orgs, e.g.
   * destroy's after the confirmation: every listing then is taken anew).
   */
  join(opts?: { fresh?: boolean }): { idp: IdpAdmin; leave(): void };
  /** Requests made for listings and signing keys, for the bench and `--verbose`. */
  readonly counts: { listings: number; signingKeyReads: number };
}

export function shareTenant(idp: IdpAdmin): SharedTenant {
  const once = <T>(fn: () => Promise<T>) => {
    let p: Promise<T> | undefined;
    return () => (p ??= fn());
  };
  const counts = { listings: 0, signingKeyReads: 0 };
  const list = () => {
    counts.listings++;
    return idp.listClients();
  };
  const session = once(() => idp.connect());
  const firstListing = once(list);
  const keys = once(() => {
    counts.signingKeyReads++;
    return idp.signingKeys();
  });
  // The tenant's connections are the same for every org (each org's application has its own).
  const connections = once(() => idp.listConnections());

  // Coalesced later listings: a barrier over the orgs still running.
  let active = 0;
  let waiting: { resolve: (c: Auth0Client[]) => void; reject: (e: unknown) => void }[] = [];
  const maybeList = () => {
    if (!waiting.length || waiting.length < active) return;
    const batch = waiting;
    waiting = [];
    list().then(
      (clients) => batch.forEach((w) => w.resolve(clients)),
      (error: unknown) => batch.forEach((w) => w.reject(error)),
    );
  };
  const relist = () => {
    const listing = new Promise<Auth0Client[]>((resolve, reject) => {
      waiting.push({ resolve, reject });
      maybeList();
    });
    // An org that failed meanwhile no longer awaits its listing: its failure is not unhandled.
    listing.catch(() => undefined);
    return listing;
  };

  return {
    session,
    counts,
    join(opts = {}) {
      active++;
      let first = !opts.fresh;
      let left = false;
      const listClients = () => {
        if (first) {
          first = false;
          return firstListing();
        }
        return relist();
      };
      const view: IdpAdmin = {
        connect: session,
        listClients,
        async findClientsByMarker(key, value) {
          return (await listClients()).filter((c) => c.client_metadata?.[key] === value);
        },
        getClient: (id) => idp.getClient(id),
        createClient: (body) => idp.createClient(body),
        updateClient: (id, patch) => idp.updateClient(id, patch),
        deleteClient: (id) => idp.deleteClient(id),
        metadataUrl: (id) => idp.metadataUrl(id),
        downloadMetadata: (id) => idp.downloadMetadata(id),
        signingKeys: keys,
        listConnections: connections,
        connectionsOf: (id) => idp.connectionsOf(id),
        setConnectionEnabled: (connectionId, id, enabled) => idp.setConnectionEnabled(connectionId, id, enabled),
        rotateSigningKey: () => idp.rotateSigningKey(),
      };
      return {
        idp: view,
        leave() {
          if (left) return;
          left = true;
          active--;
          maybeList();
        },
      };
    },
  };
}

/** One org's outcome: its value, or the error that stopped it (the others go on). */
export type OrgOutcome<T> = { orgId: string; ok: true; value: T } | { orgId: string; ok: false; error: SsoError };

/**
 * Runs `work` for every org, at most `concurrency` at once, each with its own view of the shared
 * tenant. Outcomes come back in the orgs' order.
 */
export async function forEachOrg<T>(
  orgs: ResolvedConfig[],
  tenant: SharedTenant,
  concurrency: number,
  work: (org: ResolvedConfig, idp: IdpAdmin) => Promise<T>,
  opts: { fresh?: boolean } = {},
): Promise<OrgOutcome<T>[]> {
  const outcomes: OrgOutcome<T>[] = new Array(orgs.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < orgs.length; i = next++) {
      const org = orgs[i]!;
      const { idp, leave } = tenant.join(opts);
      try {
        outcomes[i] = { orgId: org.sp.id, ok: true, value: await work(org, idp) };
      } catch (error) {
        outcomes[i] = { orgId: org.sp.id, ok: false, error: asSsoError(error) };
      } finally {
        leave();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, orgs.length)) }, worker));
  return outcomes;
}

function asSsoError(error: unknown): SsoError {
  if (error instanceof SsoError) return error;
  return new SsoError('UNEXPECTED', error instanceof Error ? error.message : String(error), { hint: 'A bug in sso-setup; run with --verbose.', cause: error });
}

/** `--shard K/N`: this runner's share of the orgs. */
export interface Shard {
  index: number;
  count: number;
}

/**
 * The shard an org belongs to, 1..count: the first 4 bytes of the SHA-256 of its org ID (as
 * written, e.g. "123456"), as an unsigned big-endian number, modulo count, plus one. Depends on
 * nothing but the org ID and N: adding or removing other orgs never moves an org to another shard.
 */
export function shardOf(orgId: string, count: number): number {
  return (createHash('sha256').update(orgId, 'utf8').digest().readUInt32BE(0) % count) + 1;
}

/**
 * The orgs this run handles: those named by `--only` (each must be configured: a typo is an error,
 * not an empty run), then those of this shard.
 */
export function selectOrgs(orgs: ResolvedConfig[], selection: { only?: string[]; shard?: Shard }): ResolvedConfig[] {
  let chosen = orgs;
  if (selection.only?.length) {
    const known = new Set(orgs.map((o) => o.sp.id));
    const unknown = selection.only.filter((id) => !known.has(id));
    if (unknown.length) {
      throw usageError(
        'CONFIG_INVALID',
        `--only ${unknown.join(', ')}: not among the configured orgs`,
        `Configured: ${[...known].slice(0, 20).join(', ')}${known.size > 20 ? ', …' : ''}.`,
      );
    }
    const wanted = new Set(selection.only);
    chosen = chosen.filter((o) => wanted.has(o.sp.id));
  }
  const shard = selection.shard;
  if (shard) chosen = chosen.filter((o) => shardOf(o.sp.id, shard.count) === shard.index);
  return chosen;
}
