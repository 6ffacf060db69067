/**
 * Run in a child process of its own (test/support/typeScriptChild.ts): one FindItem call through the real
 * EWS client against the EWS URL given, printing as JSON how it ended and how far the process's resident
 * memory rose above where it stood before the call (the peak, sampled every 2 ms and from the kernel's
 * own maximum).
 *
 *   answerMemoryProbe.ts <EWS_URL>
 */
import { loadEwsSettings } from '../../shared/platform/config';
import { EwsClient } from '../../shared/mailbox/ews/ewsClient';
import { MailboxError } from '../../shared/mailbox/mailboxError';

async function main(): Promise<void> {
  const url = process.argv[2] ?? '';
  const client = new EwsClient(
    loadEwsSettings({
      EWS_URL: url,
      EWS_AUTH: 'basic',
      EWS_USERNAME: 'svc',
      EWS_PASSWORD: 'x',
      EWS_MAX_ATTEMPTS: '6',
    }),
    { backOffBaseMs: 10, backOffCapMs: 20 },
  );
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage().rss;
  const kernelPeakBefore = process.resourceUsage().maxRSS * 1024;
  let sampled = before;
  const sampler = setInterval(() => (sampled = Math.max(sampled, process.memoryUsage().rss)), 2);
  let outcome: Record<string, unknown>;
  try {
    const items = await client.findItemIdsReceivedBefore('alice@contoso.com', 'inbox', new Date());
    outcome = { ok: true, items: items.length };
  } catch (error) {
    outcome =
      error instanceof MailboxError
        ? {
            ok: false,
            code: error.code,
            errorClass: error.errorClass,
            attempts: error.attempts,
            message: error.message,
          }
        : { ok: false, code: 'unexpected', message: String(error) };
  }
  clearInterval(sampler);
  sampled = Math.max(sampled, process.memoryUsage().rss);
  const kernelPeak = process.resourceUsage().maxRSS * 1024;
  // The kernel's maximum counts only if the call raised it (module loading may have set it earlier).
  const peak = kernelPeak > kernelPeakBefore ? Math.max(sampled, kernelPeak) : sampled;
  await client.close();
  process.stdout.write(JSON.stringify({ ...outcome, peakGrowthBytes: peak - before }));
}

void main();
