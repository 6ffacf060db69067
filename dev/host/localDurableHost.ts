// In-process stand-in for the Durable extension + DTFx: runs orchestrators through the REAL
// durable-functions replay engine (the handler registered by df.app.orchestration), executes
// the returned actions (activities, timers, retries, sub-orchestrations, external events),
// appends host-format history events and replays until done. No storage, no Functions host.
// Only public surface + the host wire protocol is used (no deep imports of durable-functions).
import { randomUUID } from "crypto";
import { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { h, orchestrationTrigger, ReplaySchema, WireEvent } from "./history";
import type { Registration } from "./functionsCoreStandIn";

// ActionType values of the OOProc protocol (durable-functions lib/src/actions/ActionType.js)
const T = { Activity: 0, ActivityRetry: 1, SubOrch: 2, SubOrchRetry: 3, ContinueAsNew: 4, Timer: 5, ExternalEvent: 6, WhenAny: 11, WhenAll: 12 };
type Action = { actionType: number; functionName?: string; input?: unknown; retryOptions?: any; fireAt?: Date | string;
  isCanceled?: boolean; externalEventName?: string; instanceId?: string; compoundActions?: Action[] };
interface Slot { action: Action; id: number; attempt: number; state: "new" | "run" | "retryTimer" | "timer" | "event" | "done"; timerId?: number; fireAt?: number }
export interface RunResult { instanceId: string; name: string; status: "Completed" | "Failed"; output?: unknown; error?: string;
  customStatus?: unknown; episodes: number; history: WireEvent[] }
export interface HostOptions { timers?: "skip" | "real"; schema?: number; maxEpisodes?: number; verifyIds?: boolean; log?: (...a: unknown[]) => void }

export class LocalDurableHost {
  private events = new Map<string, { name: string; data: unknown }[]>();
  private wake = new Map<string, () => void>();
  readonly instances = new Map<string, { name: string; input: unknown; created: Date; status: string; result?: RunResult; done: Promise<RunResult> }>();
  constructor(private registry: Map<string, Registration>, private opts: HostOptions = {}) {}

  private fn(name: string, trigger: string) {
    const r = this.registry.get(name);
    if (!r || r.triggerType !== trigger) throw new Error(`No ${trigger} function registered as '${name}'`);
    return r.callback;
  }
  private ctx(name: string) {
    const log = this.opts.log ?? (() => {});
    return new InvocationContext({ functionName: name, invocationId: randomUUID(), logHandler: (lvl, ...a) => log(`[${name}]`, ...a) });
  }
  /** Same contract as the host: activity gets its deserialized input, result is JSON-serialized. */
  async callActivity(name: string, input: unknown): Promise<unknown> {
    return this.fn(name, "activityTrigger")(input, this.ctx(name));
  }
  /** Fire-and-forget start (what DurableClient.startNew does against the real extension). */
  startNew(name: string, input?: unknown, instanceId: string = randomUUID()): string {
    const rec = { name, input, created: new Date(), status: "Running" } as any;
    rec.done = this.runOrchestration(name, input, instanceId).then((r) => ((rec.status = r.status), (rec.result = r), r));
    this.instances.set(instanceId, rec);
    return instanceId;
  }
  raiseEvent(instanceId: string, name: string, data?: unknown): void {
    this.events.set(instanceId, [...(this.events.get(instanceId) ?? []), { name, data }]);
    this.wake.get(instanceId)?.();
  }

  async runOrchestration(name: string, input?: unknown, instanceId: string = randomUUID(), parentInstanceId?: string): Promise<RunResult> {
    const orchestrator = this.fn(name, "orchestrationTrigger");
    const schema = this.opts.schema ?? ReplaySchema.V3;
    let clock = Date.now();
    const now = () => new Date((clock = Math.max(clock, Date.now())));
    let history: WireEvent[] = [h.orchestratorStarted(now()), h.executionStarted(now(), name, input)];
    let slots = new Map<string, Slot>();
    let nextId = 0;
    for (let episode = 1; episode <= (this.opts.maxEpisodes ?? 10_000); episode++) {
      // 1. replay the orchestrator over the full history (a fresh context per replay, like the host)
      const context = new df.DummyOrchestrationContext(name, randomUUID(), (_l, ...a) => this.opts.log?.(`[${name}]`, ...a));
      let state: any;
      try {
        state = await orchestrator(orchestrationTrigger(history, input, instanceId, { upperSchemaVersion: schema, parentInstanceId }), context);
      } catch (err) { // OrchestrationFailureError: message = "false\n\n$OutOfProcData$:<state json incl. .error>"
        const [head, data] = String((err as Error).message).split("\n\n$OutOfProcData$:");
        const failed = data ? JSON.parse(data) : { error: head };
        return { instanceId, name, status: "Failed", error: failed.error, customStatus: failed.customStatus, episodes: episode, history };
      }
      const leaves = flatten(state.actions);
      if (state.isDone) {
        const can = leaves.find((l) => l.action.actionType === T.ContinueAsNew);
        if (!can) return { instanceId, name, status: "Completed", output: state.output, customStatus: state.customStatus, episodes: episode, history };
        input = decode(can.action.input); // continueAsNew: fresh history, same instance
        history = [h.orchestratorStarted(now()), h.executionStarted(now(), name, input)]; slots = new Map(); nextId = 0;
        continue;
      }
      // 2. register newly scheduled actions; ids follow the SDK/DTFx sequence-number rule
      for (const { path, action } of leaves) {
        const known = slots.get(path);
        if (known) { if (action.isCanceled && known.state === "timer") known.state = "done"; continue; } // timer.cancel()
        const t = action.actionType;
        if (t === T.ExternalEvent) { slots.set(path, { action, id: -1, attempt: 1, state: "event" }); continue; }
        if (![T.Activity, T.ActivityRetry, T.SubOrch, T.SubOrchRetry, T.Timer].includes(t))
          throw new Error(`LocalDurableHost: unsupported action type ${t} (entities/callHttp/signal)`);
        const slot: Slot = { action, id: nextId++, attempt: 1, state: t === T.Timer ? "timer" : "new" };
        if (t === T.Timer) { slot.fireAt = new Date(action.fireAt as Date).getTime(); history.push(h.timerCreated(slot.id, now(), new Date(slot.fireAt))); }
        else if (t === T.SubOrch || t === T.SubOrchRetry) history.push(h.subOrchCreated(slot.id, now(), action.functionName!, action.instanceId ?? `${instanceId}:${slot.id}`, action.input));
        else history.push(h.taskScheduled(slot.id, now(), action.functionName!, action.input));
        slots.set(path, slot);
      }
      if (this.opts.verifyIds !== false) verifyIds(context, slots);
      history.push(h.orchestratorCompleted(now()));
      // 3. produce the next batch of completion events
      const batch = await this.nextBatch(instanceId, slots, () => nextId++, now, (t) => (clock = Math.max(clock, t)));
      history.push(h.orchestratorStarted(now()), ...batch);
    }
    throw new Error(`LocalDurableHost: ${name} exceeded maxEpisodes`);
  }

  private async nextBatch(instanceId: string, slots: Map<string, Slot>, newId: () => number, now: () => Date, advance: (t: number) => void): Promise<WireEvent[]> {
    const all = [...slots.values()].sort((a, b) => a.id - b.id);
    const runnable = all.filter((s) => s.state === "new" || s.state === "run");
    if (runnable.length) { // run every scheduled activity / sub-orchestration concurrently
      const outcomes = await Promise.allSettled(runnable.map((s) => this.execute(s, instanceId)));
      const batch: WireEvent[] = [];
      runnable.forEach((s, i) => {
        const o = outcomes[i]; const sub = s.action.actionType >= T.SubOrch;
        if (o.status === "fulfilled") { s.state = "done"; batch.push(sub ? h.subOrchCompleted(now(), s.id, o.value) : h.taskCompleted(now(), s.id, o.value)); return; }
        const err = o.reason instanceof Error ? o.reason : new Error(String(o.reason));
        batch.push(sub ? h.subOrchFailed(now(), s.id, err) : h.taskFailed(now(), s.id, err, s.action.functionName));
        if (s.action.retryOptions) { // DTFx RetryInterceptor: a timer after EVERY failed attempt (incl. the last)
          const r = s.action.retryOptions;
          const delay = Math.min(r.firstRetryIntervalInMilliseconds * Math.pow(r.backoffCoefficient ?? 1, s.attempt - 1), r.maxRetryIntervalInMilliseconds ?? Infinity);
          s.state = "retryTimer"; s.timerId = newId(); s.fireAt = now().getTime() + delay;
          batch.push(h.timerCreated(s.timerId, now(), new Date(s.fireAt)));
        } else s.state = "done";
      });
      return batch;
    }
    const queued = this.events.get(instanceId) ?? [];
    const waiting = all.filter((s) => s.state === "event");
    for (const s of waiting) { // deliver a queued external event
      const i = queued.findIndex((e) => e.name === s.action.externalEventName);
      if (i >= 0) { const [e] = queued.splice(i, 1); s.state = "done"; return [h.eventRaised(now(), e.name, e.data)]; }
    }
    const timers = all.filter((s) => s.state === "timer" || s.state === "retryTimer");
    if (timers.length) { // nothing else can progress: fire the earliest timer(s)
      const due = Math.min(...timers.map((s) => s.fireAt!));
      if (this.opts.timers === "real") { // sleep until due, but wake up early for raiseEvent()
        const woke = await new Promise<boolean>((r) => { const t = setTimeout(() => r(false), Math.max(0, due - Date.now())); this.wake.set(instanceId, () => (clearTimeout(t), r(true))); });
        this.wake.delete(instanceId);
        if (woke) return []; // re-run; the queued event is delivered next round
      } else advance(due); // "skip": virtual clock jumps to fireAt
      const batch: WireEvent[] = [];
      for (const s of timers.filter((t) => t.fireAt! <= due)) {
        if (s.state === "timer") { s.state = "done"; batch.push(h.timerFired(now(), s.id, new Date(s.fireAt!))); continue; }
        batch.push(h.timerFired(now(), s.timerId!, new Date(s.fireAt!)));
        if (s.attempt < s.action.retryOptions.maxNumberOfAttempts) { // reschedule: new sequence id
          s.attempt++; s.id = newId(); s.state = "run";
          batch.push(h.taskScheduled(s.id, now(), s.action.functionName!, s.action.input));
        } else s.state = "done"; // SDK fails the RetryableTask when this timer fires
      }
      return batch;
    }
    if (waiting.length) { // only external events pending: wait for raiseEvent()
      this.opts.log?.(`[${instanceId}] waiting for external event(s): ${waiting.map((s) => s.action.externalEventName).join(", ")}`);
      await new Promise<void>((r) => this.wake.set(instanceId, r));
      return [];
    }
    throw new Error("LocalDurableHost: orchestration is not done but has nothing pending (unsupported pattern?)");
  }

  private execute(s: Slot, parentId: string): Promise<unknown> {
    const a = s.action;
    if (a.actionType === T.Activity || a.actionType === T.ActivityRetry) return this.callActivity(a.functionName!, decode(a.input));
    return this.runOrchestration(a.functionName!, a.input, a.instanceId ?? `${parentId}:${s.id}`, parentId).then((r) =>
      r.status === "Completed" ? r.output : Promise.reject(new Error(r.error)));
  }
}

/** Safety net (best effort, PRIVATE SDK state; skipped if its shape changes): every id the driver is about
 *  to complete must be an open task of the same kind in the SDK's executor, else results could be misrouted. */
function verifyIds(context: unknown, slots: Map<string, Slot>) {
  const open = (context as any)?.df?.taskOrchestratorExecutor?.openTasks as Record<string, any> | undefined;
  if (!open) return;
  for (const s of slots.values()) {
    const id = s.state === "retryTimer" ? s.timerId! : s.id;
    if (!["new", "run", "timer", "retryTimer"].includes(s.state)) continue;
    const task = open[id];
    const action = task?.actionObj === "noOp" ? task.parent?.actionObj : task?.actionObj;
    const ok = s.state === "timer" ? action?.actionType === T.Timer : action?.functionName === s.action.functionName;
    if (!ok) throw new Error(`LocalDurableHost: sequence-id mismatch for ${s.action.functionName ?? "timer"} (id ${id}); unsupported pattern`);
  }
}

/** Leaves of the action tree with a stable path (actions are cumulative across replays). */
function flatten(actions: Action[][], ): { path: string; action: Action }[] {
  const out: { path: string; action: Action }[] = [];
  const walk = (a: Action, path: string) => a.compoundActions ? a.compoundActions.forEach((c, i) => walk(c, `${path}.${i}`)) : out.push({ path, action: a });
  (actions ?? []).forEach((group, g) => group.forEach((a, i) => walk(a, `${g}.${i}`)));
  return out;
}
/** SDK quirk (Utils.processInput): string inputs are JSON-stringified in the action, objects are not. */
const decode = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v);
