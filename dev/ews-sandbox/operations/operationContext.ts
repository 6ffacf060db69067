/** What every operation handler receives and returns. */
import type { EwsRequest } from '../ewsRequest';
import type { Mailbox, Principal, TenantStore } from '../tenantStore';

/** Limits that shape answers (FindItem page sizes), taken from the sandbox knobs at call time. */
export interface OperationLimits {
  /** Most items FindItem returns per call. Exchange's EWSFindCountLimit default is 1000. */
  findItemPageLimit: number;
  /** Most items per call when a Restriction is present (Exchange answers about 250 for restricted searches). */
  restrictedFindItemPageLimit: number;
}

export interface OperationContext {
  store: TenantStore;
  request: EwsRequest;
  /** The mailbox the call acts as: the impersonated one; undefined for Basic auth without impersonation. */
  mailbox?: Mailbox;
  principal: Principal;
  limits: OperationLimits;
  /** The sandbox's start on its clock: the base of relative seed dates and generated items. */
  now: number;
  /** The sandbox's clock when this request arrived (EwsSandboxOptions.now): for rules about the present. */
  clock: number;
}

export interface OperationResult {
  xml: string;
  /** ResponseCode of every response message (NoError, ErrorItemNotFound, ...), for the request log. */
  codes: string[];
}

export type OperationHandler = (ctx: OperationContext) => OperationResult;
