/** Reads EWS SOAP responses into the mailbox interface's types; errors become MailboxError. */
import { MailboxError } from '../mailboxError';
import type {
  BatchOutcome,
  DirectoryPage,
  ExternalAudience,
  FolderInfo,
  FolderName,
  GroupMember,
  ItemRef,
  OofSettings,
  OofState,
} from '../mailboxOperations';
import { errorFromResponseMessage } from './ewsErrors';
import { attr, child, children, text, verbatimText, type XmlNode } from './xml';

export interface ResponseContext {
  httpStatus?: number;
  mailbox?: string;
  requestId?: string;
}

function body(envelope: XmlNode): XmlNode | undefined {
  return child(child(envelope, 'Envelope'), 'Body');
}

/** All `*ResponseMessage` elements of an operation's response, in order. */
export function responseMessages(envelope: XmlNode, operation: string): XmlNode[] {
  const response = child(body(envelope), `${operation}Response`);
  const container = child(response, 'ResponseMessages');
  if (container) return children(container, `${operation}ResponseMessage`);
  // GetUserOofSettings and SetUserOofSettings answer with a single ResponseMessage.
  return children(response, 'ResponseMessage');
}

export class UnexpectedResponseError extends Error {
  constructor(operation: string, what: string) {
    super(`unexpected ${operation} response from Exchange: ${what}`);
    this.name = 'UnexpectedResponseError';
  }
}

/**
 * Operations whose reader reads attributes from a successful answer (FindItem: item ids, paging;
 * CreateItem and UpdateItem: the item's id). The
 * others' answers are parsed without attributes when they can only be a success (xml.ts plainSuccess);
 * test/unit/ews/attributeFreeParse.test.ts checks every reader against the samples both ways.
 */
export const READS_ATTRIBUTES_ON_SUCCESS: ReadonlySet<string> = new Set([
  'FindItem',
  'CreateItem',
  'UpdateItem',
]);

/** The single response message of a one-target operation, or its error thrown. */
function single(envelope: XmlNode, operation: string, ctx: ResponseContext): XmlNode {
  const [message] = responseMessages(envelope, operation);
  if (!message) throw new UnexpectedResponseError(operation, 'no ResponseMessage');
  const error = errorFromResponseMessage(message, ctx);
  if (error) throw error;
  return message;
}

