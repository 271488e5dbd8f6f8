/**
 * One undici Agent for the whole process: connections are reused across the Management API, the
 * metadata download and the SP endpoint. Imported lazily (undici costs start-up time), and never
 * installed as the global dispatcher, so Node's own fetch is untouched.
 */
import type { Dispatcher } from 'undici';
import { useBaselineWasmCompiler } from '../wasm-tier.js';

let shared: Dispatcher | undefined;
/** Extra CA certificates (PEM) trusted on top of Node's own store: only `demo --tls` sets one. */
let extraCa: string[] = [];

/**
 * Trusts `pem` for this process's connections, besides the CAs Node trusts (its bundled roots and
 * NODE_EXTRA_CA_CERTS). Must be called before the first request: `demo --tls` trusts the CA of the
 * sandbox it just started, which a NODE_EXTRA_CA_CERTS set at start-up cannot name.
 */
export async function trustCertificateAuthority(pem: string): Promise<void> {
  if (shared) throw new Error('trustCertificateAuthority() must be called before the first request');
  extraCa = [...extraCa, pem];
}

/** Connect timeout and idle keep-alive, in milliseconds. */
export const CONNECT_TIMEOUT_MS = 10_000;

export async function sharedDispatcher(): Promise<Dispatcher> {
  if (!shared) {
    useBaselineWasmCompiler();
    const { Agent } = await import('undici');
    // Node's bundled roots plus ours (node:tls is read only here: it is not needed at start-up).
    const ca = extraCa.length ? { ca: [...process.getBuiltinModule('node:tls').rootCertificates, ...extraCa] } : {};
    shared = new Agent({
      connect: { timeout: CONNECT_TIMEOUT_MS, ...ca },
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
