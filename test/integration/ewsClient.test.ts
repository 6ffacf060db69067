import { startEwsSandbox, type EwsSandbox, type SandboxSeed } from '../../dev/ews-sandbox';
import { planArchive, runArchive } from '../../shared/sweep/archiveMailbox';
import { expandGroupDeep } from '../../shared/mailbox/groupExpansion';
import type { OofSettings } from '../../shared/mailbox/mailboxOperations';
import { SERVICE_ACCOUNT, sandboxClient } from '../support/ewsTestClient';
import { mailboxFailure } from '../support/mailboxFailure';

const DAY = 86_400_000;

const seed: SandboxSeed = {
  tenant: { name: 'Test', domains: ['contoso.com', 'fabrikam.com'] },
  mailboxes: [
    { address: 'alice@contoso.com', oof: { state: 'Disabled', externalAudience: 'All' }, archive: {} },
    { address: 'bob@contoso.com', archive: {} },
    { address: 'carol@contoso.com' },
    { address: 'erin@contoso.com' },
    { address: 'frank@contoso.com' },
    { address: 'dave@fabrikam.com' },
    // 5,000 items, all older than a year: paging.
    {
      address: 'pager@contoso.com',
      folders: { inbox: { generate: { count: 5000, oldFraction: 1, oldAgeDays: 365 } } },
    },
    // 3,000 items of which exactly 2,500 are older than 365 days.
    {
      address: 'archiver@contoso.com',
      folders: { inbox: { generate: { count: 3000, oldFraction: 2500 / 3000, oldAgeDays: 365 } } },
      archive: {},
    },
  ],
  groups: [
    { address: 'team@contoso.com', members: ['alice@contoso.com', 'inner@contoso.com', 'team@contoso.com'] },
    { address: 'inner@contoso.com', members: ['bob@contoso.com', 'alice@contoso.com', 'team@contoso.com'] },
  ],
  serviceAccounts: [{ ...SERVICE_ACCOUNT, impersonation: { domains: ['contoso.com'] } }],
};

let sandbox: EwsSandbox;

beforeAll(async () => {
  sandbox = await startEwsSandbox({ seed, knobs: { missingAnchorFailureRate: 0 } });
});
afterAll(() => sandbox.close());
beforeEach(() => {
  sandbox.clearFaults();
  sandbox.clearRequests();
  sandbox.configure({ latencyMs: 0, maxConcurrentPerMailbox: 27 });
});

describe('every request acts as the mailbox the way Exchange wants', () => {
  it('carries X-AnchorMailbox, the impersonation header, the server version and a client-request-id', async () => {
    const { client } = sandboxClient(sandbox);
    try {
      await client.getOof('alice@contoso.com');
      await client.setOof('alice@contoso.com', {
        state: 'Enabled',
        externalAudience: 'Known',
        internalReply: 'away',
        externalReply: 'away',
      });
      await client.findItemIdsReceivedBefore('bob@contoso.com', 'inbox', new Date());
      await client.getFolder('bob@contoso.com', 'inbox');
      await client.hasArchiveMailbox('carol@contoso.com');
      await client.expandGroup('team@contoso.com', 'erin@contoso.com');
      await client.resolvePrimaryAddress('frank@contoso.com', 'erin@contoso.com');
    } finally {
      await client.close();
    }
    const requests = sandbox.requests;
    expect(requests.map((r) => r.operation)).toEqual([
      'GetUserOofSettings',
      'SetUserOofSettings',
      'FindItem',
      'GetFolder',
      'GetFolder',
      'ExpandDL',
      'ResolveNames',
    ]);
    const expectedMailboxes = [
      'alice@contoso.com',
      'alice@contoso.com',
      'bob@contoso.com',
      'bob@contoso.com',
      'carol@contoso.com',
      'erin@contoso.com',
      'erin@contoso.com',
    ];
    requests.forEach((request, i) => {
      expect(request).toMatchObject({
        auth: 'basic',
        impersonation: { kind: 'PrimarySmtpAddress', value: expectedMailboxes[i] },
        anchorMailbox: expectedMailboxes[i],
        anchorMatches: true,
        serverVersion: 'Exchange2016',
      });
      expect(request.clientRequestId).toMatch(/^[0-9a-f-]{36}$/);
    });
    expect(new Set(requests.map((r) => r.clientRequestId)).size).toBe(requests.length);
  });

  it('uses the configured server version and ConnectingSID form', async () => {
    const { client } = sandboxClient(sandbox, {
      EWS_SERVER_VERSION: 'Exchange2013_SP1',
      EWS_IMPERSONATION_ID: 'SmtpAddress',
    });
    await client.getOof('alice@contoso.com').finally(() => client.close());
    expect(sandbox.requests[0]).toMatchObject({
      serverVersion: 'Exchange2013_SP1',
      impersonation: { kind: 'SmtpAddress', value: 'alice@contoso.com' },
    });
  });
});

