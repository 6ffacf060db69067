/**
 * The sandbox's in-memory Exchange organisation built from a seed: mailboxes with primary and archive
 * folders, compact item records, OOF settings, groups, and who may impersonate whom.
 *
 * Memory stays light for benchmark tenants (10,000+ mailboxes): an item is a small record, never XML, and
 * generated folder contents are only created when a mailbox is first touched.
 */
import type {
  SandboxSeed,
  SeedApp,
  SeedFolder,
  SeedFolders,
  SeedImpersonationScope,
  SeedMailbox,
  SeedServiceAccount,
} from './seed';

export const DAY_MS = 86_400_000;

/** One message: enough for FindItem restrictions, sorting and moves. */
export interface ItemRecord {
  serial: number;
  received: number;
  subject: string;
  isRead: boolean;
  /** Bumped on every move: part of the ChangeKey. */
  version: number;
  folder: Folder;
}

/** Stored OOF settings; times are epoch ms (UTC). Exchange keeps the last duration even when not Scheduled. */
export interface OofRecord {
  state: 'Disabled' | 'Enabled' | 'Scheduled';
  externalAudience: 'None' | 'Known' | 'All';
  start: number;
  end: number;
  internalReply: string;
  externalReply: string;
  internalLang?: string;
  externalLang?: string;
}

/** One extended (named MAPI) property as EWS names it: property set, name, type, and its value. */
export interface ExtendedProperty {
  propertySetId: string;
  propertyName: string;
  propertyType: string;
  value: string;
}

/** The key an extended property is stored and looked up by (the set id's case does not matter). */
export function extendedPropertyKey(p: Omit<ExtendedProperty, 'value'>): string {
  return `${p.propertySetId.toLowerCase()}|${p.propertyName}|${p.propertyType}`;
}

/** An event of the default calendar. Its id shares the mailbox's item serials. */
export interface CalendarEvent {
  serial: number;
  /** Bumped on every update: part of the ChangeKey. */
  version: number;
  subject: string;
  body: string;
  bodyType: 'Text' | 'HTML';
  /** Epoch ms (UTC). */
  start: number;
  end: number;
  isAllDay: boolean;
  /** LegacyFreeBusyStatus. */
  freeBusy: string;
  reminderIsSet: boolean;
  /** Windows time zone ids as sent (StartTimeZone / EndTimeZone Id). */
  startTimeZone?: string;
  endTimeZone?: string;
  /** Attendees named when it was created (the app's events have none). */
  attendees: number;
  extendedProperties: Map<string, ExtendedProperty>;
}

const DISPLAY_NAMES: Record<string, string> = {
  inbox: 'Inbox',
  sentitems: 'Sent Items',
  deleteditems: 'Deleted Items',
  drafts: 'Drafts',
  junkemail: 'Junk Email',
  outbox: 'Outbox',
  msgfolderroot: 'Top of Information Store',
  root: 'Root',
  calendar: 'Calendar',
  contacts: 'Contacts',
  tasks: 'Tasks',
  notes: 'Notes',
  journal: 'Journal',
};

/** Folders every primary mailbox has, even when the seed lists none. */
const STANDARD_PRIMARY = ['msgfolderroot', 'inbox', 'sentitems', 'deleteditems', 'drafts', 'junkemail'];
/** Folders every archive mailbox has. */
const STANDARD_ARCHIVE = ['msgfolderroot', 'inbox', 'deleteditems'];

/** Archive distinguished folder ids and the archive folder (keyed like the primary one) they name. */
export const ARCHIVE_DISTINGUISHED: Record<string, string> = {
  archivemsgfolderroot: 'msgfolderroot',
  archiveinbox: 'inbox',
  archivedeleteditems: 'deleteditems',
  archiveroot: 'root',
  archiverecoverableitemsroot: 'recoverableitemsroot',
  archiverecoverableitemsdeletions: 'recoverableitemsdeletions',
  archiverecoverableitemsversions: 'recoverableitemsversions',
  archiverecoverableitemspurges: 'recoverableitemspurges',
  archiverecoverableitemsdiscoveryholds: 'recoverableitemsdiscoveryholds',
};

interface PendingItems {
  count: number;
  oldFraction: number;
  oldAgeDays: number;
}

