import { readFileSync } from 'node:fs';
import path from 'node:path';
import { JsonObject, isObject, readJsonObject, repoRoot, text } from './armTemplate';
import { REQUIRED_APP_SETTINGS, looksLikeSecretName } from './posture';
import { loadEwsSettings } from '../../shared/platform/config';

const ewsEnv = {
  EWS_URL: 'https://mail.contoso.com/EWS/Exchange.asmx',
  EWS_AUTH: 'basic',
  EWS_USERNAME: 'u',
  EWS_PASSWORD: 'p',
};

const host = readJsonObject(path.join(repoRoot, 'host.json'));
const durable = (host.extensions as JsonObject).durableTask as JsonObject;

describe('host.json', () => {
  it('uses the v4 extension bundle range that carries Durable Functions for Node', () => {
    expect(host.version).toBe('2.0');
    expect(host.extensionBundle).toEqual({
      id: 'Microsoft.Azure.Functions.ExtensionBundle',
      version: '[4.*, 5.0.0)',
    });
  });

  it('takes the task hub name from the TASKHUB_NAME setting', () => {
    expect(durable.hubName).toBe('%TASKHUB_NAME%');
  });

  it('never traces orchestration inputs and outputs (they hold addresses and reply text)', () => {
    expect(durable.tracing).toMatchObject({ traceInputsAndOutputs: false });
  });

  it('bounds concurrency and partitions', () => {
    expect(durable.storageProvider).toMatchObject({ partitionCount: 4 });
    for (const limit of [
      durable.maxConcurrentActivityFunctions,
      durable.maxConcurrentOrchestratorFunctions,
    ]) {
      expect(Number.isInteger(limit)).toBe(true);
      expect(limit).toBeGreaterThanOrEqual(1);
      // Per worker: high enough for the EWS slots (below), low enough that one worker cannot swamp a tenant.
      expect(limit).toBeLessThanOrEqual(64);
    }
  });

  it('lets one worker run enough mailbox activities to use every EWS call slot (one call each at a time)', () => {
    // Fewer activities than EWS_MAX_IN_FLIGHT (27) would leave slots empty on every worker: with 10, a
    // sweep ran at 10/27 of what the client allows.
    expect(durable.maxConcurrentActivityFunctions).toBeGreaterThanOrEqual(
      loadEwsSettings(ewsEnv).maxInFlightPerEndpoint,
    );
  });

  it('keeps requests out of sampling and sets a bounded timeout', () => {
    const logging = host.logging as JsonObject;
    const sampling = (logging.applicationInsights as JsonObject).samplingSettings as JsonObject;
    expect(text(sampling.excludedTypes)).toContain('Request');
    expect(host.functionTimeout).toMatch(/^\d\d:\d\d:\d\d$/);
  });
});

describe('local.settings.example.json', () => {
  const values = readJsonObject(path.join(repoRoot, 'local.settings.example.json')).Values;

  it('runs against Azurite and the local sandbox', () => {
    expect(isObject(values)).toBe(true);
    expect(values).toMatchObject({
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      FUNCTIONS_WORKER_RUNTIME: 'node',
    });
    expect(text((values as JsonObject).EWS_URL)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/EWS\/Exchange\.asmx$/);
  });

  it('lists the app settings and holds no secret', () => {
    const settings = values as JsonObject;
    const appOwn = REQUIRED_APP_SETTINGS.filter(
      (s) =>
        !/^(AzureWebJobsStorage__|APPLICATIONINSIGHTS_|AZURE_CLIENT_ID|EWS_TENANT_ID|EWS_CLIENT_ID)/.test(s),
    );
    for (const name of appOwn) expect(settings).toHaveProperty([name]);
    expect(Object.keys(settings).filter(looksLikeSecretName)).toEqual([]);
  });
});

describe('azure.yaml', () => {
  const yaml = readFileSync(path.join(repoRoot, 'azure.yaml'), 'utf8');

  it('deploys the package as the api service to a function app from infra/', () => {
    expect(yaml).toMatch(/^services:\n {2}api:\n {4}project: \.\n {4}language: ts\n {4}host: function$/m);
    expect(yaml).toMatch(/^infra:\n {2}provider: bicep\n {2}path: infra$/m);
  });
});
