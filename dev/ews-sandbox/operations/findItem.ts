/**
 * FindItem over compact item records: restrictions on received time, subject and read state; sorting;
 * IndexedPageItemView and FractionalPageItemView paging with Exchange's page caps, so a client that does
 * not page to IncludesLastItemInRange="true" visibly misses items.
 */
import {
  SchemaViolation,
  checkChildren,
  checkEnum,
  parseDateTime,
  parseInt32,
  readBaseShape,
  requireChild,
  requireNonEmptyList,
} from '../ewsRequest';
import { errorMessage, responseMessages, successMessage, type ResponseError } from '../soapResponses';
import { encodeChangeKey, encodeItemId, type ItemRecord, type Mailbox } from '../tenantStore';
import { NS, child, escapeXml, type XmlElement } from '../xml';
import { calendarItemXml, compileCalendarRestriction, requestedExtendedProperties } from './calendarItems';
import { resolveFolderId } from './folderIds';
import type { OperationContext, OperationResult } from './operationContext';

const T = NS.types;
const M = NS.messages;

type Predicate = (item: ItemRecord) => boolean;
type FieldKind = 'date' | 'subject' | 'isRead';

/** A restriction the sandbox cannot evaluate; answered per folder, like Exchange does for unsupported paths. */
class RestrictionError extends Error {
  constructor(readonly error: ResponseError) {
    super(error.text);
  }
}

const FIELDS: Record<string, FieldKind> = {
  'item:DateTimeReceived': 'date',
  'item:DateTimeSent': 'date',
  'item:DateTimeCreated': 'date',
  'item:Subject': 'subject',
  'message:IsRead': 'isRead',
};

function fieldOf(el: XmlElement): FieldKind {
  if (el.ns === T && el.name === 'FieldURI') {
    const uri = el.attrs.FieldURI ?? '';
    const kind = FIELDS[uri];
    if (kind) return kind;
  }
  throw new RestrictionError({
    code: 'ErrorUnsupportedPathForQuery',
    text: `The property can not be used with this type of restriction (the sandbox filters on ${Object.keys(FIELDS).join(', ')}).`,
  });
}

function valueOf(item: ItemRecord, kind: FieldKind): number | string | boolean {
  return kind === 'date' ? item.received : kind === 'subject' ? item.subject : item.isRead;
}

function constantOf(value: string, kind: FieldKind): number | string | boolean {
  if (kind === 'date') {
    try {
      return parseDateTime(value, 'Constant');
    } catch {
      throw new RestrictionError({
        code: 'ErrorInvalidValueForProperty',
        text: `"${value}" is not a valid date-time.`,
      });
    }
  }
  if (kind === 'isRead') return value.trim().toLowerCase() === 'true';
  return value;
}

const COMPARE: Record<string, (a: number | string | boolean, b: number | string | boolean) => boolean> = {
  IsEqualTo: (a, b) => a === b,
  IsNotEqualTo: (a, b) => a !== b,
  IsGreaterThan: (a, b) => a > b,
  IsGreaterThanOrEqualTo: (a, b) => a >= b,
  IsLessThan: (a, b) => a < b,
  IsLessThanOrEqualTo: (a, b) => a <= b,
};

