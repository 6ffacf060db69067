/**
 * Resolves t:DistinguishedFolderId / t:FolderId elements to folders of the acting mailbox, with the
 * errors Exchange gives per response message.
 */
import { SchemaViolation, checkEnum } from '../ewsRequest';
import type { ResponseError } from '../soapResponses';
import { ARCHIVE_DISTINGUISHED, decodeFolderId, type Folder, type Mailbox } from '../tenantStore';
import { NS, child, type XmlElement } from '../xml';
import type { OperationContext } from './operationContext';

/** t:DistinguishedFolderIdNameType. */
export const DISTINGUISHED_FOLDER_IDS = (
  'calendar contacts deleteditems drafts inbox journal notes outbox sentitems tasks msgfolderroot publicfoldersroot root ' +
  'junkemail searchfolders voicemail recoverableitemsroot recoverableitemsdeletions recoverableitemsversions ' +
  'recoverableitemspurges recoverableitemsdiscoveryholds archiveroot archivemsgfolderroot archivedeleteditems archiveinbox ' +
  'archiverecoverableitemsroot archiverecoverableitemsdeletions archiverecoverableitemsversions archiverecoverableitemspurges ' +
  'archiverecoverableitemsdiscoveryholds syncissues conflicts localfailures serverfailures recipientcache quickcontacts ' +
  'conversationhistory adminauditlogs todosearch mycontacts directory imcontactlist peopleconnect favorites mecontact ' +
  'personmetadata teamspaceactivity teamspacemessaging teamspaceworkitems scheduled orionnotes tagitems alltaggeditems ' +
  'externalcontacts teamchat teamchathistory yammerroot yammerinbound yammeroutbound yammerfeeds onedriveroot ' +
  'onedriverecylebin onedrivesystem onedrivevolume important starred archive'
).split(' ');

export const ERRORS = {
  folderNotFound: (): ResponseError => ({
    code: 'ErrorFolderNotFound',
    text: 'The specified folder could not be found in the store.',
  }),
  idMalformed: (): ResponseError => ({ code: 'ErrorInvalidIdMalformed', text: 'Id is malformed.' }),
  itemNotFound: (): ResponseError => ({
    code: 'ErrorItemNotFound',
    text: 'The specified object was not found in the store.',
  }),
  accessDenied: (): ResponseError => ({
    code: 'ErrorAccessDenied',
    text: 'Access is denied. Check credentials and try again.',
  }),
  missingEmailAddress: (): ResponseError => ({
    code: 'ErrorMissingEmailAddress',
    text:
      'When making a request as an account that does not have a mailbox, you must specify the mailbox primary SMTP ' +
      'address for any distinguished folder Ids.',
  }),
  nonExistentMailbox: (): ResponseError => ({
    code: 'ErrorNonExistentMailbox',
    text: 'The SMTP address has no mailbox associated with it.',
  }),
} as const;

export type FolderLookup =
  { folder: Folder; error?: undefined } | { folder?: undefined; error: ResponseError };

/** The mailbox a folder id may address: the acting mailbox (no delegate access is modelled). */
function targetMailbox(ctx: OperationContext, mailboxEl: XmlElement | undefined): Mailbox | ResponseError {
  if (mailboxEl) {
    const address = child(mailboxEl, NS.types, 'EmailAddress')?.text.trim() ?? '';
    const named = ctx.store.mailboxByAddress(address);
    if (!named) return ERRORS.nonExistentMailbox();
    if (named !== ctx.mailbox) return ERRORS.accessDenied();
    return named;
  }
  return ctx.mailbox ?? ERRORS.missingEmailAddress();
}

/** Resolves one folder id element; `create` makes standard primary folders on first use (calendar, ...). */
export function resolveFolderId(el: XmlElement, ctx: OperationContext): FolderLookup {
  if (el.ns === NS.types && el.name === 'DistinguishedFolderId') {
    const id = el.attrs.Id;
    if (id === undefined) throw new SchemaViolation("The required attribute 'Id' is missing.");
    checkEnum(id, DISTINGUISHED_FOLDER_IDS, "'Id' attribute", 'DistinguishedFolderIdNameType');
    const target = targetMailbox(ctx, child(el, NS.types, 'Mailbox'));
    if (!('index' in target)) return { error: target };
    target.ensureItems(ctx.now);
    const archiveKey = ARCHIVE_DISTINGUISHED[id];
    if (archiveKey !== undefined) {
      const folder = target.folder(archiveKey, true, true);
      return folder ? { folder } : { error: ERRORS.folderNotFound() };
    }
    if (id === 'publicfoldersroot' || id === 'archive') return { error: ERRORS.folderNotFound() };
    return { folder: target.folder(id, false, true) as Folder };
  }
  if (el.ns === NS.types && el.name === 'FolderId') {
    const id = el.attrs.Id;
    if (id === undefined) throw new SchemaViolation("The required attribute 'Id' is missing.");
    const decoded = decodeFolderId(id);
    if (!decoded) return { error: ERRORS.idMalformed() };
    const target = ctx.store.mailboxByIndex(decoded.mailboxIndex);
    if (!target || target !== ctx.mailbox)
      return { error: ctx.mailbox ? ERRORS.accessDenied() : ERRORS.folderNotFound() };
    target.ensureItems(ctx.now);
    const folder = target.folder(decoded.key, decoded.inArchive);
    return folder ? { folder } : { error: ERRORS.folderNotFound() };
  }
  throw new SchemaViolation(
    `The element '${el.name}' is not a valid folder id here (expected FolderId or DistinguishedFolderId).`,
  );
}
