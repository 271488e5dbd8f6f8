/**
 * One undici Agent for the whole process: connections are reused across the Management API, the
 * metadata download and the SP endpoint. Imported lazily (undici costs start-up time), and never
 * installed as the global dispatcher, so Node's own fetch is untouched.
 */
import type { Dispatcher } from 'undici';

let shared: Dispatcher | undefined;

/** Connect timeout and idle keep-alive, in milliseconds. */
export const CONNECT_TIMEOUT_MS = 10_000;

export async function sharedDispatcher(): Promise<Dispatcher> {
  if (!shared) {
    const { Agent } = await import('undici');
    shared = new Agent({
      connect: { timeout: CONNECT_TIMEOUT_MS },
      keepAliveTimeout: 10_000,
      keepAliveMaxTimeout: 30_000,
      // Per-request deadlines are set by callers (AbortSignal); these are backstops.
      headersTimeout: 60_000,
      bodyTimeout: 60_000,
    });
  }
  return shared;
}

/** Closes pooled connections so a short-lived process (or a test) exits promptly. */
export async function closeSharedDispatcher(): Promise<void> {
  const d = shared;
  shared = undefined;
  if (d) await d.close();
}

/** Loopback hosts: the only place plain http is allowed (the sandbox). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
