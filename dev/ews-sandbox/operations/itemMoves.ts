/**
 * ArchiveItem and MoveItem. Moves are what the archive sweep is judged by, so they are exact: each id moves
 * at most once per request, a moved item gets a new id, and per-item failures are reported per item.
 */
import {
  SchemaViolation,
  checkChildren,
  parseBoolean,
  requireChild,
  requireNonEmptyList,
} from '../ewsRequest';
import { errorMessage, responseMessages, successMessage, type ResponseError } from '../soapResponses';
import {
  decodeItemId,
  encodeChangeKey,
  encodeItemId,
  type Folder,
  type ItemRecord,
  type Mailbox,
} from '../tenantStore';
import { NS, child, type XmlElement } from '../xml';
import { ERRORS, resolveFolderId, type FolderLookup } from './folderIds';
import type { OperationContext, OperationResult } from './operationContext';

const T = NS.types;
const M = NS.messages;

/** ArchiveItem's answer when the user has no archive (verbatim from ArchiveItem.error.xml). */
const ARCHIVE_NOT_ENABLED: ResponseError = {
  code: 'ErrorInvalidOperation',
  text: 'Archive mailbox is not enabled for this user.',
};

function singleFolderId(container: XmlElement): XmlElement {
  if (container.children.length !== 1) {
    throw new SchemaViolation(
      `The element '${container.name}' must hold exactly one FolderId or DistinguishedFolderId.`,
    );
  }
  return container.children[0] as XmlElement;
}

type ItemLookup = { item: ItemRecord; error?: undefined } | { item?: undefined; error: ResponseError };

/** Finds an item of the acting mailbox by its ItemId element; `taken` catches an id repeated in one request. */
function lookupItem(idEl: XmlElement, mailbox: Mailbox, taken: Set<ItemRecord>): ItemLookup {
  if (idEl.ns !== T || idEl.name !== 'ItemId') {
    if (idEl.ns === T && /ItemId$/.test(idEl.name)) return { error: ERRORS.idMalformed() };
    throw new SchemaViolation(`The element 'ItemIds' has invalid child element '${idEl.name}'.`);
  }
  const id = idEl.attrs.Id;
  if (id === undefined) throw new SchemaViolation("The required attribute 'Id' is missing.");
  const decoded = decodeItemId(id);
  if (!decoded) return { error: ERRORS.idMalformed() };
  const item = decoded.mailboxIndex === mailbox.index ? mailbox.item(decoded.serial) : undefined;
  if (!item || taken.has(item)) return { error: ERRORS.itemNotFound() };
  taken.add(item);
  return { item };
}

/** Runs the per-item checks, then moves all good items in one step; answers in request order. */
function moveBatch(
  ctx: OperationContext,
  operation: 'ArchiveItem' | 'MoveItem',
  idEls: XmlElement[],
  check: (item: ItemRecord) => ResponseError | undefined,
  target: () => Folder,
  successXml: (moved: ItemRecord) => string,
): OperationResult {
  const mailbox = ctx.mailbox as Mailbox;
  mailbox.ensureItems(ctx.now);
  const taken = new Set<ItemRecord>();
  const outcomes = idEls.map((el): ItemLookup => {
    const found = lookupItem(el, mailbox, taken);
    if (found.error) return found;
    const problem = check(found.item);
    return problem ? { error: problem } : found;
  });
  const good = outcomes.flatMap((o) => (o.item ? [o.item] : []));
  const moved = good.length > 0 ? mailbox.moveItems(good, target()) : [];
  const movedByOld = new Map(good.map((item, i) => [item, moved[i] as ItemRecord]));
  const messages: string[] = [];
  const codes: string[] = [];
  for (const o of outcomes) {
    if (o.error) {
      messages.push(errorMessage(operation, o.error, '<m:Items/>'));
      codes.push(o.error.code);
    } else {
      messages.push(successMessage(operation, successXml(movedByOld.get(o.item) as ItemRecord)));
      codes.push('NoError');
    }
  }
  return { xml: responseMessages(operation, messages), codes };
}

function failAll(operation: string, count: number, error: ResponseError): OperationResult {
  const messages = Array.from({ length: count }, () => errorMessage(operation, error, '<m:Items/>'));
  return { xml: responseMessages(operation, messages), codes: messages.map(() => error.code) };
}

export function archiveItem(ctx: OperationContext): OperationResult {
  const payload = ctx.request.payload;
  checkChildren(payload, [
    [M, 'ArchiveSourceFolderId'],
    [M, 'ItemIds'],
  ]);
  const source: FolderLookup = resolveFolderId(
    singleFolderId(requireChild(payload, M, 'ArchiveSourceFolderId')),
    ctx,
  );
  const idEls = requireNonEmptyList(payload, M, 'ItemIds');
  if (source.error) return failAll('ArchiveItem', idEls.length, source.error);
  const mailbox = ctx.mailbox as Mailbox;
  if (!mailbox.archive) return failAll('ArchiveItem', idEls.length, ARCHIVE_NOT_ENABLED);
  const folder = source.folder;
  if (folder.inArchive) {
    return failAll('ArchiveItem', idEls.length, {
      code: 'ErrorInvalidOperation',
      text: 'The source folder must be a folder of the primary mailbox.',
    });
  }
  return moveBatch(
    ctx,
    'ArchiveItem',
    idEls,
    (item) => (item.folder === folder ? undefined : ERRORS.itemNotFound()),
    // The archive keeps the folder structure: inbox mail lands in the archive's Inbox (archiveinbox), and so on.
    () => mailbox.folder(folder.key, true, true) as Folder,
    () => '<m:Items/>',
  );
}

export function moveItem(ctx: OperationContext): OperationResult {
  const payload = ctx.request.payload;
  checkChildren(payload, [
    [M, 'ToFolderId'],
    [M, 'ItemIds'],
    [M, 'ReturnNewItemIds'],
  ]);
  const target = resolveFolderId(singleFolderId(requireChild(payload, M, 'ToFolderId')), ctx);
  const idEls = requireNonEmptyList(payload, M, 'ItemIds');
  const returnEl = child(payload, M, 'ReturnNewItemIds');
  const returnNewIds = parseBoolean(returnEl?.text, 'ReturnNewItemIds') ?? true;
  if (target.error) return failAll('MoveItem', idEls.length, target.error);
  const folder = target.folder;
  const mailboxIndex = folder.mailbox.index;
  return moveBatch(
    ctx,
    'MoveItem',
    idEls,
    () => undefined,
    () => folder,
    // Exchange returns no new id for a move into another mailbox (the archive is one).
    (moved) =>
      returnNewIds && !folder.inArchive
        ? `<m:Items><t:Message><t:ItemId Id="${encodeItemId(mailboxIndex, moved.serial)}" ChangeKey="${encodeChangeKey(moved)}"/></t:Message></m:Items>`
        : '<m:Items/>',
  );
}
