/** An orchestration's status as the durable status URL (statusQueryGetUri) answers it. */
export interface DurableStatus {
  runtimeStatus: string;
  customStatus: { phase?: string } | null;
  output: Record<string, unknown> | null;
}

/** Polls a status URL until `ok` holds (every 10 ms, for at most 5 s). */
export async function pollStatus(
  url: string,
  ok: (s: DurableStatus) => boolean,
  what: string,
): Promise<DurableStatus> {
  for (let i = 0; i < 500; i++) {
    const s = (await (await fetch(url)).json()) as DurableStatus;
    if (ok(s)) return s;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * An instance's status on a dev host's stand-in of the Durable extension API (where the management
 * payload's statusQueryGetUri points): input, output and custom status, for tests. HR callers never get
 * this URL; they read the leave status route (functions/hrLeaveStatus.ts).
 */
export function durableStatusUrl(hostUrl: string, instanceId: string): string {
  return `${hostUrl}/runtime/webhooks/durabletask/instances/${encodeURIComponent(instanceId)}`;
}
