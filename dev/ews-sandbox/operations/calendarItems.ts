/**
 * The default calendar: CreateItem, UpdateItem, DeleteItem and GetItem of calendar items, and FindItem in
 * the calendar folder (findItem.ts hands it over). Each refuses what Exchange refuses, per Microsoft's
 * references: "CreateItem operation (calendar item)", "UpdateItem operation", "DeleteItem operation",
 * "GetItem operation (calendar item)" (learn.microsoft.com/exchange/client-developer/web-service-reference/),
 * and the ResponseCode page for the codes: ErrorSendMeetingInvitationsRequired ("returned by the CreateItem
 * operation if the SendMeetingInvitations attribute is missing from the request and the item to create is
 * a calendar item"), ErrorSendMeetingInvitationsOrCancellationsRequired (UpdateItem, likewise),
 * ErrorSendMeetingCancellationsRequired (DeleteItem, likewise), ErrorItemNotFound,
 * ErrorCalendarEndDateIsEarlierThanStartDate.
 */
import {
  SchemaViolation,
  checkChildren,
  checkEnum,
  parseBoolean,
  parseDateTime,
  readGetRequest,
  requireChild,
  requireNonEmptyList,
} from '../ewsRequest';
import { FREE_BUSY_STATUSES } from '../seed';
import { errorMessage, responseMessages, successMessage, type ResponseError } from '../soapResponses';
import {
  decodeItemId,
  encodeItemId,
  extendedPropertyKey,
  type CalendarEvent,
  type ExtendedProperty,
  type ItemRecord,
  type Mailbox,
} from '../tenantStore';
import { NS, child, escapeXml, type XmlElement } from '../xml';
import { ERRORS, resolveFolderId } from './folderIds';
import type { OperationContext, OperationResult } from './operationContext';

const T = NS.types;
const M = NS.messages;

/** t:CalendarItemCreateOrDeleteOperationType / t:CalendarItemUpdateOperationType. */
const SEND_ON_CREATE_OR_DELETE = ['SendToNone', 'SendOnlyToAll', 'SendToAllAndSaveCopy'];
const SEND_ON_UPDATE = [...SEND_ON_CREATE_OR_DELETE, 'SendOnlyToChanged', 'SendToChangedAndSaveCopy'];

/** The children a t:CalendarItem may have, in types.xsd's order (ItemType's, then CalendarItemType's). */
const CALENDAR_ITEM_CHILDREN = (
  'MimeContent ItemId ParentFolderId ItemClass Subject Sensitivity Body Attachments DateTimeReceived Size Categories ' +
  'Importance InReplyTo IsSubmitted IsDraft IsFromMe IsResend IsUnmodified InternetMessageHeaders DateTimeSent ' +
  'DateTimeCreated ResponseObjects ReminderDueBy ReminderIsSet ReminderNextTime ReminderMinutesBeforeStart DisplayCc ' +
  'DisplayTo DisplayBcc HasAttachments ExtendedProperty Culture EffectiveRights LastModifiedName LastModifiedTime ' +
  'IsAssociated WebClientReadFormQueryString WebClientEditFormQueryString ConversationId UniqueBody Flag StoreEntryId ' +
  'InstanceKey NormalizedBody EntityExtractionResult PolicyTag ArchiveTag RetentionDate Preview ' +
  'RightsManagementLicenseData PredictedActionReasons IsClutter BlockStatus HasBlockedImages TextBody IconIndex SearchKey ' +
  'SortKey Hashtags Mentions MentionedMe MentionsPreview MentionsEx AppliedHashtags AppliedHashtagsPreview Likes ' +
  'LikesPreview PendingSocialActivityTagIds AtAllMention CanDelete InferenceClassification ' +
  'UID RecurrenceId DateTimeStamp Start End OriginalStart IsAllDayEvent LegacyFreeBusyStatus Location When IsMeeting ' +
  'IsCancelled IsRecurring MeetingRequestWasSent IsResponseRequested CalendarItemType MyResponseType Organizer ' +
  'RequiredAttendees OptionalAttendees Resources InboxReminders ConflictingMeetingCount AdjacentMeetingCount ' +
  'ConflictingMeetings AdjacentMeetings Duration TimeZone AppointmentReplyTime AppointmentSequenceNumber ' +
  'AppointmentState Recurrence FirstOccurrence LastOccurrence ModifiedOccurrences DeletedOccurrences MeetingTimeZone ' +
  'StartTimeZone EndTimeZone ConferenceType AllowNewTimeProposal IsOnlineMeeting MeetingWorkspaceUrl NetShowUrl ' +
  'EnhancedLocation StartWallClock EndWallClock StartTimeZoneId EndTimeZoneId IntendedFreeBusyStatus ' +
  'JoinOnlineMeetingUrl OnlineMeetingSettings IsOrganizer CalendarActivityData DoNotForwardMeeting'
)
  .split(' ')
  .map((name) => [T, name] as const);

