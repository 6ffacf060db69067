/**
 * ExpandDL and ResolveNames: directory lookups. They need no mailbox of their own, but under app-only
 * OAuth Exchange still insists on the impersonation header (checked before any handler runs).
 */
import { SchemaViolation, checkChildren, checkEnum, parseBoolean, requireChild } from '../ewsRequest';
import { errorMessage, responseMessages, successMessage, type ResponseError } from '../soapResponses';
import { stripSmtpPrefix, type Group, type Recipient } from '../tenantStore';
import { NS, child, escapeXml } from '../xml';
import type { OperationContext, OperationResult } from './operationContext';

const T = NS.types;
const M = NS.messages;

const NO_RESULTS_EXPAND: ResponseError = {
  code: 'ErrorNameResolutionNoResults',
  text: 'No results are found.',
};
const NO_RESULTS_RESOLVE: ResponseError = {
  code: 'ErrorNameResolutionNoResults',
  text: 'No results were found.',
};
/** ResolveNames answers at most 100 candidates. */
const MAX_RESOLUTIONS = 100;

function mailboxXml(name: string, address: string, type: string): string {
  return (
    `<t:Mailbox><t:Name>${escapeXml(name)}</t:Name><t:EmailAddress>${escapeXml(address)}</t:EmailAddress>` +
    `<t:RoutingType>SMTP</t:RoutingType><t:MailboxType>${type}</t:MailboxType></t:Mailbox>`
  );
}

function recipientXml(r: Recipient): string {
  return r.kind === 'mailbox'
    ? mailboxXml(r.mailbox.displayName, r.mailbox.address, 'Mailbox')
    : mailboxXml(r.group.displayName, r.group.address, 'PublicDL');
}

export function expandDL(ctx: OperationContext): OperationResult {
  const payload = ctx.request.payload;
  checkChildren(payload, [[M, 'Mailbox']]);
  const mailboxEl = requireChild(payload, M, 'Mailbox');
  checkChildren(
    mailboxEl,
    ['Name', 'EmailAddress', 'RoutingType', 'MailboxType', 'ItemId', 'OriginalDisplayName'].map(
      (n) => [T, n] as const,
    ),
  );
  const wanted = child(mailboxEl, T, 'EmailAddress')?.text.trim() ?? '';
  const lower = stripSmtpPrefix(wanted).toLowerCase();
  // By address, else by display name or alias, as Exchange resolves the entry first.
  const byAddress = ctx.store.groupByAddress(wanted);
  const matches: Group[] = byAddress
    ? [byAddress]
    : ctx.store
        .allGroups()
        .filter(
          (g) =>
            g.displayName.toLowerCase() === lower || g.address.slice(0, g.address.indexOf('@')) === lower,
        );
  if (matches.length > 1) {
    // "If more than one distribution list match the criteria, the Web service reports an error"
    // (web-service-reference/expanddl-operation, Remarks). The page does not name the code; the
    // ResponseCode reference's ErrorNameResolutionMultipleResults ("multiple results were found") is the
    // one for an ambiguous name, answered here as an Error, not ResolveNames' Warning.
    const ambiguous: ResponseError = {
      code: 'ErrorNameResolutionMultipleResults',
      text: `Multiple results were found: ${matches.map((g) => g.address).join(', ')}.`,
    };
    return {
      xml: responseMessages('ExpandDL', [errorMessage('ExpandDL', ambiguous)]),
      codes: [ambiguous.code],
    };
  }
  const group = matches[0];
  if (!group) {
    return {
      xml: responseMessages('ExpandDL', [errorMessage('ExpandDL', NO_RESULTS_EXPAND)]),
      codes: [NO_RESULTS_EXPAND.code],
    };
  }
  let members = '';
  for (const address of group.members) {
    const r = ctx.store.recipient(address);
    // Addresses outside the tenant are mail contacts.
    members += r ? recipientXml(r) : mailboxXml(address, address, 'Contact');
  }
  const body = `<m:DLExpansion TotalItemsInView="${group.members.length}" IncludesLastItemInRange="true">${members}</m:DLExpansion>`;
  return { xml: responseMessages('ExpandDL', [successMessage('ExpandDL', body)]), codes: ['NoError'] };
}

