/**
 * `GET /api/sweeps/archive` while a sweep archives sums its lanes' progress, read through the real
 * durable-functions client from a loopback stand-in of the extension's status API that the test starts.
 * A lane the extension does not know (404: not started yet) counts nothing; a lane whose status read
 * fails any other way fails the answer, instead of being counted as no progress.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpRequest, InvocationContext, type HttpResponse } from '@azure/functions';
import { archiveSweepHttp } from '../../functions/archiveSweep';
import { SWEEP_INSTANCE_ID, type LaneStatus, type SweepCustomStatus } from '../../shared/sweep/sweepControl';
import { emptyCounts, sweepStatus, type SweepStatus } from '../../shared/sweep/sweepTypes';

const LANE_PREFIX = `${SWEEP_INSTANCE_ID}:20261125T020000Z:lane`;

/** Lane 0 has archived one batch of three mailboxes; lane 1 answers as each test says. */
const lane0: LaneStatus = {
  batchesDone: 1,
  counts: { ...emptyCounts(), mailboxes: { ...emptyCounts().mailboxes, archived: 3 }, itemsArchived: 12 },
};
const sweep: SweepCustomStatus = {
  ...sweepStatus('archiving', false, 12, emptyCounts(), { total: 4, done: 0, inFlight: 2 }),
  lanePrefix: LANE_PREFIX,
  lanes: 2,
};
let lane1: { status: number; customStatus?: LaneStatus };

function instance(instanceId: string, customStatus: unknown): Record<string, unknown> {
  return {
    name: instanceId === SWEEP_INSTANCE_ID ? 'archiveSweepOrchestrator' : 'archiveSweepLane',
    instanceId,
    runtimeStatus: 'Running',
    input: null,
    output: null,
    customStatus,
    createdTime: '2026-11-25T02:00:00.000Z',
    lastUpdatedTime: '2026-11-25T02:05:00.000Z',
  };
}

let server: http.Server;
let base: string;
const reads: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const id = decodeURIComponent(/^\/durabletask\/instances\/([^/]+)$/.exec(url.pathname)?.[1] ?? '');
    reads.push(id);
    const answer = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (id === SWEEP_INSTANCE_ID) answer(202, instance(id, sweep));
    else if (id === `${LANE_PREFIX}0`) answer(202, instance(id, lane0));
    else if (id === `${LANE_PREFIX}1` && lane1.status === 202) answer(202, instance(id, lane1.customStatus));
    else if (id === `${LANE_PREFIX}1`) answer(lane1.status, { error: `answered ${lane1.status}` });
    else answer(404, { error: `no instance ${id}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  reads.length = 0;
});

/** The route as the Functions host calls it, its durable client binding pointing at the stand-in. */
function getSweep(): Promise<HttpResponse> {
  const binding = { name: 'durableClient', type: 'durableClient', direction: 'in' as const };
  const context = new InvocationContext({
    functionName: 'archiveSweep',
    options: {
      trigger: { name: 'request', type: 'httpTrigger', direction: 'in' },
      extraInputs: [binding],
      extraOutputs: [],
    },
  });
  context.extraInputs.set(binding, {
    taskHubName: 'TestHub',
    rpcBaseUrl: `${base}/durabletask/`,
    baseUrl: `${base}/runtime/webhooks/durabletask`,
    requiredQueryStringParameters: '',
    creationUrls: {},
    managementUrls: {
      id: 'INSTANCEID',
      statusQueryGetUri: `${base}/runtime/webhooks/durabletask/instances/INSTANCEID`,
    },
  });
  const request = new HttpRequest({ method: 'GET', url: 'http://127.0.0.1/api/sweeps/archive' });
  return archiveSweepHttp(request, context);
}

async function progressOf(response: HttpResponse): Promise<SweepStatus> {
  expect(response.status).toBe(200);
  return ((await response.json()) as { progress: SweepStatus }).progress;
}

test('progress is the sum over the lanes', async () => {
  lane1 = { status: 202, customStatus: { ...lane0, batchesDone: 2 } };
  const progress = await progressOf(await getSweep());
  expect(progress).toMatchObject({ phase: 'archiving', done: 6, itemsArchived: 24 });
  expect(progress.batches).toEqual({ total: 4, done: 3, inFlight: 1 });
  expect(reads).toEqual(expect.arrayContaining([SWEEP_INSTANCE_ID, `${LANE_PREFIX}0`, `${LANE_PREFIX}1`]));
});

test('a lane the extension does not know yet counts nothing', async () => {
  lane1 = { status: 404 };
  const progress = await progressOf(await getSweep());
  expect(progress).toMatchObject({ done: 3, itemsArchived: 12 });
  expect(progress.batches).toEqual({ total: 4, done: 1, inFlight: 2 });
});

test.each([500, 503, 403])('a lane status read that fails with HTTP %i fails the answer', async (status) => {
  lane1 = { status };
  await expect(getSweep()).rejects.toThrow(`unexpected status code: ${status}`);
  expect(reads).toContain(`${LANE_PREFIX}1`);
});
