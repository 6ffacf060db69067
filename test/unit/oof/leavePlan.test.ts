/**
 * The automatic reply a leave sets, and the check that decides whether a cancellation may restore the
 * person's earlier reply: only when the mailbox still shows exactly what we set. Anything the person
 * (or an admin) changed since is theirs and is left alone; what Exchange itself reformats is not a change.
 */
import { isStillOurs, plannedOof } from '../../../shared/leave/leavePlan';
import type { OofSettings } from '../../../shared/mailbox/mailboxOperations';

const window = {
  start: '2030-07-01T07:00:00.000Z',
  end: '2030-07-13T07:00:00.000Z',
  firstDayBack: '2030-07-15',
};
const employee = { email: 'alice@contoso.com', displayName: 'Alice <Ops>' };

describe('the reply a leave sets', () => {
  it('is scheduled for the leave window with the configured audience, in the person’s language', () => {
    const oof = plannedOof({ employee, locale: 'de-DE' }, window, { externalAudience: 'Known' });
    expect(oof).toMatchObject({
      state: 'Scheduled',
      start: window.start,
      end: window.end,
      externalAudience: 'Known',
    });
    expect(oof.internalReply).toBe(
      '<p>Hallo,</p><p>Alice &lt;Ops&gt; ist im Urlaub und ab Montag, 15. Juli 2030 wieder da.</p>',
    );
    expect(oof.externalReply).toContain('Alice &lt;Ops&gt; ist ab Montag, 15. Juli 2030 wieder erreichbar');
  });

  it('names the delegate and how to reach them when the leave has one', () => {
    const oof = plannedOof({ employee, delegate: { name: 'Bob', email: 'bob@contoso.com' } }, window, {
      externalAudience: 'All',
    });
    expect(oof.internalReply).toContain('please contact Bob (bob@contoso.com).');
    expect(oof.externalReply).toContain('please contact Bob (bob@contoso.com).');
  });

  it('without a locale uses the configured default language for the text and the date', () => {
    const oof = plannedOof({ employee }, window, { externalAudience: 'None', defaultLocale: 'fr' });
    expect(oof.internalReply).toContain('sera de retour le lundi 15 juillet 2030.');
    expect(oof.externalAudience).toBe('None');
  });

  it('uses the organisation’s own templates when given', () => {
    const templates = { en: { internal: 'Out until {{firstDayBack}}', external: '{{name}} is away' } };
    const oof = plannedOof({ employee, locale: 'en-GB' }, window, { externalAudience: 'All', templates });
    expect(oof).toMatchObject({
      internalReply: 'Out until Monday, 15 July 2030',
      externalReply: 'Alice &lt;Ops&gt; is away',
    });
  });
});

describe('is the reply in the mailbox still the one we set?', () => {
  const ours: OofSettings = {
    state: 'Scheduled',
    start: '2030-07-01T07:00:00Z',
    end: '2030-07-13T07:00:00Z',
    externalAudience: 'Known',
    internalReply: '<p>Away</p><p>Back on Monday</p>',
    externalReply: '<p>Out of office</p>',
  };

  it('yes, when nothing changed', () => {
    expect(isStillOurs({ ...ours }, ours)).toBe(true);
  });

  it('a person who moved their own reply’s end date keeps it when the leave is cancelled', () => {
    expect(isStillOurs({ ...ours, end: '2030-07-20T07:00:00Z' }, ours)).toBe(false);
  });

  it('a person who moved their own reply’s start date keeps it when the leave is cancelled', () => {
    expect(isStillOurs({ ...ours, start: '2030-07-03T07:00:00Z' }, ours)).toBe(false);
  });

  it('a person who turned the reply off, or on for good, keeps that', () => {
    expect(isStillOurs({ ...ours, state: 'Disabled' }, ours)).toBe(false);
    expect(isStillOurs({ ...ours, state: 'Enabled' }, ours)).toBe(false);
  });

  it('a person who changed who outside the organisation gets the reply keeps it', () => {
    expect(isStillOurs({ ...ours, externalAudience: 'All' }, ours)).toBe(false);
  });

  it('a person who rewrote the internal or the external reply keeps it', () => {
    expect(isStillOurs({ ...ours, internalReply: '<p>Away</p><p>Back on Tuesday</p>' }, ours)).toBe(false);
    expect(isStillOurs({ ...ours, externalReply: '<p>On holiday</p>' }, ours)).toBe(false);
  });

  it('Exchange storing our times to the second, or in another notation, is not a change', () => {
    expect(
      isStillOurs({ ...ours, start: '2030-07-01T07:00:59.999Z', end: '2030-07-13T09:00:30+02:00' }, ours),
    ).toBe(true);
  });

  it('a plain-text reply Exchange returns wrapped in a paragraph is not a change', () => {
    const plain: OofSettings = { ...ours, internalReply: 'Away', externalReply: 'Out of office' };
    expect(
      isStillOurs(
        { ...plain, internalReply: '<p>Away</p>', externalReply: '<div>Out of office</div>' },
        plain,
      ),
    ).toBe(true);
  });

  it('a person who joined or split words of the reply changed it', () => {
    expect(isStillOurs({ ...ours, internalReply: '<p>Away</p><p>Back onMonday</p>' }, ours)).toBe(false);
  });

  it('a time a minute off is a change', () => {
    expect(isStillOurs({ ...ours, end: '2030-07-13T07:01:00Z' }, ours)).toBe(false);
  });

  it('Exchange re-wrapping our HTML (other tags, line breaks, &nbsp;) is not a change', () => {
    const reflowed = {
      ...ours,
      internalReply: '<html><body><div>Away</div>\r\n<div style="x">Back&nbsp;on  Monday</div></body></html>',
      externalReply: '  <div>Out of\noffice</div> ',
    };
    expect(isStillOurs(reflowed, ours)).toBe(true);
  });

  it('an always-on reply we set stays ours whatever window Exchange keeps beside it', () => {
    const enabled: OofSettings = { ...ours, state: 'Enabled' };
    expect(isStillOurs({ ...enabled, start: '2031-01-01T00:00:00Z', end: undefined }, enabled)).toBe(true);
  });

  it('a scheduled reply that lost its end time is a change', () => {
    expect(isStillOurs({ ...ours, end: undefined }, ours)).toBe(false);
  });
});

