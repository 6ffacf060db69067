/**
 * The replies a leave sets come from LEAVE_TEMPLATES_FILE when it is set (read from disk, kept per file
 * name), else from the built-in templates. Settings through the app's own loader.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLeaveSettings } from '../../../shared/platform/config';
import { leaveReplies, type SetOofInput } from '../../../shared/leave/leaveSteps';

const dir = mkdtempSync(join(tmpdir(), 'leave-templates-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const input: SetOofInput = {
  instanceId: 'leave-generic-L1',
  mailbox: 'alice@contoso.com',
  event: {
    eventId: 'e1',
    type: 'approved',
    occurredAt: '2026-11-20T09:00:00Z',
    leaveId: 'L1',
    start: '2026-12-01',
    end: '2026-12-05',
    timeZone: 'Europe/Berlin',
    employee: { email: 'alice@contoso.com', displayName: 'Alice <Ops>' },
    locale: 'de-DE',
  },
  start: '2026-11-30T23:00:00.000Z',
  end: '2026-12-05T23:00:00.000Z',
  firstDayBack: '2026-12-07',
};

function templatesFile(name: string, internal: string): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({ de: { internal, external: `extern: ${internal}` } }));
  return file;
}

test('without LEAVE_TEMPLATES_FILE: the built-in template of the person’s language, values escaped', () => {
  const oof = leaveReplies(input, loadLeaveSettings({}));
  expect(oof.internalReply).toContain('Alice &lt;Ops&gt; ist im Urlaub');
  expect(oof).toMatchObject({ state: 'Scheduled', start: input.start, end: input.end });
});

test('LEAVE_TEMPLATES_FILE’s template is used, and a second file replaces the first', () => {
  const first = templatesFile('first.json', '<p>{{name}}: weg bis {{firstDayBack}}</p>');
  const oof = leaveReplies(input, loadLeaveSettings({ LEAVE_TEMPLATES_FILE: first }));
  expect(oof.internalReply).toMatch(/^<p>Alice &lt;Ops&gt;: weg bis .*7.*<\/p>$/);
  expect(oof.externalReply).toMatch(/^extern: <p>Alice/);

  const second = templatesFile('second.json', '<p>{{name}} ist nicht da</p>');
  expect(leaveReplies(input, loadLeaveSettings({ LEAVE_TEMPLATES_FILE: second })).internalReply).toBe(
    '<p>Alice &lt;Ops&gt; ist nicht da</p>',
  );
});

test('a LEAVE_TEMPLATES_FILE that does not exist fails the step, naming the file', () => {
  const missing = join(dir, 'missing.json');
  expect(() => leaveReplies(input, loadLeaveSettings({ LEAVE_TEMPLATES_FILE: missing }))).toThrow(missing);
});
