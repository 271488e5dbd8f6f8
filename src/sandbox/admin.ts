/**
 * The sandbox's admin route, on each emulator: `GET /__sandbox/faults` reads the fault settings
 * and what was injected so far; `POST /__sandbox/faults` with `{"faults": "<spec>", "seed": N}`
 * replaces them (`{"faults": ""}` clears them, latency included). So a harness can inject faults,
 * clear them and re-run against the same tenant without writing its own sandbox.
 *
 * Guarded three ways: loopback clients only, a bearer token (`SANDBOX_ADMIN_TOKEN`, fresh on every
 * start, written to the env file with the other credentials), and strict input (unknown fields,
 * bad specs and bad seeds are 400s). It is answered before the fault injector and the rate limit,
 * so a sandbox stuck in "drop everything" can still be cleared.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, bearerToken, readBody, sameSecret, sendJson } from './http-kit.js';
import { parseFaultSpec, type FaultOptions, type Faults } from './faults.js';
import { sequentialRoundTrips, type RequestLog } from './request-log.js';

export const ADMIN_FAULTS_PATH = '/__sandbox/faults';
/** `GET`: every request the sandbox served (all its emulators) and their sequential round trips; `DELETE` clears the log. */
export const ADMIN_REQUESTS_PATH = '/__sandbox/requests';
const MAX_ADMIN_BODY_BYTES = 16 * 1024;

export interface AdminRoute {
  /** The bearer token the route requires; without one the route does not exist (404 like any unknown path). */
  token: string | undefined;
  faults: Faults;
  /** The sandbox's request log (shared by its emulators); every other request is recorded in it. */
  log?: RequestLog;
}

/** What the route shows: the settings in force and the counts of faults injected since the server started. */
export interface FaultsView {
  faults: FaultOptions;
  injected: Faults['injected'];
}

/** Answers the admin route; false when the request is for something else. */
export async function handleAdminRequest(req: IncomingMessage, res: ServerResponse, admin: AdminRoute): Promise<boolean> {
  const path = (req.url ?? '/').split('?')[0];
  const logPath = path === ADMIN_REQUESTS_PATH && admin.log !== undefined;
  if ((path !== ADMIN_FAULTS_PATH && !logPath) || admin.token === undefined) {
    admin.log?.track(req, res);
    return false;
  }
  const fail = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
    sendJson(res, status, { error: { code, message } }, { 'cache-control': 'no-store', ...headers });

  if (!isLoopbackAddress(req.socket.remoteAddress)) {
    fail(403, 'FORBIDDEN', 'the sandbox admin route answers loopback clients only');
    return true;
  }
  const token = bearerToken(req);
  if (token === undefined || !sameSecret(token, admin.token)) {
    fail(401, 'UNAUTHORIZED', 'send Authorization: Bearer <SANDBOX_ADMIN_TOKEN> (from the sandbox env file)', {
      'www-authenticate': 'Bearer realm="sso-setup-sandbox"',
    });
    return true;
  }
  if (logPath) {
    const log = admin.log!;
    if (req.method === 'GET') {
      const requests = log.entries();
      sendJson(res, 200, { requests, sequentialRoundTrips: sequentialRoundTrips(requests) }, { 'cache-control': 'no-store' });
    } else if (req.method === 'DELETE') {
      log.clear();
      res.writeHead(204, { 'cache-control': 'no-store' }).end();
    } else {
      fail(405, 'METHOD_NOT_ALLOWED', `${req.method ?? '?'} is not allowed here; use GET or DELETE`, { allow: 'GET, DELETE' });
    }
    return true;
  }
  if (req.method === 'GET') {
    sendJson(res, 200, view(admin.faults), { 'cache-control': 'no-store' });
    return true;
  }
  if (req.method !== 'POST') {
    fail(405, 'METHOD_NOT_ALLOWED', `${req.method ?? '?'} is not allowed here; use GET or POST`, { allow: 'GET, POST' });
    return true;
  }
  let parsed: { faults: FaultOptions } | { error: string };
  try {
    parsed = parseAdminBody(await readBody(req, MAX_ADMIN_BODY_BYTES));
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    parsed = { error: `the body is over ${MAX_ADMIN_BODY_BYTES} bytes` };
  }
  if ('error' in parsed) {
    fail(400, 'BAD_REQUEST', parsed.error);
    return true;
  }
  admin.faults.set(parsed.faults);
  sendJson(res, 200, view(admin.faults), { 'cache-control': 'no-store' });
  return true;
}

/** `{"faults": "<spec>", "seed": N}`: both fields optional, nothing else allowed. */
export function parseAdminBody(body: Buffer): { faults: FaultOptions } | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8') || '{}');
  } catch {
    return { error: 'the body is not JSON; send {"faults": "latency=200,429=3", "seed": 7}' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { error: 'the body must be a JSON object' };
  const fields = json as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((k) => k !== 'faults' && k !== 'seed');
  if (unknown.length) return { error: `unknown field(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')}; use "faults" and "seed"` };
  const spec = fields.faults ?? '';
  if (typeof spec !== 'string') return { error: '"faults" must be a string such as "latency=200,429=3" ("" clears every fault)' };
  let faults: FaultOptions;
  try {
    faults = parseFaultSpec(spec);
  } catch (error) {
    return { error: `"faults": ${(error as Error).message}` };
  }
  if (fields.seed !== undefined) {
    if (!Number.isSafeInteger(fields.seed) || (fields.seed as number) < 0) return { error: '"seed" must be a whole number >= 0' };
    faults.seed = fields.seed as number;
  }
  return { faults };
}

function view(faults: Faults): FaultsView {
  return { faults: { ...faults.options }, injected: { ...faults.injected } };
}

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.replace(/^::ffff:/i, '');
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}