function compile(expr: XmlElement): Predicate {
  if (expr.ns !== T) throw new SchemaViolation(`The element '${expr.name}' is not a search expression.`);
  const compare = COMPARE[expr.name];
  if (compare) {
    const [left, right] = expr.children;
    if (!left || !right || right.name !== 'FieldURIOrConstant' || expr.children.length !== 2) {
      throw new SchemaViolation(
        `The element '${expr.name}' needs a field path followed by 'FieldURIOrConstant'.`,
      );
    }
    const kind = fieldOf(left);
    const constant = child(right, T, 'Constant');
    if (!constant) {
      const other = right.children[0];
      if (!other) throw new SchemaViolation("The element 'FieldURIOrConstant' is empty.");
      const otherKind = fieldOf(other);
      return (item) => compare(valueOf(item, kind), valueOf(item, otherKind));
    }
    const value = constant.attrs.Value;
    if (value === undefined) throw new SchemaViolation("The required attribute 'Value' is missing.");
    const c = constantOf(value, kind);
    return (item) => compare(valueOf(item, kind), c);
  }
  switch (expr.name) {
    case 'And':
    case 'Or': {
      const parts = expr.children.map(compile);
      if (parts.length === 0)
        throw new SchemaViolation(`The element '${expr.name}' has no search expressions.`);
      return expr.name === 'And' ? (i) => parts.every((p) => p(i)) : (i) => parts.some((p) => p(i));
    }
    case 'Not': {
      const [inner] = expr.children;
      if (!inner || expr.children.length !== 1)
        throw new SchemaViolation("The element 'Not' needs one search expression.");
      const p = compile(inner);
      return (i) => !p(i);
    }
    case 'Exists': {
      const [field] = expr.children;
      if (!field) throw new SchemaViolation("The element 'Exists' needs a field path.");
      fieldOf(field);
      return () => true;
    }
    case 'Contains':
    case 'Excludes': {
      const [field, constant] = expr.children;
      if (!field || !constant || constant.name !== 'Constant') {
        throw new SchemaViolation(`The element '${expr.name}' needs a field path and a 'Constant'.`);
      }
      if (fieldOf(field) !== 'subject' || expr.name === 'Excludes') {
        throw new RestrictionError({
          code: 'ErrorUnsupportedPathForQuery',
          text: 'The sandbox supports Contains on item:Subject only.',
        });
      }
      const ignoreCase = (expr.attrs.ContainmentComparison ?? 'Exact').startsWith('Ignore');
      const norm = (s: string): string => (ignoreCase ? s.toLowerCase() : s);
      const needle = norm(constant.attrs.Value ?? '');
      const mode = expr.attrs.ContainmentMode ?? 'FullString';
      return (i) => {
        const s = norm(i.subject);
        if (mode === 'FullString') return s === needle;
        if (mode === 'Prefixed') return s.startsWith(needle);
        if (mode === 'PrefixOnWords') return s.split(/\s+/).some((w) => w.startsWith(needle));
        return s.includes(needle);
      };
    }
    default:
      throw new RestrictionError({
        code: 'ErrorUnsupportedQueryFilter',
        text: `The restriction '${expr.name}' is not supported by the sandbox.`,
      });
  }
}

interface Shape {
  subject: boolean;
  received: boolean;
  isRead: boolean;
}

function readShape(el: XmlElement): Shape {
  checkChildren(el, [
    [T, 'BaseShape'],
    [T, 'IncludeMimeContent'],
    [T, 'BodyType'],
    [T, 'UniqueBodyType'],
    [T, 'NormalizedBodyType'],
    [T, 'FilterHtmlContent'],
    [T, 'ConvertHtmlCodePageToUTF8'],
    [T, 'InlineImageUrlTemplate'],
    [T, 'BlockExternalImages'],
    [T, 'AddBlankTargetToLinks'],
    [T, 'MaximumBodySize'],
    [T, 'AdditionalProperties'],
  ]);
  const full = readBaseShape(el) !== 'IdOnly';
  const extra = new Set(
    (child(el, T, 'AdditionalProperties')?.children ?? []).map((c) =>
      c.name === 'FieldURI' ? (c.attrs.FieldURI ?? '') : '',
    ),
  );
  return {
    subject: full || extra.has('item:Subject'),
    received: full || extra.has('item:DateTimeReceived'),
    isRead: full || extra.has('message:IsRead'),
  };
}

function writeItem(item: ItemRecord, mailboxIndex: number, shape: Shape): string {
  let xml = `<t:Message><t:ItemId Id="${encodeItemId(mailboxIndex, item.serial)}" ChangeKey="${encodeChangeKey(item)}"/>`;
  if (shape.subject) xml += `<t:Subject>${escapeXml(item.subject)}</t:Subject>`;
  if (shape.received)
    xml += `<t:DateTimeReceived>${new Date(item.received).toISOString().slice(0, 19)}Z</t:DateTimeReceived>`;
  if (shape.isRead) xml += `<t:IsRead>${item.isRead}</t:IsRead>`;
  return `${xml}</t:Message>`;
}

type Sorter = (a: ItemRecord, b: ItemRecord) => number;

function readSort(el: XmlElement | undefined): Sorter | undefined {
  if (!el) return undefined;
  const orders = el.children.map((o) => {
    if (o.ns !== T || o.name !== 'FieldOrder')
      throw new SchemaViolation(`The element 'SortOrder' has invalid child '${o.name}'.`);
    const direction = o.attrs.Order ?? '';
    checkEnum(direction, ['Ascending', 'Descending'], "'Order' attribute", 'SortDirectionType');
    const field = o.children[0];
    if (!field) throw new SchemaViolation("The element 'FieldOrder' needs a field path.");
    const kind = fieldOf(field);
    const sign = direction === 'Ascending' ? 1 : -1;
    return (a: ItemRecord, b: ItemRecord): number => {
      const x = valueOf(a, kind);
      const y = valueOf(b, kind);
      return x < y ? -sign : x > y ? sign : 0;
    };
  });
  return (a, b) => {
    for (const o of orders) {
      const r = o(a, b);
      if (r !== 0) return r;
    }
    return a.serial - b.serial;
  };
}

