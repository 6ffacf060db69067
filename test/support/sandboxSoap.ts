/**
 * Hand-built SOAP for talking to the EWS sandbox in tests, and small readers for its answers. Requests are
 * written out the way EWS clients write them, so the tests show the wire format, not a client's API.
 */
import { NS, parseXml, type XmlElement } from '../../dev/ews-sandbox/xml';

export type Impersonation = {
  kind: 'PrimarySmtpAddress' | 'SmtpAddress' | 'PrincipalName' | 'SID';
  value: string;
};

export interface EnvelopeOptions {
  /** ConnectingSID; omit for a request without ExchangeImpersonation. */
  as?: Impersonation | string;
  /** RequestServerVersion's Version (default Exchange2016); null leaves the header out. */
  version?: string | null;
  /** Leave out the XML declaration (some clients do). */
  noDeclaration?: boolean;
  /** Extra header XML (t: prefix declared). */
  extraHeaders?: string;
}

/** An envelope with the usual s/m/t prefixes; `body` uses m: and t:. */
export function soap(body: string, options: EnvelopeOptions = {}): string {
  const as =
    typeof options.as === 'string' ? { kind: 'PrimarySmtpAddress' as const, value: options.as } : options.as;
  const impersonation = as
    ? `<t:ExchangeImpersonation><t:ConnectingSID><t:${as.kind}>${as.value}</t:${as.kind}></t:ConnectingSID></t:ExchangeImpersonation>`
    : '';
  return (
    (options.noDeclaration ? '' : '<?xml version="1.0" encoding="utf-8"?>\n') +
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" ' +
    'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" ' +
    'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">\n' +
    `<s:Header>${options.version === null ? '' : `<t:RequestServerVersion Version="${options.version ?? 'Exchange2016'}"/>`}${impersonation}${options.extraHeaders ?? ''}</s:Header>\n` +
    `<s:Body>${body}</s:Body></s:Envelope>`
  );
}

export const bodies = {
  getOof: (address: string): string =>
    `<m:GetUserOofSettingsRequest><t:Mailbox><t:Address>${address}</t:Address></t:Mailbox></m:GetUserOofSettingsRequest>`,
  setOof: (address: string, settings: string): string =>
    `<m:SetUserOofSettingsRequest><t:Mailbox><t:Address>${address}</t:Address></t:Mailbox><t:UserOofSettings>${settings}</t:UserOofSettings></m:SetUserOofSettingsRequest>`,
  findOld: (folder: string, before: Date, offset = 0, max = 100, sort = 'Ascending'): string =>
    '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>' +
    `<m:IndexedPageItemView MaxEntriesReturned="${max}" Offset="${offset}" BasePoint="Beginning"/>` +
    '<m:Restriction><t:IsLessThan><t:FieldURI FieldURI="item:DateTimeReceived"/>' +
    `<t:FieldURIOrConstant><t:Constant Value="${before.toISOString()}"/></t:FieldURIOrConstant></t:IsLessThan></m:Restriction>` +
    `<m:SortOrder><t:FieldOrder Order="${sort}"><t:FieldURI FieldURI="item:DateTimeReceived"/></t:FieldOrder></m:SortOrder>` +
    `<m:ParentFolderIds><t:DistinguishedFolderId Id="${folder}"/></m:ParentFolderIds></m:FindItem>`,
  findAll: (folder: string, offset = 0, max = 1000): string =>
    '<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>' +
    `<m:IndexedPageItemView MaxEntriesReturned="${max}" Offset="${offset}" BasePoint="Beginning"/>` +
    `<m:ParentFolderIds><t:DistinguishedFolderId Id="${folder}"/></m:ParentFolderIds></m:FindItem>`,
  archive: (sourceFolder: string, ids: string[]): string =>
    `<m:ArchiveItem><m:ArchiveSourceFolderId><t:DistinguishedFolderId Id="${sourceFolder}"/></m:ArchiveSourceFolderId>` +
    `<m:ItemIds>${ids.map((id) => `<t:ItemId Id="${id}"/>`).join('')}</m:ItemIds></m:ArchiveItem>`,
  move: (target: string, ids: string[]): string =>
    `<m:MoveItem><m:ToFolderId><t:DistinguishedFolderId Id="${target}"/></m:ToFolderId>` +
    `<m:ItemIds>${ids.map((id) => `<t:ItemId Id="${id}"/>`).join('')}</m:ItemIds></m:MoveItem>`,
  getFolder: (folder: string): string =>
    '<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape>' +
    `<m:FolderIds><t:DistinguishedFolderId Id="${folder}"/></m:FolderIds></m:GetFolder>`,
  expandDL: (group: string): string =>
    `<m:ExpandDL><m:Mailbox><t:EmailAddress>${group}</t:EmailAddress></m:Mailbox></m:ExpandDL>`,
  resolve: (entry: string): string =>
    `<m:ResolveNames ReturnFullContactData="false"><m:UnresolvedEntry>${entry}</m:UnresolvedEntry></m:ResolveNames>`,
};

export interface Credentials {
  authorization?: string;
}

export const basic = (user: string, password: string): Credentials => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});
export const bearer = (token: string): Credentials => ({ authorization: `Bearer ${token}` });

export interface EwsAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed body (undefined when the body is not XML). */
  xml?: XmlElement;
}

/** POSTs a request; `anchor` defaults to nothing (pass the mailbox to send X-AnchorMailbox). */
export async function post(
  url: string,
  body: string,
  options: Credentials & { anchor?: string; headers?: Record<string, string> } = {},
): Promise<EwsAnswer> {
  const headers: Record<string, string> = { 'content-type': 'text/xml; charset=utf-8', ...options.headers };
  if (options.authorization) headers.authorization = options.authorization;
  if (options.anchor) headers['x-anchormailbox'] = options.anchor;
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  let xml: XmlElement | undefined;
  try {
    xml = text.startsWith('<?xml') || text.startsWith('<s:') ? parseXml(text) : undefined;
  } catch {
    xml = undefined;
  }
  return { status: res.status, headers: res.headers, text, xml };
}

/** Every element with that local name, depth first. */
export function findAll(el: XmlElement | undefined, name: string): XmlElement[] {
  if (!el) return [];
  const out: XmlElement[] = [];
  const walk = (e: XmlElement): void => {
    if (e.name === name) out.push(e);
    e.children.forEach(walk);
  };
  walk(el);
  return out;
}

export const texts = (el: XmlElement | undefined, name: string): string[] =>
  findAll(el, name).map((e) => e.text.trim());

/** ResponseCode of each response message (or of the fault). */
export const responseCodes = (answer: EwsAnswer): string[] => texts(answer.xml, 'ResponseCode');

/** The fault's code as `a:ErrorX` → `ErrorX`, or undefined when the answer is no fault. */
export function faultCode(answer: EwsAnswer): string | undefined {
  const code = findAll(answer.xml, 'faultcode')[0]?.text.trim();
  return code?.slice(code.indexOf(':') + 1);
}

/** `t:Value Name=...` of a MessageXml, by name. */
export function messageValue(answer: EwsAnswer, name: string): string | undefined {
  return findAll(answer.xml, 'Value')
    .find((v) => v.attrs.Name === name)
    ?.text.trim();
}

export const itemIds = (answer: EwsAnswer): string[] =>
  findAll(answer.xml, 'ItemId').map((e) => e.attrs.Id ?? '');

export const rootFolder = (answer: EwsAnswer): Record<string, string> =>
  findAll(answer.xml, 'RootFolder')[0]?.attrs ?? {};

export { NS };
