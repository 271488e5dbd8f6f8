/**
 * `sandbox --tls`: a certificate authority made for this run and a server certificate it issues for
 * `localhost` (and 127.0.0.1, ::1), so clients that verify TLS (the CLI, the official Auth0 SDK,
 * any tool given NODE_EXTRA_CA_CERTS) reach the emulators over https. The CA's key never leaves
 * memory; a new CA is made on every start.
 *
 * Dates come from the process clock, not the tenant's `now` option: TLS clients judge certificates
 * by their own clock, and a test that moves the tenant's clock must not break the connection.
 */
import { generateKeyPairSync } from 'node:crypto';
import { issueSelfSigned } from './x509.js';
import type { TlsIdentity } from './http-kit.js';

/** The host name the sandbox's URLs use with TLS: covered by the certificate, and a loopback name. */
export const TLS_HOST = 'localhost';
const SUBJECT_ALT_NAMES = [TLS_HOST, '127.0.0.1', '::1'];
const DAY_MS = 86_400_000;

export interface SandboxCertificates {
  /** The CA certificate (PEM): what NODE_EXTRA_CA_CERTS points at. */
  caPem: string;
  /** The server's certificate chain and key. */
  server: TlsIdentity;
}

export function createSandboxCertificates(at: Date = new Date()): SandboxCertificates {
  const notBefore = new Date(at.getTime() - DAY_MS);
  const notAfter = new Date(at.getTime() + 365 * DAY_MS);
  const caKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const caName = `sso-setup sandbox CA ${at.toISOString().slice(0, 10)}`;
  const ca = issueSelfSigned({ commonName: caName, notBefore, notAfter, keys: caKeys, extensions: { ca: true, pathLength: 0, keyUsage: ['keyCertSign', 'cRLSign'] } });
  const server = issueSelfSigned({
    commonName: TLS_HOST,
    notBefore,
    notAfter,
    keyType: 'ec',
    issuer: { commonName: caName, ...caKeys },
    extensions: { ca: false, keyUsage: ['digitalSignature'], extendedKeyUsage: ['serverAuth'], subjectAltNames: SUBJECT_ALT_NAMES },
  });
  return { caPem: ca.certPem, server: { cert: server.certPem + ca.certPem, key: server.privateKeyPem } };
}
