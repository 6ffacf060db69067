/**
 * `npm start` with MAILBOX_BACKEND=graph: the loopback Entra token server and the Graph stand-in over the
 * EWS sandbox's tenant, and the settings that point the app (and the CLI) at them. The demo app registration
 * gets a dev-only secret and Graph's application permissions.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TenantStore } from '../ews-sandbox/tenantStore';
import { startEntraTokenServer } from '../identity/entraTokenServer';
import { GRAPH_ROLES, startGraphStandIn } from './graphStandIn';

const DEV_GRAPH_SECRET = 'dev-only-graph-app-secret';

/**
 * A second app registration with the same Graph permissions but no entry in the seed's `apps`: no
 * application access policy applies to it, so it reads every mailbox (the privilege audit's "open").
 * The seed's app has a scope (contoso.com): outside it Graph answers 403 ErrorAccessDenied ("fenced").
 */
export const DEV_GRAPH_UNSCOPED_CLIENT_ID = '00000000-0000-4000-8000-0000000a11ed';

interface DevGraph {
  /** Settings for the app: MAILBOX_BACKEND=graph, GRAPH_URL, the app's credentials and the CA to trust. */
  env: Record<string, string>;
  /** What to print: the same settings as exports for the CLI. */
  lines: string[];
  close(): Promise<void>;
}

/**
 * `now`: the stand-in's clock; pass the dev host's (`() => clock.now()`) so that a scheduled window that has
 * ended on the virtual clock is refused as Exchange Online refuses it.
 */
export async function startDevGraph(
  tenant: TenantStore,
  clientId: string,
  port = 0,
  now?: () => number,
): Promise<DevGraph> {
  const tokens = await startEntraTokenServer({
    tenantId: tenant.tenantId,
    clients: [
      { clientId, clientSecret: DEV_GRAPH_SECRET, roles: GRAPH_ROLES },
      { clientId: DEV_GRAPH_UNSCOPED_CLIENT_ID, clientSecret: DEV_GRAPH_SECRET, roles: GRAPH_ROLES },
    ],
  });
  const graph = await startGraphStandIn({ tenant, signingKeys: [tokens.signingKey], port, now });
  const caFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'graph-stand-in-')), 'entra-ca.pem');
  writeFileSync(caFile, tokens.caPem);
  const env = {
    MAILBOX_BACKEND: 'graph',
    GRAPH_URL: graph.url,
    GRAPH_CA_FILE: caFile,
    EWS_AUTH: 'oauth',
    EWS_TENANT_ID: tokens.tenantId,
    EWS_CLIENT_ID: clientId,
    EWS_CLIENT_SECRET: DEV_GRAPH_SECRET,
    EWS_AUTHORITY_HOST: tokens.authorityHost,
  };
  return {
    env,
    lines: [
      `Microsoft Graph stand-in listening: ${graph.url} (same mailboxes as the EWS sandbox)`,
      `Entra token server: ${tokens.authorityHost}`,
      'The dev host uses the Graph back end. To use it from the CLI too (in another terminal):',
      ...Object.entries(env).map(([name, value]) => `  export ${name}='${value}'`),
      '  npx mailbox-automation oof get alice@contoso.com',
      '  npx mailbox-automation audit scope --canary dave@fabrikam.com   # fenced: an access policy limits the app',
      `  EWS_CLIENT_ID=${DEV_GRAPH_UNSCOPED_CLIENT_ID} npx mailbox-automation audit scope --canary dave@fabrikam.com   # open: no policy`,
    ],
    close: async () => {
      await graph.close();
      await tokens.close();
    },
  };
}
