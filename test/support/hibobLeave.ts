/**
 * A HiBob time-off request as the HiBob stand-in (dev/hibob) serves it: Alice's approved holiday,
 * 5 to 16 August 2030, each with its own request id.
 */
import type { HibobRequestRecord } from '../../dev/hibob/hibobApiServer';

/** HiBob's id for Alice Wilber (alice@contoso.com) in the tests. */
export const HIBOB_ALICE = {
  id: '3332883884017713238',
  email: 'alice@contoso.com',
  displayName: 'Alice Wilber',
};

let nextRequestId = 9000;

export function hibobLeaveRequest(overrides: Partial<HibobRequestRecord> = {}): HibobRequestRecord {
  return {
    requestId: ++nextRequestId,
    employeeId: HIBOB_ALICE.id,
    policyTypeDisplayName: 'Holiday',
    type: 'days',
    startDate: '2030-08-05',
    startDatePortion: 'all_day',
    endDate: '2030-08-16',
    endDatePortion: 'all_day',
    status: 'approved',
    ...overrides,
  };
}