type View =
  | { kind: 'none' }
  | { kind: 'indexed'; max?: number; offset: number; fromEnd: boolean }
  | { kind: 'fractional'; max?: number; numerator: number; denominator: number };

function readView(payload: XmlElement): View | ResponseError {
  const indexed = child(payload, M, 'IndexedPageItemView');
  if (indexed) {
    const offset = parseInt32(indexed.attrs.Offset, 'Offset');
    const basePoint = indexed.attrs.BasePoint;
    if (offset === undefined) throw new SchemaViolation("The required attribute 'Offset' is missing.");
    if (basePoint === undefined) throw new SchemaViolation("The required attribute 'BasePoint' is missing.");
    checkEnum(basePoint, ['Beginning', 'End'], "'BasePoint' attribute", 'IndexBasePointType');
    const max = parseInt32(indexed.attrs.MaxEntriesReturned, 'MaxEntriesReturned');
    if (offset < 0)
      return { code: 'ErrorInvalidIndexedPagingParameters', text: 'Invalid indexed paging parameters.' };
    if (max !== undefined && max <= 0) {
      return {
        code: 'ErrorInvalidPagingMaxRows',
        text: 'The specified value for MaxEntriesReturned is invalid.',
      };
    }
    return { kind: 'indexed', max, offset, fromEnd: basePoint === 'End' };
  }
  const fractional = child(payload, M, 'FractionalPageItemView');
  if (fractional) {
    const numerator = parseInt32(fractional.attrs.Numerator, 'Numerator');
    const denominator = parseInt32(fractional.attrs.Denominator, 'Denominator');
    if (numerator === undefined || denominator === undefined) {
      throw new SchemaViolation("The attributes 'Numerator' and 'Denominator' are required.");
    }
    if (denominator <= 0 || numerator < 0 || numerator > denominator) {
      return {
        code: 'ErrorInvalidFractionalPagingParameters',
        text: 'Invalid fractional paging parameters.',
      };
    }
    return {
      kind: 'fractional',
      max: parseInt32(fractional.attrs.MaxEntriesReturned, 'MaxEntriesReturned'),
      numerator,
      denominator,
    };
  }
  for (const other of [
    'SeekToConditionPageItemView',
    'CalendarView',
    'ContactsView',
    'GroupBy',
    'DistinguishedGroupBy',
    'QueryString',
  ]) {
    if (child(payload, M, other)) {
      return { code: 'ErrorInvalidOperation', text: `The sandbox does not support ${other} in FindItem.` };
    }
  }
  return { kind: 'none' };
}

