/**
 * Turns a parsed SOAP envelope into what the sandbox needs: the operation, its payload, the server
 * version and the impersonated identity. Checks what the EWS schema requires of the envelope and SOAP
 * headers (strict mode additionally runs the full schema; see schemaValidation.ts).
 */
import { NS, child, childrenNamed, type XmlElement } from './xml';

/** The request breaks the EWS schema; answered with an ErrorSchemaValidation fault. */
export class SchemaViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaViolation';
  }
}

/** The four ways ExchangeImpersonation/ConnectingSID may name a mailbox. */
export type ConnectingSidKind = 'PrimarySmtpAddress' | 'SmtpAddress' | 'PrincipalName' | 'SID';

export interface EwsRequest {
  /** Operation name as in the WSDL: GetUserOofSettings, FindItem, ... */
  operation: string;
  payload: XmlElement;
  serverVersion?: string;
  impersonation?: { kind: ConnectingSidKind; value: string };
  /** Set when the ExchangeImpersonation header is present but names nobody (empty value). */
  impersonationProblem?: string;
  headers: XmlElement[];
  envelope: XmlElement;
}

/** t:ExchangeVersionType. */
export const EXCHANGE_VERSIONS = new Set([
  'Exchange2007',
  'Exchange2007_SP1',
  'Exchange2009',
  'Exchange2010',
  'Exchange2010_SP1',
  'Exchange2010_SP2',
  'Exchange2012',
  'Exchange2013',
  'Exchange2013_SP1',
  'Exchange2015',
  'Exchange2016',
  'V2015_10_05',
  'V2016_01_06',
  'V2016_04_13',
  'V2016_07_13',
  'V2016_10_10',
  'V2017_01_07',
  'V2017_04_14',
  'V2017_07_11',
]);

/** SOAP header elements the EWS WSDL binds (all in the types namespace). */
const KNOWN_HEADERS = new Set([
  'RequestServerVersion',
  'ExchangeImpersonation',
  'SerializedSecurityContext',
  'MailboxCulture',
  'TimeZoneContext',
  'DateTimePrecision',
  'ManagementRole',
]);

const CONNECTING_SID_KINDS: readonly ConnectingSidKind[] = [
  'PrimarySmtpAddress',
  'SmtpAddress',
  'PrincipalName',
  'SID',
];

/** Body element names whose operation name differs (the OOF and availability requests carry a Request suffix). */
const ELEMENT_TO_OPERATION: Record<string, string> = {
  GetUserOofSettingsRequest: 'GetUserOofSettings',
  SetUserOofSettingsRequest: 'SetUserOofSettings',
  GetUserAvailabilityRequest: 'GetUserAvailability',
  GetRoomListsRequest: 'GetRoomLists',
  GetRoomsRequest: 'GetRooms',
  GetMeetingInstanceRequest: 'GetMeetingInstance',
  CreateMeetingInstanceRequest: 'CreateMeetingInstance',
  DeleteMeetingInstanceRequest: 'DeleteMeetingInstance',
  UpdateMeetingInstanceRequest: 'UpdateMeetingInstance',
};

/** Every request element services.wsdl defines: a valid EWS request the sandbox merely does not implement. */
export const EWS_REQUEST_ELEMENTS = new Set(
  (
    'AddDelegate AddDistributionGroupToImList AddImContactToGroup AddImGroup AddNewImContactToGroup AddNewTelUriContactToGroup ' +
    'AddTag ApplyConversationAction ArchiveItem ConvertId CopyFolder CopyItem CreateAttachment CreateFolder CreateFolderPath ' +
    'CreateItem CreateManagedFolder CreateMeetingInstanceRequest CreateMeetingSpace CreateOrUpdateFocusedOtherOverride ' +
    'CreateUserConfiguration DeleteAttachment DeleteFocusedOtherOverride DeleteFolder DeleteItem DeleteMeetingInstanceRequest ' +
    'DeleteMeetingSpace DeleteSearchSuggestion DeleteUserConfiguration DisableApp DisconnectPhoneCall EmptyFolder ' +
    'EndSearchSession ExecuteSearch ExpandDL ExportItems FindAvailableMeetingTimes FindConversation FindFolder FindItem ' +
    'FindMeetingSpaceByJoinUrl FindMeetingTimeCandidates FindMessageTrackingReport FindPeople FindTags GetAppManifests ' +
    'GetAppMarketplaceUrl GetAttachment GetClientAccessToken GetConversationItems GetDelegate GetDiscoverySearchConfiguration ' +
    'GetEvents GetFocusedOtherOverrides GetFolder GetHoldOnMailboxes GetImItemList GetImItems GetInboxRules GetItem ' +
    'GetLastPrivateCatalogUpdate GetMailTips GetMeetingInstanceRequest GetMeetingSpace GetMessageTrackingReport ' +
    'GetNonIndexableItemDetails GetNonIndexableItemStatistics GetPasswordExpirationDate GetPersona GetPhoneCallInformation ' +
    'GetPrivateCatalogAddIns GetSearchSuggestions GetSearchableMailboxes GetServerTimeZones GetServiceConfiguration ' +
    'GetSharingFolder GetSharingMetadata GetSpecificUserConfiguration GetStreamingEvents GetUserConfiguration GetUserPhoto ' +
    'GetUserRetentionPolicyTags HideTag InstallApp MarkAllItemsAsRead MarkAsJunk MoveFolder MoveItem PlayOnPhone ' +
    'RefreshSharingFolder RegisterConsent RemoveContactFromImList RemoveDelegate RemoveDistributionGroupFromImList ' +
    'RemoveImContactFromGroup RemoveImGroup ReportMessage ResolveNames SearchMailboxes SendItem SetHoldOnMailboxes SetImGroup ' +
    'SetImListMigrationCompleted SetTeamMailbox SetUserPhoto StartSearchSession Subscribe SyncFolderHierarchy SyncFolderItems ' +
    'UninstallApp UnpinTeamMailbox Unsubscribe UpdateDelegate UpdateFolder UpdateInboxRules UpdateItem ' +
    'UpdateItemInRecoverableItems UpdateMeetingInstanceRequest UpdateMeetingSpace UpdateUserConfiguration UploadItems ' +
    'GetUserOofSettingsRequest SetUserOofSettingsRequest GetUserAvailabilityRequest GetRoomListsRequest GetRoomsRequest'
  ).split(' '),
);