describe('a reply holds only what Exchange stores as it is, so the app later still knows it as its own', () => {
  const named = (displayName: string, delegateName?: string) =>
    plannedOof(
      {
        employee: { email: 'ann@contoso.com', displayName },
        ...(delegateName ? { delegate: { name: delegateName } } : {}),
      },
      window,
      {
        externalAudience: 'All',
        templates: { en: { internal: '{{name}}{{#delegate}}|{{delegateName}}{{/delegate}}', external: 'x' } },
      },
    ).internalReply;

  it.each([
    ['a control character (U+0001) is dropped', 'Ann\u0001Lee', 'AnnLee'],
    ['a form feed or vertical tab separates words', 'Ann\fLee\vJr', 'Ann Lee Jr'],
    ['a lone surrogate becomes U+FFFD', 'Ann\uD83DLee\uDE00', 'Ann\uFFFDLee\uFFFD'],
    ['U+FFFE and U+FFFF become U+FFFD', 'Ann\uFFFELee\uFFFF', 'Ann\uFFFDLee\uFFFD'],
    ['CR LF and a lone CR become LF', 'Ann\r\nLee\rJr\nIII', 'Ann\nLee\nJr\nIII'],
    ['tabs, emoji and accents are kept', 'Zoë\t😀', 'Zoë\t😀'],
  ])('%s', (_what, displayName, shown) => {
    expect(named(displayName)).toBe(shown);
    expect(named('Ann', displayName)).toBe(`Ann|${shown}`);
  });

  it('the organisation’s own templates are cleaned the same way', () => {
    const oof = plannedOof({ employee }, window, {
      externalAudience: 'All',
      templates: { en: { internal: 'Away\r\n\u0007now\uFFFF', external: 'Out\fof office' } },
    });
    expect(oof).toMatchObject({ internalReply: 'Away\nnow\uFFFD', externalReply: 'Out of office' });
  });

  const ours: OofSettings = {
    state: 'Scheduled',
    start: window.start,
    end: window.end,
    externalAudience: 'All',
    internalReply: '<p>Ann\u0001Lee is away\uFFFE</p>',
    externalReply: '<p>Ann\uD83DLee is out</p>',
  };

  it('a reply set before this cleaning is still ours when Exchange shows it cleaned', () => {
    const asStored = {
      ...ours,
      internalReply: '<p>AnnLee is away\uFFFD</p>',
      externalReply: '<p>Ann\uFFFDLee is out</p>',
    };
    expect(isStillOurs(asStored, ours)).toBe(true);
  });

  it('a person who changed a word of such a reply still changed it', () => {
    const edited = {
      ...ours,
      internalReply: '<p>AnnLee is back\uFFFD</p>',
      externalReply: '<p>Ann\uFFFDLee is out</p>',
    };
    expect(isStillOurs(edited, ours)).toBe(false);
  });
});