/**
 * Christmas two years ahead, so that the windows set here stay in the future whenever the test runs (the
 * sandbox refuses a window that has ended, as Exchange does).
 */
const XMAS = new Date().getUTCFullYear() + 2;

describe('automatic replies', () => {
  it('round-trip text with & < > " \' ]]>, HTML and emoji exactly', async () => {
    const { client } = sandboxClient(sandbox);
    const tricky = `<html><body><p class="x">Back on Monday &amp; "then" it's ]]> over — 🌴 <b>café</b> &lt;tag&gt;</p>\n  two\tspaces</body></html>`;
    const settings: OofSettings = {
      state: 'Scheduled',
      start: `${XMAS}-12-21T08:00:00Z`,
      end: `${XMAS + 1}-01-04T07:00:00Z`,
      externalAudience: 'All',
      internalReply: tricky,
      externalReply: `External & <unknown> senders: ]]> 🙂 'quoted' "double"`,
    };
    try {
      await client.setOof('alice@contoso.com', settings);
      const read = await client.getOof('alice@contoso.com');
      expect(read).toEqual({
        ...settings,
        start: `${XMAS}-12-21T08:00:00.000Z`,
        end: `${XMAS + 1}-01-04T07:00:00.000Z`,
      });
      // What Exchange holds, as an administrator would see it.
      expect(sandbox.inspectMailbox('alice@contoso.com')?.oof.internalReply).toBe(tricky);
    } finally {
      await client.close();
    }
  });

  it('refuses a scheduled reply whose end is not after its start, sending nothing', async () => {
    const { client } = sandboxClient(sandbox);
    await expect(
      client.setOof('alice@contoso.com', {
        state: 'Scheduled',
        start: `${XMAS}-12-21T08:00:00Z`,
        end: `${XMAS}-12-20T08:00:00Z`,
        externalAudience: 'All',
        internalReply: '',
        externalReply: '',
      }),
    ).rejects.toThrow(/end .* is not after start/);
    await client.close();
    expect(sandbox.requests).toHaveLength(0);
  });
});

