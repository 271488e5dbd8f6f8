/**
 * `sso-setup metadata check <file | https-url | ->`: reads the document (file, URL or stdin, each with
 * the same byte cap), runs the checker and prints the report. The verdict is the exit code: 0 valid
 * (warnings allowed), 1 invalid; problems with the command line itself (a missing file, a bad flag)
 * are usage errors, exit 2.
 */
import { open, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Context } from '../context.js';
import { EXIT, isSsoError, usageError, type ExitCode, type SsoError } from '../../errors.js';
import { quoted } from '../../text.js';
import { checkMetadata, DEFAULT_MAX_BYTES, type MetadataCheckOptions } from '../../saml/check-metadata.js';
import { parseTrustedCertificate } from '../../saml/certificate.js';

/** Flags as commander parses them (program.ts declares them). */
export interface MetadataCheckFlags {
  expectEntityId?: string;
  expectHost?: string;
  now?: Date;
  warnDays?: number;
  signingCert?: string;
  schema?: boolean;
  role?: 'idp' | 'sp';
}

/** A whole download, redirects included. */
export const DOWNLOAD_TIMEOUT_MS = 15_000;
/** A certificate file is a few KiB; anything far bigger is the wrong file. */
const MAX_CERT_FILE_BYTES = 64 * 1024;

export async function runMetadataCheck(ctx: Context, source: string, opts: Record<string, unknown>): Promise<ExitCode> {
  const flags = opts as MetadataCheckFlags;
  const expectHost = flags.expectHost === undefined ? undefined : await expectedHost(flags.expectHost);
  const trusted = flags.signingCert === undefined ? undefined : [await readSigningCertificate(ctx, flags.signingCert)];
  const input = await readSource(ctx, source);
  const options: MetadataCheckOptions = {
    now: flags.now ?? ctx.now(),
    warnDays: flags.warnDays ?? 30,
    schema: flags.schema === true,
    ...(flags.expectEntityId !== undefined ? { expectEntityId: flags.expectEntityId } : {}),
    ...(expectHost !== undefined ? { expectHost } : {}),
    ...(trusted ? { trustedCertificates: trusted } : {}),
  };
  if (flags.role === 'sp') {
    const { checkSpMetadata } = await import('../../saml/check-sp-metadata.js');
    const report = await checkSpMetadata(input, options);
    if (ctx.output.json) {
      ctx.io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      const { renderSpMetadataReport } = await import('../render/metadata-report.js');
      ctx.io.stdout.write(await renderSpMetadataReport(report, { color: ctx.output.color, warnDays: options.warnDays }));
    }
    return report.valid ? EXIT.ok : EXIT.failure;
  }
  const report = await checkMetadata(input, options);
  if (ctx.output.json) {
    ctx.io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const { renderMetadataReport } = await import('../render/metadata-report.js');
    ctx.io.stdout.write(await renderMetadataReport(report, { color: ctx.output.color, warnDays: options.warnDays }));
  }
  return report.valid ? EXIT.ok : EXIT.failure;
}

/**
 * `--expect-host`: a host, `host:port`, or an http(s) URL whose host is meant. Checked when read by
 * the config schema's host rule (DNS labels, port 1-65535), so a typo is a usage error (exit 2), not
 * a mismatch reported against every endpoint.
 */
async function expectedHost(value: string): Promise<string> {
  const invalid = (why: string) => usageError('USAGE_INVALID_ARGUMENT', `--expect-host ${why}`, 'Give the IdP host, e.g. acme.us.auth0.com, acme.us.auth0.com:443 or https://acme.us.auth0.com/.');
  let host = value;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw invalid(`${quoted(value)} is not a URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid(`${quoted(value)} is not an http(s) URL`);
    host = url.host;
  }
  // The compiled config schema loads only when this flag is used (start-up budget of `metadata check`).
  const { checkHost } = await import('../../config/validate.js');
  const problem = checkHost(host);
  if (problem) throw invalid(problem);
  return host.toLowerCase();
}

/**
 * The document's bytes, never more than the cap plus one byte: enough for the checker to say
 * "too large" without reading a huge file or an endless pipe.
 */
export async function readSource(ctx: Context, source: string): Promise<Uint8Array> {
  const limit = DEFAULT_MAX_BYTES + 1;
  if (source === '-') {
    if (ctx.io.isStdinTTY) {
      throw usageError('INPUT_NO_STDIN', "The source is '-' (stdin), but stdin is a terminal.", 'Pipe the document in, e.g. `curl -s <url> | sso-setup metadata check -`.');
    }
    return readStream(ctx.io.stdin, limit);
  }
  if (/^https?:\/\//i.test(source)) {
    const { downloadDocument } = await import('../../http/download.js');
    // Over the cap the download fails with its own code (DOWNLOAD_TOO_LARGE) before the body is read.
    const doc = await downloadDocument(source, { maxBytes: DEFAULT_MAX_BYTES, timeoutMs: DOWNLOAD_TIMEOUT_MS });
    return doc.bytes;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    throw usageError('URL_INVALID', `Unsupported URL scheme in ${source}.`, 'Pass an https:// URL, a file path, or - for stdin.');
  }
  return readFileCapped(resolve(ctx.cwd, source), source, limit);
}

async function readFileCapped(path: string, shown: string, limit: number): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(path, 'r');
    const info = await handle.stat();
    if (info.isDirectory()) throw usageError('INPUT_NOT_A_FILE', `${shown} is a directory, not a metadata file.`);
    const buffer = Buffer.alloc(Math.min(limit, Math.max(info.size, 0)) || limit);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return buffer.subarray(0, length);
  } catch (error) {
    throw fileError(error, shown, 'the metadata file');
  } finally {
    await handle?.close();
  }
}

async function readStream(stream: NodeJS.ReadableStream, limit: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    chunks.push(buffer);
    total += buffer.length;
    if (total >= limit) break;
  }
  return Buffer.concat(chunks, total).subarray(0, limit);
}

async function readSigningCertificate(ctx: Context, file: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(resolve(ctx.cwd, file));
  } catch (error) {
    throw fileError(error, file, 'the --signing-cert file');
  }
  if (bytes.length > MAX_CERT_FILE_BYTES) {
    throw usageError('SIGNING_CERT_INVALID', `--signing-cert ${file} is ${bytes.length} bytes; a certificate file is a few KiB.`, 'Pass the IdP signing certificate as a PEM or DER file.');
  }
  const parsed = parseTrustedCertificate(bytes);
  if (!parsed.ok) {
    throw usageError('SIGNING_CERT_INVALID', `--signing-cert ${file} ${parsed.message}.`, 'Pass the IdP signing certificate as a PEM or DER file.');
  }
  return parsed.certificate.base64;
}

function fileError(error: unknown, shown: string, what: string): SsoError {
  if (isSsoError(error)) return error;
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT') return usageError('INPUT_NOT_FOUND', `Cannot read ${shown}: no such file.`, `Check the path of ${what}.`);
  if (code === 'EISDIR') return usageError('INPUT_NOT_A_FILE', `${shown} is a directory, not a file.`, `Pass the path of ${what}.`);
  if (code === 'EACCES' || code === 'EPERM') return usageError('INPUT_UNREADABLE', `Cannot read ${shown}: permission denied.`, `Check the permissions of ${what}.`);
  return usageError('INPUT_UNREADABLE', `Cannot read ${shown}: ${error instanceof Error ? error.message : String(error)}.`, `Check ${what}.`);
}
