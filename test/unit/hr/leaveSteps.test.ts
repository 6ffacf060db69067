/**
 * The replies an absence sets come from LEAVE_TEMPLATES_FILE when it is set (read from disk, kept per file
 * name), else from the built-in templates. Settings through the app's own loader.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLeaveSettings } from '../../../shared/platform/config';
import type { Absence } from '../../../shared/leave/leaveCalendar';
import { absenceReplies } from '../../../shared/leave/leaveSteps';
import { leaveWindow } from '../../../shared/leave/leaveWindow';

const dir = mkdtempSync(join(tmpdir(), 'leave-templates-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// 1 to 5 December 2026 in Berlin, as the calendar makes it an absence.
const window = leaveWindow('2026-12-01', '2026-12-05', 'Europe/Berlin');
const absence: Absence = {
  tag: 'abs-test',
  ...window,
  firstDay: '2026-12-01',
  reply: {
    timeZone: 'Europe/Berlin',
    employee: { email: 'alice@contoso.com', displayName: 'Alice <Ops>' },
    locale: 'de-DE',
  },
  leaves: ['generic:L1'],
};
const dayBack = String(Number(window.firstDayBack.slice(8)));

function templatesFile(name: string, internal: string): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({ de: { internal, external: `extern: ${internal}` } }));
  return file;
}

test('without LEAVE_TEMPLATES_FILE: the built-in template of the person’s language, values escaped', () => {
  const oof = absenceReplies(absence, loadLeaveSettings({}));
  expect(oof.internalReply).toContain('Alice &lt;Ops&gt; ist im Urlaub');
  expect(oof).toMatchObject({ state: 'Scheduled', start: absence.start, end: absence.end });
});

test('LEAVE_TEMPLATES_FILE’s template is used, and a second file replaces the first', () => {
  const first = templatesFile('first.json', '<p>{{name}}: weg bis {{firstDayBack}}</p>');
  const oof = absenceReplies(absence, loadLeaveSettings({ LEAVE_TEMPLATES_FILE: first }));
  expect(oof.internalReply).toMatch(new RegExp(`^<p>Alice &lt;Ops&gt;: weg bis .*${dayBack}.*</p>$`));
  expect(oof.externalReply).toMatch(/^extern: <p>Alice/);

  const second = templatesFile('second.json', '<p>{{name}} ist nicht da</p>');
  expect(absenceReplies(absence, loadLeaveSettings({ LEAVE_TEMPLATES_FILE: second })).internalReply).toBe(
    '<p>Alice &lt;Ops&gt; ist nicht da</p>',
  );
});

test('a LEAVE_TEMPLATES_FILE that does not exist fails the step, naming the file', () => {
  const missing = join(dir, 'missing.json');
  expect(() => absenceReplies(absence, loadLeaveSettings({ LEAVE_TEMPLATES_FILE: missing }))).toThrow(
    missing,
  );
});
