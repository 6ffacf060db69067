/**
 * The directory reads: GET /users/{id | userPrincipalName} (user-get), GET /users?$filter=... (user-list),
 * GET /groups?$filter=mail eq '...' (group-list) and GET /groups/{id}/transitiveMembers/microsoft.graph.user
 * (group-list-transitivemembers). The OData cast on transitiveMembers is an advanced query: without
 * `ConsistencyLevel: eventual` and `$count=true` Graph answers 400 Request_UnsupportedQuery; with them the
 * first page carries `@odata.count`.
 */
import type { Mailbox } from '../../ews-sandbox/tenantStore';
import { GraphDirectory, type DirectoryUser } from '../directory';
import { graphError, literalValue } from '../graphAnswers';
import { directoryPermission, GROUP_MEMBER_READ, USER_READ } from './permissions';
import { isAdvancedQuery, selectOf, type OperationHandler, type RequestContext } from './requestContext';

const unsupported = (what: string) =>
  graphError(400, 'Request_UnsupportedQuery', `Unsupported query: ${what}`);

/** `$count=true` on a directory collection is itself an advanced query. */
function countRefused(ctx: RequestContext) {
  const wantsCount = ctx.url.searchParams.get('$count') !== null;
  return wantsCount && !isAdvancedQuery(ctx)
    ? unsupported('$count needs the ConsistencyLevel: eventual header (an advanced query)')
    : undefined;
}

const counted = (ctx: RequestContext, total: number) =>
  ctx.url.searchParams.get('$count')?.toLowerCase() === 'true' ? { '@odata.count': total } : {};

export const getUser: OperationHandler = (ctx, match) => {
  const segment = match[1] ?? '';
  const user = ctx.directory.user(segment);
  return {
    operation: 'getUser',
    mailbox: user?.mailbox,
    answer: () =>
      directoryPermission(ctx, USER_READ) ??
      (user
        ? { status: 200, body: GraphDirectory.resource(user, selectOf(ctx.url)) }
        : graphError(
            404,
            'Request_ResourceNotFound',
            `Resource '${segment}' does not exist or one of its queried reference-property objects are not present.`,
          )),
  };
};

export const listUsers: OperationHandler = (ctx) => {
  const filter = ctx.url.searchParams.get('$filter') ?? '';
  let found: DirectoryUser[];
  let f: RegExpExecArray | null;
  if (filter === '') {
    // No $filter: every user, a page at a time (user-list).
    found = ctx.directory.users;
  } else if ((f = /^(mail|userPrincipalName) eq '((?:[^']|'')*)'$/i.exec(filter))) {
    const property = f[1]?.toLowerCase() === 'mail' ? 'mail' : 'userPrincipalName';
    const value = literalValue(f[2] ?? '').toLowerCase();
    found = ctx.directory.users.filter((u) => u[property] === value);
  } else if ((f = /^proxyAddresses\/any\((\w+):\1 eq '((?:[^']|'')*)'\)$/i.exec(filter))) {
    const value = literalValue(f[2] ?? '').toLowerCase();
    found = ctx.directory.users.filter((u) => u.proxyAddresses.some((p) => p.toLowerCase() === value));
  } else if ((f = /^startswith\(\s*mail\s*,\s*'((?:[^']|'')*)'\s*\)$/i.exec(filter))) {
    // startsWith on mail is a default query (the user resource's property table); a user without mail
    // (no mailbox) never matches.
    const value = literalValue(f[1] ?? '').toLowerCase();
    found = ctx.directory.users.filter((u) => u.mail !== '' && u.mail.startsWith(value));
  } else {
    return unsupported(`$filter=${filter}`);
  }
  const refused = countRefused(ctx);
  if (refused) return refused;
  const top = pageSize(ctx);
  if (typeof top !== 'number') return top;
  const skip = Number(ctx.url.searchParams.get('$skiptoken') ?? 0) || 0;
  const page = found.slice(skip, skip + top);
  const next = new URL(ctx.url.href);
  next.searchParams.set('$skiptoken', String(skip + top));
  return {
    operation: 'listUsers',
    answer: () =>
      directoryPermission(ctx, USER_READ) ?? {
        status: 200,
        body: {
          ...(skip === 0 ? counted(ctx, found.length) : {}),
          value: page.map((u) => GraphDirectory.resource(u, selectOf(ctx.url))),
          // More than a page: Graph names the next one (an opaque $skiptoken; here an offset).
          ...(skip + top < found.length && {
            '@odata.nextLink': `${ctx.origin}${next.pathname}${next.search}`,
          }),
        },
      },
  };
};

