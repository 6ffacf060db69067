/**
 * Seeds fail loudly and precisely: every mistake is listed with its JSON path, so a broken seed file is
 * fixed in one go instead of surfacing later as a puzzling EWS answer.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  SeedError,
  generateTenant,
  loadSeedFile,
  startEwsSandbox,
  validateSeed,
} from '../../dev/ews-sandbox';
// Not test/support/demoTenant: that loads the demo seed on import, before these tests could judge it.
import { demoSeedPath } from '../../dev/seeds/demoSeedPath';

function problemsOf(seed: unknown): string[] {
  try {
    validateSeed(seed);
  } catch (err) {
    if (err instanceof SeedError) return err.problems;
    throw err;
  }
  return [];
}

describe('sandbox seeds', () => {
  it('loads the demo tenant and generated tenants without complaint', () => {
    expect(loadSeedFile(demoSeedPath()).mailboxes.map((m) => m.address)).toEqual([
      'alice@contoso.com',
      'bob@contoso.com',
      'carol@contoso.com',
      'dave@fabrikam.com',
    ]);
    expect(
      problemsOf(generateTenant({ mailboxes: 250, itemsPerMailbox: 10, withArchive: 0.3, groupSize: 20 })),
    ).toEqual([]);
  });

  it('lists every mistake with its JSON path', () => {
    const problems = problemsOf({
      tenant: { domains: [] },
      mailboxes: [
        { address: 'alice@contoso.com', oof: { state: 'Away' }, folders: { outbox2: {} } },
        { address: 'ALICE@contoso.com', sid: 'not-a-sid' },
        { address: 'bob', folders: { inbox: { generate: { count: 1.5 }, items: [{ subject: 'x' }] } } },
      ],
      groups: [{ address: 'team@contoso.com', members: ['ghost@contoso.com'] }],
      serviceAccounts: [{ username: 'svc', impersonation: { groups: ['nogroup@contoso.com'] } }],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'tenant.domains: must list at least one domain',
        'mailboxes[0].oof.state: must be Disabled, Enabled or Scheduled',
        expect.stringMatching(/^mailboxes\[0\]\.folders\.outbox2: unknown folder/) as string,
        'mailboxes[1].address: address ALICE@contoso.com is used twice',
        'mailboxes[1].sid: must look like S-1-5-21-...',
        'mailboxes[2].address: "bob" is not an e-mail address',
        'mailboxes[2].folders.inbox.items[0]: give exactly one of "received" (ISO date) or "receivedDaysAgo"',
        'mailboxes[2].folders.inbox.generate.count: must be a whole number',
        'serviceAccounts[0].password: must be a non-empty string',
      ]),
    );
  });

  it('checks cross-references once the shape is right', () => {
    const problems = problemsOf({
      tenant: { domains: ['contoso.com'] },
      mailboxes: [{ address: 'alice@contoso.com' }],
      groups: [{ address: 'team@contoso.com', members: ['ghost@contoso.com', 'partner@example.org'] }],
      apps: [{ clientId: 'app', impersonation: { groups: ['nogroup@contoso.com'] } }],
    });
    expect(problems).toEqual([
      'groups[0].members[0]: ghost@contoso.com is in a tenant domain but is no mailbox or group of the seed',
      'apps[0].impersonation.groups[0]: nogroup@contoso.com is not a group of the seed',
    ]);
  });

  it('names the file when it is not JSON, and refuses to start on a bad seed or bad knobs', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'seed-')), 'broken.json');
    writeFileSync(file, '{ "tenant": ');
    expect(() => loadSeedFile(file)).toThrow(
      new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not a valid sandbox seed`),
    );
    await expect(startEwsSandbox({ seed: file })).rejects.toThrow(SeedError);
    await expect(startEwsSandbox({ seed: demoSeedPath(), knobs: { faultRate: -1 } })).rejects.toThrow(
      /faultRate/,
    );
  });
});