const describe = (el: XmlElement): string => `'${el.name}' in namespace '${el.ns || '(none)'}'`;

/** Reads the envelope; throws SchemaViolation when it is not a SOAP 1.1 EWS request. */
export function interpretEnvelope(envelope: XmlElement): EwsRequest {
  if (envelope.name !== 'Envelope' || envelope.ns !== NS.soap) {
    throw new SchemaViolation(
      `The root element must be 'Envelope' in namespace '${NS.soap}' (SOAP 1.1), not ${describe(envelope)}.`,
    );
  }
  let header: XmlElement | undefined;
  let body: XmlElement | undefined;
  for (const c of envelope.children) {
    if (c.ns !== NS.soap)
      throw new SchemaViolation(`The element ${describe(c)} is not expected in the SOAP Envelope.`);
    if (c.name === 'Header' && !header && !body) header = c;
    else if (c.name === 'Body' && !body) body = c;
    else throw new SchemaViolation(`The element 'Envelope' has an unexpected child element '${c.name}'.`);
  }
  if (!body) throw new SchemaViolation("The element 'Envelope' is missing its 'Body' element.");
  if (body.children.length !== 1) {
    throw new SchemaViolation(
      `The SOAP Body must hold exactly one request element, found ${body.children.length}.`,
    );
  }
  const payload = body.children[0] as XmlElement;
  if (payload.ns !== NS.messages || !EWS_REQUEST_ELEMENTS.has(payload.name)) {
    throw new SchemaViolation(`The element ${describe(payload)} is not an EWS request element.`);
  }

  const headers = header?.children ?? [];
  let serverVersion: string | undefined;
  let impersonation: EwsRequest['impersonation'];
  let impersonationProblem: string | undefined;
  const seen = new Set<string>();
  for (const h of headers) {
    // Headers from other namespaces (WS-Addressing, vendor headers) are not EWS's business.
    if (h.ns !== NS.types) continue;
    if (!KNOWN_HEADERS.has(h.name)) {
      throw new SchemaViolation(`The SOAP header element ${describe(h)} is not declared in the EWS schema.`);
    }
    if (seen.has(h.name)) throw new SchemaViolation(`The SOAP header '${h.name}' appears more than once.`);
    seen.add(h.name);
    if (h.name === 'RequestServerVersion') {
      const version = h.attrs.Version;
      if (version === undefined) throw new SchemaViolation("The required attribute 'Version' is missing.");
      if (!EXCHANGE_VERSIONS.has(version)) {
        throw new SchemaViolation(
          `The 'Version' attribute is invalid - The value '${version}' is invalid according to its datatype ` +
            `'${NS.types}:ExchangeVersionType' - The Enumeration constraint failed.`,
        );
      }
      serverVersion = version;
    } else if (h.name === 'ExchangeImpersonation') {
      const sid = h.children.length === 1 ? child(h, NS.types, 'ConnectingSID') : undefined;
      if (!sid)
        throw new SchemaViolation(
          "The element 'ExchangeImpersonation' must hold exactly one 'ConnectingSID'.",
        );
      const id = sid.children[0];
      if (
        sid.children.length !== 1 ||
        !id ||
        id.ns !== NS.types ||
        !CONNECTING_SID_KINDS.includes(id.name as ConnectingSidKind)
      ) {
        throw new SchemaViolation(
          "The element 'ConnectingSID' must hold exactly one of 'PrincipalName', 'SID', 'PrimarySmtpAddress', 'SmtpAddress'.",
        );
      }
      const value = id.text.trim();
      if (value === '') impersonationProblem = `the ${id.name} value is empty.`;
      else impersonation = { kind: id.name as ConnectingSidKind, value };
    }
  }

  return {
    operation: ELEMENT_TO_OPERATION[payload.name] ?? payload.name,
    payload,
    serverVersion,
    impersonation,
    impersonationProblem,
    headers,
    envelope,
  };
}

