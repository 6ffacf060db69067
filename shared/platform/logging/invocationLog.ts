/**
 * Log lines that say which orchestration they belong to. Activities and orchestrators log through the
 * invocation's own logger (InvocationContext), which the Functions host sends to Application Insights
 * with the invocation's id; every line also carries `instance=<orchestration instance id>`, so one
 * leave's or one sweep's retries and failures are found with one query (docs/operations.md, "Logs").
 *
 * The mailbox back end is one per process and shared by concurrent invocations, so its per-call
 * retry and failure events cannot be handed a logger: the activity runs its mailbox work inside
 * `withInvocationLog`, and `reportMailboxCall` finds the invocation's logger through AsyncLocalStorage.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { MailboxCallEvent } from '../transport/retryingCall';

/** The part of InvocationContext (and OrchestrationContext) that writes log lines. */
export interface InvocationLogger {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/** A logger whose lines carry the orchestration instance id. */
export interface InstanceLog {
  readonly instanceId: string;
  info(text: string): void;
  warn(text: string): void;
  error(text: string): void;
}

/** `instance=<id> <text>`: the prefix every orchestration-related line starts with. */
export function instanceLine(instanceId: string, text: string): string {
  return `instance=${instanceId} ${text}`;
}

export function instanceLog(logger: InvocationLogger, instanceId: string): InstanceLog {
  return {
    instanceId,
    info: (text) => logger.info(instanceLine(instanceId, text)),
    warn: (text) => logger.warn(instanceLine(instanceId, text)),
    error: (text) => logger.error(instanceLine(instanceId, text)),
  };
}

const currentLog = new AsyncLocalStorage<InstanceLog>();

/** Runs `work` so that the mailbox calls it makes report their retries and failures to `log`. */
export function withInvocationLog<T>(log: InstanceLog, work: () => Promise<T>): Promise<T> {
  return currentLog.run(log, work);
}

/**
 * One line per retried or failed mailbox call attempt (operation, mailbox, attempt, code, wait, our
 * client-request-id and, for Graph, its request-id: what Microsoft support asks for). Never a body,
 * token or reply text. Successes are not logged: they are the bulk and say nothing. Outside an
 * invocation (the CLI, tests) the line goes to the console as before.
 */
export function reportMailboxCall(source: 'ews' | 'graph', event: MailboxCallEvent): void {
  witnessMailboxCall(event);
  if (event.outcome === 'ok') return;
  const line = JSON.stringify({ source, ...event });
  const log = currentLog.getStore();
  if (log) log.warn(`mailbox call ${event.outcome}: ${line}`);
  else console.warn(line);
}

const currentWitness = new AsyncLocalStorage<(event: MailboxCallEvent) => void>();

/**
 * Runs `work` so that `witness` hears of every attempt of the mailbox calls it makes, successes included
 * (the change journal, shared/journal, records the client-request-ids of the call that made a change).
 */
export function withCallWitness<T>(
  witness: (event: MailboxCallEvent) => void,
  work: () => Promise<T>,
): Promise<T> {
  return currentWitness.run(witness, work);
}

/** What every activity input started by an orchestration carries. */
export interface FromOrchestration {
  /** The calling orchestration's instance id, for the activity's log lines. */
  instanceId: string;
}

/**
 * Tells the witness of the call being made (withCallWitness), if any, of one attempt. reportMailboxCall
 * does; a client whose `onCall` replaces it (the CLI's, which prints its own retry lines) calls this so
 * that the change journal still hears the call's client-request-ids.
 */
export function witnessMailboxCall(event: MailboxCallEvent): void {
  currentWitness.getStore()?.(event);
}
