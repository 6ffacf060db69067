/**
 * Reading an orchestration's status through the Durable client. The client throws on the extension's
 * 404 ("no such instance") like on any other failure; callers want "none" for that one case only, and
 * every other failure (the extension unreachable, a 500) as the error it is.
 */
import type { DurableClient, DurableOrchestrationStatus } from 'durable-functions';

export async function findInstance(
  client: DurableClient,
  instanceId: string,
  options: { showInput: boolean },
): Promise<DurableOrchestrationStatus | undefined> {
  try {
    const status = await client.getStatus(instanceId, { ...options, showHistory: false });
    return status?.runtimeStatus ? status : undefined;
  } catch (error) {
    if (/HTTP 404\b/.test((error as Error).message)) return undefined;
    throw error;
  }
}

/** Runtime statuses of an instance that has not ended: its id cannot be started again yet. */
const ACTIVE = new Set<string>(['Running', 'Pending', 'ContinuedAsNew', 'Suspended']);

export function isActive(status: { runtimeStatus: string } | undefined): boolean {
  return status !== undefined && ACTIVE.has(status.runtimeStatus);
}
