/**
 * One orchestration per leave: its instance id derives from the HR source and the leave id, so every
 * delivery of every event about that leave reaches the same instance.
 */
export function leaveInstanceId(source: string, leaveId: string): string {
  // Instance ids may not hold / \ # ? or control characters; ids are checked upstream, encode anyway.
  return `leave-${source}-${encodeURIComponent(leaveId).replace(/%/g, '_')}`;
}
