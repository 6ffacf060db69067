/**
 * The checks Graph makes before an operation: the application permission (a 403 whose code depends on the
 * workload: Entra answers Authorization_RequestDenied, Exchange ErrorAccessDenied) and, for mailbox data,
 * the app's mailbox scope, standing in for an application access policy or RBAC for Applications.
 */
import type { Mailbox } from '../../ews-sandbox/tenantStore';
import { graphError, type Answer } from '../graphAnswers';
import type { RequestContext } from './requestContext';

export function directoryPermission(ctx: RequestContext, any: readonly string[]): Answer | undefined {
  if (any.some((r) => ctx.caller.roles.includes(r))) return undefined;
  return graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
}

export function mailboxPermission(ctx: RequestContext, any: readonly string[]): Answer | undefined {
  if (any.some((r) => ctx.caller.roles.includes(r))) return undefined;
  return graphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
}

/**
 * Outside the app's scope: Exchange refuses with the application access policy's own message. No seed
 * entry for the app: every mailbox.
 */
export function mailboxScope(ctx: RequestContext, mailbox: Mailbox): Answer | undefined {
  const { principal } = ctx.caller;
  if (principal === undefined || ctx.store.mayImpersonate(principal, mailbox)) return undefined;
  return graphError(403, 'ErrorAccessDenied', 'Access to OData is disabled.');
}

export const USER_READ = ['User.Read.All', 'User.ReadBasic.All', 'Directory.Read.All'];
export const GROUP_MEMBER_READ = ['GroupMember.Read.All', 'Group.Read.All', 'Directory.Read.All'];
export const MAILBOX_SETTINGS_READ = ['MailboxSettings.Read', 'MailboxSettings.ReadWrite'];
export const MAILBOX_SETTINGS_WRITE = ['MailboxSettings.ReadWrite'];
export const CALENDARS_READ = ['Calendars.ReadBasic', 'Calendars.Read', 'Calendars.ReadWrite'];
export const CALENDARS_WRITE = ['Calendars.ReadWrite'];
