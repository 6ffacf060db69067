/**
 * Everything a sweep would trip over in configuration, checked before it starts: the sweep settings,
 * MAILBOX_SCOPE, what discovery needs (something to sweep, a service mailbox in scope for the group),
 * somewhere to write the report, and the mailbox back end's own settings (EWS_URL, credentials). The
 * same dependencies the sweep's activities use, so a start that passes does not fail later on
 * configuration; what cannot be known at start (Exchange's answers) is left to the sweep.
 */
import { ConfigError } from '../platform/configError';
import { assertDiscoverable } from './discovery';
import type { SweepDependencies } from './sweepDependencies';
import { discoverySourcesFor } from './sweepJob';

/** Undefined when a sweep limited to `limitTo` (or, without it, the configured one) can start. */
export async function sweepConfigurationError(
  deps: SweepDependencies,
  limitTo?: readonly string[],
): Promise<ConfigError | undefined> {
  try {
    const settings = deps.settings();
    assertDiscoverable(deps.scope(), discoverySourcesFor(settings, limitTo));
    deps.store();
    await deps.operations();
    return undefined;
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
}
