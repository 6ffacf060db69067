/**
 * The Graph stand-in as the Graph tests run it: the loopback Entra token server whose key signs the tokens
 * the stand-in accepts, the EWS sandbox on the demo tenant whose store the stand-in serves (so Graph and EWS
 * see the same mailboxes), and, with `tls`, the stand-in on HTTPS with an undici Agent that trusts it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { startEwsSandbox, type EwsSandbox } from '../../dev/ews-sandbox';
import { GRAPH_ROLES, startGraphStandIn, type GraphStandIn } from '../../dev/graph/graphStandIn';
import { startEntraTokenServer, type EntraTokenServer } from '../../dev/identity/entraTokenServer';
import { generateLoopbackCertificate } from '../../dev/identity/tlsCertificate';
import { demoSeed } from './demoTenant';

export interface GraphTenantOptions {
  /** App registrations the token server lets sign in (default: none; tests then mint tokens themselves). */
  tokenClients?: NonNullable<Parameters<typeof startEntraTokenServer>[0]>['clients'];
  /** Mailboxes added to the demo seed's, e.g. to fill several pages of group members. */
  extraMailboxes?: readonly string[];
  /** Directory users without an Exchange Online mailbox. */
  usersWithoutMailbox?: Parameters<typeof startGraphStandIn>[0]['usersWithoutMailbox'];
  /** Serve the stand-in over HTTPS with a fresh loopback certificate. */
  tls?: boolean;
  /** The stand-in's clock (default real time): a test's DevClock, or a fixed instant before its windows. */
  now?: () => number;
}

export interface GraphTenant {
  tokens: EntraTokenServer;
  sandbox: EwsSandbox;
  graph: GraphStandIn;
  /** Forgets the stand-in's request log and pending faults: each test starts from a clean stand-in. */
  reset(): void;
  /** Closes what was started, the Agent first, the token server last. */
  close(): Promise<void>;
}

/** With `tls`: the undici Agent that trusts the stand-in's certificate (pass it as `dispatcher`). */
export interface HttpsGraphTenant extends GraphTenant {
  dispatcher: Agent;
}

export async function startGraphTenant(
  options: GraphTenantOptions & { tls: true },
): Promise<HttpsGraphTenant>;
export async function startGraphTenant(options?: GraphTenantOptions): Promise<GraphTenant>;
export async function startGraphTenant(options: GraphTenantOptions = {}): Promise<GraphTenant> {
  const tokens = await startEntraTokenServer({ clients: options.tokenClients ?? [] });
  const extra = (options.extraMailboxes ?? []).map((address) => ({ address }));
  const sandbox = await startEwsSandbox({
    seed: { ...demoSeed, mailboxes: [...demoSeed.mailboxes, ...extra] },
    knobs: { latencyMs: 0, missingAnchorFailureRate: 0 },
  });
  const certificate = options.tls ? await generateLoopbackCertificate() : undefined;
  const graph = await startGraphStandIn({
    tenant: sandbox.tenant,
    signingKeys: [tokens.signingKey],
    usersWithoutMailbox: options.usersWithoutMailbox,
    tls: certificate,
    now: options.now,
  });
  const dispatcher = certificate ? new Agent({ connect: { ca: certificate.caPem } }) : undefined;
  return {
    tokens,
    sandbox,
    graph,
    ...(dispatcher ? { dispatcher } : {}),
    reset() {
      graph.clearRequests();
      graph.clearFaults();
    },
    async close() {
      await dispatcher?.close();
      await graph.close();
      await sandbox.close();
      await tokens.close();
    },
  };
}

/** An app-only token for Graph as Entra issues it to `appid`: Graph's audience, every Graph role, 10 minutes. */
export function graphAccessToken(tokens: EntraTokenServer, appid: string): string {
  return tokens.issueToken({
    aud: 'https://graph.microsoft.com',
    tid: tokens.tenantId,
    appid,
    roles: GRAPH_ROLES,
    exp: Math.floor(Date.now() / 1000) + 600,
  });
}

/**
 * The settings that point the app at `graph` (MAILBOX_BACKEND=graph), signing in at the token server as the
 * app registration `app`; the token server's CA goes to a temporary file for GRAPH_CA_FILE.
 */
export function graphAppSettings(
  tokens: EntraTokenServer,
  graph: Pick<GraphStandIn, 'url'>,
  app: { clientId: string; clientSecret: string },
): Record<string, string> {
  const caFile = join(mkdtempSync(join(tmpdir(), 'graph-app-')), 'ca.pem');
  writeFileSync(caFile, tokens.caPem);
  return {
    MAILBOX_BACKEND: 'graph',
    GRAPH_URL: graph.url,
    GRAPH_CA_FILE: caFile,
    EWS_TENANT_ID: tokens.tenantId,
    EWS_CLIENT_ID: app.clientId,
    EWS_CLIENT_SECRET: app.clientSecret,
    EWS_AUTHORITY_HOST: tokens.authorityHost,
  };
}