export function findItem(ctx: OperationContext): OperationResult {
  const payload = ctx.request.payload;
  checkChildren(
    payload,
    [
      'ItemShape',
      'IndexedPageItemView',
      'FractionalPageItemView',
      'SeekToConditionPageItemView',
      'CalendarView',
      'ContactsView',
      'GroupBy',
      'DistinguishedGroupBy',
      'Restriction',
      'SortOrder',
      'ParentFolderIds',
      'QueryString',
    ].map((n) => [M, n] as const),
  );
  const traversal = payload.attrs.Traversal;
  if (traversal === undefined) throw new SchemaViolation("The required attribute 'Traversal' is missing.");
  checkEnum(
    traversal,
    ['Shallow', 'SoftDeleted', 'Associated'],
    "'Traversal' attribute",
    'ItemQueryTraversalType',
  );
  const shape = readShape(requireChild(payload, M, 'ItemShape'));
  const folderIds = requireNonEmptyList(payload, M, 'ParentFolderIds');
  const view = readView(payload);
  const restrictionEl = child(payload, M, 'Restriction');

  const messages: string[] = [];
  const codes: string[] = [];
  const fail = (error: ResponseError): void => {
    messages.push(errorMessage('FindItem', error));
    codes.push(error.code);
  };
  let predicate: Predicate | undefined;
  let sorter: Sorter | undefined;
  let setupError: ResponseError | undefined = 'code' in view ? view : undefined;
  try {
    if (restrictionEl) {
      const [expr] = restrictionEl.children;
      if (!expr || restrictionEl.children.length !== 1)
        throw new SchemaViolation("The element 'Restriction' needs one search expression.");
      predicate = compile(expr);
    }
    sorter = readSort(child(payload, M, 'SortOrder'));
  } catch (err) {
    if (!(err instanceof RestrictionError)) throw err;
    setupError = err.error;
  }

  for (const idEl of folderIds) {
    const lookup = resolveFolderId(idEl, ctx);
    if (lookup.error) {
      fail(lookup.error);
      continue;
    }
    const folder = lookup.folder;
    if (!folder.inArchive && folder.key === 'calendar') {
      const found = findInCalendar(ctx, folder.mailbox, payload, view, traversal);
      if ('code' in found) fail(found);
      else {
        messages.push(found.xml);
        codes.push('NoError');
      }
      continue;
    }
    if (setupError) {
      fail(setupError);
      continue;
    }
    // Soft-deleted and associated (FAI) items are not modelled: those traversals see an empty folder.
    let items: readonly ItemRecord[] = traversal === 'Shallow' ? folder.items : [];
    if (predicate) items = items.filter(predicate);
    if (sorter) items = [...items].sort(sorter);
    else items = [...items].reverse(); // Exchange's default view order: newest first.
    const total = items.length;
    const limit = predicate ? ctx.limits.restrictedFindItemPageLimit : ctx.limits.findItemPageLimit;
    const v = view as View;
    const pageSize = Math.min(v.kind === 'none' ? limit : (v.max ?? limit), limit);
    let start = 0;
    let attrs: string;
    if (v.kind === 'indexed') {
      start = v.fromEnd ? Math.max(0, total - v.offset - pageSize) : Math.min(v.offset, total);
      const end = v.fromEnd ? Math.max(0, total - v.offset) : Math.min(total, start + pageSize);
      items = items.slice(start, end);
      const last = v.fromEnd ? start === 0 : end >= total;
      attrs = `IndexedPagingOffset="${v.fromEnd ? v.offset + items.length : end}" TotalItemsInView="${total}" IncludesLastItemInRange="${last}"`;
    } else if (v.kind === 'fractional') {
      start = Math.floor((total * v.numerator) / v.denominator);
      items = items.slice(start, start + pageSize);
      const end = start + items.length;
      attrs = `NumeratorOffset="${end}" AbsoluteDenominator="${total}" TotalItemsInView="${total}" IncludesLastItemInRange="${end >= total}"`;
    } else {
      items = items.slice(0, pageSize);
      attrs = `TotalItemsInView="${total}" IncludesLastItemInRange="${items.length >= total}"`;
    }
    const mailboxIndex = folder.mailbox.index;
    let xml = '';
    for (const item of items) xml += writeItem(item, mailboxIndex, shape);
    messages.push(
      successMessage('FindItem', `<m:RootFolder ${attrs}><t:Items>${xml}</t:Items></m:RootFolder>`),
    );
    codes.push('NoError');
  }
  return { xml: responseMessages('FindItem', messages), codes };
}

/**
 * FindItem in the default calendar: its events (not messages), filtered by the restriction the app uses
 * (calendarItems.ts), newest first, at most a page; no paging views (the app asks for one event).
 */
function findInCalendar(
  ctx: OperationContext,
  mailbox: Mailbox,
  payload: XmlElement,
  view: View | ResponseError,
  traversal: string,
): { xml: string } | ResponseError {
  if ('code' in view) return view;
  if (view.kind !== 'none') {
    return { code: 'ErrorInvalidOperation', text: 'The sandbox does not page FindItem in the calendar.' };
  }
  const restrictionEl = child(payload, M, 'Restriction');
  const expr = restrictionEl?.children[0];
  const predicate = expr ? compileCalendarRestriction(expr) : () => true;
  if (typeof predicate !== 'function') return predicate;
  const shapeEl = requireChild(payload, M, 'ItemShape');
  const full = requireChild(shapeEl, T, 'BaseShape').text.trim() !== 'IdOnly';
  const extended = requestedExtendedProperties(shapeEl);
  const events = traversal === 'Shallow' ? [...mailbox.calendar.values()].filter(predicate).reverse() : [];
  const page = events.slice(0, ctx.limits.findItemPageLimit);
  const xml = page.map((e) => calendarItemXml(e, mailbox, full, extended)).join('');
  return {
    xml: successMessage(
      'FindItem',
      `<m:RootFolder TotalItemsInView="${events.length}" IncludesLastItemInRange="${page.length >= events.length}"><t:Items>${xml}</t:Items></m:RootFolder>`,
    ),
  };
}
