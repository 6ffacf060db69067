import {
  assertArchivingSupported,
  loadGraphSettings,
  loadMailboxBackendKind,
} from '../../../shared/platform/config';
import { ConfigError } from '../../../shared/platform/configError';

const app = { EWS_TENANT_ID: 't', EWS_CLIENT_ID: 'c', EWS_CLIENT_SECRET: 's' };

describe('MAILBOX_BACKEND and the Graph settings', () => {
  test('ews by default; graph on request; anything else names the setting', () => {
    expect(loadMailboxBackendKind({})).toBe('ews');
    expect(loadMailboxBackendKind({ MAILBOX_BACKEND: ' Graph ' })).toBe('graph');
    expect(() => loadMailboxBackendKind({ MAILBOX_BACKEND: 'rest' })).toThrow(
      expect.objectContaining({ setting: 'MAILBOX_BACKEND' }) as Error,
    );
  });

  test('Graph reuses the EWS app credentials with the Graph scope and the public endpoint by default', () => {
    const s = loadGraphSettings(app);
    expect(s.url.href).toBe('https://graph.microsoft.com/v1.0');
    expect(s.auth).toMatchObject({
      credential: 'clientSecret',
      tenantId: 't',
      clientId: 'c',
      scope: 'https://graph.microsoft.com/.default',
    });
    expect(loadGraphSettings({}).auth.credential).toBe('managedIdentity');
  });

  test('Basic auth, plain http to a remote host and a malformed URL are refused, naming the setting', () => {
    const setting = (env: Record<string, string>): string | undefined => {
      try {
        loadGraphSettings(env);
      } catch (error) {
        if (error instanceof ConfigError) return error.setting;
        throw error;
      }
      return undefined;
    };
    expect(setting({ ...app, EWS_AUTH: 'basic' })).toBe('EWS_AUTH');
    expect(setting({ ...app, GRAPH_URL: 'http://graph.example.com/v1.0' })).toBe('GRAPH_URL');
    expect(setting({ ...app, GRAPH_URL: 'not a url' })).toBe('GRAPH_URL');
    expect(setting({ ...app, GRAPH_URL: 'http://127.0.0.1:8080/v1.0' })).toBeUndefined();
  });

  test('archiving is refused up front with the Graph back end only', () => {
    expect(() => assertArchivingSupported({})).not.toThrow();
    expect(() => assertArchivingSupported({ MAILBOX_BACKEND: 'graph' })).toThrow(ConfigError);
  });
});