/** The properties the sandbox keeps for an event; setting any other one is refused, never ignored. */
const SETTABLE: Record<string, string> = {
  'item:Subject': 'Subject',
  'item:Body': 'Body',
  'item:ReminderIsSet': 'ReminderIsSet',
  'calendar:Start': 'Start',
  'calendar:End': 'End',
  'calendar:IsAllDayEvent': 'IsAllDayEvent',
  'calendar:LegacyFreeBusyStatus': 'LegacyFreeBusyStatus',
  'calendar:StartTimeZone': 'StartTimeZone',
  'calendar:EndTimeZone': 'EndTimeZone',
};

const CHANGE_KEY_BASE = 0x0a00_0000;

function changeKey(event: CalendarEvent): string {
  const buf = Buffer.alloc(8);
  buf.writeUInt32BE(CHANGE_KEY_BASE, 0);
  buf.writeUInt32BE(event.version, 4);
  return buf.toString('base64');
}

const isoUtc = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** t:ExtendedFieldURI's attributes as the property's identity. */
function extendedPath(el: XmlElement): Omit<ExtendedProperty, 'value'> {
  const a = el.attrs;
  const propertyType = a.PropertyType;
  if (propertyType === undefined)
    throw new SchemaViolation("The required attribute 'PropertyType' is missing.");
  return {
    propertySetId: a.PropertySetId ?? a.DistinguishedPropertySetId ?? '',
    propertyName: a.PropertyName ?? a.PropertyId ?? a.PropertyTag ?? '',
    propertyType,
  };
}

type Fields = Partial<Omit<CalendarEvent, 'serial' | 'version' | 'extendedProperties' | 'attendees'>> & {
  extended: ExtendedProperty[];
  attendees: number;
};

/** Reads the properties of a t:CalendarItem (create, or the one property of a SetItemField). */
function readCalendarItem(el: XmlElement): Fields {
  checkChildren(el, CALENDAR_ITEM_CHILDREN);
  const fields: Fields = { extended: [], attendees: 0 };
  for (const c of el.children) {
    switch (c.name) {
      case 'Subject':
        fields.subject = c.text;
        break;
      case 'Body': {
        const type = c.attrs.BodyType;
        if (type === undefined) throw new SchemaViolation("The required attribute 'BodyType' is missing.");
        checkEnum(type, ['HTML', 'Text'], "'BodyType' attribute", 'BodyTypeType');
        fields.body = c.text;
        fields.bodyType = type as 'HTML' | 'Text';
        break;
      }
      case 'ReminderIsSet':
        fields.reminderIsSet = parseBoolean(c.text, 'ReminderIsSet');
        break;
      case 'ExtendedProperty': {
        const path = requireChild(c, T, 'ExtendedFieldURI');
        fields.extended.push({ ...extendedPath(path), value: requireChild(c, T, 'Value').text });
        break;
      }
      case 'Start':
        fields.start = parseDateTime(c.text, 'Start');
        break;
      case 'End':
        fields.end = parseDateTime(c.text, 'End');
        break;
      case 'IsAllDayEvent':
        fields.isAllDay = parseBoolean(c.text, 'IsAllDayEvent');
        break;
      case 'LegacyFreeBusyStatus':
        checkEnum(c.text.trim(), FREE_BUSY_STATUSES, "'LegacyFreeBusyStatus' element", 'LegacyFreeBusyType');
        fields.freeBusy = c.text.trim();
        break;
      case 'StartTimeZone':
      case 'EndTimeZone': {
        const id = c.attrs.Id;
        if (id === undefined || id.trim() === '') {
          throw new SchemaViolation(
            `The sandbox needs the Id attribute of '${c.name}' (a Windows time zone id).`,
          );
        }
        if (c.name === 'StartTimeZone') fields.startTimeZone = id;
        else fields.endTimeZone = id;
        break;
      }
      case 'RequiredAttendees':
      case 'OptionalAttendees':
      case 'Resources':
        fields.attendees += c.children.length;
        break;
      default:
        throw new SchemaViolation(`The EWS sandbox does not keep the calendar item property '${c.name}'.`);
    }
  }
  return fields;
}

