/**
 * The manual upload's state (manual delivery): what `apply` handed over, and whether a person
 * confirmed uploading exactly that certificate in the SP. A hand-over is not the SP's trust: only
 * a person's confirmation of the same certificate, or a login the SP accepts, says the SP has it.
 */
import type { SpTrust } from './ports.js';

/**
 * The last hand-over and its confirmation. `handed-over`: saved for upload, nobody confirmed the
 * upload of this certificate; `confirmed`: a person confirmed uploading this very certificate.
 */
export interface UploadRecord {
  status: 'handed-over' | 'confirmed';
  /** SHA-256 fingerprint of the certificate handed over. */
  certificate: string;
  handedOverAt?: string;
  confirmedAt?: string;
}

/** The upload record in a manual trust, or undefined when nothing was ever handed over. */
export function uploadRecord(trust: SpTrust): UploadRecord | undefined {
  if (trust.kind !== 'manual' || !trust.recordedCertificate) return undefined;
  // A confirmation holds only for the certificate handed over (a new hand-over drops it anyway).
  const confirmed = trust.confirmedCertificate === trust.recordedCertificate;
  return {
    status: confirmed ? 'confirmed' : 'handed-over',
    certificate: trust.recordedCertificate,
    ...(trust.recordedAt ? { handedOverAt: trust.recordedAt } : {}),
    ...(confirmed && trust.confirmedAt ? { confirmedAt: trust.confirmedAt } : {}),
  };
}

/** `2026-11-29` from an ISO time, or '' when unknown. */
export function day(iso: string | undefined): string {
  return iso ? iso.slice(0, 10) : '';
}

/** One line for people: "handed over 2026-11-29, upload not confirmed" / "confirmed 2026-11-30". */
export function describeUpload(record: UploadRecord): string {
  if (record.status === 'confirmed') return `upload confirmed${record.confirmedAt ? ` ${day(record.confirmedAt)}` : ''}`;
  return `handed over${record.handedOverAt ? ` ${day(record.handedOverAt)}` : ''}, upload not confirmed`;
}