/** The only child with that name, or a SchemaViolation naming what is missing. */
export function requireChild(el: XmlElement, ns: string, name: string): XmlElement {
  const found = childrenNamed(el, ns, name);
  if (found.length === 0) {
    throw new SchemaViolation(
      `The element '${el.name}' has incomplete content. List of possible elements expected: '${name}'.`,
    );
  }
  if (found.length > 1) throw new SchemaViolation(`The element '${el.name}' has more than one '${name}'.`);
  return found[0] as XmlElement;
}

/**
 * The children of `el`'s only `name` child, at least one: the schema's NonEmptyArrayOf… types (ItemIds,
 * FolderIds, ParentFolderIds, Items; test/fixtures/ews-schema/types.xsd) have minOccurs="1".
 */
export function requireNonEmptyList(el: XmlElement, ns: string, name: string): XmlElement[] {
  const list = requireChild(el, ns, name).children;
  if (list.length === 0) throw new SchemaViolation(`The element '${name}' has incomplete content.`);
  return list;
}

/** t:DefaultShapeNamesType: the BaseShape of an ItemShape or FolderShape. */
export const BASE_SHAPES = ['IdOnly', 'Default', 'AllProperties', 'PcxPeopleSearch'] as const;
export type BaseShape = (typeof BASE_SHAPES)[number];

/** The BaseShape an ItemShape or FolderShape asks for (required, one of t:DefaultShapeNamesType). */
export function readBaseShape(shape: XmlElement): BaseShape {
  const base = requireChild(shape, NS.types, 'BaseShape').text.trim();
  checkEnum(base, BASE_SHAPES, "'BaseShape' element", 'DefaultShapeNamesType');
  return base as BaseShape;
}

/**
 * A GetItem or GetFolder request (messages.xsd's GetItemType / GetFolderType: an ItemShape or FolderShape,
 * then ItemIds or FolderIds, at least one id): the shape, its BaseShape and the ids.
 */
export function readGetRequest(
  payload: XmlElement,
  of: 'Item' | 'Folder',
): { shape: XmlElement; base: BaseShape; ids: XmlElement[] } {
  checkChildren(payload, [
    [NS.messages, `${of}Shape`],
    [NS.messages, `${of}Ids`],
  ]);
  const shape = requireChild(payload, NS.messages, `${of}Shape`);
  return { shape, base: readBaseShape(shape), ids: requireNonEmptyList(payload, NS.messages, `${of}Ids`) };
}

/** Checks that every child of `el` is one of `allowed` (namespace, name) and in schema order. */
export function checkChildren(
  el: XmlElement,
  allowed: readonly (readonly [ns: string, name: string])[],
): void {
  let position = 0;
  for (const c of el.children) {
    const index = allowed.findIndex(([ns, name], i) => i >= position && ns === c.ns && name === c.name);
    if (index < 0) {
      throw new SchemaViolation(`The element '${el.name}' has invalid child element ${describe(c)}.`);
    }
    position = index;
  }
}

/** Checks an enumerated value, with the wording of .NET's schema validator. */
export function checkEnum(value: string, allowed: readonly string[], what: string, type: string): void {
  if (!allowed.includes(value)) {
    throw new SchemaViolation(
      `The ${what} is invalid - The value '${value}' is invalid according to its datatype '${NS.types}:${type}' - The Enumeration constraint failed.`,
    );
  }
}

/** xs:dateTime to epoch ms; a value without zone is UTC (as Exchange reads it without a TimeZoneContext). */
export function parseDateTime(value: string, what: string): number {
  const v = value.trim();
  const m = /^(-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:\d{2})?$/.exec(v);
  const ms = m ? Date.parse(`${m[1] ?? ''}${m[2] ?? 'Z'}`) : NaN;
  if (Number.isNaN(ms)) {
    throw new SchemaViolation(
      `The '${what}' element is invalid - The value '${value}' is invalid according to its datatype 'http://www.w3.org/2001/XMLSchema:dateTime'.`,
    );
  }
  return ms;
}

export function parseBoolean(value: string | undefined, what: string): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new SchemaViolation(`The '${what}' value '${value}' is not a valid xs:boolean.`);
}

export function parseInt32(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (!/^[+-]?\d+$/.test(v) || Math.abs(Number(v)) > 2147483647) {
    throw new SchemaViolation(
      `The '${what}' attribute is invalid - The value '${value}' is invalid according to its datatype 'http://www.w3.org/2001/XMLSchema:int'.`,
    );
  }
  return Number(v);
}
