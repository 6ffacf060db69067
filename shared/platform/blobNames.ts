/**
 * Time in blob names: `2026-11-25T020000Z` — an ISO instant without colons (not allowed in some tools'
 * paths, and awkward in URLs) or milliseconds, so names sort by time. The sweep's and the leave reconcile's
 * reports are named with it.
 */
export function blobTimeStamp(at: Date | string): string {
  return (typeof at === 'string' ? at : at.toISOString()).replace(/[:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}
