/**
 * What the automatic replies should be for a leave, and whether the mailbox still shows what we set.
 */
import type { ExternalAudience, OofSettings } from '../mailbox/mailboxOperations';
import type { LeaveEvent } from './leaveEvent';
import {
  DEFAULT_TEMPLATES,
  formatDay,
  pickTemplate,
  renderTemplate,
  replyText,
  type TemplateSet,
} from './templates';

export interface OofPlanSettings {
  externalAudience: ExternalAudience;
  templates?: TemplateSet;
  defaultLocale?: string;
}

/**
 * Scheduled OOF from `start` to `end` (UTC ISO), with replies from the person's locale's templates, in text
 * Exchange stores as it is (replyText): a name with a control character is not altered on the way.
 */
export function plannedOof(
  event: Pick<LeaveEvent, 'employee' | 'locale' | 'delegate'>,
  window: { start: string; end: string; firstDayBack: string },
  settings: OofPlanSettings,
): OofSettings {
  const { locale, template } = pickTemplate(
    settings.templates ?? DEFAULT_TEMPLATES,
    event.locale,
    settings.defaultLocale,
  );
  const values = {
    name: event.employee.displayName,
    firstDayBack: formatDay(window.firstDayBack, event.locale ?? locale),
    delegate: event.delegate,
  };
  return {
    state: 'Scheduled',
    start: window.start,
    end: window.end,
    externalAudience: settings.externalAudience,
    internalReply: replyText(renderTemplate(template.internal, values)),
    externalReply: replyText(renderTemplate(template.external, values)),
  };
}

/**
 * Reply text as a person reads it: Exchange may wrap or reformat the HTML we sent. Both sides go through
 * replyText first, so what the way to Exchange alters (a control character dropped) is not a difference.
 */
function readable(html: string): string {
  return replyText(html)
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function minute(iso: string | undefined): number | undefined {
  return iso === undefined ? undefined : Math.floor(Date.parse(iso) / 60_000);
}

/**
 * True when the mailbox still has the settings we set (state, times to the minute, audience, and the
 * replies' readable text). False means the person (or an admin) changed them since: leave them alone.
 */
export function isStillOurs(current: OofSettings, ours: OofSettings): boolean {
  if (current.state !== ours.state) return false;
  if (current.externalAudience !== ours.externalAudience) return false;
  if (
    ours.state === 'Scheduled' &&
    (minute(current.start) !== minute(ours.start) || minute(current.end) !== minute(ours.end))
  ) {
    return false;
  }
  return (
    readable(current.internalReply) === readable(ours.internalReply) &&
    readable(current.externalReply) === readable(ours.externalReply)
  );
}