export class Folder {
  /** Sorted by received time, then serial, ascending. */
  items: ItemRecord[] = [];
  pending?: PendingItems;

  constructor(
    readonly mailbox: Mailbox,
    /** Primary-style key: inbox, sentitems, ... (also for archive folders: archive inbox = "inbox"). */
    readonly key: string,
    readonly inArchive: boolean,
  ) {}

  get displayName(): string {
    return DISPLAY_NAMES[this.key] ?? this.key;
  }

  /** Distinguished id as a client would name it (archiveinbox for the archive's inbox). */
  get distinguishedId(): string {
    if (!this.inArchive) return this.key;
    const entry = Object.entries(ARCHIVE_DISTINGUISHED).find(([, key]) => key === this.key);
    return entry ? entry[0] : `archive:${this.key}`;
  }

  get id(): string {
    return encodeFolderId(this.mailbox.index, this.inArchive, this.key);
  }

  get count(): number {
    return this.items.length + (this.pending?.count ?? 0);
  }
}

export class Mailbox {
  readonly primary = new Map<string, Folder>();
  archive?: Map<string, Folder>;
  /** The default calendar's events, by serial, oldest first. */
  readonly calendar = new Map<number, CalendarEvent>();
  private itemsBySerial?: Map<number, ItemRecord>;
  private nextSerial = 1;
  private materialized = true;

  constructor(
    readonly index: number,
    readonly address: string,
    readonly displayName: string,
    readonly upn: string,
    readonly sid: string,
    /** Every SMTP address of the mailbox, lower case, primary first. */
    readonly addresses: readonly string[],
    public oof: OofRecord,
  ) {}

  folder(key: string, inArchive: boolean, create = false): Folder | undefined {
    const map = inArchive ? this.archive : this.primary;
    if (!map) return undefined;
    let f = map.get(key);
    if (!f && create) {
      f = new Folder(this, key, inArchive);
      map.set(key, f);
    }
    return f;
  }

  /** Queues generated items; they are created on first access (see `ensureItems`). */
  addPending(folder: Folder, pending: PendingItems): void {
    folder.pending = pending;
    this.materialized = false;
  }

  /** A serial for a new item or event: ids are never reused within a mailbox. */
  newSerial(): number {
    return this.nextSerial++;
  }

  /** Removes items from their folders (DeleteItem); their ids are gone. */
  removeItems(items: readonly ItemRecord[]): void {
    const leaving = new Set(items);
    for (const source of new Set(items.map((i) => i.folder)))
      source.items = source.items.filter((i) => !leaving.has(i));
    for (const item of items) this.itemsBySerial?.delete(item.serial);
  }

  addItem(folder: Folder, received: number, subject: string, isRead: boolean): ItemRecord {
    const item: ItemRecord = { serial: this.nextSerial++, received, subject, isRead, version: 1, folder };
    folder.items.push(item);
    this.itemsBySerial?.set(item.serial, item);
    return item;
  }

  /** Creates pending generated items and the id index. Cheap after the first call. */
  ensureItems(now: number): void {
    if (this.materialized && this.itemsBySerial) return;
    for (const folder of [...this.primary.values(), ...(this.archive?.values() ?? [])]) {
      const pending = folder.pending;
      if (!pending) continue;
      folder.pending = undefined;
      generateItems(this, folder, pending, now);
    }
    this.materialized = true;
    if (!this.itemsBySerial) {
      this.itemsBySerial = new Map();
      for (const folder of [...this.primary.values(), ...(this.archive?.values() ?? [])]) {
        for (const item of folder.items) this.itemsBySerial.set(item.serial, item);
      }
    }
  }

  item(serial: number): ItemRecord | undefined {
    return this.itemsBySerial?.get(serial);
  }

  /**
   * Moves items to `target`: a moved item gets a new id (Exchange ids change across folders and
   * mailboxes) and a new change key. Sorting happens once per batch, not per item.
   */
  moveItems(items: readonly ItemRecord[], target: Folder): ItemRecord[] {
    const leaving = new Set(items);
    const sources = new Set(items.map((i) => i.folder));
    for (const source of sources) source.items = source.items.filter((i) => !leaving.has(i));
    const moved: ItemRecord[] = [];
    for (const item of items) {
      this.itemsBySerial?.delete(item.serial);
      const copy: ItemRecord = {
        ...item,
        serial: this.nextSerial++,
        version: item.version + 1,
        folder: target,
      };
      this.itemsBySerial?.set(copy.serial, copy);
      target.items.push(copy);
      moved.push(copy);
    }
    sortItems(target.items);
    return moved;
  }
}

