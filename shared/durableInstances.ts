/**
 * Reading an orchestration's status through the Durable client. The client throws on the extension's
 * 404 ("no such instance") like on any other failure; callers want "none" for that one case only.
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
