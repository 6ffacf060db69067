import { ConfigError } from '../../platform/configError';
import type { OofSettings } from '../mailboxOperations';

const UTC_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z$/;

/** Refuses settings Exchange would reject or misread, before anything is sent. */
export function validateOofSettings(settings: OofSettings): void {
  if (!['Disabled', 'Enabled', 'Scheduled'].includes(settings.state)) {
    throw new ConfigError(
      `OOF state must be Disabled, Enabled or Scheduled, got "${settings.state}"`,
      'state',
    );
  }
  if (!['None', 'Known', 'All'].includes(settings.externalAudience)) {
    throw new ConfigError(
      `external audience must be None, Known or All, got "${settings.externalAudience}"`,
      'audience',
    );
  }
  if (settings.state !== 'Scheduled' && settings.start === undefined && settings.end === undefined) return;
  for (const [name, value] of [
    ['start', settings.start],
    ['end', settings.end],
  ] as const) {
    if (!value || !UTC_INSTANT.test(value) || Number.isNaN(Date.parse(value))) {
      throw new ConfigError(
        `an OOF time window needs ${name} as a UTC time like 2026-12-01T08:00:00Z, got "${value ?? ''}"`,
        name,
      );
    }
  }
  if (Date.parse(settings.end ?? '') <= Date.parse(settings.start ?? '')) {
    throw new ConfigError(`OOF end ${settings.end} is not after start ${settings.start}`, 'end');
  }
}