export function sortItems(items: ItemRecord[]): void {
  items.sort((a, b) => a.received - b.received || a.serial - b.serial);
}

/** Spreads old and new items evenly (Bresenham) so that exactly round(count * oldFraction) are old. */
function generateItems(mailbox: Mailbox, folder: Folder, pending: PendingItems, now: number): void {
  const { count, oldFraction, oldAgeDays } = pending;
  const oldCount = Math.round(count * oldFraction);
  const newCount = count - oldCount;
  // Old items: between oldAgeDays+1 and 3*oldAgeDays days ago; new: between 1 hour and oldAgeDays-1 days ago.
  const oldSpan = Math.max(1, 2 * oldAgeDays - 1) * DAY_MS;
  const newSpan = Math.max(0, oldAgeDays - 1) * DAY_MS - 3_600_000;
  let o = 0;
  let n = 0;
  for (let k = 0; k < count; k++) {
    const isOld = Math.floor(((k + 1) * oldCount) / count) > Math.floor((k * oldCount) / count);
    const received = isOld
      ? now - (oldAgeDays + 1) * DAY_MS - Math.floor((o++ * oldSpan) / Math.max(1, oldCount))
      : now - 3_600_000 - Math.floor((n++ * newSpan) / Math.max(1, newCount));
    mailbox.addItem(folder, received, `Message ${k + 1}`, k % 3 !== 0);
  }
  sortItems(folder.items);
}

// Ids are opaque to clients, like Exchange's: base64 of a small binary record.
const ITEM_MAGIC = 0x5349; // "SI"
const FOLDER_MAGIC = 0x5346; // "SF"

export function encodeItemId(mailboxIndex: number, serial: number): string {
  const buf = Buffer.alloc(10);
  buf.writeUInt16BE(ITEM_MAGIC, 0);
  buf.writeUInt32BE(mailboxIndex, 2);
  buf.writeUInt32BE(serial, 6);
  return buf.toString('base64');
}

/** Undefined when the id is not one this sandbox issued (Exchange: ErrorInvalidIdMalformed). */
export function decodeItemId(id: string): { mailboxIndex: number; serial: number } | undefined {
  const buf = Buffer.from(id, 'base64');
  if (buf.length !== 10 || buf.readUInt16BE(0) !== ITEM_MAGIC || buf.toString('base64') !== id)
    return undefined;
  return { mailboxIndex: buf.readUInt32BE(2), serial: buf.readUInt32BE(6) };
}

export function encodeChangeKey(item: ItemRecord): string {
  const buf = Buffer.alloc(8);
  buf.writeUInt32BE(0x0900_0000, 0);
  buf.writeUInt32BE(item.version, 4);
  return buf.toString('base64');
}

export function encodeFolderId(mailboxIndex: number, inArchive: boolean, key: string): string {
  const name = Buffer.from(key, 'utf8');
  const buf = Buffer.alloc(7 + name.length);
  buf.writeUInt16BE(FOLDER_MAGIC, 0);
  buf.writeUInt32BE(mailboxIndex, 2);
  buf.writeUInt8(inArchive ? 1 : 0, 6);
  name.copy(buf, 7);
  return buf.toString('base64');
}

export function decodeFolderId(
  id: string,
): { mailboxIndex: number; inArchive: boolean; key: string } | undefined {
  const buf = Buffer.from(id, 'base64');
  if (buf.length < 8 || buf.readUInt16BE(0) !== FOLDER_MAGIC || buf.toString('base64') !== id)
    return undefined;
  return {
    mailboxIndex: buf.readUInt32BE(2),
    inArchive: buf.readUInt8(6) === 1,
    key: buf.subarray(7).toString('utf8'),
  };
}

/** A distribution group (Exchange MailboxType PublicDL). */
export interface Group {
  address: string;
  displayName: string;
  addresses: readonly string[];
  members: readonly string[];
}

export type Recipient = { kind: 'mailbox'; mailbox: Mailbox } | { kind: 'group'; group: Group };

