/** Resource records → the JSON shapes of the current model (API Reference, data types). */
import type { CrlRecord, ProfileRecord, SubjectRecord, TrustAnchorRecord } from '../state/model.js';

export const renderTrustAnchor = (t: TrustAnchorRecord): unknown => ({
  trustAnchorId: t.trustAnchorId,
  trustAnchorArn: t.trustAnchorArn,
  name: t.name,
  source: t.source,
  enabled: t.enabled,
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
  notificationSettings: t.notificationSettings,
});

export const renderProfile = (p: ProfileRecord): unknown => ({
  profileId: p.profileId,
  profileArn: p.profileArn,
  name: p.name,
  requireInstanceProperties: p.requireInstanceProperties,
  enabled: p.enabled,
  createdBy: p.createdBy,
  ...(p.sessionPolicy !== undefined ? { sessionPolicy: p.sessionPolicy } : {}),
  roleArns: p.roleArns,
  managedPolicyArns: p.managedPolicyArns,
  createdAt: p.createdAt,
  updatedAt: p.updatedAt,
  durationSeconds: p.durationSeconds,
  acceptRoleSessionName: p.acceptRoleSessionName,
  attributeMappings: p.attributeMappings,
});

export const renderCrl = (c: CrlRecord): unknown => ({
  crlId: c.crlId,
  crlArn: c.crlArn,
  name: c.name,
  enabled: c.enabled,
  crlData: c.crlData,
  trustAnchorArn: c.trustAnchorArn,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

export const renderSubjectSummary = (s: SubjectRecord): unknown => ({
  subjectArn: s.subjectArn,
  subjectId: s.subjectId,
  enabled: s.enabled,
  x509Subject: s.x509Subject,
  lastSeenAt: s.lastSeenAt,
  createdAt: s.createdAt,
  updatedAt: s.updatedAt,
});

export const renderSubjectDetail = (s: SubjectRecord): unknown => ({
  ...(renderSubjectSummary(s) as object),
  credentials: s.credentials,
  instanceProperties: s.instanceProperties,
});
