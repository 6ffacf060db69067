/**
 * The real export of the sweep's custom metrics: a worker (test/support/azureMonitorChild.ts, a process
 * of its own so OpenTelemetry's global state stays there) loads functions/telemetry.ts with the settings a
 * deployment gives it, adds a sweep's and a batch's counts and ends as the worker's appTerminate hook
 * ends it. A loopback Application Insights ingestion stand-in (HTTPS, as the exporter insists) receives
 * what the exporter sends, with a token from the managed-identity endpoint stand-in, because the
 * deployment's Application Insights accepts no other (local auth off).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startEntraTokenServer, type EntraTokenServer } from '../../dev/identity/entraTokenServer';
import { verifyJwtSignature } from '../../dev/identity/jwt';
import { generateLoopbackCertificate } from '../../dev/identity/tlsCertificate';
import { listenOnLoopback } from '../../dev/loopback/listenOnLoopback';
import type { SweepMetrics } from '../../shared/sweep/sweepReport';
import { runTypeScriptChild } from '../support/typeScriptChild';

const INSTRUMENTATION_KEY = '0f0e0d0c-0b0a-4908-8706-050403020100';
const IDENTITY = '00000000-0000-4000-8000-00000000a11e';

interface Received {
  method: string;
  path: string;
  authorization?: string;
  envelopes: Envelope[];
}

interface Envelope {
  name: string;
  iKey: string;
  data: {
    baseType: string;
    baseData: { metrics?: { name: string; value: number }[]; properties?: Record<string, string> };
  };
}

interface WorkerReport {
  started: boolean;
  added: Record<'sweep' | 'batch', SweepMetrics>;
  connections: string[];
}

let entra: EntraTokenServer;
let ingestion: { origin: string; port: number; close: () => Promise<void> };
const received: Received[] = [];
let caDir: string;
let caFile: string;

beforeAll(async () => {
  const tls = await generateLoopbackCertificate();
  caDir = mkdtempSync(path.join(tmpdir(), 'ingestion-ca-'));
  caFile = path.join(caDir, 'ca.pem');
  writeFileSync(caFile, tls.caPem);
  entra = await startEntraTokenServer({ tls, managedIdentities: [{ clientId: IDENTITY }] });
  const server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const envelopes = JSON.parse(body.toString('utf8')) as Envelope[];
      received.push({
        method: req.method ?? '',
        path: req.url ?? '',
        authorization: req.headers.authorization,
        envelopes,
      });
      const answer = JSON.stringify({
        itemsReceived: envelopes.length,
        itemsAccepted: envelopes.length,
        errors: [],
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
    });
  });
  ingestion = await listenOnLoopback(server);
});

afterAll(async () => {
  await ingestion.close();
  await entra.close();
  rmSync(caDir, { recursive: true, force: true });
});

/**
 * Runs the worker with `settings` in its environment, on top of what the Functions platform sets
 * (its resource detectors then know they are on Functions and do not probe the VM metadata service).
 */
async function runWorker(settings: Record<string, string>): Promise<WorkerReport> {
  const env: Record<string, string> = {
    FUNCTIONS_WORKER_RUNTIME: 'node',
    FUNCTIONS_EXTENSION_VERSION: '~4',
    WEBSITE_SITE_NAME: 'func-mailbox-automation-test',
    WEBSITE_SKU: 'FlexConsumption',
    // The SDK's own usage statistics go to a Microsoft endpoint: not from a test.
    APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
    APPLICATIONINSIGHTS_CONNECTION_STRING: '',
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: '',
    ...settings,
  };
  const out = await runTypeScriptChild('test/support/azureMonitorChild.ts', [], 90_000, {
    ...process.env,
    ...env,
  });
  return JSON.parse(out.trim().split('\n').pop() ?? '') as WorkerReport;
}

/** `name` → `scope` → value, over every metric envelope received. */
function metricValues(envelopes: Envelope[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const e of envelopes) {
    for (const m of e.data.baseData.metrics ?? []) {
      const byScope = (out[m.name] ??= {});
      const scope = e.data.baseData.properties?.scope ?? '';
      byScope[scope] = (byScope[scope] ?? 0) + m.value;
    }
  }
  return out;
}

test('the sweep counts reach ingestion as custom metrics, sent with the managed identity’s token', async () => {
  received.length = 0;
  const report = await runWorker({
    APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${INSTRUMENTATION_KEY};IngestionEndpoint=${ingestion.origin}/`,
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `Authorization=AAD;ClientId=${IDENTITY}`,
    IDENTITY_ENDPOINT: entra.managedIdentityEndpoint,
    IDENTITY_HEADER: entra.identityHeader,
    NODE_EXTRA_CA_CERTS: caFile,
  });

  expect(report.started).toBe(true);
  expect(received.length).toBeGreaterThan(0);
  for (const post of received) {
    expect(post).toMatchObject({ method: 'POST', path: '/v2.1/track' });
    const token = /^Bearer (.+)$/.exec(post.authorization ?? '')?.[1] ?? '';
    const verified = verifyJwtSignature(token, [entra.signingKey]);
    if (typeof verified === 'string') throw new Error(`ingestion got no valid token: ${verified}`);
    expect(verified.claims).toMatchObject({ aud: 'https://monitor.azure.com', appid: IDENTITY });
  }
  expect(entra.requests).toContainEqual(
    expect.objectContaining({ endpoint: 'managed-identity', clientId: IDENTITY, status: 200 }),
  );

  const envelopes = received.flatMap((r) => r.envelopes);
  // Metrics only: no requests, dependencies, traces or performance counters of the exporter's own.
  expect(new Set(envelopes.map((e) => `${e.name} ${e.data.baseType}`))).toEqual(
    new Set(['Microsoft.ApplicationInsights.Metric MetricData']),
  );
  expect(new Set(envelopes.map((e) => e.iKey))).toEqual(new Set([INSTRUMENTATION_KEY]));
  const expected = Object.fromEntries(
    Object.keys(report.added.sweep).map((name) => [
      name,
      {
        sweep: report.added.sweep[name as keyof SweepMetrics],
        batch: report.added.batch[name as keyof SweepMetrics],
      },
    ]),
  );
  expect(metricValues(envelopes)).toEqual(expected);
  expect(metricValues(envelopes).itemsMoved).toEqual({ sweep: 235, batch: 20 });
  for (const e of envelopes) expect(e.data.baseData.properties).toMatchObject({ dryRun: 'false' });

  // Nothing left this machine: ingestion, the identity endpoint, nothing else.
  const allowed = [`127.0.0.1:${ingestion.port}`, `127.0.0.1:${new URL(entra.managedIdentityEndpoint).port}`];
  expect(report.connections.filter((c) => !allowed.includes(c))).toEqual([]);
});

test('without a connection string nothing starts and nothing is sent', async () => {
  received.length = 0;
  const report = await runWorker({ NODE_EXTRA_CA_CERTS: caFile });

  expect(report).toMatchObject({ started: false, connections: [] });
  expect(received).toEqual([]);
});
