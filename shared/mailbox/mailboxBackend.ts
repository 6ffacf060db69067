/**
 * Builds the process's mailbox operations from configuration: the EWS client or, with
 * MAILBOX_BACKEND=graph, the Microsoft Graph client, either wrapped in the scope guard.
 * One per process (connection pool, token cache and throttling state only work when shared).
 */
import {
  loadEwsSettings,
  loadGraphSettings,
  loadMailboxBackendKind,
  loadMailboxScope,
  type Env,
  type MailboxBackendKind,
} from '../config';
import { ConfigError } from '../configError';
import { EwsClient, type EwsCallEvent, type EwsClientOptions } from '../ews/ewsClient';
import { GraphClient, type GraphCallEvent, type GraphClientOptions } from '../graph/graphClient';
import { getSecretProvider } from '../secrets';
import { reportMailboxCall } from '../logging/invocationLog';
import { ScopedMailboxOperations } from './scopedMailboxOperations';

export interface MailboxBackend {
  kind: MailboxBackendKind;
  operations: ScopedMailboxOperations;
  close(): Promise<void>;
}

/** A fresh backend (the CLI, tests). Throws ConfigError naming the setting when configuration is wrong. */
export function createMailboxBackend(
  env: Env,
  overrides: { url?: string } = {},
  clientOptions: EwsClientOptions = {},
  graphOptions: GraphClientOptions = {},
): MailboxBackend {
  const scope = loadMailboxScope(env);
  if (loadMailboxBackendKind(env) === 'graph') {
    if (overrides.url !== undefined) {
      throw new ConfigError(
        '--ews-url applies to the EWS back end; MAILBOX_BACKEND is graph (set GRAPH_URL)',
        '--ews-url',
      );
    }
    const settings = loadGraphSettings(env);
    const client = new GraphClient(settings, { onCall: logGraphProblem, ...graphOptions });
    return {
      kind: 'graph',
      operations: new ScopedMailboxOperations(client, scope),
      close: () => client.close(),
    };
  }
  const client = new EwsClient(loadEwsSettings(env, overrides), { onCall: logEwsProblem, ...clientOptions });
  return { kind: 'ews', operations: new ScopedMailboxOperations(client, scope), close: () => client.close() };
}

/**
 * Retries and failures, one structured line each (operation, mailbox, attempt, code, wait, our
 * client-request-id and, for Graph, its request-id: what Microsoft support asks for). Never a body,
 * token or reply text. Successes are not logged: they are the bulk and say nothing.
 */
function logGraphProblem(event: GraphCallEvent): void {
  reportMailboxCall('graph', event);
}

function logEwsProblem(event: EwsCallEvent): void {
  reportMailboxCall('ews', event);
}

let processBackend: Promise<MailboxBackend> | undefined;

/**
 * The per-process mailbox operations, created on first use from the environment, for every function
 * that acts on mailboxes (the leave activities and the sweep alike). With KEY_VAULT_URI the EWS
 * credentials (EWS_PASSWORD, EWS_CLIENT_SECRET) that the environment does not hold come from Key Vault,
 * read once here when the back end is built.
 */
export function getMailboxOperations(env: Env = process.env): Promise<ScopedMailboxOperations> {
  if (!processBackend) {
    const building = withVaultSecrets(env).then(createMailboxBackend);
    processBackend = building;
    // A failure (a setting missing, the vault unreachable) is not kept: the next call tries again.
    building.catch(() => {
      if (processBackend === building) processBackend = undefined;
    });
  }
  return processBackend.then((backend) => backend.operations);
}

async function withVaultSecrets(env: Env): Promise<Env> {
  if (!env.KEY_VAULT_URI) return env;
  const secrets = getSecretProvider(env);
  const complete: Env = { ...env };
  for (const name of ['EWS_PASSWORD', 'EWS_CLIENT_SECRET']) complete[name] ??= await secrets.get(name);
  return complete;
}

/** Closes and forgets the per-process backend (dev host shutdown, tests that change configuration). */
export async function resetMailboxOperations(): Promise<void> {
  const backend = processBackend;
  processBackend = undefined;
  await (await backend?.catch(() => undefined))?.close();
}
