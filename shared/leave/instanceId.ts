/**
 * One orchestration per leave: its instance id derives from the HR source and the leave id, so every
 * delivery of every event about that leave reaches the same instance.
 */

/** The HR systems leaves come from: the two that push (webhooks) and BambooHR, which the app polls. */
export const HR_SOURCES = ['generic', 'hibob', 'bamboohr'] as const;
export type HrSource = (typeof HR_SOURCES)[number];

/** The HR systems the webhook accepts events from (`POST /api/hr/{source}`); BambooHR cannot push. */
export const WEBHOOK_SOURCES = ['generic', 'hibob'] as const satisfies readonly HrSource[];
export type WebhookSource = (typeof WEBHOOK_SOURCES)[number];

export function leaveInstanceId(source: string, leaveId: string): string {
  // Instance ids may not hold / \ # ? or control characters; ids are checked upstream, encode anyway.
  return `leave-${source}-${encodeURIComponent(leaveId).replace(/%/g, '_')}`;
}

/**
 * What leaveInstanceId can produce: `leave-`, a known source, `-`, then the characters encodeURIComponent
 * leaves (with `_` for `%`). Leave ids are at most 128 characters, so 3 × 128 once encoded.
 */
const LEAVE_INSTANCE_ID = new RegExp(`^leave-(?:${HR_SOURCES.join('|')})-[A-Za-z0-9_.!~*'()-]{1,384}$`);

/** True for a leave orchestration's id; false for anything else (the archive sweep's ids included). */
export function isLeaveInstanceId(id: string): boolean {
  return LEAVE_INSTANCE_ID.test(id);
}
