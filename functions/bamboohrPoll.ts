/**
 * BambooHR's time off, polled (shared/leave/sources/bamboohrPoll.ts): BambooHR cannot call us, so a timer
 * on %BAMBOOHR_POLL_SCHEDULE% reads its requests and hands each as a LeaveEvent to the same dispatch as
 * the webhooks (source `bamboohr`). Registered only when the setting exists: no setting, no poll.
 */
import { app, type InvocationContext, type Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { appServices } from '../shared/app/appServices';
import { dispatchLeaveEvent, durableLeaveInstances } from '../shared/leave/leaveDispatch';
import { pollBambooHr } from '../shared/leave/sources/bamboohrPoll';
// The calendar owner this timer starts is registered with it (a host that loads this module alone).
import './leaveCalendarOrchestrator';

export async function bambooHrPollTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  const services = appServices();
  const instances = durableLeaveInstances(df.getClient(context));
  const { firstRetryMs, maxAttempts, dateBounds } = services.leaveSettings();
  await pollBambooHr({
    settings: services.bambooHrSettings(),
    secrets: services.secrets(),
    now: () => services.now(),
    dateBounds,
    deliver: (event) => dispatchLeaveEvent('bamboohr', event, instances, { firstRetryMs, maxAttempts }),
    log: (line) => context.log(line),
  });
}

// The host resolves %BAMBOOHR_POLL_SCHEDULE% from app settings; without the setting there is no timer at
// all (registering it anyway would fail the host's indexing for every function).
if (appServices().bambooHrSettings().schedule) {
  app.timer('bamboohrPoll', {
    schedule: '%BAMBOOHR_POLL_SCHEDULE%',
    extraInputs: [df.input.durableClient()],
    handler: bambooHrPollTimer,
  });
}
