/**
 * The instance ids of the leave path: two different leaves never share an orchestration (one person's leave
 * is never forwarded to another's), every id is one Durable Functions accepts, and the status route's check
 * recognises exactly the ids the app makes.
 */
import { createHash } from 'node:crypto';
import {
  calendarInstanceId,
  HR_SOURCES,
  isCalendarInstanceId,
  isLeaveInstanceId,
  isLeaveIntakeInstanceId,
  leaveInstanceId,
  leaveIntakeInstanceId,
  MAX_INSTANCE_ID_LENGTH,
} from '../../../shared/leave/instanceId';

/** Durable Functions' rules for an instance id (Microsoft Learn, "Durable Orchestrations"). */
function expectDurableId(id: string): void {
  expect(id.length).toBeGreaterThanOrEqual(1);
  expect(id.length).toBeLessThanOrEqual(256);
  expect(id).not.toMatch(/^@|[/\\#?]|\p{Cc}/u);
}

/** Leave ids the webhook accepts and some it never sees, chosen to tempt an escaping into collisions. */
const TRICKY_IDS = [
  'K:1',
  'K_3A1',
  'K_5F3A1',
  'K%3A1',
  'K-3A1',
  'k:1',
  'a~b',
  '_',
  '__',
  '_sha256-0',
  'lv.42@hr_1',
  'Zoë',
  'Zoe\u0308',
  '😀',
  '-',
  '.',
  'x'.repeat(128),
  ':'.repeat(80),
  ':'.repeat(81),
  ':'.repeat(128),
  `${':'.repeat(127)};`,
];

describe('two different leaves never share an orchestration', () => {
  it('leave K:1 and leave K_3A1 of the same HR system get different ids', () => {
    expect(leaveInstanceId('generic', 'K:1')).not.toBe(leaveInstanceId('generic', 'K_3A1'));
  });

  it('no two of a set of look-alike leave ids share an id, in any HR system', () => {
    const ids = HR_SOURCES.flatMap((source) => TRICKY_IDS.map((leaveId) => leaveInstanceId(source, leaveId)));
    expect(new Set(ids).size).toBe(HR_SOURCES.length * TRICKY_IDS.length);
  });

  it('the same leave always gets the same id, readable when it can be', () => {
    expect(leaveInstanceId('generic', 'ANSWER-1')).toBe('leave-generic-ANSWER-1');
    expect(leaveInstanceId('hibob', '9001')).toBe('leave-hibob-9001');
    expect(leaveInstanceId('generic', 'K:1')).toBe('leave-generic-K_3A1');
    expect(leaveInstanceId('generic', 'K_3A1')).toBe('leave-generic-K_5F3A1');
    expect(leaveInstanceId('bamboohr', 'lv.42@hr_1')).toBe('leave-bamboohr-lv.42_40hr_5F1');
    expect(leaveInstanceId('generic', 'Zoë')).toBe('leave-generic-Zo_C3_AB');
  });

  it('a leave id too long to write out gets a hash of it, still within 256 characters', () => {
    const longest = leaveInstanceId('bamboohr', ':'.repeat(128));
    expect(longest).toBe(
      `leave-bamboohr-_sha256-${createHash('sha256').update('_3A'.repeat(128)).digest('hex')}`,
    );
    // 15 + 80 × 3 = 255 characters: still written out; one more character and it is hashed.
    expect(leaveInstanceId('bamboohr', ':'.repeat(80))).toBe(`leave-bamboohr-${'_3A'.repeat(80)}`);
    expect(leaveInstanceId('bamboohr', ':'.repeat(81))).toMatch(/^leave-bamboohr-_sha256-[0-9a-f]{64}$/);
  });

  it.each(TRICKY_IDS)(
    'the id for %p is one Durable Functions accepts and the status route knows',
    (leaveId) => {
      for (const source of HR_SOURCES) {
        const id = leaveInstanceId(source, leaveId);
        expectDurableId(id);
        expect(id.length).toBeLessThanOrEqual(MAX_INSTANCE_ID_LENGTH);
        expect({ id, leave: isLeaveInstanceId(id) }).toEqual({ id, leave: true });
        expect(isCalendarInstanceId(id) || isLeaveIntakeInstanceId(id)).toBe(false);
      }
    },
  );

  it('a leave id that is empty, or not Unicode text, or an unknown HR system is refused by name', () => {
    expect(() => leaveInstanceId('generic', '')).toThrow('the leave id must not be empty');
    expect(() => leaveInstanceId('generic', 'a\uD800')).toThrow(
      'the leave id holds a lone surrogate (not Unicode text)',
    );
    expect(() => leaveInstanceId('workday', '1')).toThrow(
      'no HR source "workday"; use one of generic, hibob, bamboohr',
    );
  });

  it('no HR system is named like another kind of id, so their ids cannot meet', () => {
    for (const source of HR_SOURCES) expect(source).toMatch(/^[a-z]+$/);
    expect(HR_SOURCES).not.toContain('calendar');
    expect(HR_SOURCES).not.toContain('intake');
  });
});

describe('the status route recognises exactly the leave ids the app makes', () => {
  it.each([
    ['an empty leave id', 'leave-generic-'],
    ['an unknown HR system', 'leave-other-1'],
    ['a character never written out', 'leave-generic-K:1'],
    ['an escaped letter (made as A)', 'leave-generic-_41'],
    ['lower-case escape digits', 'leave-generic-K_3a1'],
    ['a cut escape', 'leave-generic-K_3'],
    ['bytes that are not UTF-8', 'leave-generic-_FF'],
    ['a hash of the wrong length', 'leave-generic-_sha256-abc'],
    ['an upper-case hash', `leave-generic-_sha256-${'A'.repeat(64)}`],
    ['more than 256 characters', `leave-generic-${'x'.repeat(243)}`],
    ['the archive sweep', 'archive-sweep'],
    ['a calendar', calendarInstanceId('alice@contoso.com')],
    ['an intake', leaveIntakeInstanceId('hibob', '9001', 'evt-1')],
  ])('%s is not a leave id', (_what, id) => {
    expect(isLeaveInstanceId(id)).toBe(false);
  });

  it('the longest written-out id and a hashed one are', () => {
    expect(isLeaveInstanceId(`leave-generic-${'x'.repeat(242)}`)).toBe(true);
    expect(isLeaveInstanceId(`leave-hibob-_sha256-${'0'.repeat(64)}`)).toBe(true);
  });
});

describe('a person’s leave calendar', () => {
  it('has one id whatever case the address is written in, and the address is not in it', () => {
    const id = calendarInstanceId('Alice@Contoso.com');
    expect(id).toBe(calendarInstanceId('alice@contoso.com'));
    expect(id).toBe(
      `leave-calendar-${createHash('sha256').update('alice@contoso.com').digest('hex').slice(0, 32)}`,
    );
    expect(id).not.toMatch(/alice|contoso/i);
    expectDurableId(id);
    expect(isCalendarInstanceId(id)).toBe(true);
    expect(isLeaveInstanceId(id)).toBe(false);
  });

  it('two people have two calendars', () => {
    expect(calendarInstanceId('alice@contoso.com')).not.toBe(calendarInstanceId('bob@contoso.com'));
  });

  it('an empty address is refused', () => {
    expect(() => calendarInstanceId(' ')).toThrow('the mailbox address must not be empty');
  });

  it.each([
    `leave-calendar-${'0'.repeat(31)}`,
    `leave-calendar-${'0'.repeat(33)}`,
    `leave-calendar-${'A'.repeat(32)}`,
    `leave-calendar-${'0'.repeat(32)}\n`,
    'leave-calendar-alice@contoso.com',
  ])('%p is not a calendar id', (id) => {
    expect(isCalendarInstanceId(id)).toBe(false);
  });
});

describe('one delivered HR notice is taken in once', () => {
  it('the same delivery twice gets the same id; another event or another leave, another id', () => {
    const id = leaveIntakeInstanceId('hibob', '9001', 'evt-1');
    expect(id).toBe('leave-intake-hibob-9001~evt-1');
    expect(leaveIntakeInstanceId('hibob', '9001', 'evt-1')).toBe(id);
    expect(leaveIntakeInstanceId('hibob', '9001', 'evt-2')).not.toBe(id);
    expect(leaveIntakeInstanceId('hibob', '9002', 'evt-1')).not.toBe(id);
    expect(leaveIntakeInstanceId('generic', '9001', 'evt-1')).not.toBe(id);
  });

  it('no two (leave, event) pairs share an id, however the ids split', () => {
    const pairs = [
      ['a-b', 'c'],
      ['a', 'b-c'],
      ['a~b', 'c'],
      ['a', 'b~c'],
      ['a_7E', 'b'],
      ['K:1', 'e'],
      ['K_3A1', 'e'],
      [':'.repeat(128), 'e'],
      [':'.repeat(128), 'f'],
      ['e', ':'.repeat(128)],
    ] as const;
    const ids = pairs.map(([leaveId, eventId]) => leaveIntakeInstanceId('hibob', leaveId, eventId));
    expect(new Set(ids).size).toBe(pairs.length);
    for (const id of ids) {
      expectDurableId(id);
      expect({ id, intake: isLeaveIntakeInstanceId(id) }).toEqual({ id, intake: true });
      expect(isLeaveInstanceId(id)).toBe(false);
    }
  });

  it('an empty event id is refused by name', () => {
    expect(() => leaveIntakeInstanceId('hibob', '9001', '')).toThrow('the event id must not be empty');
  });

  it.each([
    'leave-intake-hibob-9001',
    'leave-intake-hibob-9001~',
    'leave-intake-hibob-9001~evt~1',
    'leave-intake-other-9001~evt-1',
    'leave-hibob-9001',
  ])('%p is not an intake id', (id) => {
    expect(isLeaveIntakeInstanceId(id)).toBe(false);
  });
});
