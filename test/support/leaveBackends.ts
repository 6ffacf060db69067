/**
 * What the leave end-to-end tests run against: the EWS sandbox on the demo tenant as the mailboxes of record,
 * with MAILBOX_BACKEND=graph also the loopback Entra token server and the Graph stand-in over the sandbox's
 * tenant (so the sandbox's inspection shows what Graph did), and the dev host running the app's functions
 * with the real back end built from the settings. All of them read the host's one virtual clock, so the
 * stand-ins judge a scheduled window's end as Exchange would at that time.
 */
import type { EwsSandbox, MailboxSnapshot } from '../../dev/ews-sandbox';
import { GRAPH_ROLES, startGraphStandIn, type GraphStandIn } from '../../dev/graph/graphStandIn';
import type { DevClock } from '../../dev/host/devClock';
import type { DevHost } from '../../dev/host/devHost';
import { startEntraTokenServer, type EntraTokenServer } from '../../dev/identity/entraTokenServer';
import { demoEwsSettings, demoSeed, startDemoSandbox } from './demoTenant';
import { graphAppSettings } from './graphTenant';
import { postGenericHrEvent, startLeaveDevHost, type LeaveDevHost } from './leaveDevHost';

export type MailboxBackend = 'ews' | 'graph';

/** The demo tenant's app registration as the app signs in to Graph (tests assert logs never hold the secret). */
export const LEAVE_GRAPH_APP = {
  clientId: demoSeed.apps?.[0]?.clientId ?? '',
  clientSecret: 'leave-e2e-graph-app-secret',
};

export interface LeaveBackends {
  sandbox: EwsSandbox;
  /** With 'graph': the stand-in the app talks to, and the token server it signs in at. */
  graph?: GraphStandIn;
  tokens?: EntraTokenServer;
  devHost: LeaveDevHost;
  host: DevHost;
  /** The host's virtual clock, which the sandbox and the Graph stand-in read too. */
  clock: DevClock;
  /** The app's settings as the host was started with them. */
  env: Record<string, string | undefined>;
  /** A person's automatic replies as the sandbox holds them. */
  oofOf(address: string): MailboxSnapshot['oof'];
  /** Sends leave changes to the host's webhook, signed with HR_WEBHOOK_SECRETS' first secret. */
  send: LeaveEventSender;
  /** Stops the host first, then the stand-ins. */
  close(): Promise<void>;
}

/**
 * Starts the back ends and the dev host. `settings` go over the demo service account's EWS settings and
 * MAILBOX_SCOPE=contoso.com (a function of the sandbox where a setting names it); with 'graph', the Graph
 * settings replace EWS_AUTH. They must hold HR_WEBHOOK_SECRETS, which `send` signs with.
 */
export async function startLeaveBackends(
  backend: MailboxBackend,
  settings:
    Record<string, string | undefined> | ((sandbox: EwsSandbox) => Record<string, string | undefined>),
): Promise<LeaveBackends> {
  // The sandbox reads the clock on every request; the host's clock exists once the host runs.
  let host: DevHost | undefined;
  const now = (): number => host?.clock.now() ?? Date.now();
  const started: { close(): Promise<void> }[] = [];
  try {
    const sandbox = await startDemoSandbox({ knobs: { latencyMs: 0 }, now });
    started.push(sandbox);
    const env: Record<string, string | undefined> = {
      ...demoEwsSettings(sandbox),
      MAILBOX_SCOPE: 'contoso.com',
      ...(typeof settings === 'function' ? settings(sandbox) : settings),
    };
    let tokens: EntraTokenServer | undefined;
    let graph: GraphStandIn | undefined;
    if (backend === 'graph') {
      tokens = await startEntraTokenServer({ clients: [{ ...LEAVE_GRAPH_APP, roles: GRAPH_ROLES }] });
      started.push(tokens);
      graph = await startGraphStandIn({ tenant: sandbox.tenant, signingKeys: [tokens.signingKey], now });
      started.push(graph);
      Object.assign(env, { EWS_AUTH: undefined, ...graphAppSettings(tokens, graph, LEAVE_GRAPH_APP) });
    }
    const secret = env.HR_WEBHOOK_SECRETS?.split(',')[0]?.trim();
    if (!secret) throw new Error('startLeaveBackends: the settings have no HR_WEBHOOK_SECRETS to sign with');
    // No mailbox given: the activities build the real back end from the settings.
    const devHost = await startLeaveDevHost({ env });
    started.push(devHost);
    host = devHost.host;
    return {
      sandbox,
      graph,
      tokens,
      devHost,
      host,
      clock: host.clock,
      env,
      oofOf: (address) => oofOf(sandbox, address),
      send: leaveEventSender(host, { secret, eventIdPrefix: `leave-e2e-${backend}` }),
      close: () => closeInReverse(started),
    };
  } catch (error) {
    await closeInReverse(started); // a failed start leaves nothing listening
    throw error;
  }
}

async function closeInReverse(started: { close(): Promise<void> }[]): Promise<void> {
  for (const server of [...started].reverse()) await server.close();
}

/** A person's automatic-reply settings as the sandbox holds them (what Outlook would show). */
export function oofOf(sandbox: EwsSandbox, address: string): MailboxSnapshot['oof'] {
  const snapshot = sandbox.inspectMailbox(address);
  if (!snapshot) throw new Error(`no ${address} in the sandbox`);
  return snapshot.oof;
}

/** What a leave's event may say besides its change: the person's name (default: the address's local part). */
export interface LeaveEventDetails {
  displayName?: string;
  delegate?: { name: string; email: string };
}

/**
 * Sends a change to one leave (days YYYY-MM-DD in Europe/Berlin) as an HR system announces it on the generic
 * webhook, and gives back the 202's JSON.
 */
export type LeaveEventSender = (
  type: 'approved' | 'updated' | 'cancelled',
  person: string,
  leaveId: string,
  start: string,
  end: string,
  details?: LeaveEventDetails,
) => Promise<Record<string, unknown>>;

/**
 * A sender of signed generic HR events to `host`, each with an id of its own (`eventIdPrefix`-n) that
 * occurred a minute before the virtual now, one millisecond after the one sent before it (so a later change
 * is the newer one); any answer but 202 fails it.
 */
export function leaveEventSender(
  host: DevHost,
  options: { secret: string; eventIdPrefix: string },
): LeaveEventSender {
  let seq = 0;
  return async (type, person, leaveId, start, end, details = {}) => {
    seq++;
    const event = {
      eventId: `${options.eventIdPrefix}-${seq}`,
      type,
      occurredAt: new Date(host.clock.now() - 60_000 + seq).toISOString(),
      leaveId,
      start,
      end,
      timeZone: 'Europe/Berlin',
      employee: { email: person, displayName: details.displayName ?? person.split('@')[0] },
      locale: 'en-GB',
      ...(details.delegate ? { delegate: details.delegate } : {}),
    };
    const answer = await postGenericHrEvent(host, JSON.stringify(event), { secret: options.secret });
    if (answer.status !== 202) {
      throw new Error(`the webhook answered ${answer.status} to ${event.eventId}: ${answer.text}`);
    }
    return answer.json;
  };
}
