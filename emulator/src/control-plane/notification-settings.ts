/**
 * Notification settings of trust anchors: the two service defaults (threshold 45 days, channel
 * ALL, configuredBy rolesanywhere.amazonaws.com), input validation, and the
 * PutNotificationSettings / ResetNotificationSettings operations (current model; not in SDK 3.332).
 */
import { LIMITS, NOTIFICATION_CHANNELS, NOTIFICATION_DEFAULT_CONFIGURED_BY, NOTIFICATION_EVENTS } from '../constants.js';
import type { EmulatorContext } from '../context.js';
import { isoNow } from '../context.js';
import { constraintViolation, notFound } from '../service-error.js';
import type { NotificationSettingDetail } from '../state/model.js';
import { renderTrustAnchor } from './render.js';
import type { CpHandler } from './types.js';
import { bodyObject, bool, int, list, requireField, str, uuid } from './validate.js';

export function defaultNotificationSettings(): NotificationSettingDetail[] {
  return NOTIFICATION_EVENTS.map((event) => ({
    enabled: true,
    event,
    threshold: LIMITS.notificationThresholdDefault,
    channel: 'ALL',
    configuredBy: NOTIFICATION_DEFAULT_CONFIGURED_BY,
  }));
}

function enumValue(member: string, v: unknown, allowed: readonly string[], required: boolean): string | undefined {
  const s = str(member, v, { required });
  if (s !== undefined && !allowed.includes(s)) {
    throw constraintViolation(member, s, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  }
  return s;
}

/** Validates a NotificationSetting list and merges it over `current` (keyed by event+channel). */
export function mergeNotificationSettings(
  ctx: EmulatorContext,
  current: NotificationSettingDetail[],
  input: unknown,
  member: string,
): NotificationSettingDetail[] {
  const items = list(member, input, { max: 50 }) ?? [];
  const out = current.map((s) => ({ ...s }));
  items.forEach((raw, i) => {
    const o = bodyObject(raw);
    const m = `${member}.${i + 1}.member`;
    const enabled = bool(`${m}.enabled`, requireField(`${m}.enabled`, o.enabled))!;
    const event = enumValue(`${m}.event`, o.event, NOTIFICATION_EVENTS, true)!;
    const threshold = int(`${m}.threshold`, o.threshold, LIMITS.notificationThresholdMin, LIMITS.notificationThresholdMax);
    const channel = enumValue(`${m}.channel`, o.channel, NOTIFICATION_CHANNELS, false) ?? 'ALL';
    if (enabled && threshold === undefined) requireField(`${m}.threshold`, undefined);
    const detail: NotificationSettingDetail = { enabled, event, channel, configuredBy: ctx.accountId };
    if (threshold !== undefined) detail.threshold = threshold;
    const at = out.findIndex((s) => s.event === event && (s.channel ?? 'ALL') === channel);
    if (at === -1) out.push(detail);
    else out[at] = detail;
  });
  return out;
}

function findAnchor(ctx: EmulatorContext, id: string) {
  const ta = ctx.store.state.trustAnchors.find((t) => t.trustAnchorId === id);
  if (!ta) throw notFound('Trust anchor not found', 'trust_anchor_not_found');
  return ta;
}

export const putNotificationSettings: CpHandler = (ctx, req) => {
  const id = uuid('trustAnchorId', req.body.trustAnchorId);
  list('notificationSettings', req.body.notificationSettings, { required: true, max: 50 });
  const ta = findAnchor(ctx, id);
  ta.notificationSettings = mergeNotificationSettings(ctx, ta.notificationSettings, req.body.notificationSettings, 'notificationSettings');
  ta.updatedAt = isoNow(ctx);
  ctx.store.save();
  return { status: 200, body: { trustAnchor: renderTrustAnchor(ta) } };
};

export const resetNotificationSettings: CpHandler = (ctx, req) => {
  const id = uuid('trustAnchorId', req.body.trustAnchorId);
  const keys = list('notificationSettingKeys', req.body.notificationSettingKeys, { required: true, max: 50 })!.map((raw, i) => {
    const o = bodyObject(raw);
    const m = `notificationSettingKeys.${i + 1}.member`;
    return {
      event: enumValue(`${m}.event`, o.event, NOTIFICATION_EVENTS, true)!,
      channel: enumValue(`${m}.channel`, o.channel, NOTIFICATION_CHANNELS, false) ?? 'ALL',
    };
  });
  const ta = findAnchor(ctx, id);
  const defaults = defaultNotificationSettings();
  ta.notificationSettings = ta.notificationSettings.map((s) => {
    const hit = keys.some((k) => k.event === s.event && k.channel === (s.channel ?? 'ALL'));
    return hit ? (defaults.find((d) => d.event === s.event) ?? s) : s;
  });
  ta.updatedAt = isoNow(ctx);
  ctx.store.save();
  return { status: 200, body: { trustAnchor: renderTrustAnchor(ta) } };
};
