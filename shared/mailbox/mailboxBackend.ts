/**
 * Builds mailbox operations from configuration: the EWS client or, with MAILBOX_BACKEND=graph, the
 * Microsoft Graph client, either wrapped in the scope guard. The app builds one per process through its
 * composition root (shared/app/appServices.ts): connection pool, token cache and throttling state only
 * work when shared. The CLI and tests build their own with createMailboxBackend.
 */
import {
  loadEwsSettings,
  loadGraphSettings,
  loadMailboxBackendKind,
  loadMailboxScope,
  type Env,
  type MailboxBackendKind,
} from '../platform/config';
import { ConfigError } from '../platform/configError';
import { EwsClient, type EwsCallEvent, type EwsClientOptions } from './ews/ewsClient';
import { GraphClient, type GraphCallEvent, type GraphClientOptions } from './graph/graphClient';
import type { SecretProvider } from '../platform/secrets';
import { reportMailboxCall } from '../platform/logging/invocationLog';
import { isMailboxError } from './mailboxError';
import type { DirectoryPage, MailboxOperations, OofReadResult } from './mailboxOperations';
import { ScopedMailboxOperations } from './scopedMailboxOperations';

export interface MailboxBackend {
  kind: MailboxBackendKind;
  operations: ScopedMailboxOperations;
  close(): Promise<void>;
}

/** A client of either kind, unguarded. */
type MailboxClient = { kind: 'ews'; client: EwsClient } | { kind: 'graph'; client: GraphClient };

function createMailboxClient(
  env: Env,
  overrides: { url?: string },
  clientOptions: EwsClientOptions,
  graphOptions: GraphClientOptions,
): MailboxClient {
  if (loadMailboxBackendKind(env) === 'graph') {
    if (overrides.url !== undefined) {
      throw new ConfigError(
        '--ews-url applies to the EWS back end; MAILBOX_BACKEND is graph (set GRAPH_URL)',
        '--ews-url',
      );
    }
    return {
      kind: 'graph',
      client: new GraphClient(loadGraphSettings(env), { onCall: logGraphProblem, ...graphOptions }),
    };
  }
  return {
    kind: 'ews',
    client: new EwsClient(loadEwsSettings(env, overrides), { onCall: logEwsProblem, ...clientOptions }),
  };
}

