/**
 * Synthetic tenants for tests and benchmarks: thousands of mailboxes described in a few lines of seed.
 * Folder contents use `generate`, so items exist only once a mailbox is touched.
 */
import type { SandboxSeed, SeedMailbox } from './seed';

export interface GenerateTenantOptions {
  mailboxes: number;
  /** Inbox items per mailbox (default 0). */
  itemsPerMailbox?: number;
  /** Share of those items older than `oldAgeDays` (default 0.5). */
  oldFraction?: number;
  oldAgeDays?: number;
  /** Which mailboxes get an archive: true (all, default), false (none), or a fraction spread evenly. */
  withArchive?: boolean | number;
  domain?: string;
  /** Size of the nested team groups inside all-staff@domain (default 100). 0: no groups. */
  groupSize?: number;
  serviceAccount?: { username: string; password: string };
  /** Client id of the OAuth app allowed to impersonate the whole domain. */
  appClientId?: string;
  /** Local part prefix of generated mailboxes (default "user"): user00001@domain. */
  prefix?: string;
}

export const GENERATED_SERVICE_ACCOUNT = { username: 'svc-mailbox', password: 'sandbox-password' } as const;
export const GENERATED_APP_CLIENT_ID = '11111111-2222-4333-8444-555555555555';

/** Address of the i-th generated mailbox (0-based). */
export function generatedAddress(i: number, domain = 'contoso.com', prefix = 'user'): string {
  return `${prefix}${String(i + 1).padStart(5, '0')}@${domain}`;
}

export function generateTenant(options: GenerateTenantOptions): SandboxSeed {
  const domain = options.domain ?? 'contoso.com';
  const prefix = options.prefix ?? 'user';
  const items = options.itemsPerMailbox ?? 0;
  const archive = options.withArchive ?? true;
  const fraction = archive === true ? 1 : archive === false ? 0 : archive;
  const mailboxes: SeedMailbox[] = [];
  for (let i = 0; i < options.mailboxes; i++) {
    const address = generatedAddress(i, domain, prefix);
    // Spread evenly, first mailbox included: with 0.5, user00001 has an archive and user00002 has none.
    const hasArchive = Math.ceil((i + 1) * fraction) > Math.ceil(i * fraction);
    mailboxes.push({
      address,
      displayName: `User ${String(i + 1).padStart(5, '0')}`,
      ...(items > 0 && {
        folders: {
          inbox: {
            generate: {
              count: items,
              oldFraction: options.oldFraction ?? 0.5,
              oldAgeDays: options.oldAgeDays ?? 365,
            },
          },
        },
      }),
      ...(hasArchive && { archive: {} }),
    });
  }
  const groupSize = options.groupSize ?? 100;
  const groups: NonNullable<SandboxSeed['groups']> = [];
  if (groupSize > 0 && mailboxes.length > 0) {
    const teams: string[] = [];
    for (let start = 0; start < mailboxes.length; start += groupSize) {
      const address = `team-${String(teams.length + 1).padStart(4, '0')}@${domain}`;
      teams.push(address);
      groups.push({
        address,
        displayName: `Team ${teams.length}`,
        members: mailboxes.slice(start, start + groupSize).map((m) => m.address),
      });
    }
    groups.unshift({ address: `all-staff@${domain}`, displayName: 'All Staff', members: teams });
  }
  const account = options.serviceAccount ?? {
    username: `${GENERATED_SERVICE_ACCOUNT.username}@${domain}`,
    password: GENERATED_SERVICE_ACCOUNT.password,
  };
  return {
    description: `generated: ${options.mailboxes} mailboxes, ${items} inbox items each`,
    tenant: { name: 'Generated', domains: [domain] },
    mailboxes,
    groups,
    serviceAccounts: [
      { username: account.username, password: account.password, impersonation: { domains: [domain] } },
    ],
    apps: [
      {
        clientId: options.appClientId ?? GENERATED_APP_CLIENT_ID,
        displayName: 'mailbox-automation',
        impersonation: { domains: [domain] },
      },
    ],
  };
}
