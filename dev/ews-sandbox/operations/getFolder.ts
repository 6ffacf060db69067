/** GetFolder: display name and counts of primary and archive folders (the client's "has an archive?" probe). */
import { readGetRequest } from '../ewsRequest';
import { errorMessage, responseMessages, successMessage } from '../soapResponses';
import type { Folder } from '../tenantStore';
import { NS, child, escapeXml } from '../xml';
import { resolveFolderId } from './folderIds';
import type { OperationContext, OperationResult } from './operationContext';

const T = NS.types;

/** Folders that sit under the message-folder root (counted as its children). */
const HIDDEN = new Set(['msgfolderroot', 'root']);

export function getFolder(ctx: OperationContext): OperationResult {
  const { shape, base, ids } = readGetRequest(ctx.request.payload, 'Folder');
  const extra = new Set(
    (child(shape, T, 'AdditionalProperties')?.children ?? []).map((c) => c.attrs.FieldURI ?? ''),
  );
  const want = (field: string, inDefault: boolean): boolean =>
    extra.has(field) || base === 'AllProperties' || (inDefault && base === 'Default');

  const messages: string[] = [];
  const codes: string[] = [];
  for (const idEl of ids) {
    const lookup = resolveFolderId(idEl, ctx);
    if (lookup.error) {
      messages.push(errorMessage('GetFolder', lookup.error, '<m:Folders/>'));
      codes.push(lookup.error.code);
      continue;
    }
    const f: Folder = lookup.folder;
    const siblings = f.inArchive ? f.mailbox.archive : f.mailbox.primary;
    const childCount =
      f.key === 'msgfolderroot' ? [...(siblings?.keys() ?? [])].filter((k) => !HIDDEN.has(k)).length : 0;
    let xml = `<t:Folder><t:FolderId Id="${f.id}" ChangeKey="AQAAABYAAAA="/>`;
    if (want('folder:FolderClass', false)) xml += '<t:FolderClass>IPF.Note</t:FolderClass>';
    if (want('folder:DisplayName', true)) xml += `<t:DisplayName>${escapeXml(f.displayName)}</t:DisplayName>`;
    if (want('folder:TotalCount', true)) xml += `<t:TotalCount>${f.count}</t:TotalCount>`;
    if (want('folder:ChildFolderCount', true))
      xml += `<t:ChildFolderCount>${childCount}</t:ChildFolderCount>`;
    if (want('folder:UnreadCount', true)) {
      xml += `<t:UnreadCount>${f.items.reduce((n, i) => (i.isRead ? n : n + 1), 0)}</t:UnreadCount>`;
    }
    messages.push(successMessage('GetFolder', `<m:Folders>${xml}</t:Folder></m:Folders>`));
    codes.push('NoError');
  }
  return { xml: responseMessages('GetFolder', messages), codes };
}