/** A fresh backend (the CLI, tests). Throws ConfigError naming the setting when configuration is wrong. */
export function createMailboxBackend(
  env: Env,
  overrides: { url?: string } = {},
  clientOptions: EwsClientOptions = {},
  graphOptions: GraphClientOptions = {},
): MailboxBackend {
  const scope = loadMailboxScope(env);
  const { kind, client } = createMailboxClient(env, overrides, clientOptions, graphOptions);
  return { kind, operations: new ScopedMailboxOperations(client, scope), close: () => client.close() };
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

/** The credentials that may live in the secret provider (Key Vault) rather than in the settings. */
const CREDENTIAL_SECRETS = ['EWS_PASSWORD', 'EWS_CLIENT_SECRET'] as const;

/** The credentials the settings leave to the secret provider. */
function credentialsInSecrets(env: Env): string[] {
  return CREDENTIAL_SECRETS.filter((name) => env[name] === undefined || env[name] === '');
}

async function readCredentialSecrets(names: readonly string[], secrets: SecretProvider): Promise<Env> {
  const values: Env = {};
  for (const name of names) values[name] = await secrets.get(name);
  return values;
}

/** Exchange or Entra refused the credentials: HTTP 401 from the mailbox endpoint or the token endpoint. */
export function isAuthenticationFailure(error: unknown): boolean {
  if (isMailboxError(error)) return error.httpStatus === 401;
  const e = error as { name?: unknown; statusCode?: unknown } | undefined;
  return e?.name === 'AuthenticationError' || e?.statusCode === 401;
}

/**
 * The app's back end: the credentials the settings do not hold are read from `secrets` (with
 * KEY_VAULT_URI, the vault). They are read once, not per call; so that rotating `ews-password` or
 * `ews-client-secret` needs no restart, an authentication failure reads them again and, when they
 * changed, rebuilds the client with them and tries the call once more. Unchanged secrets: the failure
 * stands (the account or app registration is wrong, not the secret's age).
 */
export async function createRenewingMailboxBackend(
  env: Env,
  secrets: SecretProvider,
): Promise<MailboxBackend> {
  const fromSecrets = credentialsInSecrets(env);
  const readCredentials = (): Promise<Env> => readCredentialSecrets(fromSecrets, secrets);
  const scope = loadMailboxScope(env);
  const first = await readCredentials();
  const build = (credentials: Env): MailboxClient =>
    createMailboxClient({ ...env, ...credentials }, {}, {}, {});
  const renewing = new RenewingMailboxClient(build(first), first, async () => {
    for (const name of fromSecrets) secrets.invalidate(name);
    const fresh = await readCredentials();
    return { credentials: fresh, client: build(fresh) };
  });
  return {
    kind: renewing.kind,
    operations: new ScopedMailboxOperations(renewing, scope),
    close: () => renewing.close(),
  };
}

interface Renewal {
  credentials: Env;
  client: MailboxClient;
}

/** Every operation through the current client; after an authentication failure, one renewal and one retry. */
class RenewingMailboxClient implements MailboxOperations {
  readonly kind: MailboxBackendKind;
  private renewal: Promise<boolean> | undefined;

  constructor(
    private current: MailboxClient,
    private credentials: Env,
    private readonly renew: () => Promise<Renewal>,
  ) {
    this.kind = current.kind;
  }

  /**
   * Reads the secrets again; true when they changed and the client was rebuilt. Concurrent failures
   * share one renewal (a rotation fails every call in flight at once).
   */
  private renewCredentials(): Promise<boolean> {
    this.renewal ??= (async () => {
      const next = await this.renew();
      const changed = Object.keys(next.credentials).some((n) => next.credentials[n] !== this.credentials[n]);
      if (!changed) {
        await next.client.client.close();
        return false;
      }
      const old = this.current;
      this.current = next.client;
      this.credentials = next.credentials;
      await old.client.close();
      return true;
    })().finally(() => (this.renewal = undefined));
    return this.renewal;
  }

  /** True when a client newer than `failed` is in use now: another call renewed it, or this one did. */
  private async renewedSince(failed: MailboxOperations): Promise<boolean> {
    return this.current.client !== failed || this.renewCredentials();
  }

  private async call<T>(operation: (client: MailboxOperations) => Promise<T>): Promise<T> {
    const client = this.current.client;
    try {
      return await operation(client);
    } catch (error) {
      if (isAuthenticationFailure(error) && (await this.renewedSince(client))) {
        return operation(this.current.client);
      }
      throw error;
    }
  }

  getOof: MailboxOperations['getOof'] = (...args) => this.call((c) => c.getOof(...args));
  setOof: MailboxOperations['setOof'] = (...args) => this.call((c) => c.setOof(...args));
  findItemIdsReceivedBefore: MailboxOperations['findItemIdsReceivedBefore'] = (...args) =>
    this.call((c) => c.findItemIdsReceivedBefore(...args));
  archiveItems: MailboxOperations['archiveItems'] = (...args) => this.call((c) => c.archiveItems(...args));
  moveItems: MailboxOperations['moveItems'] = (...args) => this.call((c) => c.moveItems(...args));
  getFolder: MailboxOperations['getFolder'] = (...args) => this.call((c) => c.getFolder(...args));
  hasArchiveMailbox: MailboxOperations['hasArchiveMailbox'] = (...args) =>
    this.call((c) => c.hasArchiveMailbox(...args));
  expandGroup: MailboxOperations['expandGroup'] = (...args) => this.call((c) => c.expandGroup(...args));
  resolvePrimaryAddress: MailboxOperations['resolvePrimaryAddress'] = (...args) =>
    this.call((c) => c.resolvePrimaryAddress(...args));
  createOofEvent: MailboxOperations['createOofEvent'] = (...args) =>
    this.call((c) => c.createOofEvent(...args));
  updateOofEvent: MailboxOperations['updateOofEvent'] = (...args) =>
    this.call((c) => c.updateOofEvent(...args));
  deleteOofEvent: MailboxOperations['deleteOofEvent'] = (...args) =>
    this.call((c) => c.deleteOofEvent(...args));

  /** Graph `$batch`: per-mailbox failures are results, so an authentication failure among them renews too. */
  get getOofMany(): MailboxOperations['getOofMany'] {
    const current: MailboxOperations = this.current.client;
    if (!current.getOofMany) return undefined;
    return async (mailboxes) => {
      const readAll = (c: MailboxOperations): Promise<OofReadResult[]> =>
        c.getOofMany ? c.getOofMany(mailboxes) : Promise.all(mailboxes.map((m) => this.readOne(c, m)));
      const client = this.current.client;
      const results = await this.call(readAll);
      const refused = results.some((r) => 'error' in r && isAuthenticationFailure(r.error));
      return refused && (await this.renewedSince(client)) ? readAll(this.current.client) : results;
    };
  }

  private readOne(client: MailboxOperations, mailbox: string): Promise<OofReadResult> {
    return client.getOof(mailbox).then(
      (settings): OofReadResult => ({ mailbox, settings }),
      (error: unknown): OofReadResult => ({ mailbox, error: error as Error }),
    );
  }

  close(): Promise<void> {
    return this.current.client.close();
  }
}

/** Who the probe acts as: what the privilege audit needs to name in the commands that fence it. */
export type ProbeIdentity =
  | { auth: 'basic'; username: string }
  | {
      auth: 'oauth';
      credential: 'clientSecret' | 'clientCertificate' | 'managedIdentity';
      clientId?: string;
    };

/**
 * THE ONE PATH PAST THE SCOPE GUARD, and read-only. The privilege audit (shared/audit/scopeAudit.ts) asks
 * Exchange itself whether the service account can reach mailboxes outside MAILBOX_SCOPE; for that it
 * must send a request for such a mailbox, which ScopedMailboxOperations exists to prevent. This probe
 * can do exactly one thing as a mailbox: one harmless read (EWS: GetFolder of the inbox, IdOnly; Graph:
 * GET /users/{id}/mailboxSettings). Besides, it lists one bounded page of the directory's addresses, so
 * that the audit can sample mailboxes outside the scope (shared/audit/outOfScopeSample.ts): a directory
 * read that opens no mailbox, made as an in-scope mailbox. It is not a MailboxOperations and gives no
 * access to the raw client (test/integration/scopeGuard.test.ts proves every other path refuses an
 * out-of-scope mailbox).
 */
export interface UnscopedReadOnlyProbe {
  kind: MailboxBackendKind;
  identity: ProbeIdentity;
  /** Resolves when Exchange let us read; rejects with what it answered (a MailboxError, or the token's failure). */
  probeOutOfScopeMailbox(mailbox: string): Promise<void>;
  /**
   * At most DIRECTORY_PAGE_SIZE primary addresses of mailboxes whose address starts with `prefix`, one
   * request: EWS ResolveNames of `SMTP:<prefix>` made as `asMailbox` (EWS_SERVICE_MAILBOX, which must be
   * inside MAILBOX_SCOPE: OutOfScopeError before any request otherwise); Graph GET /users with
   * startswith(mail) ($top DIRECTORY_PAGE_SIZE; `asMailbox` unused). Opens no mailbox.
   */
  listDirectoryMailboxes(prefix: string, asMailbox: string): Promise<DirectoryPage>;
  /** The roles claim of the app's access token; undefined with Basic or an unreadable token. */
  grantedRoles(): Promise<string[] | undefined>;
  close(): Promise<void>;
}

/** One directory page: ResolveNames answers at most 100 candidates (resolvenames-operation, Remarks); Graph the same. */
export const DIRECTORY_PAGE_SIZE = 100;

/**
 * The probe, from the same settings as the back end: credentials the settings do not hold come from
 * `secrets` (the app: Key Vault), as for createRenewingMailboxBackend; the CLI passes none and may
 * override the EWS URL. Throws ConfigError naming the setting when configuration is wrong.
 */
export async function createUnscopedReadOnlyProbe(
  env: Env,
  secrets?: SecretProvider,
  overrides: { url?: string } = {},
): Promise<UnscopedReadOnlyProbe> {
  const credentials = secrets ? await readCredentialSecrets(credentialsInSecrets(env), secrets) : {};
  const raw = createMailboxClient({ ...env, ...credentials }, overrides, {}, {});
  const scope = loadMailboxScope(env);
  const auth = raw.client.settings.auth;
  const identity: ProbeIdentity =
    auth.kind === 'basic'
      ? { auth: 'basic', username: auth.username }
      : { auth: 'oauth', credential: auth.credential, clientId: auth.clientId };
  return {
    kind: raw.kind,
    identity,
    probeOutOfScopeMailbox: (mailbox) =>
      raw.kind === 'ews' ? raw.client.readInboxIdOnly(mailbox) : raw.client.readMailboxSettings(mailbox),
    listDirectoryMailboxes: async (prefix, asMailbox) => {
      if (raw.kind === 'graph') return raw.client.listMailboxAddresses(prefix, DIRECTORY_PAGE_SIZE);
      scope.assertAllows(asMailbox);
      return raw.client.listMailboxAddresses(prefix, asMailbox);
    },
    grantedRoles: () => raw.client.grantedRoles(),
    close: () => raw.client.close(),
  };
}
