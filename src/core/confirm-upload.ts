/**
 * `confirm-upload` (and init's "Have you uploaded the file?"): records that a person uploaded the
 * handed-over metadata in the SP, for manual delivery. See ./upload.ts for what the record means.
 */
import type { ResolvedConfig } from '../config/types.js';
import { SsoError } from '../errors.js';
import { parseTrustedCertificate } from '../saml/certificate.js';
import { checkTenantMetadata, duplicateApplications, requireScopes, shortFingerprint, type MetadataChecker } from './apply.js';
import { judgeMarked } from './overlapping-runs.js';
import { desiredClient } from './plan.js';
import type { IdpAdmin, IdpRules, ManualSp, SpProfile } from './ports.js';
import { day, uploadRecord, type UploadRecord } from './upload.js';

export interface ConfirmDeps {
  idp: IdpAdmin;
  idpRules: IdpRules;
  sp: ManualSp;
  spProfile: SpProfile;
  checkMetadata: MetadataChecker;
  now: () => Date;
}

export interface ConfirmResult {
  /** False when this certificate's upload was already confirmed (the first date is kept). */
  changed: boolean;
  clientId: string;
  upload: UploadRecord;
}

/**
 * Records that a person uploaded the handed-over metadata in the SP. `fingerprint` names what they
 * uploaded; it is refused unless it is the certificate last handed over AND the one the IdP signs
 * with now, so a confirmation can never cover a file nobody was given, nor an outdated one.
 */
export async function confirmUpload(config: ResolvedConfig, deps: ConfirmDeps, fingerprint: string): Promise<ConfirmResult> {
  const { idp, idpRules, sp } = deps;
  const desired = desiredClient(config, idpRules, deps.spProfile);
  const session = await idp.connect();
  requireScopes(idpRules, session.scopes, [idpRules.scopes.readClients, idpRules.scopes.updateClients], 'record the confirmation');

  const marked = judgeMarked(await idp.findClientsByMarker(desired.marker.key, desired.marker.value));
  if (marked.kind === 'ambiguous') throw duplicateApplications(desired.marker, marked.clients, marked.reason);
  // Duplicates left by overlapping apply runs: the record belongs on the one apply keeps.
  const client = marked.kind === 'one' ? marked.client : marked.kind === 'race' ? marked.winner : undefined;
  const record = uploadRecord(await sp.readTrust(client));
  if (!client || !record) {
    throw new SsoError('UPLOAD_NOTHING_HANDED_OVER', `nothing was handed over for upload to ${deps.spProfile.targetLabel(config.sp.id)}${client ? '' : ' (no Auth0 application for it yet)'}`, {
      hint: `Run \`sso-setup apply\` (manual delivery): it saves the metadata file to upload; upload it in ${deps.spProfile.name}, then confirm.`,
    });
  }
  const handedOver = `${shortFingerprint(record.certificate)}${record.handedOverAt ? ` (handed over ${day(record.handedOverAt)})` : ''}`;
  if (fingerprint !== record.certificate) {
    throw new SsoError('UPLOAD_FINGERPRINT_MISMATCH', `--fingerprint ${shortFingerprint(fingerprint)} is not the certificate last handed over for upload, ${handedOver}`, {
      hint: `Upload the file \`sso-setup apply\` saved last (${sp.target}) and confirm the certificate it printed; nothing was recorded.`,
      details: { given: fingerprint, handedOver: record.certificate, handedOverAt: record.handedOverAt },
    });
  }

  // The IdP may have rotated since the hand-over: then the uploaded file is already out of date.
  const bytes = await idp.downloadMetadata(client.client_id);
  const verdict = await checkTenantMetadata(deps.checkMetadata, bytes, config, deps.spProfile, deps.now(), 30);
  const url = idp.metadataUrl(client.client_id);
  if (!verdict.valid) {
    throw new SsoError('IDP_METADATA_INVALID', `the IdP metadata at ${url} failed the checks: ${verdict.errors.map((e) => e.code).join(', ')}`, {
      hint: `Nothing was recorded. Inspect it with: sso-setup metadata check ${url}`,
      details: { errors: verdict.errors },
    });
  }
  const current = verdict.certificates[0]?.sha256;
  if (current !== record.certificate && !(await isNextKey(idp, session.scopes, idpRules, record.certificate))) {
    throw new SsoError('UPLOAD_HANDOVER_OUTDATED', `certificate ${handedOver} is no longer the one the IdP signs with (now ${shortFingerprint(current)}): the file is out of date`, {
      hint: `Run \`sso-setup apply\` to save the current metadata, upload that file in ${deps.spProfile.name}, then confirm the certificate it prints; nothing was recorded.`,
      details: { given: fingerprint, handedOver: record.certificate, idpCertificate: current },
    });
  }

  if (record.status === 'confirmed') return { changed: false, clientId: client.client_id, upload: record };
  const at = deps.now();
  await idp.updateClient(client.client_id, { client_metadata: sp.confirmationRecord(record.certificate, at) });
  return { changed: true, clientId: client.client_id, upload: { ...record, status: 'confirmed', confirmedAt: at.toISOString() } };
}

/**
 * Whether `certificate` is the tenant's queued next key: then the hand-over was `sso-setup rotate`'s
 * file, which holds the current key too, and confirming it is what lets the rotation start.
 */
async function isNextKey(idp: IdpAdmin, scopes: string[], idpRules: IdpRules, certificate: string): Promise<boolean> {
  if (scopes.length && !scopes.includes(idpRules.scopes.readSigningKeys)) return false;
  const next = (await idp.signingKeys()).find((k) => k.next && !k.revoked);
  if (!next) return false;
  const parsed = parseTrustedCertificate(next.cert);
  return parsed.ok && parsed.certificate.sha256 === certificate;
}