/** Graph's default and largest page of users (user-list: "$top ... 1 and 999"). */
const DEFAULT_USER_PAGE = 100;
const LARGEST_USER_PAGE = 999;

/** `$top` of a users list: 1 to 999, else Graph's 400 for a value out of range. */
function pageSize(ctx: RequestContext): number | ReturnType<typeof graphError> {
  const raw = ctx.url.searchParams.get('$top');
  if (raw === null) return DEFAULT_USER_PAGE;
  const top = Number(raw);
  if (!Number.isInteger(top) || top < 1 || top > LARGEST_USER_PAGE) {
    return graphError(
      400,
      'Request_BadRequest',
      `Invalid page size specified: '${raw}'. Must be between 1 and ${LARGEST_USER_PAGE} inclusive.`,
    );
  }
  return top;
}

export const listGroups: OperationHandler = (ctx) => {
  const filter = ctx.url.searchParams.get('$filter') ?? '';
  const f = /^mail eq '((?:[^']|'')*)'$/i.exec(filter);
  if (!f) return unsupported(`$filter=${filter}`);
  const value = literalValue(f[1] ?? '').toLowerCase();
  const found = ctx.directory.groups.filter((g) => g.address === value);
  return {
    operation: 'listGroups',
    answer: () =>
      directoryPermission(ctx, GROUP_MEMBER_READ) ?? {
        status: 200,
        body: {
          value: found.map((g) => ({
            id: ctx.directory.groupId(g),
            mail: g.address,
            displayName: g.displayName,
          })),
        },
      },
  };
};

/** Graph's default and largest page sizes for transitiveMembers. */
const DEFAULT_PAGE = 100;
const LARGEST_PAGE = 999;

export function listTransitiveMembers(pageSizeCap: number): OperationHandler {
  return (ctx, match) => {
    if (!isAdvancedQuery(ctx)) {
      return unsupported(
        'the OData cast microsoft.graph.user on transitiveMembers is an advanced query: send ConsistencyLevel: eventual and $count=true',
      );
    }
    const groupId = match[1] ?? '';
    const group = ctx.directory.group(groupId);
    const q = ctx.url.searchParams;
    const top = Math.min(Number(q.get('$top') ?? DEFAULT_PAGE) || DEFAULT_PAGE, LARGEST_PAGE, pageSizeCap);
    const skip = Number(q.get('$skiptoken') ?? 0) || 0;
    return {
      operation: 'listTransitiveMembers',
      answer: () => {
        const denied = directoryPermission(ctx, GROUP_MEMBER_READ);
        if (denied) return denied;
        if (!group)
          return graphError(404, 'Request_ResourceNotFound', `Resource '${groupId}' does not exist.`);
        const members = [...ctx.store.groupMailboxes(group.address)]
          .map((a) => ctx.store.mailboxByAddress(a))
          .filter((m): m is Mailbox => m !== undefined)
          .map((m) => ctx.directory.userOfMailbox(m))
          .filter((u): u is DirectoryUser => u !== undefined);
        const page = members.slice(skip, skip + top);
        const next = new URL(ctx.url.href);
        next.searchParams.set('$skiptoken', String(skip + top));
        return {
          status: 200,
          body: {
            ...(skip === 0 ? counted(ctx, members.length) : {}),
            value: page.map((u) => ({
              '@odata.type': '#microsoft.graph.user',
              ...GraphDirectory.resource(u, selectOf(ctx.url)),
            })),
            // An absolute URL on this stand-in, as Graph's are on graph.microsoft.com: clients follow it as is.
            ...(skip + top < members.length && {
              '@odata.nextLink': `${ctx.origin}${next.pathname}${next.search}`,
            }),
          },
        };
      },
    };
  };
}
