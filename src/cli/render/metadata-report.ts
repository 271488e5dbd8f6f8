/**
 * Human output of `sso-setup metadata check` (stdout): the verdict first, then what is wrong, then the
 * facts an admin compares with the SP's settings (entity ID, SSO URLs, certificate fingerprints and
 * expiry). chalk is imported only when colour is on.
 */
import type { MetadataCertificate, MetadataReport } from '../../saml/check-metadata.js';
import type { SpMetadataReport } from '../../saml/check-sp-metadata.js';
import { escapeUnsafe } from '../../text.js';

export interface MetadataReportRenderOptions {
  color: boolean;
  /** Highlight certificates with fewer days left than this (the check's --warn-days). */
  warnDays: number;
}

interface Paint {
  good(text: string): string;
  bad(text: string): string;
  warn(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const PLAIN: Paint = { good: (t) => t, bad: (t) => t, warn: (t) => t, dim: (t) => t, bold: (t) => t };

export async function renderMetadataReport(report: MetadataReport, options: MetadataReportRenderOptions): Promise<string> {
  const paint = options.color ? await colours() : PLAIN;
  const lines = headerLines(report, 'IdP', paint);
  if (report.sso.length === 0) lines.push(`${label('SSO')}${paint.dim('(none)')}`);
  report.sso.forEach((s, i) => lines.push(`${label(i === 0 ? 'SSO' : '')}${safe(shortBinding(s.binding)).padEnd(14)} ${safe(s.location)}`));
  if (report.nameIdFormats.length > 0) lines.push(`${label('NameID formats')}${safe(report.nameIdFormats.map(shortFormat).join(', '))}`);
  lines.push(`${label('Signature')}${signatureLine(report, paint)}`);
  if (report.schemaValidated) lines.push(`${label('XML Schema')}${report.errors.some((f) => f.code === 'SCHEMA_INVALID') ? paint.bad('invalid') : 'valid'}`);

  lines.push(...certificateLines(report.certificates, paint, options.warnDays));
  return `${lines.join('\n')}\n`;
}

/** `metadata check --role sp`: the verdict, the findings, then what the IdP application is configured from. */
export async function renderSpMetadataReport(report: SpMetadataReport, options: MetadataReportRenderOptions): Promise<string> {
  const paint = options.color ? await colours() : PLAIN;
  const lines = headerLines(report, 'SP', paint);
  const flag = (value: boolean | null) => (value === null ? paint.dim('(not said)') : String(value));
  lines.push(`${label('ACS (POST)')}${report.acs === null ? paint.dim('(none)') : safe(report.acs)}`);
  for (const a of report.assertionConsumerServices) {
    if (a.location === report.acs && a.binding.endsWith(':HTTP-POST')) continue;
    lines.push(`${label('')}${paint.dim(`${safe(shortBinding(a.binding)).padEnd(14)} ${safe(a.location)} (not used)`)}`);
  }
  if (report.nameIdFormats.length > 0) lines.push(`${label('NameID formats')}${safe(report.nameIdFormats.map(shortFormat).join(', '))}`);
  lines.push(`${label('Wants signed')}${flag(report.wantAssertionsSigned)} (assertions)`);
  lines.push(`${label('Signs requests')}${flag(report.authnRequestsSigned)}`);
  lines.push(`${label('Signature')}${signatureLine(report, paint)}`);
  lines.push(...certificateLines(report.certificates, paint, options.warnDays));
  return `${lines.join('\n')}\n`;
}

/** The verdict, the findings, then the entity ID: how both roles' reports start. */
function headerLines(report: Pick<MetadataReport, 'valid' | 'entityId' | 'errors' | 'warnings'>, role: 'IdP' | 'SP', paint: Paint): string[] {
  const lines: string[] = [];
  const e = report.errors.length;
  const w = report.warnings.length;
  const counts = [e ? plural(e, 'error') : '', w ? plural(w, 'warning') : ''].filter(Boolean).join(', ');
  const about = report.entityId ? ` for ${safe(report.entityId)}` : '';
  lines.push(
    report.valid
      ? `${paint.good(paint.bold('VALID'))}    SAML ${role} metadata${about} is usable${w ? ` (${counts})` : ''}.`
      : `${paint.bad(paint.bold('INVALID'))}  SAML ${role} metadata${about} must not be used: ${counts}.`,
  );
  if (e) {
    lines.push('', paint.bold('Errors'));
    for (const f of report.errors) lines.push(`  ${paint.bad('✖')} ${paint.bad(f.code)}  ${safe(f.message)}`);
  }
  if (w) {
    lines.push('', paint.bold('Warnings'));
    for (const f of report.warnings) lines.push(`  ${paint.warn('!')} ${paint.warn(f.code)}  ${safe(f.message)}`);
  }
  lines.push('');
  lines.push(`${label('Entity ID')}${report.entityId === null ? paint.dim('(none)') : safe(report.entityId)}`);
  return lines;
}

function certificateLines(certificates: readonly MetadataCertificate[], paint: Paint, warnDays: number): string[] {
  const lines: string[] = ['', paint.bold(`Signing certificates (${certificates.length})`)];
  if (certificates.length === 0) lines.push(`  ${paint.dim('(none)')}`);
  for (const c of certificates) {
    const days = c.expired
      ? paint.bad(c.daysLeft < 0 ? `expired ${plural(-c.daysLeft, 'day')} ago` : 'expired today')
      : c.daysLeft < warnDays
        ? paint.warn(`${plural(c.daysLeft, 'day')} left`)
        : `${plural(c.daysLeft, 'day')} left`;
    lines.push(`  ${c.subject === '' ? paint.dim('(empty subject)') : safe(c.subject)}`);
    lines.push(`    ${label('SHA-256', 11)}${c.sha256}`);
    lines.push(`    ${label('Not after', 11)}${c.notAfter} (${days})`);
    lines.push(`    ${label('Key', 11)}${c.keyAlgorithm}${c.keyBits ? ` ${c.keyBits}` : ''}, ${c.signatureAlgorithm}`);
  }
  return lines;
}

function signatureLine(report: Pick<MetadataReport, 'signed' | 'signature'>, paint: Paint): string {
  const s = report.signature;
  if (!report.signed || !s) return paint.dim('not signed');
  if (!s.verified) return paint.bad('does not verify');
  return s.pinned ? paint.good('verified with the pinned certificate') : `verified with the document's own certificate ${paint.warn('(signer not pinned)')}`;
}

/** Values come from an untrusted document: control, bidi and invisible characters are shown escaped. */
function safe(text: string): string {
  return escapeUnsafe(text);
}

function label(text: string, width = 16): string {
  return text.padEnd(width);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function shortBinding(binding: string): string {
  return binding.replace(/^urn:oasis:names:tc:SAML:2\.0:bindings:/, '') || '(no binding)';
}

function shortFormat(format: string): string {
  return format.replace(/^urn:oasis:names:tc:SAML:(1\.1|2\.0):nameid-format:/, '');
}

async function colours(): Promise<Paint> {
  const { Chalk } = await import('chalk');
  const chalk = new Chalk({ level: 1 });
  return { good: chalk.green, bad: chalk.red, warn: chalk.yellow, dim: chalk.dim, bold: chalk.bold };
}
