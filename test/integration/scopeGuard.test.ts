/**
 * No path but the privilege audit's probe reaches a mailbox outside MAILBOX_SCOPE. Against the EWS sandbox
 * with the unscoped service account (Exchange would let it read any mailbox, so only the app's guard stands
 * in the way): every MailboxOperations method, through the app's back end (appServices().mailbox()) and
 * through the CLI's (createMailboxBackend), refuses dave@fabrikam.com with OutOfScopeError and the sandbox
 * sees no request at all; createUnscopedReadOnlyProbe is the one export of shared/mailbox/mailboxBackend.ts
 * that reaches it, with exactly one read (its directory listing opens no mailbox and is made only as an
 * in-scope mailbox). And no production code builds a raw client anywhere else.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startEwsSandbox, type EwsSandbox } from '../../dev/ews-sandbox';
import { useAppServices } from '../../shared/app/appServices';
import * as backendModule from '../../shared/mailbox/mailboxBackend';
import type { MailboxOperations, OofCalendarEvent } from '../../shared/mailbox/mailboxOperations';
import { OutOfScopeError } from '../../shared/mailbox/scope';
import { ScopedMailboxOperations } from '../../shared/mailbox/scopedMailboxOperations';
import { demoEwsSettings, demoSeed, DEMO_SEED_FILE } from '../support/demoTenant';

const OUTSIDE = 'dave@fabrikam.com';
const INSIDE = 'alice@contoso.com';
const EVENT: OofCalendarEvent = {
  subject: 'Out of office',
  firstDay: '2031-03-03',
  firstDayBack: '2031-03-10',
  timeZone: 'Europe/Berlin',
  body: 'Away',
  tag: 'guard-test',
};
const ITEM = { id: 'AAMkAGI2TG93AAA=' };

/**
 * One call per MailboxOperations method, aimed at the out-of-scope mailbox (as the mailbox itself, or as
 * the mailbox the call acts as). Keyed by method name so that a method added to the guard without a line
 * here fails the coverage test below.
 */
const CALLS: Record<string, (ops: MailboxOperations) => Promise<unknown>> = {
  getOof: (ops) => ops.getOof(OUTSIDE),
  setOof: (ops) =>
    ops.setOof(OUTSIDE, {
      state: 'Disabled',
      externalAudience: 'None',
      internalReply: '',
      externalReply: '',
    }),
  findItemIdsReceivedBefore: (ops) => ops.findItemIdsReceivedBefore(OUTSIDE, 'inbox', new Date()),
  archiveItems: (ops) => ops.archiveItems(OUTSIDE, 'inbox', [ITEM]),
  moveItems: (ops) => ops.moveItems(OUTSIDE, [ITEM], 'archiveinbox'),
  getFolder: (ops) => ops.getFolder(OUTSIDE, 'inbox'),
  hasArchiveMailbox: (ops) => ops.hasArchiveMailbox(OUTSIDE),
  createOofEvent: (ops) => ops.createOofEvent(OUTSIDE, EVENT),
  updateOofEvent: (ops) => ops.updateOofEvent(OUTSIDE, 'AAMkAGI2TG93AAA=', EVENT),
  deleteOofEvent: (ops) => ops.deleteOofEvent(OUTSIDE, 'AAMkAGI2TG93AAA='),
  expandGroup: (ops) => ops.expandGroup('all-staff@contoso.com', OUTSIDE),
  resolvePrimaryAddress: (ops) => ops.resolvePrimaryAddress('dave', OUTSIDE),
  getOofMany: async (ops) => {
    const [result] = (await ops.getOofMany?.([OUTSIDE])) ?? [];
    if (result && 'error' in result) throw result.error;
    return result;
  },
};

const unscoped = demoSeed.serviceAccounts?.find((a) => a.impersonation.all === true);
let sandbox: EwsSandbox;
let env: Record<string, string>;

beforeAll(async () => {
  sandbox = await startEwsSandbox({ seed: DEMO_SEED_FILE, knobs: { missingAnchorFailureRate: 0 } });
  env = {
    ...demoEwsSettings(sandbox),
    EWS_USERNAME: unscoped?.username ?? '',
    EWS_PASSWORD: unscoped?.password ?? '',
    MAILBOX_SCOPE: 'contoso.com',
  };
});
afterAll(async () => {
  await useAppServices(undefined);
  await sandbox.close();
});
beforeEach(() => sandbox.clearRequests());

