/**
 * The Out of office calendar event through the real EWS client against the sandbox on the demo tenant:
 * created once per absence (a retried create finds the first), on the person's own days, moved, deleted;
 * the person's own events never touched; nothing sent for a mailbox outside the scope.
 */
import type { EwsSandbox } from '../../dev/ews-sandbox';
import type { EwsClient } from '../../shared/mailbox/ews/ewsClient';
import { MailboxError } from '../../shared/mailbox/mailboxError';
import type { OofCalendarEvent } from '../../shared/mailbox/mailboxOperations';
import { MailboxScope, OutOfScopeError } from '../../shared/mailbox/scope';
import { ScopedMailboxOperations } from '../../shared/mailbox/scopedMailboxOperations';
import { demoEwsSettings, startDemoSandbox } from '../support/demoTenant';
import { sandboxClient } from '../support/ewsTestClient';

let sandbox: EwsSandbox;
let client: EwsClient;

beforeAll(async () => {
  sandbox = await startDemoSandbox({ knobs: { missingAnchorFailureRate: 0, strictSchema: true } });
  client = sandboxClient(sandbox, demoEwsSettings(sandbox)).client;
});

afterAll(async () => {
  await client.close();
  await sandbox.close();
});

const july: OofCalendarEvent = {
  subject: 'Out of office',
  body: 'Back on Monday 15 July',
  firstDay: '2030-07-01',
  firstDayBack: '2030-07-15',
  timeZone: 'Europe/Berlin',
  tag: 'absence-alice-1',
};

/** The person's own events: everything in the calendar the app did not tag. */
function ownEvents(mailbox: string): unknown[] {
  return (sandbox.inspectCalendar(mailbox) ?? []).filter(
    (e) => e.extendedProperties.MailboxAutomationAbsence === undefined,
  );
}

describe('the Out of office calendar event on EWS', () => {
  it('is created once, all day on the Berlin days, OOF, no reminder, no attendees, with its tag', async () => {
    const own = ownEvents('alice@contoso.com');
    expect(own).toHaveLength(2); // the seed's Dentist and Team offsite
    const id = await client.createOofEvent('alice@contoso.com', july);
    const mine = sandbox.inspectCalendar('alice@contoso.com')?.filter((e) => e.id === id);
    expect(mine).toEqual([
      {
        id,
        subject: 'Out of office',
        body: 'Back on Monday 15 July',
        start: '2030-06-30T22:00:00.000Z',
        end: '2030-07-14T22:00:00.000Z',
        isAllDay: true,
        freeBusy: 'OOF',
        reminderIsSet: false,
        startTimeZone: 'W. Europe Standard Time',
        endTimeZone: 'W. Europe Standard Time',
        attendees: 0,
        extendedProperties: { MailboxAutomationAbsence: 'absence-alice-1' },
      },
    ]);

    // A create retried (its first answer lost) finds the first event: same id, still one event.
    sandbox.clearRequests();
    expect(await client.createOofEvent('alice@contoso.com', july)).toBe(id);
    expect(sandbox.requests.map((r) => r.operation)).toEqual(['FindItem']);
    expect(sandbox.inspectCalendar('alice@contoso.com')).toHaveLength(3);
    expect(ownEvents('alice@contoso.com')).toEqual(own);
  });

  it("spans Los Angeles' days for a person there", async () => {
    const id = await client.createOofEvent('bob@contoso.com', {
      ...july,
      timeZone: 'America/Los_Angeles',
      tag: 'absence-bob-1',
    });
    const event = sandbox.inspectCalendar('bob@contoso.com')?.find((e) => e.id === id);
    expect(event).toMatchObject({
      start: '2030-07-01T07:00:00.000Z',
      end: '2030-07-15T07:00:00.000Z',
      startTimeZone: 'Pacific Standard Time',
    });
  });

  it('moves with the absence, then is deleted; a second delete finds it already gone, an update an error', async () => {
    const own = ownEvents('carol@contoso.com');
    const deletedBefore = sandbox.inspectMailbox('carol@contoso.com')?.folders.deleteditems ?? 0;
    const tag = 'absence-carol-1';
    const id = await client.createOofEvent('carol@contoso.com', { ...july, tag });

    const moved = {
      ...july,
      tag,
      firstDay: '2030-08-05',
      firstDayBack: '2030-08-12',
      body: 'Back on 12 August',
    };
    expect(await client.updateOofEvent('carol@contoso.com', id, moved)).toBe(id);
    expect(sandbox.inspectCalendar('carol@contoso.com')?.find((e) => e.id === id)).toMatchObject({
      body: 'Back on 12 August',
      start: '2030-08-04T22:00:00.000Z',
      end: '2030-08-11T22:00:00.000Z',
      isAllDay: true,
      freeBusy: 'OOF',
    });

    expect(await client.deleteOofEvent('carol@contoso.com', id)).toBe('deleted');
    expect(sandbox.inspectCalendar('carol@contoso.com')?.map((e) => e.id)).not.toContain(id);
    // MoveToDeletedItems: the person can still find it in Deleted Items.
    expect(sandbox.inspectMailbox('carol@contoso.com')?.folders.deleteditems).toBe(deletedBefore + 1);

    expect(await client.deleteOofEvent('carol@contoso.com', id)).toBe('already-gone');
    const update = client.updateOofEvent('carol@contoso.com', id, moved);
    await expect(update).rejects.toBeInstanceOf(MailboxError);
    await expect(update).rejects.toMatchObject({ code: 'ErrorItemNotFound' });

    expect(ownEvents('carol@contoso.com')).toEqual(own);
    expect(own).toHaveLength(2);
    // Every request was schema-valid (strictSchema) and nothing else failed.
    expect(sandbox.requests.filter((r) => r.responseCodes.includes('ErrorSchemaValidation'))).toEqual([]);
  });

  it('bad input is refused naming the field, before any request', async () => {
    sandbox.clearRequests();
    await expect(
      client.createOofEvent('alice@contoso.com', { ...july, timeZone: 'Europe/Atlantis' }),
    ).rejects.toMatchObject({ code: 'ConfigError', setting: 'timeZone' });
    await expect(client.deleteOofEvent('alice@contoso.com', '')).rejects.toMatchObject({ setting: 'id' });
    expect(sandbox.requests).toEqual([]);
  });

  it('sends nothing for a mailbox outside the scope', async () => {
    const scoped = new ScopedMailboxOperations(client, MailboxScope.parse('contoso.com'));
    // The guard throws before it returns a promise; an async wrapper reads either way.
    const attempt = async <T>(call: () => Promise<T>): Promise<T> => call();
    sandbox.clearRequests();
    await expect(attempt(() => scoped.createOofEvent('dave@fabrikam.com', july))).rejects.toBeInstanceOf(
      OutOfScopeError,
    );
    await expect(attempt(() => scoped.deleteOofEvent('dave@fabrikam.com', 'AAAA'))).rejects.toBeInstanceOf(
      OutOfScopeError,
    );
    expect(sandbox.requests).toEqual([]);
    expect(sandbox.inspectCalendar('dave@fabrikam.com')).toEqual([]);
  });
});
