/**
 * POST /v1.0/$batch as the JSON batching page describes it. The whole batch is refused (400) when it is
 * malformed: no requests or more than 20; an id missing or used twice (ids that differ only in case are the
 * same id); a method or relative url missing; a body without `headers` naming its Content-Type; a dependsOn
 * naming no request of the batch. Otherwise the envelope is 200 and each item has its own status:
 *   - items run at most four at a time (Graph hands batch items on to Outlook four at a time);
 *   - an item with dependsOn runs after its dependencies, and answers 424 Failed Dependency when one failed;
 *   - item headers are spelled as Graph spells them (`Content-Type`, `Retry-After`).
 */
import { graphError, isRecord, withInnerError, type Answer } from './graphAnswers';

export interface BatchItem {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

/** Graph's limits: requests per batch, and items handed on at once. */
const MAX_REQUESTS = 20;
const ITEMS_IN_FLIGHT = 4;

const refuse = (message: string): Answer => graphError(400, 'BadRequest', message);

/** The batch's items, or the 400 that refuses the whole batch. */
function readItems(body: unknown): { items: BatchItem[]; dependsOn: Map<string, string[]> } | Answer {
  const requests = isRecord(body) ? body.requests : undefined;
  if (!Array.isArray(requests) || requests.length === 0) return refuse('Invalid batch payload format.');
  if (requests.length > MAX_REQUESTS) {
    return refuse(`Maximum number of requests in a batch is ${MAX_REQUESTS}.`);
  }
  const items: BatchItem[] = [];
  const dependsOn = new Map<string, string[]>();
  const seen = new Map<string, string>();
  for (const r of requests as unknown[]) {
    if (!isRecord(r) || typeof r.id !== 'string' || r.id === '') {
      return refuse('Each request in a batch needs an id.');
    }
    const earlier = seen.get(r.id.toLowerCase());
    if (earlier !== undefined) {
      return refuse(`Batch request contains duplicate ids: '${earlier}' and '${r.id}'.`);
    }
    seen.set(r.id.toLowerCase(), r.id);
    if (
      typeof r.method !== 'string' ||
      typeof r.url !== 'string' ||
      r.url === '' ||
      /^https?:/i.test(r.url)
    ) {
      return refuse(`Request id ${r.id} needs a method and a relative url.`);
    }
    const headers: Record<string, string> = {};
    if (isRecord(r.headers)) {
      for (const [k, v] of Object.entries(r.headers)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
    }
    if (r.body !== undefined && !headers['content-type']) {
      return refuse(`Write request id : ${r.id} does not contain Content-Type header or body.`);
    }
    if (r.dependsOn !== undefined) {
      if (!Array.isArray(r.dependsOn) || !r.dependsOn.every((d): d is string => typeof d === 'string')) {
        return refuse(`dependsOn of request id ${r.id} must be a list of ids.`);
      }
      dependsOn.set(r.id, r.dependsOn);
    }
    items.push({ id: r.id, method: r.method.toUpperCase(), url: r.url, headers, body: r.body });
  }
  // A dependency must come earlier in the batch: no request waits for itself, directly or through others.
  const position = new Map(items.map((item, i) => [item.id.toLowerCase(), i]));
  for (const [id, deps] of dependsOn) {
    const at = position.get(id.toLowerCase()) ?? 0;
    const missing = deps.find((d) => (position.get(d.toLowerCase()) ?? Infinity) >= at);
    if (missing !== undefined) {
      return refuse(`Request id ${id} depends on '${missing}', not an earlier request of this batch.`);
    }
  }
  return { items, dependsOn };
}

/**
 * Runs a batch: `serve` answers one item (routing, checks, faults, throttling, logging) and names the
 * request-id the item's error carries in its innerError.
 */
export async function runBatch(
  body: unknown,
  serve: (item: BatchItem) => Promise<{ answer: Answer; requestId: string }>,
  clientRequestId: string | undefined,
): Promise<Answer> {
  const read = readItems(body);
  if ('status' in read) return read;
  const { items, dependsOn } = read;
  const byId = new Map(items.map((i) => [i.id.toLowerCase(), i]));
  const done = new Map<BatchItem, Promise<Answer>>();
  let running = 0;
  const waiting: (() => void)[] = [];
  const slot = async (): Promise<() => void> => {
    if (running >= ITEMS_IN_FLIGHT) await new Promise<void>((r) => waiting.push(r));
    running++;
    return () => {
      running--;
      waiting.shift()?.();
    };
  };
  const run = (item: BatchItem): Promise<Answer> => {
    let answer = done.get(item);
    if (!answer) {
      answer = (async () => {
        const deps = (dependsOn.get(item.id) ?? []).map((d) => byId.get(d.toLowerCase()) as BatchItem);
        const results = await Promise.all(deps.map(run));
        if (results.some((r) => r.status >= 400)) {
          return graphError(424, 'FailedDependency', 'Failed dependency.');
        }
        const release = await slot();
        try {
          const served = await serve(item);
          return withInnerError(served.answer, served.requestId, clientRequestId);
        } finally {
          release();
        }
      })();
      done.set(item, answer);
    }
    return answer;
  };
  const answers = await Promise.all(items.map(run));
  return {
    status: 200,
    body: {
      responses: items.map((item, i) => ({
        id: item.id,
        status: answers[i]?.status,
        headers: { 'Content-Type': 'application/json', ...answers[i]?.headers },
        body: answers[i]?.body,
      })),
    },
  };
}