describe('throttling and faults', () => {
  it('waits out ErrorServerBusy for at least BackOffMilliseconds, then succeeds', async () => {
    sandbox.configure({ enforceBackOff: true });
    sandbox.injectFaults({ kind: 'serverBusy', backOffMs: 400, operation: 'GetUserOofSettings' });
    const { client, calls } = sandboxClient(sandbox);
    const started = Date.now();
    const oof = await client.getOof('alice@contoso.com').finally(() => client.close());
    expect(oof.state).toBeDefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(calls.map((c) => [c.outcome, c.code])).toEqual([
      ['retry', 'ErrorServerBusy'],
      ['ok', undefined],
    ]);
    // The transport's one rule for EWS and Graph: the server's wait, plus a jittered tenth of the back-off
    // step (here 10-20 ms) so callers told to wait together do not come back together.
    expect(calls[0]?.waitMs).toBeGreaterThan(400);
    expect(calls[0]?.waitMs).toBeLessThanOrEqual(402);
    expect(sandbox.requests).toHaveLength(2);
  });

  it("a back-off pauses every caller of that mailbox, and no other mailbox (impersonated calls use the mailbox's budget)", async () => {
    sandbox.configure({ latencyMs: 30 });
    sandbox.injectFaults({ kind: 'serverBusy', backOffMs: 500, mailbox: 'alice@contoso.com' });
    const { client } = sandboxClient(sandbox);
    const first = client.getOof('alice@contoso.com');
    // The others start once the busy answer is in: alice's must not reach the server during the back-off.
    await new Promise((resolve) => setTimeout(resolve, 80));
    const sameMailbox = [client.getOof('alice@contoso.com'), client.getFolder('alice@contoso.com', 'inbox')];
    const others = ['bob@contoso.com', 'carol@contoso.com'].map((m) => client.getOof(m));
    await Promise.all([first, ...sameMailbox, ...others]).finally(() => client.close());
    const busy = sandbox.requests.find((r) => r.responseCodes.includes('ErrorServerBusy'));
    expect(busy).toBeDefined();
    const busyAnsweredAt = Date.parse(busy?.at ?? '') + (busy?.durationMs ?? 0);
    const later = sandbox.requests.filter((r) => r !== busy);
    expect(later).toHaveLength(5);
    for (const request of later) {
      if (request.mailbox === 'alice@contoso.com')
        expect(Date.parse(request.at)).toBeGreaterThanOrEqual(busyAnsweredAt + 500 - 15);
      else expect(Date.parse(request.at)).toBeLessThan(busyAnsweredAt + 250);
    }
  });

  it('an ErrorInternalServerError wrapping ErrorServerBusy is retried', async () => {
    sandbox.injectFaults({ kind: 'internalServerBusy' });
    const { client, calls } = sandboxClient(sandbox);
    await client.getFolder('bob@contoso.com', 'inbox').finally(() => client.close());
    expect(calls.map((c) => c.code ?? 'ok')).toEqual(['ErrorInternalServerError', 'ok']);
  });

  it('HTTP 503 honours Retry-After, and a reset connection is retried', async () => {
    sandbox.injectFaults({ kind: 'http503', retryAfterSeconds: 1 }, { kind: 'reset' });
    const { client, calls } = sandboxClient(sandbox);
    const started = Date.now();
    await client.getOof('bob@contoso.com').finally(() => client.close());
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(calls.map((c) => c.code ?? 'ok')).toEqual(['HTTP_503', 'CONNECTION', 'ok']);
  });

  it('a permanent error surfaces at once, without retry', async () => {
    const { client, calls } = sandboxClient(sandbox);
    const started = Date.now();
    // The service account may impersonate contoso.com only.
    const error = await mailboxFailure(client.getOof('dave@fabrikam.com').finally(() => client.close()));
    expect(error).toMatchObject({ code: 'ErrorImpersonateUserDenied', errorClass: 'permanent', attempts: 1 });
    expect(sandbox.requests).toHaveLength(1);
    expect(calls).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('wrong credentials are refused as a permanent HTTP 401, not retried', async () => {
    const { client } = sandboxClient(sandbox, { EWS_PASSWORD: 'wrong' });
    const error = await mailboxFailure(client.getOof('alice@contoso.com').finally(() => client.close()));
    expect(error).toMatchObject({ code: 'HTTP_401', errorClass: 'permanent' });
    expect(error.message).toMatch(/credentials were refused/);
    expect(sandbox.requests).toHaveLength(1);
  });

  it('a server that never answers fails within EWS_TIMEOUT_MS', async () => {
    sandbox.injectFaults({ kind: 'hang' }, { kind: 'hang' }, { kind: 'hang' });
    const { client } = sandboxClient(sandbox, { EWS_TIMEOUT_MS: '600' });
    const started = Date.now();
    const error = await mailboxFailure(client.getOof('alice@contoso.com').finally(() => client.close()));
    const elapsed = Date.now() - started;
    expect(error).toMatchObject({ code: 'TIMEOUT', errorClass: 'transient' });
    expect(elapsed).toBeGreaterThanOrEqual(550);
    expect(elapsed).toBeLessThan(600 + 400);
  });

  it('gives up after the configured attempts when faults persist', async () => {
    sandbox.injectFaults(...Array.from({ length: 5 }, () => ({ kind: 'http503' as const })));
    const { client } = sandboxClient(sandbox, { EWS_MAX_ATTEMPTS: '3' });
    const error = await mailboxFailure(client.getOof('alice@contoso.com').finally(() => client.close()));
    expect(error).toMatchObject({ code: 'HTTP_503', attempts: 3 });
    expect(sandbox.requests).toHaveLength(3);
    sandbox.clearFaults();
  });

  it('keeps at most EWS_MAX_IN_FLIGHT_PER_MAILBOX calls in flight for one mailbox', async () => {
    sandbox.configure({ latencyMs: 40, maxConcurrentPerMailbox: 2 });
    const { client, calls } = sandboxClient(sandbox, { EWS_MAX_IN_FLIGHT_PER_MAILBOX: '2' });
    await Promise.all(Array.from({ length: 8 }, () => client.getOof('bob@contoso.com'))).finally(() =>
      client.close(),
    );
    // With the cap matching the server's, nobody is ever told the server is busy.
    expect(calls.every((c) => c.outcome === 'ok')).toBe(true);
    expect(sandbox.requests.every((r) => r.responseCodes.every((code) => code === 'NoError'))).toBe(true);
  });
});

describe('items: paging and archiving', () => {
  it('pages over thousands of items to the end, each id once', async () => {
    const { client } = sandboxClient(sandbox);
    const ids = await client
      .findItemIdsReceivedBefore('pager@contoso.com', 'inbox', new Date())
      .finally(() => client.close());
    expect(ids).toHaveLength(5000);
    expect(new Set(ids.map((i) => i.id)).size).toBe(5000);
    // Restricted searches come back at most 250 per page.
    expect(sandbox.requests.filter((r) => r.operation === 'FindItem')).toHaveLength(20);
  });

  it('stops paging at maxItems', async () => {
    const { client } = sandboxClient(sandbox);
    const ids = await client
      .findItemIdsReceivedBefore('pager@contoso.com', 'inbox', new Date(), { maxItems: 260 })
      .finally(() => client.close());
    expect(ids).toHaveLength(260);
    expect(sandbox.requests).toHaveLength(2);
  });

  it('archives the 2,500 of 3,000 items older than the cutoff, leaving exactly 500; the plan changes nothing', async () => {
    const before = sandbox.inspectMailbox('archiver@contoso.com');
    expect(before?.folders.inbox).toBe(3000);
    const { client } = sandboxClient(sandbox);
    const options = { folders: ['inbox'] as const, receivedBefore: new Date(Date.now() - 365 * DAY) };
    try {
      const plan = await planArchive(client, 'archiver@contoso.com', options);
      expect(plan.planned).toBe(2500);
      expect(sandbox.inspectMailbox('archiver@contoso.com')).toEqual(before);
      expect(sandbox.requests.some((r) => r.operation === 'ArchiveItem')).toBe(false);

      const result = await runArchive(client, 'archiver@contoso.com', options);
      expect(result).toMatchObject({ moved: 2500, failed: [], capped: false });
    } finally {
      await client.close();
    }
    const after = sandbox.inspectMailbox('archiver@contoso.com');
    expect(after?.folders.inbox).toBe(500);
    const archived = Object.values(after?.archive.folders ?? {}).reduce((a, b) => a + b, 0);
    expect(archived).toBe(2500);
    // None lost, none duplicated: every original item is in exactly one place, on the right side of the cutoff.
    const mailbox = sandbox.tenant.mailboxByAddress('archiver@contoso.com');
    const remaining = mailbox?.folder('inbox', false)?.items ?? [];
    const moved = [...(mailbox?.archive?.values() ?? [])].flatMap((folder) => folder.items);
    const serials = [...remaining, ...moved].map((item) => item.serial);
    expect(new Set(serials).size).toBe(3000);
    expect(serials).toHaveLength(3000);
    expect(remaining.every((item) => item.received >= options.receivedBefore.getTime())).toBe(true);
    expect(moved.every((item) => item.received < options.receivedBefore.getTime())).toBe(true);
    expect(sandbox.requests.filter((r) => r.operation === 'ArchiveItem')).toHaveLength(25);
  });

  it('a mailbox without an archive: hasArchiveMailbox is false and archiving fails permanently', async () => {
    const { client } = sandboxClient(sandbox);
    try {
      expect(await client.hasArchiveMailbox('carol@contoso.com')).toBe(false);
      expect(await client.hasArchiveMailbox('alice@contoso.com')).toBe(true);
      const error = await mailboxFailure(
        client.archiveItems('carol@contoso.com', 'inbox', [{ id: 'AAMk-nonexistent' }]),
      );
      expect(error.errorClass).toBe('permanent');
    } finally {
      await client.close();
    }
  });
});

describe('directory', () => {
  it('expands a group one level; nested groups, each walked once despite the cycle, give each member once', async () => {
    const { client } = sandboxClient(sandbox);
    try {
      const members = await client.expandGroup('team@contoso.com', 'erin@contoso.com');
      expect(members.map((m) => [m.address, m.kind])).toEqual([
        ['alice@contoso.com', 'Mailbox'],
        ['inner@contoso.com', 'PublicDL'],
        ['team@contoso.com', 'PublicDL'],
      ]);
      sandbox.clearRequests();
      const deep = await expandGroupDeep(client, 'team@contoso.com', 'erin@contoso.com');
      expect(deep.members.map((m) => m.address)).toEqual(['alice@contoso.com', 'bob@contoso.com']);
      expect(deep.groups).toEqual(['team@contoso.com', 'inner@contoso.com']);
      expect(sandbox.requests.filter((r) => r.operation === 'ExpandDL')).toHaveLength(2);
    } finally {
      await client.close();
    }
  });

  it('resolves a name to its primary SMTP address, and an unknown one to nothing', async () => {
    const { client } = sandboxClient(sandbox);
    try {
      expect(await client.resolvePrimaryAddress('FRANK@contoso.com', 'erin@contoso.com')).toBe(
        'frank@contoso.com',
      );
      expect(await client.resolvePrimaryAddress('nobody@contoso.com', 'erin@contoso.com')).toBeUndefined();
    } finally {
      await client.close();
    }
  });
});

describe('TLS', () => {
  it('trusts a private CA given in EWS_CA_FILE, and refuses an untrusted certificate at once without retrying', async () => {
    const { generateLoopbackCertificate } = await import('../../dev/identity/tlsCertificate');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const certificate = await generateLoopbackCertificate();
    const tlsSandbox = await startEwsSandbox({
      seed,
      tls: certificate,
      knobs: { missingAnchorFailureRate: 0 },
    });
    const caFile = join(mkdtempSync(join(tmpdir(), 'ews-ca-')), 'ca.pem');
    writeFileSync(caFile, certificate.caPem);
    try {
      expect(tlsSandbox.url).toMatch(/^https:/);
      const trusted = sandboxClient(tlsSandbox, { EWS_CA_FILE: caFile });
      await expect(
        trusted.client.getOof('alice@contoso.com').finally(() => trusted.client.close()),
      ).resolves.toMatchObject({
        externalAudience: expect.any(String) as string,
      });

      const untrusted = sandboxClient(tlsSandbox);
      const error = await mailboxFailure(
        untrusted.client.getOof('alice@contoso.com').finally(() => untrusted.client.close()),
      );
      expect(error).toMatchObject({ code: 'TLS', errorClass: 'permanent', attempts: 1 });
      expect(error.message).toMatch(/set EWS_CA_FILE/);
    } finally {
      await tlsSandbox.close();
    }
  });
});
