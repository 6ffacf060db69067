/**
 * The directory the Graph stand-in serves over the EWS sandbox's tenant: every mailbox is a user with a
 * stable object id; `usersWithoutMailbox` adds users Entra knows but Exchange Online does not host (no
 * licence, an on-premises mailbox in a hybrid tenant): they resolve in the directory, and their mailbox
 * settings answer 404 MailboxNotEnabledForRESTAPI, as Graph answers them.
 *
 * Graph addresses a user as `/users/{id | userPrincipalName}` (user-get reference page): an SMTP address
 * that is not also the UPN finds no one, in the directory and in mailboxSettings alike.
 */
import type { Group, Mailbox, TenantStore } from '../ews-sandbox/tenantStore';

/** A user in Entra without an Exchange Online mailbox. */
export interface UserWithoutMailbox {
  /** The `mail` attribute (set for hybrid users whose mailbox is on premises). */
  address: string;
  upn?: string;
  displayName?: string;
}

export interface DirectoryUser {
  id: string;
  displayName: string;
  mail: string;
  userPrincipalName: string;
  proxyAddresses: string[];
  /** Undefined: no Exchange Online mailbox. */
  mailbox?: Mailbox;
}

const guid = (prefix: string, n: number): string =>
  `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

export class GraphDirectory {
  readonly users: DirectoryUser[];
  readonly groups: Group[];
  private readonly byId = new Map<string, DirectoryUser>();
  private readonly byUpn = new Map<string, DirectoryUser>();
  private readonly byMailbox = new Map<Mailbox, DirectoryUser>();
  private readonly groupsById = new Map<string, Group>();

  constructor(
    readonly store: TenantStore,
    withoutMailbox: readonly UserWithoutMailbox[] = [],
  ) {
    const withMailbox = store.mailboxes.map((m): DirectoryUser => ({
      id: guid('00000000', m.index + 1),
      displayName: m.displayName,
      mail: m.address,
      userPrincipalName: m.upn,
      proxyAddresses: m.addresses.map((a, i) => `${i === 0 ? 'SMTP' : 'smtp'}:${a}`),
      mailbox: m,
    }));
    const others = withoutMailbox.map((u, i): DirectoryUser => ({
      id: guid('0000000e', i + 1),
      displayName: u.displayName ?? u.address,
      mail: u.address.toLowerCase(),
      userPrincipalName: (u.upn ?? u.address).toLowerCase(),
      proxyAddresses: [`SMTP:${u.address.toLowerCase()}`],
    }));
    this.users = [...withMailbox, ...others];
    for (const u of this.users) {
      this.byId.set(u.id, u);
      this.byUpn.set(u.userPrincipalName, u);
      if (u.mailbox) this.byMailbox.set(u.mailbox, u);
    }
    this.groups = store.allGroups();
    this.groups.forEach((g, i) => this.groupsById.set(guid('0000000f', i + 1), g));
  }

  /** `/users/{id | userPrincipalName}`: object id or UPN, nothing else. */
  user(idOrUpn: string): DirectoryUser | undefined {
    const key = idOrUpn.toLowerCase();
    return this.byId.get(key) ?? this.byUpn.get(key);
  }

  userOfMailbox(mailbox: Mailbox): DirectoryUser | undefined {
    return this.byMailbox.get(mailbox);
  }

  group(id: string): Group | undefined {
    return this.groupsById.get(id.toLowerCase());
  }

  groupId(group: Group): string {
    return guid('0000000f', this.groups.indexOf(group) + 1);
  }

  /** The user resource, cut to `$select` when given. */
  static resource(user: DirectoryUser, select: readonly string[] | undefined): Record<string, unknown> {
    const full: Record<string, unknown> = {
      id: user.id,
      displayName: user.displayName,
      mail: user.mail,
      userPrincipalName: user.userPrincipalName,
      userType: 'Member',
      proxyAddresses: user.proxyAddresses,
    };
    if (!select) return full;
    return Object.fromEntries(select.filter((k) => k in full).map((k) => [k, full[k]]));
  }
}
