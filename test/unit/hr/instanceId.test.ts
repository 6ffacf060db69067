/**
 * The instance ids of the leave path: two different HR notices never share an intake (one notice is never
 * taken for another), each person has one calendar owner, every id is one Durable Functions accepts, and the
 * status route's checks recognise exactly the ids the app makes.
 */
import { createHash } from 'node:crypto';
import {
  calendarInstanceId,
  HR_SOURCES,
  isCalendarInstanceId,
  isLeaveIntakeInstanceId,
  leaveIntakeInstanceId,
  MAX_INSTANCE_ID_LENGTH,
} from '../../../shared/leave/instanceId';

/** Durable Functions' rules for an instance id (Microsoft Learn, "Durable Orchestrations"). */
function expectDurableId(id: string): void {
  expect(id.length).toBeGreaterThanOrEqual(1);
  expect(id.length).toBeLessThanOrEqual(256);
  expect(id).not.toMatch(/^@|[/\\#?]|\p{Cc}/u);
}

/** Leave and event ids HR systems send and some they never do, chosen to tempt an escaping into collisions. */
const TRICKY_IDS = [
  'K:1',
  'K_3A1',
  'K_5F3A1',
  'K%3A1',
  'K-3A1',
  'k:1',
  'a~b',
  '~',
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
  ':'.repeat(77),
  ':'.repeat(78),
  ':'.repeat(128),
  `${':'.repeat(127)};`,
];

/** The sha256 the hashed form holds, of what the escaping writes. */
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('two different notices never share an intake', () => {
  it('leave K:1 and leave K_3A1 of the same HR system, same event id, get different ids', () => {
    expect(leaveIntakeInstanceId('hibob', 'K:1', 'e')).not.toBe(leaveIntakeInstanceId('hibob', 'K_3A1', 'e'));
    expect(leaveIntakeInstanceId('hibob', 'L', 'K:1')).not.toBe(leaveIntakeInstanceId('hibob', 'L', 'K_3A1'));
  });

  it('no two of a set of look-alike leave ids or event ids share an id, in any HR system', () => {
    const ids = HR_SOURCES.flatMap((source) =>
      TRICKY_IDS.flatMap((tricky) => [
        leaveIntakeInstanceId(source, tricky, 'e'),
        leaveIntakeInstanceId(source, 'L', tricky),
      ]),
    );
    expect(new Set(ids).size).toBe(HR_SOURCES.length * TRICKY_IDS.length * 2);
  });

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
  });

  it('ids are readable when they can be', () => {
    expect(leaveIntakeInstanceId('generic', 'ANSWER-1', 'evt-1')).toBe('leave-intake-generic-ANSWER-1~evt-1');
    expect(leaveIntakeInstanceId('hibob', 'K:1', 'e')).toBe('leave-intake-hibob-K_3A1~e');
    expect(leaveIntakeInstanceId('hibob', 'K_3A1', 'e')).toBe('leave-intake-hibob-K_5F3A1~e');
    expect(leaveIntakeInstanceId('bamboohr', 'lv.42@hr_1', 'e')).toBe(
      'leave-intake-bamboohr-lv.42_40hr_5F1~e',
    );
    expect(leaveIntakeInstanceId('hibob', 'Zoë', 'a~b')).toBe('leave-intake-hibob-Zo_C3_AB~a_7Eb');
  });

  it('an id too long to write out gets a hash of it, still within 256 characters', () => {
    expect(leaveIntakeInstanceId('bamboohr', ':'.repeat(128), 'e')).toBe(
      `leave-intake-bamboohr-_sha256-${sha256(`${'_3A'.repeat(128)}~e`)}`,
    );
    // `leave-intake-bamboohr-` is 22 characters: 22 + 232 + `~e` = 256 is still written out, 257 is hashed.
    const longest = leaveIntakeInstanceId('bamboohr', 'x'.repeat(232), 'e');
    expect(longest).toBe(`leave-intake-bamboohr-${'x'.repeat(232)}~e`);
    expect(longest).toHaveLength(MAX_INSTANCE_ID_LENGTH);
    expect(leaveIntakeInstanceId('bamboohr', 'x'.repeat(233), 'e')).toBe(
      `leave-intake-bamboohr-_sha256-${sha256(`${'x'.repeat(233)}~e`)}`,
    );
    // Escaped characters count as written: 22 + 77 × 3 + 2 = 255 written out, 22 + 78 × 3 + 2 = 258 hashed.
    expect(leaveIntakeInstanceId('bamboohr', ':'.repeat(77), 'e')).toBe(
      `leave-intake-bamboohr-${'_3A'.repeat(77)}~e`,
    );
    expect(leaveIntakeInstanceId('bamboohr', ':'.repeat(78), 'e')).toMatch(
      /^leave-intake-bamboohr-_sha256-[0-9a-f]{64}$/,
    );
  });

  it.each(TRICKY_IDS)(
    'the id for %p is one Durable Functions accepts and the status route knows',
    (tricky) => {
      for (const source of HR_SOURCES) {
        for (const id of [
          leaveIntakeInstanceId(source, tricky, 'e'),
          leaveIntakeInstanceId(source, 'L', tricky),
        ]) {
          expectDurableId(id);
          expect({ id, intake: isLeaveIntakeInstanceId(id) }).toEqual({ id, intake: true });
          expect(isCalendarInstanceId(id)).toBe(false);
        }
      }
    },
  );

  it('an id that is empty, or not Unicode text, or an unknown HR system is refused by name', () => {
    expect(() => leaveIntakeInstanceId('hibob', '', 'e')).toThrow('the leave id must not be empty');
    expect(() => leaveIntakeInstanceId('hibob', '9001', '')).toThrow('the event id must not be empty');
    expect(() => leaveIntakeInstanceId('hibob', 'a\uD800', 'e')).toThrow(
      'the leave id holds a lone surrogate (not Unicode text)',
    );
    expect(() => leaveIntakeInstanceId('hibob', '9001', '\uDC00')).toThrow(
      'the event id holds a lone surrogate (not Unicode text)',
    );
    expect(() => leaveIntakeInstanceId('workday', '1', 'e')).toThrow(
      'no HR source "workday"; use one of generic, hibob, bamboohr',
    );
  });

  it('no HR system’s name holds a `-`, so an id cannot be split into another source and leave id', () => {
    for (const source of HR_SOURCES) expect(source).toMatch(/^[a-z]+$/);
  });
});