function endBeforeStart(start: number, end: number): ResponseError | undefined {
  return end < start
    ? {
        code: 'ErrorCalendarEndDateIsEarlierThanStartDate',
        text: 'EndDate is earlier than StartDate',
      }
    : undefined;
}

/** The calendar event an ItemId names in the acting mailbox, or why not. */
function lookupEvent(idEl: XmlElement, mailbox: Mailbox): CalendarEvent | ResponseError {
  if (idEl.ns !== T || idEl.name !== 'ItemId')
    throw new SchemaViolation(`The element '${idEl.name}' is not an ItemId.`);
  const id = idEl.attrs.Id;
  if (id === undefined) throw new SchemaViolation("The required attribute 'Id' is missing.");
  const decoded = decodeItemId(id);
  if (!decoded) return ERRORS.idMalformed();
  const event = decoded.mailboxIndex === mailbox.index ? mailbox.calendar.get(decoded.serial) : undefined;
  return event ?? ERRORS.itemNotFound();
}

/** A calendar item as EWS writes it; `full` adds the Default shape's properties. */
export function calendarItemXml(
  event: CalendarEvent,
  mailbox: Mailbox,
  full: boolean,
  extended: readonly Omit<ExtendedProperty, 'value'>[] = [],
): string {
  let xml = `<t:CalendarItem><t:ItemId Id="${encodeItemId(mailbox.index, event.serial)}" ChangeKey="${changeKey(event)}"/>`;
  if (full) {
    xml +=
      `<t:Subject>${escapeXml(event.subject)}</t:Subject>` +
      `<t:Body BodyType="${event.bodyType}">${escapeXml(event.body)}</t:Body>` +
      `<t:ReminderIsSet>${event.reminderIsSet}</t:ReminderIsSet>`;
  }
  for (const path of extended) {
    const found = event.extendedProperties.get(extendedPropertyKey(path));
    if (!found) continue;
    xml +=
      `<t:ExtendedProperty><t:ExtendedFieldURI PropertySetId="${escapeXml(found.propertySetId)}" ` +
      `PropertyName="${escapeXml(found.propertyName)}" PropertyType="${escapeXml(found.propertyType)}"/>` +
      `<t:Value>${escapeXml(found.value)}</t:Value></t:ExtendedProperty>`;
  }
  if (full) {
    xml +=
      `<t:Start>${isoUtc(event.start)}</t:Start><t:End>${isoUtc(event.end)}</t:End>` +
      `<t:IsAllDayEvent>${event.isAllDay}</t:IsAllDayEvent><t:LegacyFreeBusyStatus>${event.freeBusy}</t:LegacyFreeBusyStatus>`;
  }
  return `${xml}</t:CalendarItem>`;
}

/** The ExtendedFieldURIs an ItemShape's AdditionalProperties asks for. */
export function requestedExtendedProperties(shape: XmlElement): Omit<ExtendedProperty, 'value'>[] {
  return (child(shape, T, 'AdditionalProperties')?.children ?? [])
    .filter((c) => c.ns === T && c.name === 'ExtendedFieldURI')
    .map(extendedPath);
}

/**
 * The calendar FindItem restriction the app uses: IsEqualTo on an extended property or the subject (And
 * of those too). Anything else is answered like Exchange answers a path it cannot query.
 */
