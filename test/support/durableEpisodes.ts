/**
 * Episode testing through durable-functions' real replay engine: the registered orchestrator callback
 * is called with a hand-built history (dev/host/history.ts) and a fresh DummyOrchestrationContext, as the
 * host would, and the answer is decoded into what a person reads: which actions were scheduled, the
 * custom status, the output or the failure.
 */
import * as df from 'durable-functions';
import { registrations } from '../../dev/host/functionsCoreStandIn';
import { orchestrationTrigger, type WireEvent } from '../../dev/host/history';
import {
  ActionType,
  parseOrchestrationFailure,
  type WireAction,
  type WireOrchestratorState,
} from '../../dev/host/localDurableHost';

export interface Episode {
  done: boolean;
  failed: boolean;
  output?: unknown;
  error?: string;
  customStatus?: unknown;
  /** Leaf actions in scheduling order (cumulative since the start, as the SDK reports them). */
  actions: WireAction[];
}

export async function replay(
  orchestrator: string,
  history: WireEvent[],
  input: unknown,
  instanceId = 'episode-test',
): Promise<Episode> {
  const reg = registrations.get(orchestrator);
  if (!reg) throw new Error(`orchestrator ${orchestrator} is not registered`);
  try {
    const state = (await reg.callback(
      orchestrationTrigger(history, input, instanceId),
      new df.DummyOrchestrationContext(orchestrator, 'inv', () => undefined),
    )) as WireOrchestratorState;
    return {
      done: state.isDone,
      failed: false,
      output: state.output,
      customStatus: state.customStatus,
      actions: leaves(state.actions),
    };
  } catch (err) {
    const failure = parseOrchestrationFailure(err);
    return {
      done: true,
      failed: true,
      error: failure.error,
      customStatus: failure.customStatus,
      actions: [],
    };
  }
}

function leaves(actions: WireAction[][]): WireAction[] {
  const out: WireAction[] = [];
  const walk = (a: WireAction): void => {
    if (a.compoundActions) a.compoundActions.forEach(walk);
    else out.push(a);
  };
  actions.forEach((g) => g.forEach(walk));
  return out;
}

/** Activity calls among the actions, by name. */
export function activityCalls(e: Episode, name?: string): WireAction[] {
  return e.actions.filter(
    (a) =>
      (a.actionType === ActionType.CallActivity || a.actionType === ActionType.CallActivityWithRetry) &&
      (name === undefined || a.functionName === name),
  );
}

export function timers(e: Episode): WireAction[] {
  return e.actions.filter((a) => a.actionType === ActionType.CreateTimer);
}

export function eventWaits(e: Episode): WireAction[] {
  return e.actions.filter((a) => a.actionType === ActionType.WaitForExternalEvent);
}

/** Input of an action as the activity receives it (string inputs are JSON in the action). */
export function inputOf<T>(a: WireAction | undefined): T {
  const v = a?.input;
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}
