/**
 * Which telemetry settings start the meter provider, and a malformed APPLICATIONINSIGHTS_AUTHENTICATION_STRING
 * refused at start naming the setting (with Application Insights' local auth off, a token is the only
 * way in: metrics sent without one would be dropped without a word).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../../shared/platform/configError';
import { startTelemetry, telemetrySettings } from '../../../shared/platform/telemetry/azureMonitor';

const CONNECTION = 'InstrumentationKey=0f0e0d0c-0b0a-4908-8706-050403020100;IngestionEndpoint=https://x/';

test('no connection string, or an empty one: no telemetry, and startTelemetry starts nothing', () => {
  expect(telemetrySettings({})).toBeUndefined();
  expect(telemetrySettings({ APPLICATIONINSIGHTS_CONNECTION_STRING: '  ' })).toBeUndefined();
  expect(startTelemetry({ APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD' })).toBe(false);
});

test('the connection string alone sends with its key; AAD with a client id names the managed identity', () => {
  expect(telemetrySettings({ APPLICATIONINSIGHTS_CONNECTION_STRING: CONNECTION })).toEqual({
    connectionString: CONNECTION,
    entraAuth: false,
  });
  expect(
    telemetrySettings({
      APPLICATIONINSIGHTS_CONNECTION_STRING: CONNECTION,
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=5a1e-id; authorization=AAD',
    }),
  ).toEqual({ connectionString: CONNECTION, entraAuth: true, managedIdentityClientId: '5a1e-id' });
  expect(
    telemetrySettings({
      APPLICATIONINSIGHTS_CONNECTION_STRING: CONNECTION,
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD',
    }),
  ).toEqual({ connectionString: CONNECTION, entraAuth: true, managedIdentityClientId: undefined });
});

test.each([
  ['ClientId', /"ClientId" is not name=value/],
  ['Authorization=AAD;ClientId=a=b', /"ClientId=a=b" is not name=value/],
  ['ClientId=5a1e-id', /Authorization must be AAD/],
  ['Authorization=Key;ClientId=5a1e-id', /Authorization must be AAD/],
])('a malformed authentication string (%s) is refused naming the setting', (auth, message) => {
  let error: unknown;
  try {
    startTelemetry({
      APPLICATIONINSIGHTS_CONNECTION_STRING: CONNECTION,
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: auth,
    });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect(error).toMatchObject({ setting: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING' });
  expect((error as Error).message).toMatch(/^APPLICATIONINSIGHTS_AUTHENTICATION_STRING: /);
  expect((error as Error).message).toMatch(message);
});

test('host.json leaves the host on its Application Insights logging (the metrics come from the worker)', () => {
  // "telemetryMode": "OpenTelemetry" is a preview of the host's own export (Flex only, no Core Tools,
  // HTTP and Azure SDK triggers only, no host metrics): see shared/platform/telemetry/azureMonitor.ts.
  const hostJson = JSON.parse(readFileSync(path.join(__dirname, '../../../host.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  expect(hostJson).not.toHaveProperty('telemetryMode');
  expect(hostJson).toHaveProperty('logging.applicationInsights');
});