function candidates(ctx: OperationContext, entry: string): Recipient[] {
  const exact = ctx.store.recipient(entry);
  if (exact) return [exact];
  const byUpn = ctx.store.mailboxByUpn(entry);
  if (byUpn) return [{ kind: 'mailbox', mailbox: byUpn }];
  const q = stripSmtpPrefix(entry).toLowerCase();
  // "The ResolveNames operation performs a partial match against each value of that array when you add
  // the routing type at the beginning of the unresolved name" (web-service-reference/resolvenames-operation,
  // Remarks): with `SMTP:` in front, only the start of each SMTP address counts, never the display name,
  // and `SMTP:` alone matches every recipient with one.
  const routingType = q.length < entry.length;
  const matches = (displayName: string, addresses: readonly string[]): boolean => {
    if (routingType) return addresses.some((a) => a.startsWith(q));
    const name = displayName.toLowerCase();
    return (
      name.startsWith(q) ||
      name.split(/\s+/).some((w) => w.startsWith(q)) ||
      (addresses[0] ?? '').startsWith(q)
    );
  };
  const found: Recipient[] = [];
  for (const mailbox of ctx.store.mailboxes) {
    if (matches(mailbox.displayName, mailbox.addresses)) {
      found.push({ kind: 'mailbox', mailbox });
    }
  }
  for (const group of ctx.store.allGroups()) {
    if (matches(group.displayName, group.addresses)) found.push({ kind: 'group', group });
  }
  const name = (r: Recipient): string => (r.kind === 'mailbox' ? r.mailbox.displayName : r.group.displayName);
  return found.sort((a, b) => name(a).localeCompare(name(b)));
}

export function resolveNames(ctx: OperationContext): OperationResult {
  const payload = ctx.request.payload;
  checkChildren(payload, [
    [M, 'ParentFolderIds'],
    [M, 'UnresolvedEntry'],
  ]);
  const fullContact = parseBoolean(payload.attrs.ReturnFullContactData, 'ReturnFullContactData');
  if (fullContact === undefined)
    throw new SchemaViolation("The required attribute 'ReturnFullContactData' is missing.");
  if (payload.attrs.SearchScope !== undefined) {
    checkEnum(
      payload.attrs.SearchScope,
      ['ActiveDirectory', 'ActiveDirectoryContacts', 'Contacts', 'ContactsActiveDirectory'],
      "'SearchScope' attribute",
      'ResolveNamesSearchScopeType',
    );
  }
  const entry = requireChild(payload, M, 'UnresolvedEntry').text.trim();
  if (entry === '')
    throw new SchemaViolation(
      "The 'UnresolvedEntry' element is invalid - The actual length is less than the MinLength value.",
    );
  // Searching only the caller's Contacts folder finds nothing: the sandbox has no personal contacts.
  const found = payload.attrs.SearchScope === 'Contacts' ? [] : candidates(ctx, entry);
  if (found.length === 0) {
    return {
      xml: responseMessages('ResolveNames', [errorMessage('ResolveNames', NO_RESULTS_RESOLVE)]),
      codes: [NO_RESULTS_RESOLVE.code],
    };
  }
  const shown = found.slice(0, MAX_RESOLUTIONS);
  const resolutions = shown
    .map((r) => {
      const [name, address] =
        r.kind === 'mailbox'
          ? [r.mailbox.displayName, r.mailbox.address]
          : [r.group.displayName, r.group.address];
      const contact = fullContact
        ? `<t:Contact><t:DisplayName>${escapeXml(name)}</t:DisplayName><t:EmailAddresses><t:Entry Key="EmailAddress1">SMTP:${escapeXml(address)}</t:Entry></t:EmailAddresses><t:ContactSource>ActiveDirectory</t:ContactSource></t:Contact>`
        : '';
      return `<t:Resolution>${recipientXml(r)}${contact}</t:Resolution>`;
    })
    .join('');
  const set = `<m:ResolutionSet TotalItemsInView="${shown.length}" IncludesLastItemInRange="${shown.length === found.length}">${resolutions}</m:ResolutionSet>`;
  if (shown.length === 1) {
    return {
      xml: responseMessages('ResolveNames', [successMessage('ResolveNames', set)]),
      codes: ['NoError'],
    };
  }
  const warning: ResponseError = {
    code: 'ErrorNameResolutionMultipleResults',
    text: 'Multiple results were found.',
    responseClass: 'Warning',
  };
  return {
    xml: responseMessages('ResolveNames', [errorMessage('ResolveNames', warning, set)]),
    codes: [warning.code],
  };
}