/** Who is calling, after authentication, and what they may impersonate. */
export type Principal =
  | { kind: 'basic'; name: string; account: SeedServiceAccount }
  | { kind: 'bearer'; name: string; app: SeedApp; roles: readonly string[] };

/**
 * A deterministic SID per mailbox index, in the shape of a domain account SID. Its domain part differs
 * from the demo seed's hand-written SIDs so a derived one never collides with a seeded one.
 */
export function derivedSid(index: number): string {
  return `S-1-5-21-1004336348-1177238915-682003330-${100000 + index}`;
}

export class TenantStore {
  readonly mailboxes: Mailbox[] = [];
  readonly domains: ReadonlySet<string>;
  readonly tenantId?: string;
  private readonly byAddress = new Map<string, Mailbox>();
  private readonly byUpn = new Map<string, Mailbox>();
  private readonly bySid = new Map<string, Mailbox>();
  private readonly groups = new Map<string, Group>();
  private readonly accounts = new Map<string, SeedServiceAccount>();
  private readonly apps = new Map<string, SeedApp>();
  private readonly groupMembersCache = new Map<string, ReadonlySet<string>>();

  constructor(
    readonly seed: SandboxSeed,
    readonly now: number,
  ) {
    this.domains = new Set(seed.tenant.domains.map((d) => d.toLowerCase()));
    this.tenantId = seed.tenant.tenantId;
    seed.mailboxes.forEach((m, i) => this.addMailbox(m, i));
    for (const g of seed.groups ?? []) {
      const addresses = [g.address, ...(g.proxyAddresses ?? [])].map((a) => a.toLowerCase());
      const group: Group = {
        address: g.address.toLowerCase(),
        displayName: g.displayName ?? g.address.slice(0, g.address.indexOf('@')),
        addresses,
        members: g.members.map((m) => m.toLowerCase()),
      };
      for (const a of addresses) this.groups.set(a, group);
    }
    for (const a of seed.serviceAccounts ?? []) {
      for (const name of [a.username, ...(a.aliases ?? [])]) this.accounts.set(name.toLowerCase(), a);
    }
    for (const app of seed.apps ?? []) this.apps.set(app.clientId.toLowerCase(), app);
  }

  private addMailbox(m: SeedMailbox, index: number): void {
    const addresses = [m.address, ...(m.proxyAddresses ?? [])].map((a) => a.toLowerCase());
    const oof = m.oof;
    const hour = Math.floor(this.now / 3_600_000) * 3_600_000;
    const at = (iso: string | undefined, days: number | undefined, fallback: number): number =>
      iso !== undefined ? Date.parse(iso) : days !== undefined ? hour + days * DAY_MS : fallback;
    const mailbox = new Mailbox(
      index,
      m.address.toLowerCase(),
      m.displayName ?? m.address.slice(0, m.address.indexOf('@')),
      (m.upn ?? m.address).toLowerCase(),
      m.sid ?? derivedSid(index),
      addresses,
      {
        state: oof?.state ?? 'Disabled',
        externalAudience: oof?.externalAudience ?? 'All',
        start: at(oof?.start, oof?.startDaysFromNow, hour),
        end: at(oof?.end, oof?.endDaysFromNow, hour + DAY_MS),
        internalReply: oof?.internalReply ?? '',
        externalReply: oof?.externalReply ?? '',
      },
    );
    for (const key of STANDARD_PRIMARY) mailbox.folder(key, false, true);
    this.fillFolders(mailbox, m.folders, false);
    for (const e of m.calendar ?? []) {
      const serial = mailbox.newSerial();
      mailbox.calendar.set(serial, {
        serial,
        version: 1,
        subject: e.subject,
        body: e.body ?? '',
        bodyType: 'Text',
        start: at(e.start, e.startDaysFromNow, hour),
        end: at(e.end, e.endDaysFromNow, hour),
        isAllDay: e.isAllDay ?? false,
        freeBusy: e.freeBusy ?? 'Busy',
        reminderIsSet: true,
        attendees: 0,
        extendedProperties: new Map(),
      });
    }
    if (m.archive) {
      mailbox.archive = new Map();
      for (const key of STANDARD_ARCHIVE) mailbox.folder(key, true, true);
      this.fillFolders(mailbox, m.archive.folders, true);
    }
    this.mailboxes.push(mailbox);
    for (const a of addresses) this.byAddress.set(a, mailbox);
    this.byUpn.set(mailbox.upn, mailbox);
    this.bySid.set(mailbox.sid.toUpperCase(), mailbox);
  }

