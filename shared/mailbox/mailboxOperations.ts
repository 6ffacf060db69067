/**
 * The one interface through which every workflow reaches a mailbox. The EWS client
 * (shared/mailbox/ews/ewsClient.ts) is the first implementation; a Microsoft Graph one will follow.
 * No workflow imports SOAP or HTTP: they speak these types only.
 */

/** Exchange's three automatic-reply states. */
export type OofState = 'Disabled' | 'Enabled' | 'Scheduled';

/** Who outside the organisation receives the external reply. */
export type ExternalAudience = 'None' | 'Known' | 'All';

/** A mailbox's automatic-reply (OOF) settings, as read from or written to Exchange. */
export interface OofSettings {
  state: OofState;
  /**
   * The time window, UTC instants as ISO 8601 strings ending in `Z`. Required with `Scheduled`; in the other
   * states Exchange keeps the last window (Outlook pre-fills it), so it is read and restored as well.
   */
  start?: string;
  end?: string;
  externalAudience: ExternalAudience;
  /** Reply to senders inside the organisation; HTML allowed. Empty string for none. */
  internalReply: string;
  /** Reply to senders outside the organisation; HTML allowed. Empty string for none. */
  externalReply: string;
}

/**
 * Folders the workflows may name. Exchange's distinguished folder ids; the archive mailbox's
 * folders are the `archive*` ones.
 */
export const PRIMARY_FOLDERS = [
  'inbox',
  'sentitems',
  'deleteditems',
  'drafts',
  'junkemail',
  'msgfolderroot',
] as const;
export const ARCHIVE_FOLDERS = ['archivemsgfolderroot', 'archiveinbox', 'archivedeleteditems'] as const;
export type PrimaryFolder = (typeof PRIMARY_FOLDERS)[number];
export type ArchiveFolder = (typeof ARCHIVE_FOLDERS)[number];
export type FolderName = PrimaryFolder | ArchiveFolder;

export function isFolderName(value: string): value is FolderName {
  return (
    (PRIMARY_FOLDERS as readonly string[]).includes(value) ||
    (ARCHIVE_FOLDERS as readonly string[]).includes(value)
  );
}

/** Opaque item id as Exchange gives it (with its change key when known). */
export interface ItemRef {
  id: string;
  changeKey?: string;
}

export interface FindOldItemsOptions {
  /**
   * Stop after this many ids (the sweep's per-run cap). Unset: page to the end. Fewer ids than this
   * means the folder has no more (archiving relies on it to skip a query that would come back empty).
   */
  maxItems?: number;
}

/** Outcome of archiving or moving a batch: ids that moved and per-item failures (never thrown for one item). */
export interface BatchOutcome {
  moved: number;
  failed: { id: string; code: string; message: string }[];
}

export interface FolderInfo {
  folder: FolderName;
  displayName: string;
  totalCount: number;
}

/**
 * One page of the directory's mailbox addresses (the privilege audit's sample, through the unscoped
 * read-only probe only): `complete` when the directory had no more for the query.
 */
export interface DirectoryPage {
  addresses: string[];
  complete: boolean;
}

/** A member of an expanded distribution group. */
export interface GroupMember {
  name: string;
  address: string;
  /** Exchange's MailboxType: Mailbox, PublicDL, PrivateDL, Contact, PublicFolder, Unknown, OneOff, GroupMailbox. */
  kind: string;
}

/** One mailbox's automatic replies from a many-mailbox read: the settings, or why they could not be read. */
export type OofReadResult = { mailbox: string; settings: OofSettings } | { mailbox: string; error: Error };

/**
 * An all-day "Out of office" event the app keeps in a person's own calendar for one absence
 * (LEAVE_CALENDAR_EVENT): free/busy OOF, no attendees, no reminder, no meeting request sent.
 */
export interface OofCalendarEvent {
  subject: string;
  /** First day of the absence (`YYYY-MM-DD`, in `timeZone`). */
  firstDay: string;
  /** The first day back (`YYYY-MM-DD`, in `timeZone`): the all-day event ends at its start (exclusive). */
  firstDayBack: string;
  /** The person's IANA time zone (e.g. Europe/Berlin): the days are that zone's days. */
  timeZone: string;
  /** Plain text shown in the event's body. */
  body: string;
  /**
   * The absence's stable id (at most 64 characters of A-Z a-z 0-9 and -), written into the event so that a
   * create retried after a lost answer finds the first attempt's event instead of making a second one
   * (Graph: `transactionId`; EWS: an extended property looked up before creating).
   */
  tag: string;
}

/** Mailbox operations, each acting as the given mailbox (impersonation) unless stated otherwise. */
export interface MailboxOperations {
  getOof(mailbox: string): Promise<OofSettings>;
  setOof(mailbox: string, settings: OofSettings): Promise<void>;
  /** Ids of items in `folder` received strictly before `receivedBefore`, oldest first, paged to the end. */
  findItemIdsReceivedBefore(
    mailbox: string,
    folder: FolderName,
    receivedBefore: Date,
    options?: FindOldItemsOptions,
  ): Promise<ItemRef[]>;
  /** ArchiveItem: moves items from `sourceFolder` of the primary mailbox into the archive mailbox. */
  archiveItems(mailbox: string, sourceFolder: FolderName, items: ItemRef[]): Promise<BatchOutcome>;
  /** MoveItem: moves items to another folder (e.g. an archive-mailbox folder). */
  moveItems(mailbox: string, items: ItemRef[], destination: FolderName): Promise<BatchOutcome>;
  /** GetFolder; rejects with ErrorFolderNotFound / ErrorArchiveMailboxNotEnabled-like codes when absent. */
  getFolder(mailbox: string, folder: FolderName): Promise<FolderInfo>;
  /** True when the mailbox has an archive mailbox (GetFolder on archivemsgfolderroot). */
  hasArchiveMailbox(mailbox: string): Promise<boolean>;
  /** ExpandDL: one level of a distribution group's members. `asMailbox` is the mailbox impersonated for the call. */
  expandGroup(group: string, asMailbox: string): Promise<GroupMember[]>;
  /** ResolveNames: the primary SMTP address of a name or address, or undefined when nothing matches. */
  resolvePrimaryAddress(nameOrAddress: string, asMailbox: string): Promise<string | undefined>;
  /**
   * Optional: many mailboxes' automatic replies in few requests (Graph `$batch`), one result per mailbox in
   * the order given; a failure for one mailbox is its result, never thrown.
   */
  getOofMany?(mailboxes: readonly string[]): Promise<OofReadResult[]>;
  /** Creates the event in the mailbox's default calendar, sending nothing to anyone; answers its id. */
  createOofEvent(mailbox: string, event: OofCalendarEvent): Promise<string>;
  /**
   * Moves or rewrites an event this app created (by the id createOofEvent gave), sending nothing; answers
   * the id to keep (unchanged on Graph). Rejects with ErrorItemNotFound when the event no longer exists.
   */
  updateOofEvent(mailbox: string, id: string, event: OofCalendarEvent): Promise<string>;
  /** Deletes an event this app created, sending nothing; `already-gone` when it no longer exists. */
  deleteOofEvent(mailbox: string, id: string): Promise<'deleted' | 'already-gone'>;
}
