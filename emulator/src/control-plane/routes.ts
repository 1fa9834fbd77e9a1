/**
 * The restJson1 route table of the current model (API Reference, each operation's request syntax):
 * method + URI template → operation. Singular item paths vs plural collection paths matter.
 */
import { validation } from '../service-error.js';
import { deleteAttributeMapping, putAttributeMapping } from './attribute-mappings.js';
import { deleteCrl, disableCrl, enableCrl, getCrl, importCrl, listCrls, updateCrl } from './crls.js';
import { putNotificationSettings, resetNotificationSettings } from './notification-settings.js';
import { createProfile, deleteProfile, disableProfile, enableProfile, getProfile, listProfiles, updateProfile } from './profiles.js';
import { getSubject, listSubjects } from './subjects.js';
import { listTagsForResource, tagResource, untagResource } from './tags.js';
import {
  createTrustAnchor,
  deleteTrustAnchor,
  disableTrustAnchor,
  enableTrustAnchor,
  getTrustAnchor,
  listTrustAnchors,
  updateTrustAnchor,
} from './trust-anchors.js';
import type { CpHandler } from './types.js';
import { uuid } from './validate.js';

interface Route {
  method: string;
  pattern: RegExp;
  operation: string;
  handler: CpHandler;
  /** Name of the path label (for its validation message). */
  label?: string;
}

const ID = '([^/]+)';
const r = (method: string, path: string, operation: string, handler: CpHandler, label?: string): Route => ({
  method,
  pattern: new RegExp(`^${path.replace('{id}', ID)}$`),
  operation,
  handler,
  ...(label ? { label } : {}),
});

export const ROUTES: Route[] = [
  r('POST', '/trustanchors', 'CreateTrustAnchor', createTrustAnchor),
  r('GET', '/trustanchors', 'ListTrustAnchors', listTrustAnchors),
  r('GET', '/trustanchor/{id}', 'GetTrustAnchor', getTrustAnchor, 'trustAnchorId'),
  r('PATCH', '/trustanchor/{id}', 'UpdateTrustAnchor', updateTrustAnchor, 'trustAnchorId'),
  r('DELETE', '/trustanchor/{id}', 'DeleteTrustAnchor', deleteTrustAnchor, 'trustAnchorId'),
  r('POST', '/trustanchor/{id}/enable', 'EnableTrustAnchor', enableTrustAnchor, 'trustAnchorId'),
  r('POST', '/trustanchor/{id}/disable', 'DisableTrustAnchor', disableTrustAnchor, 'trustAnchorId'),
  r('PATCH', '/put-notifications-settings', 'PutNotificationSettings', putNotificationSettings),
  r('PATCH', '/reset-notifications-settings', 'ResetNotificationSettings', resetNotificationSettings),
  r('POST', '/profiles', 'CreateProfile', createProfile),
  r('GET', '/profiles', 'ListProfiles', listProfiles),
  r('GET', '/profile/{id}', 'GetProfile', getProfile, 'profileId'),
  r('PATCH', '/profile/{id}', 'UpdateProfile', updateProfile, 'profileId'),
  r('DELETE', '/profile/{id}', 'DeleteProfile', deleteProfile, 'profileId'),
  r('POST', '/profile/{id}/enable', 'EnableProfile', enableProfile, 'profileId'),
  r('POST', '/profile/{id}/disable', 'DisableProfile', disableProfile, 'profileId'),
  r('PUT', '/profiles/{id}/mappings', 'PutAttributeMapping', putAttributeMapping, 'profileId'),
  r('DELETE', '/profiles/{id}/mappings', 'DeleteAttributeMapping', deleteAttributeMapping, 'profileId'),
  r('POST', '/crls', 'ImportCrl', importCrl),
  r('GET', '/crls', 'ListCrls', listCrls),
  r('GET', '/crl/{id}', 'GetCrl', getCrl, 'crlId'),
  r('PATCH', '/crl/{id}', 'UpdateCrl', updateCrl, 'crlId'),
  r('DELETE', '/crl/{id}', 'DeleteCrl', deleteCrl, 'crlId'),
  r('POST', '/crl/{id}/enable', 'EnableCrl', enableCrl, 'crlId'),
  r('POST', '/crl/{id}/disable', 'DisableCrl', disableCrl, 'crlId'),
  r('GET', '/subjects', 'ListSubjects', listSubjects),
  r('GET', '/subject/{id}', 'GetSubject', getSubject, 'subjectId'),
  r('POST', '/TagResource', 'TagResource', tagResource),
  r('POST', '/UntagResource', 'UntagResource', untagResource),
  r('GET', '/ListTagsForResource', 'ListTagsForResource', listTagsForResource),
];

export interface RouteMatch {
  operation: string;
  handler: CpHandler;
  params: Record<string, string>;
}

/** Finds the operation for `method rawPath`; validates the id label; undefined when unknown. */
export function matchRoute(method: string, rawPath: string): RouteMatch | undefined {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const m = route.pattern.exec(rawPath);
    if (!m) continue;
    const params: Record<string, string> = {};
    if (route.label !== undefined) {
      let id: string;
      try {
        id = decodeURIComponent(m[1]!);
      } catch {
        throw validation(`Invalid ${route.label}`);
      }
      params.id = uuid(route.label, id);
    }
    return { operation: route.operation, handler: route.handler, params };
  }
  return undefined;
}