  private fillFolders(mailbox: Mailbox, folders: SeedFolders | undefined, inArchive: boolean): void {
    for (const [key, spec] of Object.entries<SeedFolder | undefined>(folders ?? {})) {
      if (!spec) continue;
      const folder = mailbox.folder(key, inArchive, true) as Folder;
      for (const item of spec.items ?? []) {
        const received =
          item.received !== undefined
            ? Date.parse(item.received)
            : this.now - (item.receivedDaysAgo ?? 0) * DAY_MS;
        mailbox.addItem(folder, received, item.subject ?? '', item.isRead ?? false);
      }
      sortItems(folder.items);
      if (spec.generate && spec.generate.count > 0) {
        mailbox.addPending(folder, {
          count: spec.generate.count,
          oldFraction: spec.generate.oldFraction ?? 0.5,
          oldAgeDays: spec.generate.oldAgeDays ?? 365,
        });
      }
    }
  }

  mailboxByAddress(address: string): Mailbox | undefined {
    return this.byAddress.get(stripSmtpPrefix(address).toLowerCase());
  }

  mailboxByUpn(upn: string): Mailbox | undefined {
    return this.byUpn.get(upn.toLowerCase());
  }

  mailboxBySid(sid: string): Mailbox | undefined {
    return this.bySid.get(sid.toUpperCase());
  }

  mailboxByIndex(index: number): Mailbox | undefined {
    return this.mailboxes[index];
  }

  groupByAddress(address: string): Group | undefined {
    return this.groups.get(stripSmtpPrefix(address).toLowerCase());
  }

  recipient(address: string): Recipient | undefined {
    const mailbox = this.mailboxByAddress(address);
    if (mailbox) return { kind: 'mailbox', mailbox };
    const group = this.groupByAddress(address);
    return group ? { kind: 'group', group } : undefined;
  }

  allGroups(): Group[] {
    return [...new Set(this.groups.values())];
  }

  serviceAccount(username: string): SeedServiceAccount | undefined {
    return this.accounts.get(username.toLowerCase());
  }

  app(clientId: string): SeedApp | undefined {
    return this.apps.get(clientId.toLowerCase());
  }

  /** Primary addresses of every mailbox in a group, nested groups expanded (cycles tolerated). */
  groupMailboxes(address: string): ReadonlySet<string> {
    const key = address.toLowerCase();
    const cached = this.groupMembersCache.get(key);
    if (cached) return cached;
    const result = new Set<string>();
    const seen = new Set<Group>();
    const walk = (g: Group | undefined): void => {
      if (!g || seen.has(g)) return;
      seen.add(g);
      for (const member of g.members) {
        const m = this.mailboxByAddress(member);
        if (m) result.add(m.address);
        else walk(this.groupByAddress(member));
      }
    };
    walk(this.groupByAddress(key));
    this.groupMembersCache.set(key, result);
    return result;
  }

  /**
   * The management-scope check: may this principal impersonate that mailbox? A scoped account (a
   * management scope on its ApplicationImpersonation assignment, or an app's RBAC scope) reaches its
   * domains, addresses and groups only; `all: true` is the unscoped grant Microsoft warns about, which
   * reaches every mailbox (the demo seed's svc-unscoped@contoso.com, for the privilege audit's "open").
   */
  mayImpersonate(principal: Principal, mailbox: Mailbox): boolean {
    const scope: SeedImpersonationScope =
      principal.kind === 'basic' ? principal.account.impersonation : principal.app.impersonation;
    if (scope.all === true) return true;
    const domain = mailbox.address.slice(mailbox.address.indexOf('@') + 1);
    if ((scope.domains ?? []).some((d) => d.toLowerCase() === domain)) return true;
    if ((scope.addresses ?? []).some((a) => mailbox.addresses.includes(a.toLowerCase()))) return true;
    return (scope.groups ?? []).some((g) => this.groupMailboxes(g).has(mailbox.address));
  }
}

export function stripSmtpPrefix(address: string): string {
  return /^smtp:/i.test(address) ? address.slice(5) : address;
}