test('the table covers every method of the scope guard', () => {
  const methods = Object.getOwnPropertyNames(ScopedMailboxOperations.prototype).filter(
    (n) => n !== 'constructor',
  );
  expect(Object.keys(CALLS).sort()).toEqual(methods.sort());
});

test('the account is unscoped in Exchange: an in-scope read goes through (the sandbox is listening)', async () => {
  const { operations, close } = backendModule.createMailboxBackend(env);
  try {
    await expect(operations.getFolder(INSIDE, 'inbox')).resolves.toMatchObject({ folder: 'inbox' });
    expect(sandbox.requests).toHaveLength(1);
  } finally {
    await close();
  }
});

describe.each([
  [
    "the app's back end (appServices().mailbox())",
    async () => {
      const services = await useAppServices({ env });
      return { operations: await services.mailbox(), close: () => useAppServices(undefined) };
    },
  ],
  [
    "the CLI's back end (createMailboxBackend)",
    () => Promise.resolve(backendModule.createMailboxBackend(env)),
  ],
])('%s', (_name, open) => {
  it.each(Object.keys(CALLS))('%s refuses the out-of-scope mailbox before any request', async (method) => {
    const backend = await open();
    try {
      const call = CALLS[method];
      if (!call) throw new Error(`no call for ${method}`);
      // The guard throws as the method is called (no promise yet), or rejects: either way, nothing sent.
      await expect(Promise.resolve().then(() => call(backend.operations))).rejects.toBeInstanceOf(
        OutOfScopeError,
      );
      expect(sandbox.requests).toHaveLength(0);
    } finally {
      await backend.close();
    }
  });
});

test('createUnscopedReadOnlyProbe is the only export that reaches it, with one read-only GetFolder', async () => {
  const builders = Object.entries(backendModule)
    .filter(([, value]) => typeof value === 'function')
    .map(([name]) => name)
    .sort();
  expect(builders).toEqual([
    'createMailboxBackend',
    'createRenewingMailboxBackend',
    'createUnscopedReadOnlyProbe',
    'isAuthenticationFailure',
  ]);
  const probe = await backendModule.createUnscopedReadOnlyProbe(env);
  try {
    expect(Object.keys(probe).sort()).toEqual([
      'close',
      'grantedRoles',
      'identity',
      'kind',
      'listDirectoryMailboxes',
      'probeOutOfScopeMailbox',
    ]);
    await expect(probe.probeOutOfScopeMailbox(OUTSIDE)).resolves.toBeUndefined();
    expect(sandbox.requests.map((r) => [r.operation, r.mailbox])).toEqual([['GetFolder', OUTSIDE]]);
  } finally {
    await probe.close();
  }
});

test("the probe's directory listing opens no mailbox, and is made only as a mailbox inside the scope", async () => {
  const probe = await backendModule.createUnscopedReadOnlyProbe(env);
  try {
    // As a mailbox outside MAILBOX_SCOPE: refused by the guard, nothing sent.
    await expect(probe.listDirectoryMailboxes('', OUTSIDE)).rejects.toBeInstanceOf(OutOfScopeError);
    expect(sandbox.requests).toHaveLength(0);
    // As one inside: one ResolveNames impersonating it, listing the directory; no mailbox read.
    const page = await probe.listDirectoryMailboxes('', INSIDE);
    expect(page.addresses).toEqual(expect.arrayContaining([OUTSIDE, INSIDE]));
    expect(page.complete).toBe(true);
    expect(sandbox.requests.map((r) => [r.operation, r.impersonation?.value])).toEqual([
      ['ResolveNames', INSIDE],
    ]);
  } finally {
    await probe.close();
  }
});

/** Production code: what is deployed (functions/, shared/) and what administrators run (cli/). */
function productionFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? productionFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

test('no production code builds a raw EWS or Graph client outside shared/mailbox/mailboxBackend.ts', () => {
  const root = join(__dirname, '../..');
  const building = ['functions', 'shared', 'cli']
    .flatMap((dir) => productionFiles(join(root, dir)))
    .filter((file) => /new (EwsClient|GraphClient)\(/.test(readFileSync(file, 'utf8')))
    .map((file) => relative(root, file));
  expect(building).toEqual(['shared/mailbox/mailboxBackend.ts']);
});