export function compileCalendarRestriction(
  expr: XmlElement,
): ((e: CalendarEvent) => boolean) | ResponseError {
  if (expr.ns === T && expr.name === 'And') {
    const parts = expr.children.map(compileCalendarRestriction);
    const problem = parts.find((p): p is ResponseError => typeof p !== 'function');
    if (problem) return problem;
    const predicates = parts as ((e: CalendarEvent) => boolean)[];
    return (e) => predicates.every((p) => p(e));
  }
  const [path, right] = expr.children;
  const value = right && child(right, T, 'Constant')?.attrs.Value;
  if (expr.ns === T && expr.name === 'IsEqualTo' && path && value !== undefined) {
    if (path.ns === T && path.name === 'ExtendedFieldURI') {
      const key = extendedPropertyKey(extendedPath(path));
      return (e) => e.extendedProperties.get(key)?.value === value;
    }
    if (path.ns === T && path.name === 'FieldURI' && path.attrs.FieldURI === 'item:Subject')
      return (e) => e.subject === value;
  }
  return {
    code: 'ErrorUnsupportedPathForQuery',
    text: 'The sandbox searches the calendar by IsEqualTo on an extended property or item:Subject only.',
  };
}

export function createItem(ctx: OperationContext): OperationResult {
  const payload = ctx.request.payload;
  checkChildren(payload, [
    [M, 'SavedItemFolderId'],
    [M, 'Items'],
  ]);
  const items = requireNonEmptyList(payload, M, 'Items');
  const sendInvitations = payload.attrs.SendMeetingInvitations;
  if (sendInvitations !== undefined)
    checkEnum(
      sendInvitations,
      SEND_ON_CREATE_OR_DELETE,
      "'SendMeetingInvitations' attribute",
      'CalendarItemCreateOrDeleteOperationType',
    );
  const savedIn = child(payload, M, 'SavedItemFolderId');
  const folderEl = savedIn?.children[0];
  const folder = folderEl ? resolveFolderId(folderEl, ctx) : undefined;
  const mailbox = ctx.mailbox;
  const fail = (error: ResponseError): OperationResult => {
    const messages = items.map(() => errorMessage('CreateItem', error, '<m:Items/>'));
    return { xml: responseMessages('CreateItem', messages), codes: messages.map(() => error.code) };
  };
  if (folder?.error) return fail(folder.error);
  if (!mailbox) return fail(ERRORS.missingEmailAddress());
  if (folder && (folder.folder.inArchive || folder.folder.key !== 'calendar')) {
    return fail({
      code: 'ErrorCannotCreateCalendarItemInNonCalendarFolder',
      text: 'Calendar items can only be created in a calendar folder (the sandbox has the default one).',
    });
  }
  const messages: string[] = [];
  const codes: string[] = [];
  for (const el of items) {
    if (el.ns !== T || el.name !== 'CalendarItem') {
      throw new SchemaViolation(`The EWS sandbox creates calendar items only, not '${el.name}'.`);
    }
    const fields = readCalendarItem(el);
    const { start, end } = fields;
    const problem: ResponseError | undefined =
      sendInvitations === undefined
        ? {
            code: 'ErrorSendMeetingInvitationsRequired',
            text: 'SendMeetingInvitations attribute is required for calendar items.',
          }
        : start === undefined || end === undefined
          ? { code: 'ErrorInvalidRequest', text: 'The sandbox needs Start and End for a calendar item.' }
          : endBeforeStart(start, end);
    if (problem || start === undefined || end === undefined) {
      const error = problem as ResponseError;
      messages.push(errorMessage('CreateItem', error, '<m:Items/>'));
      codes.push(error.code);
      continue;
    }
    const serial = mailbox.newSerial();
    const event: CalendarEvent = {
      serial,
      version: 1,
      subject: fields.subject ?? '',
      body: fields.body ?? '',
      bodyType: fields.bodyType ?? 'Text',
      start,
      end,
      isAllDay: fields.isAllDay ?? false,
      freeBusy: fields.freeBusy ?? 'Busy',
      reminderIsSet: fields.reminderIsSet ?? true,
      startTimeZone: fields.startTimeZone,
      endTimeZone: fields.endTimeZone ?? fields.startTimeZone,
      attendees: fields.attendees,
      extendedProperties: new Map(fields.extended.map((p) => [extendedPropertyKey(p), p])),
    };
    mailbox.calendar.set(serial, event);
    messages.push(
      successMessage('CreateItem', `<m:Items>${calendarItemXml(event, mailbox, false)}</m:Items>`),
    );
    codes.push('NoError');
  }
  return { xml: responseMessages('CreateItem', messages), codes };
}

