/**
 * Records who authenticated (GetSubject/ListSubjects): one Subject per leaf subject DN, with the
 * certificates seen, instance properties and whether the attempt failed.
 */
import { arnFor, type EmulatorContext } from '../context.js';
import type { ParsedCertificate } from '../pki/certificate.js';
import type { SubjectRecord } from '../state/model.js';

function pem(der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`;
}

export function recordSubject(
  ctx: EmulatorContext,
  leaf: ParsedCertificate,
  failed: boolean,
  instanceProperties: Record<string, string> | undefined,
): SubjectRecord {
  const now = ctx.clock.now().toISOString();
  const state = ctx.store.state;
  let subject = state.subjects.find((s) => s.x509Subject === leaf.subjectString);
  if (!subject) {
    const id = ctx.newId();
    subject = {
      subjectId: id,
      subjectArn: arnFor(ctx, 'subject', id),
      enabled: true,
      x509Subject: leaf.subjectString,
      lastSeenAt: now,
      createdAt: now,
      updatedAt: now,
      credentials: [],
      instanceProperties: [],
    };
    state.subjects.push(subject);
  }
  subject.lastSeenAt = now;
  subject.updatedAt = now;
  const cred = subject.credentials.find((c) => c.serialNumber === leaf.serialDecimal && c.issuer === leaf.issuerString);
  if (cred) {
    cred.seenAt = now;
    cred.failed = failed;
  } else {
    subject.credentials.push({
      seenAt: now,
      serialNumber: leaf.serialDecimal,
      issuer: leaf.issuerString,
      enabled: true,
      x509CertificateData: pem(leaf.der),
      failed,
    });
  }
  if (instanceProperties !== undefined) subject.instanceProperties.push({ seenAt: now, properties: instanceProperties, failed });
  return subject;
}