describe('the status route recognises exactly the intake ids the app makes', () => {
  it.each([
    ['an empty leave id', 'leave-intake-generic-~e'],
    ['an empty event id', 'leave-intake-hibob-9001~'],
    ['no event id', 'leave-intake-hibob-9001'],
    ['two event ids', 'leave-intake-hibob-9001~evt~1'],
    ['an unknown HR system', 'leave-intake-other-9001~evt-1'],
    ['a character never written out', 'leave-intake-generic-K:1~e'],
    ['an escaped letter (made as A)', 'leave-intake-generic-_41~e'],
    ['lower-case escape digits', 'leave-intake-generic-K_3a1~e'],
    ['a cut escape', 'leave-intake-generic-K_3~e'],
    ['bytes that are not UTF-8', 'leave-intake-generic-_FF~e'],
    ['a hash of the wrong length', 'leave-intake-generic-_sha256-abc'],
    ['an upper-case hash', `leave-intake-generic-_sha256-${'A'.repeat(64)}`],
    ['a hash with an event id after it', `leave-intake-generic-_sha256-${'0'.repeat(64)}~e`],
    ['more than 256 characters', `leave-intake-generic-${'x'.repeat(234)}~e`],
    ['the per-leave orchestration’s old id', 'leave-hibob-9001'],
    ['the archive sweep', 'archive-sweep'],
    ['a calendar', calendarInstanceId('alice@contoso.com')],
  ])('%s is not an intake id', (_what, id) => {
    expect(isLeaveIntakeInstanceId(id)).toBe(false);
  });

  it('the longest written-out id and a hashed one are', () => {
    expect(isLeaveIntakeInstanceId(`leave-intake-generic-${'x'.repeat(233)}~e`)).toBe(true);
    expect(isLeaveIntakeInstanceId(`leave-intake-hibob-_sha256-${'0'.repeat(64)}`)).toBe(true);
  });
});

describe('a person’s leave calendar', () => {
  it('has one id whatever case the address is written in, and the address is not in it', () => {
    const id = calendarInstanceId('Alice@Contoso.com');
    expect(id).toBe(calendarInstanceId('alice@contoso.com'));
    expect(id).toBe(`leave-calendar-${sha256('alice@contoso.com').slice(0, 32)}`);
    expect(id).not.toMatch(/alice|contoso/i);
    expectDurableId(id);
    expect(isCalendarInstanceId(id)).toBe(true);
    expect(isLeaveIntakeInstanceId(id)).toBe(false);
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