/** Applies one SetItemField to a copy of the event's fields; a property the sandbox does not keep is refused. */
function applySetItemField(change: XmlElement, event: CalendarEvent): ResponseError | undefined {
  const [path, item] = change.children;
  if (!path || !item || change.children.length !== 2) {
    throw new SchemaViolation("The element 'SetItemField' needs a property path and an item.");
  }
  if (item.ns !== T || item.name !== 'CalendarItem')
    return {
      code: 'ErrorInvalidPropertySet',
      text: `A calendar item cannot be updated with a '${item.name}'.`,
    };
  const fields = readCalendarItem(item);
  if (path.name === 'ExtendedFieldURI') {
    const [property] = fields.extended;
    if (!property || fields.extended.length !== 1)
      return { code: 'ErrorInvalidPropertySet', text: 'The item must hold exactly the property being set.' };
    event.extendedProperties.set(extendedPropertyKey(property), property);
    return undefined;
  }
  const uri = path.name === 'FieldURI' ? (path.attrs.FieldURI ?? '') : '';
  if (SETTABLE[uri] === undefined) {
    return {
      code: 'ErrorInvalidPropertySet',
      text: `The EWS sandbox does not update '${uri || path.name}'.`,
    };
  }
  const { extended: _extended, attendees: _attendees, ...values } = fields;
  Object.assign(event, values);
  return undefined;
}

export function updateItem(ctx: OperationContext): OperationResult {
  const payload = ctx.request.payload;
  checkChildren(payload, [
    [M, 'SavedItemFolderId'],
    [M, 'ItemChanges'],
  ]);
  const { ConflictResolution: conflict, SendMeetingInvitationsOrCancellations: send } = payload.attrs;
  if (conflict !== undefined)
    checkEnum(
      conflict,
      ['NeverOverwrite', 'AutoResolve', 'AlwaysOverwrite'],
      "'ConflictResolution' attribute",
      'ConflictResolutionType',
    );
  if (send !== undefined)
    checkEnum(
      send,
      SEND_ON_UPDATE,
      "'SendMeetingInvitationsOrCancellations' attribute",
      'CalendarItemUpdateOperationType',
    );
  const changes = requireChild(payload, M, 'ItemChanges').children;
  const mailbox = ctx.mailbox;
  const messages: string[] = [];
  const codes: string[] = [];
  for (const change of changes) {
    if (change.ns !== T || change.name !== 'ItemChange')
      throw new SchemaViolation(`The element 'ItemChanges' has invalid child element '${change.name}'.`);
    checkChildren(change, [
      [T, 'ItemId'],
      [T, 'OccurrenceItemId'],
      [T, 'RecurringMasterItemId'],
      [T, 'Updates'],
    ]);
    const idEl = change.children[0];
    const found: CalendarEvent | ResponseError =
      !mailbox || !idEl ? ERRORS.missingEmailAddress() : lookupEvent(idEl, mailbox);
    let error: ResponseError | undefined = 'code' in found ? found : undefined;
    if (!error && send === undefined) {
      error = {
        code: 'ErrorSendMeetingInvitationsOrCancellationsRequired',
        text: 'SendMeetingInvitationsOrCancellations attribute is required for calendar items.',
      };
    }
    const event = 'code' in found ? undefined : found;
    if (!error && event && mailbox) {
      // Changes are made on a copy: a request that fails half-way changes nothing.
      const next: CalendarEvent = { ...event, extendedProperties: new Map(event.extendedProperties) };
      for (const update of requireChild(change, T, 'Updates').children) {
        if (update.ns !== T || update.name !== 'SetItemField') {
          error = {
            code: 'ErrorInvalidPropertySet',
            text: `The EWS sandbox does not apply '${update.name}'.`,
          };
          break;
        }
        error = applySetItemField(update, next);
        if (error) break;
      }
      error ??= endBeforeStart(next.start, next.end);
      if (!error) {
        next.version = event.version + 1;
        mailbox.calendar.set(next.serial, next);
        messages.push(
          successMessage(
            'UpdateItem',
            `<m:Items>${calendarItemXml(next, mailbox, false)}</m:Items><m:ConflictResults><t:Count>0</t:Count></m:ConflictResults>`,
          ),
        );
        codes.push('NoError');
        continue;
      }
    }
    const failure = error ?? ERRORS.itemNotFound();
    messages.push(errorMessage('UpdateItem', failure, '<m:Items/>'));
    codes.push(failure.code);
  }
  return { xml: responseMessages('UpdateItem', messages), codes };
}