/** EWS sometimes omits the zone on OOF times (Exchange 2007 samples); they are UTC. */
function utcIso(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  const withZone = /(Z|[+-]\d\d:\d\d)$/.test(trimmed) ? trimmed : `${trimmed}Z`;
  const ms = Date.parse(withZone);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

const OOF_STATES: readonly OofState[] = ['Disabled', 'Enabled', 'Scheduled'];
const AUDIENCES: readonly ExternalAudience[] = ['None', 'Known', 'All'];

export function readOofSettings(envelope: XmlNode, ctx: ResponseContext): OofSettings {
  single(envelope, 'GetUserOofSettings', ctx);
  return oofSettingsFrom(child(child(body(envelope), 'GetUserOofSettingsResponse'), 'OofSettings'));
}

/**
 * What a reader needs of an answer already known to be a plain success (xml.ts parseSuccessElement):
 * the one element it reads, and how. The client reads such answers from that element alone.
 */
export interface SuccessElementReader<T> {
  /** The element's local name; the answer must hold exactly one. */
  element: string;
  read(node: XmlNode): T;
}

/** GetUserOofSettings' success read from its OofSettings alone: the same reading as readOofSettings. */
export const OOF_SETTINGS_ON_SUCCESS: SuccessElementReader<OofSettings> = {
  element: 'OofSettings',
  read: oofSettingsFrom,
};

function oofSettingsFrom(settings: XmlNode | undefined): OofSettings {
  if (!settings) throw new UnexpectedResponseError('GetUserOofSettings', 'no OofSettings');
  const state = text(settings, 'OofState')?.trim() as OofState;
  const audience = text(settings, 'ExternalAudience')?.trim() as ExternalAudience;
  if (!OOF_STATES.includes(state))
    throw new UnexpectedResponseError('GetUserOofSettings', `OofState "${state}"`);
  if (!AUDIENCES.includes(audience)) {
    throw new UnexpectedResponseError('GetUserOofSettings', `ExternalAudience "${audience}"`);
  }
  const result: OofSettings = {
    state,
    externalAudience: audience,
    internalReply: verbatimText(child(settings, 'InternalReply'), 'Message') ?? '',
    externalReply: verbatimText(child(settings, 'ExternalReply'), 'Message') ?? '',
  };
  // Exchange keeps the last time window in every state (Outlook pre-fills it); we read it always so that
  // a snapshot restores exactly, not only the state and texts.
  const duration = child(settings, 'Duration');
  const start = utcIso(text(duration, 'StartTime'));
  const end = utcIso(text(duration, 'EndTime'));
  if (start !== undefined && end !== undefined) Object.assign(result, { start, end });
  return result;
}

export function readSetOofResult(envelope: XmlNode, ctx: ResponseContext): void {
  single(envelope, 'SetUserOofSettings', ctx);
}

export interface ItemPage {
  items: ItemRef[];
  includesLast: boolean;
}

export function readFindItemPage(envelope: XmlNode, ctx: ResponseContext): ItemPage {
  const message = single(envelope, 'FindItem', ctx);
  const root = child(message, 'RootFolder');
  if (!root) throw new UnexpectedResponseError('FindItem', 'no RootFolder');
  const items: ItemRef[] = [];
  const container = child(root, 'Items');
  if (container) {
    // Items holds Message, CalendarItem, MeetingRequest, Item, ... all with an ItemId.
    for (const [name, value] of Object.entries(container)) {
      if (name.startsWith('@_') || name === '#text' || value === undefined) continue;
      for (const item of children(container, name)) {
        const id = child(item, 'ItemId');
        const itemId = attr(id, 'Id');
        if (itemId) items.push({ id: itemId, changeKey: attr(id, 'ChangeKey') });
      }
    }
  }
  return {
    items,
    includesLast: attr(root, 'IncludesLastItemInRange') === 'true',
  };
}

/**
 * Per-item outcome of ArchiveItem / MoveItem. When nothing moved and every item failed the same way
 * (no archive mailbox, server busy, access denied), that one error is thrown instead, so the retry
 * policy and the caller's "skip this mailbox" logic see it.
 */
export function readBatchOutcome(
  envelope: XmlNode,
  operation: 'ArchiveItem' | 'MoveItem',
  items: readonly ItemRef[],
  ctx: ResponseContext,
): BatchOutcome {
  const messages = responseMessages(envelope, operation);
  if (messages.length === 0) throw new UnexpectedResponseError(operation, 'no ResponseMessages');
  let moved = 0;
  const failed: BatchOutcome['failed'] = [];
  let firstError: MailboxError | undefined;
  messages.forEach((message, index) => {
    const error = errorFromResponseMessage(message, ctx);
    if (!error) {
      moved++;
      return;
    }
    firstError ??= error;
    failed.push({ id: items[index]?.id ?? '', code: error.code, message: error.message });
  });
  if (moved === 0 && firstError && failed.every((f) => f.code === firstError?.code)) throw firstError;
  return { moved, failed };
}

export function readFolder(envelope: XmlNode, folder: FolderName, ctx: ResponseContext): FolderInfo {
  const message = single(envelope, 'GetFolder', ctx);
  const folders = child(message, 'Folders');
  const first =
    folders && Object.entries(folders).find(([name]) => !name.startsWith('@_') && name !== '#text');
  const node = first ? children(folders, first[0])[0] : undefined;
  if (!node) throw new UnexpectedResponseError('GetFolder', 'no folder');
  return {
    folder,
    displayName: text(node, 'DisplayName') ?? folder,
    totalCount: Number(text(node, 'TotalCount') ?? 0),
  };
}

export function readGroupMembers(envelope: XmlNode, ctx: ResponseContext): GroupMember[] {
  const message = single(envelope, 'ExpandDL', ctx);
  return children(child(message, 'DLExpansion'), 'Mailbox').map((m) => ({
    name: text(m, 'Name') ?? '',
    address: (text(m, 'EmailAddress') ?? '').trim(),
    kind: (text(m, 'MailboxType') ?? 'Unknown').trim(),
  }));
}

/** Primary SMTP of the single match; undefined when nothing matches; an error when several do. */
export function readResolvedAddress(
  envelope: XmlNode,
  entry: string,
  ctx: ResponseContext,
): string | undefined {
  const [message] = responseMessages(envelope, 'ResolveNames');
  if (!message) throw new UnexpectedResponseError('ResolveNames', 'no ResponseMessage');
  const error = errorFromResponseMessage(message, ctx);
  if (error?.code === 'ErrorNameResolutionNoResults') return undefined;
  if (error) throw error;
  const resolutions = children(child(message, 'ResolutionSet'), 'Resolution');
  const addresses = resolutions
    .map((r) => text(children(r, 'Mailbox')[0], 'EmailAddress')?.trim())
    .filter((a): a is string => !!a);
  const unique = [...new Set(addresses.map((a) => a.toLowerCase()))];
  if (unique.length === 1) return unique[0];
  if (unique.length === 0) return undefined;
  // Several matches for an exact address cannot happen; for a display name we must not guess.
  const exact = unique.find(
    (a) =>
      a ===
      entry
        .trim()
        .toLowerCase()
        .replace(/^smtp:/, ''),
  );
  if (exact) return exact;
  throw new MailboxError({
    code: 'ErrorNameResolutionMultipleResults',
    errorClass: 'permanent',
    message: `"${entry}" matches ${unique.length} mailboxes (${unique.join(', ')}); use the address`,
    mailbox: ctx.mailbox,
    requestId: ctx.requestId,
  });
}

/**
 * The primary SMTP addresses of the mailboxes (MailboxType Mailbox: not groups, contacts or public
 * folders) a ResolveNames answer lists; none for ErrorNameResolutionNoResults. Several candidates come
 * as a Warning (ErrorNameResolutionMultipleResults) with the ResolutionSet, at most 100 of them
 * (web-service-reference/resolutionset, Remarks).
 */
export function readResolvedMailboxAddresses(envelope: XmlNode, ctx: ResponseContext): DirectoryPage {
  const [message] = responseMessages(envelope, 'ResolveNames');
  if (!message) throw new UnexpectedResponseError('ResolveNames', 'no ResponseMessage');
  const error = errorFromResponseMessage(message, ctx);
  if (error?.code === 'ErrorNameResolutionNoResults') return { addresses: [], complete: true };
  if (error) throw error;
  const set = child(message, 'ResolutionSet');
  const addresses = children(set, 'Resolution')
    .map((r) => children(r, 'Mailbox')[0])
    .filter((m) => text(m, 'MailboxType')?.trim() === 'Mailbox')
    .map((m) => text(m, 'EmailAddress')?.trim().toLowerCase())
    .filter((a): a is string => !!a);
  // IncludesLastItemInRange="false": Exchange had more than the 100 it answered. A lone Success answer
  // may be read without attributes (READS_ATTRIBUTES_ON_SUCCESS): one candidate is all there is.
  return { addresses: [...new Set(addresses)], complete: attr(set, 'IncludesLastItemInRange') !== 'false' };
}

/**
 * The id of the one item a CreateItem or UpdateItem answer names (`m:Items/t:CalendarItem/t:ItemId`),
 * without its change key: the app updates with AlwaysOverwrite and never needs one.
 */
export function readItemId(
  envelope: XmlNode,
  operation: 'CreateItem' | 'UpdateItem',
  ctx: ResponseContext,
): string {
  const message = single(envelope, operation, ctx);
  const items = child(message, 'Items');
  const first = items && Object.keys(items).find((name) => !name.startsWith('@_') && name !== '#text');
  const id = first ? attr(child(children(items, first)[0], 'ItemId'), 'Id') : undefined;
  if (!id) throw new UnexpectedResponseError(operation, 'no item id');
  return id;
}

/** DeleteItem of one item: deleted, or already gone (ErrorItemNotFound); any other error is thrown. */
export function readDeleteOutcome(envelope: XmlNode, ctx: ResponseContext): 'deleted' | 'already-gone' {
  const [message] = responseMessages(envelope, 'DeleteItem');
  if (!message) throw new UnexpectedResponseError('DeleteItem', 'no ResponseMessage');
  const error = errorFromResponseMessage(message, ctx);
  if (error?.code === 'ErrorItemNotFound') return 'already-gone';
  if (error) throw error;
  return 'deleted';
}