export function deleteItem(ctx: OperationContext): OperationResult {
  const payload = ctx.request.payload;
  checkChildren(payload, [[M, 'ItemIds']]);
  const { DeleteType: deleteType, SendMeetingCancellations: send } = payload.attrs;
  if (deleteType === undefined) throw new SchemaViolation("The required attribute 'DeleteType' is missing.");
  checkEnum(
    deleteType,
    ['HardDelete', 'SoftDelete', 'MoveToDeletedItems'],
    "'DeleteType' attribute",
    'DisposalType',
  );
  if (send !== undefined)
    checkEnum(
      send,
      SEND_ON_CREATE_OR_DELETE,
      "'SendMeetingCancellations' attribute",
      'CalendarItemCreateOrDeleteOperationType',
    );
  const ids = requireNonEmptyList(payload, M, 'ItemIds');
  const mailbox = ctx.mailbox;
  const messages: string[] = [];
  const codes: string[] = [];
  const answer = (error?: ResponseError): void => {
    messages.push(error ? errorMessage('DeleteItem', error) : successMessage('DeleteItem'));
    codes.push(error?.code ?? 'NoError');
  };
  for (const idEl of ids) {
    if (!mailbox) {
      answer(ERRORS.missingEmailAddress());
      continue;
    }
    mailbox.ensureItems(ctx.now);
    const found = lookupEvent(idEl, mailbox);
    if ('code' in found) {
      // Not an event: perhaps a message of a mail folder.
      const decoded = decodeItemId(idEl.attrs.Id ?? '');
      const message: ItemRecord | undefined =
        decoded && decoded.mailboxIndex === mailbox.index ? mailbox.item(decoded.serial) : undefined;
      if (!message) {
        answer(found);
        continue;
      }
      if (deleteType === 'MoveToDeletedItems')
        mailbox.moveItems(
          [message],
          mailbox.folder('deleteditems', false, true) as NonNullable<ReturnType<Mailbox['folder']>>,
        );
      else mailbox.removeItems([message]);
      answer();
      continue;
    }
    if (send === undefined) {
      answer({
        code: 'ErrorSendMeetingCancellationsRequired',
        text: 'SendMeetingCancellations attribute is required for calendar items.',
      });
      continue;
    }
    mailbox.calendar.delete(found.serial);
    // Moved to Deleted Items, it is an item of that folder with a new id; the calendar id is gone.
    if (deleteType === 'MoveToDeletedItems') {
      const deleted = mailbox.folder('deleteditems', false, true);
      if (deleted) mailbox.addItem(deleted, ctx.clock, found.subject, true);
    }
    answer();
  }
  return { xml: responseMessages('DeleteItem', messages), codes };
}

export function getItem(ctx: OperationContext): OperationResult {
  const { shape, base, ids } = readGetRequest(ctx.request.payload, 'Item');
  const extended = requestedExtendedProperties(shape);
  const mailbox = ctx.mailbox;
  const messages: string[] = [];
  const codes: string[] = [];
  for (const idEl of ids) {
    const found = mailbox ? lookupEvent(idEl, mailbox) : ERRORS.missingEmailAddress();
    if ('code' in found || !mailbox) {
      const error = 'code' in found ? found : ERRORS.missingEmailAddress();
      messages.push(errorMessage('GetItem', error, '<m:Items/>'));
      codes.push(error.code);
      continue;
    }
    messages.push(
      successMessage(
        'GetItem',
        `<m:Items>${calendarItemXml(found, mailbox, base !== 'IdOnly', extended)}</m:Items>`,
      ),
    );
    codes.push('NoError');
  }
  return { xml: responseMessages('GetItem', messages), codes };
}
