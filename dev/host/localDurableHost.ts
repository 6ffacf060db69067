/**
 * In-process stand-in for the Durable extension + DTFx: runs orchestrators through the real
 * durable-functions replay engine (the handler registered by df.app.orchestration), executes the
 * returned actions (activities, retries, timers incl. long timers, sub-orchestrations, external
 * events, continueAsNew), appends host-format history events and replays until done.
 *
 * Dev and test only: no storage, no durability across restarts, activities run in-process. Only the
 * public surface of durable-functions and the host wire protocol are used (no deep imports). The wire
 * protocol's numbers (ActionType here, EventType and ReplaySchema in history.ts) are not exported by the
 * package, so they are written out here and pinned against the installed package by
 * test/unit/dev/durableWireValues.test.ts, which fails when an upgrade renumbers one.
 * Generic: nothing here knows about any particular workflow.
 */
import { randomUUID } from 'crypto';
import { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { Registration, RegisteredCallback } from './functionsCoreStandIn';
import {
  DEFAULT_LONG_RUNNING_TIMER_INTERVAL,
  DEFAULT_MAXIMUM_SHORT_TIMER,
  h,
  orchestrationTrigger,
  ReplaySchema,
  timeSpanToMs,
  type WireEvent,
} from './history';
import { DevClock } from './devClock';

/** ActionType values of the out-of-process protocol (durable-functions' ActionType; pinned by durableWireValues.test.ts). */
export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  WhenAny: 11,
  WhenAll: 12,
} as const;

interface WireRetryOptions {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
}

/** One action as the SDK returns it in OrchestratorState.actions. */
export interface WireAction {
  actionType: number;
  functionName?: string;
  input?: unknown;
  retryOptions?: WireRetryOptions;
  fireAt?: Date | string;
  isCanceled?: boolean;
  externalEventName?: string;
  instanceId?: string;
  compoundActions?: WireAction[];
}

/** The SDK's OrchestratorState JSON (the class itself is not exported). */
export interface WireOrchestratorState {
  isDone: boolean;
  actions: WireAction[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
}

type SlotState = 'new' | 'run' | 'busy' | 'retryTimer' | 'timer' | 'event' | 'done';

interface Slot {
  action: WireAction;
  id: number;
  attempt: number;
  state: SlotState;
  /** Retry timer id (retryTimer) */
  timerId?: number;
  /** When the current (piece of the) timer fires, epoch ms. */
  fireAt?: number;
  /** Final fire time of a timer; differs from fireAt while a long timer runs in pieces. */
  finalAt?: number;
  /** busy: the activity or sub-orchestration running, and how it ended once it has. */
  running?: Promise<void>;
  outcome?: PromiseSettledResult<unknown>;
}

export type RuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'Failed' | 'Terminated';

export interface RunResult {
  instanceId: string;
  name: string;
  status: 'Completed' | 'Failed' | 'Terminated';
  output?: unknown;
  error?: string;
  customStatus?: unknown;
  episodes: number;
  history: WireEvent[];
}

/** What the extension's status API reports about an instance. */
export interface InstanceRecord {
  instanceId: string;
  name: string;
  input: unknown;
  createdTime: Date;
  lastUpdatedTime: Date;
  runtimeStatus: RuntimeStatus;
  customStatus?: unknown;
  output?: unknown;
  history: WireEvent[];
  done: Promise<RunResult>;
}

export interface HostOptions {
  /**
   * `skip` (tests): when nothing else can progress, time jumps to the next timer at once (per instance).
   * `clock`: timers fire when the clock reaches them (real time, or a DevClock advanced on demand).
   */
  timers?: 'skip' | 'clock';
  clock?: DevClock;
  schema?: number;
  /** Episodes one generation may take (continueAsNew starts the count again). */
  maxEpisodes?: number;
  /** Best-effort check against the SDK's private open-task table (default on). */
  verifyIds?: boolean;
  /** The extension's timer limits (TimeSpan strings); long timers are fired in pieces as the extension does. */
  maximumShortTimerDuration?: string;
  longRunningTimerIntervalDuration?: string;
  /** At most this many activities run at once across all instances (default unlimited). */
  maxConcurrentActivities?: number;
  /** `level`: an orchestrator's log level (information, warning, error); its line does not show it. */
  log?: (message: string, level?: string) => void;
  /**
   * The context an activity runs with, as the worker builds it (its extra inputs bound: an activity with a
   * durable client input, like leaveDeliver, gets a client). Without it: a bare context that logs.
   */
  activityContext?: (name: string) => InvocationContext;
}

/** startNew for an id whose instance is still running (the extension answers 409 too). */
export class InstanceConflictError extends Error {
  readonly code = 'InstanceConflict';
  constructor(readonly instanceId: string) {
    super(`an orchestration instance with id '${instanceId}' is already running`);
    this.name = 'InstanceConflictError';
  }
}

class Semaphore {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.queue.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

interface Batch {
  time: Date;
  events: WireEvent[];
}

export class LocalDurableHost {
  private readonly events = new Map<string, { name: string; data: unknown }[]>();
  private readonly wakers = new Map<string, Set<() => void>>();
  private readonly terminations = new Map<string, string>();
  /** Instances asleep with nothing to do until this time (Infinity: until an event). */
  private readonly idleUntil = new Map<string, number>();
  private readonly instances = new Map<string, InstanceRecord>();
  private readonly activitySlots: Semaphore | undefined;
  readonly clock: DevClock;
  private readonly maxShortMs: number;
  private readonly longIntervalMs: number;

  constructor(
    private readonly registry: Map<string, Registration>,
    private readonly opts: HostOptions = {},
  ) {
    this.clock = opts.clock ?? new DevClock();
    this.clock.onChange(() => this.wakeAll());
    this.maxShortMs = timeSpanToMs(opts.maximumShortTimerDuration ?? DEFAULT_MAXIMUM_SHORT_TIMER);
    this.longIntervalMs = timeSpanToMs(
      opts.longRunningTimerIntervalDuration ?? DEFAULT_LONG_RUNNING_TIMER_INTERVAL,
    );
    this.activitySlots = opts.maxConcurrentActivities
      ? new Semaphore(opts.maxConcurrentActivities)
      : undefined;
  }

  private fn(name: string, trigger: string): RegisteredCallback {
    const r = this.registry.get(name);
    if (!r || r.triggerType !== trigger) throw new Error(`No ${trigger} function registered as '${name}'`);
    return r.callback;
  }

  private context(name: string): InvocationContext {
    const log = this.opts.log;
    return new InvocationContext({
      functionName: name,
      invocationId: randomUUID(),
      logHandler: (level, ...args) => log?.(`[${name}] ${level}: ${args.map(String).join(' ')}`),
    });
  }

  /** Same contract as the host: the activity gets its deserialised input; the result is JSON-serialised. */
  async callActivity(name: string, input: unknown): Promise<unknown> {
    const run = async (): Promise<unknown> =>
      await this.fn(name, 'activityTrigger')(input, this.opts.activityContext?.(name) ?? this.context(name));
    return this.activitySlots ? this.activitySlots.run(run) : run();
  }

  /**
   * Fire-and-forget start (DurableClient.startNew against the extension). Re-using the id of a finished
   * instance replaces it, as the extension does; a running one is a conflict.
   */
  startNew(name: string, input?: unknown, instanceId: string = randomUUID()): string {
    this.fn(name, 'orchestrationTrigger');
    const existing = this.instances.get(instanceId);
    if (existing && (existing.runtimeStatus === 'Running' || existing.runtimeStatus === 'Pending')) {
      throw new InstanceConflictError(instanceId);
    }
    this.events.delete(instanceId);
    this.terminations.delete(instanceId);
    const now = new Date(this.clock.now());
    const record: InstanceRecord = {
      instanceId,
      name,
      input,
      createdTime: now,
      lastUpdatedTime: now,
      runtimeStatus: 'Running',
      history: [],
      done: Promise.resolve(undefined as unknown as RunResult),
    };
    this.instances.set(instanceId, record);
    record.done = this.runOrchestration(name, input, instanceId, undefined, record).then(
      (r) => this.finish(record, r),
      (err: unknown) =>
        this.finish(record, {
          instanceId,
          name,
          status: 'Failed',
          error: err instanceof Error ? err.message : String(err),
          episodes: 0,
          history: record.history,
        }),
    );
    return instanceId;
  }

  private finish(record: InstanceRecord, r: RunResult): RunResult {
    record.runtimeStatus = r.status;
    record.output = r.status === 'Completed' ? r.output : r.error;
    record.customStatus = r.customStatus;
    record.lastUpdatedTime = new Date(this.clock.now());
    return r;
  }

  getStatus(instanceId: string): InstanceRecord | undefined {
    return this.instances.get(instanceId);
  }

  listInstances(): InstanceRecord[] {
    return [...this.instances.values()];
  }

  /** Resolves when the instance has finished. */
  async waitForCompletion(instanceId: string): Promise<RunResult> {
    const record = this.instances.get(instanceId);
    if (!record) throw new Error(`no instance '${instanceId}'`);
    return record.done;
  }

  /**
   * Forgets instances created in [createdFrom, createdTo] whose runtime status is one of `statuses` (all
   * statuses when none is given), as the Durable extension's purge by filter does (DurableTask.AzureStorage
   * selects on CreatedTime `ge` from and `le` to, and applies no status filter when the list is empty).
   * Azure does not refuse a running instance when the statuses allow it; here such an instance is ended
   * first, so that nothing keeps running without a record. Returns how many were dropped: their inputs,
   * outputs and histories are no longer held.
   */
  purge(filter: { createdFrom: Date; createdTo: Date; statuses?: readonly string[] }): number {
    const from = filter.createdFrom.getTime();
    const to = filter.createdTo.getTime();
    const statuses = filter.statuses?.length ? new Set<string>(filter.statuses) : undefined;
    let purged = 0;
    for (const record of [...this.instances.values()]) {
      const created = record.createdTime.getTime();
      if (created < from || created > to) continue;
      if (statuses && !statuses.has(record.runtimeStatus)) continue;
      this.purgeInstance(record.instanceId);
      purged++;
    }
    return purged;
  }

  /** Forgets one instance (the extension's purge by id); false when there is none. */
  purgeInstance(instanceId: string): boolean {
    if (!this.instances.has(instanceId)) return false;
    this.terminate(instanceId, 'purged');
    this.instances.delete(instanceId);
    this.events.delete(instanceId);
    return true;
  }

  /** Queues an event for a running instance. False when the instance is unknown or already finished. */
  raiseEvent(instanceId: string, name: string, data?: unknown): boolean {
    const record = this.instances.get(instanceId);
    if (record && record.runtimeStatus !== 'Running' && record.runtimeStatus !== 'Pending') return false;
    this.events.set(instanceId, [...(this.events.get(instanceId) ?? []), { name, data }]);
    this.wake(instanceId);
    return true;
  }

  /**
   * True when the instance is asleep with nothing to do: no event queued for it, no timer due, no activity
   * running. Tests wait for this instead of guessing from the status (a raised event or a clock change
   * leaves the status as it was until the instance has run).
   */
  isIdle(instanceId: string): boolean {
    const until = this.idleUntil.get(instanceId);
    return (
      until !== undefined &&
      until > this.clock.now() &&
      (this.events.get(instanceId)?.length ?? 0) === 0 &&
      !this.terminations.has(instanceId)
    );
  }

  /** Ends a running instance at its next step. False when it is unknown or already finished. */
  terminate(instanceId: string, reason = 'terminated'): boolean {
    const record = this.instances.get(instanceId);
    if (!record || (record.runtimeStatus !== 'Running' && record.runtimeStatus !== 'Pending')) return false;
    this.terminations.set(instanceId, reason);
    this.wake(instanceId);
    return true;
  }

  private wake(instanceId: string): void {
    const set = this.wakers.get(instanceId);
    if (!set) return;
    this.wakers.delete(instanceId);
    for (const w of set) w();
  }

  private wakeAll(): void {
    for (const id of [...this.wakers.keys()]) this.wake(id);
  }

  /** A sleep that can be called off (a completion won the race): its waker is removed at once. */
  private sleeping(instanceId: string, ms: number): { promise: Promise<void>; cancel: () => void } {
    let timer: NodeJS.Timeout | undefined;
    let done: () => void = () => undefined;
    const promise = new Promise<void>((resolve) => {
      done = (): void => {
        if (timer) clearTimeout(timer);
        this.wakers.get(instanceId)?.delete(done);
        resolve();
      };
      if (Number.isFinite(ms)) timer = setTimeout(done, Math.max(0, Math.min(ms, 2 ** 31 - 1)));
      const set = this.wakers.get(instanceId) ?? new Set<() => void>();
      set.add(done);
      this.wakers.set(instanceId, set);
    });
    return { promise, cancel: done };
  }

  /** Runs one orchestration to its end (used directly by tests; startNew wraps it). */
  async runOrchestration(
    name: string,
    input?: unknown,
    instanceId: string = randomUUID(),
    parentInstanceId?: string,
    record?: InstanceRecord,
  ): Promise<RunResult> {
    const orchestrator = this.fn(name, 'orchestrationTrigger');
    const schema = this.opts.schema ?? ReplaySchema.V3;
    let local = this.clock.now();
    const now = (): Date =>
      new Date(this.opts.timers === 'clock' ? this.clock.now() : (local = Math.max(local, this.clock.now())));
    const advance = (t: number): void => {
      local = Math.max(local, t);
    };
    const start = now();
    let history: WireEvent[] = [h.orchestratorStarted(start), h.executionStarted(start, name, input)];
    let slots = new Map<string, Slot>();
    let nextId = 0;
    let episodeTime = start;
    let customStatus: unknown;
    const result = (status: RunResult['status'], episodes: number, extra: Partial<RunResult>): RunResult => ({
      instanceId,
      name,
      status,
      customStatus,
      episodes,
      history,
      ...extra,
    });
    for (let episode = 1; episode <= (this.opts.maxEpisodes ?? 10_000); episode++) {
      if (record) record.history = history;
      // 1. replay the orchestrator over the full history (a fresh context per replay, like the host)
      // The level goes along as a second argument (the line keeps its format), for tests of error lines.
      const context = new df.DummyOrchestrationContext(name, randomUUID(), (level, ...args) =>
        this.opts.log?.(`[${name}] ${args.map(String).join(' ')}`, level),
      );
      let state: WireOrchestratorState;
      try {
        const trigger = orchestrationTrigger(history, input, instanceId, {
          upperSchemaVersion: schema,
          parentInstanceId,
          maximumShortTimerDuration: this.opts.maximumShortTimerDuration,
          longRunningTimerIntervalDuration: this.opts.longRunningTimerIntervalDuration,
        });
        state = (await orchestrator(trigger, context)) as WireOrchestratorState;
      } catch (err) {
        const failed = parseOrchestrationFailure(err);
        customStatus = failed.customStatus ?? customStatus;
        return result('Failed', episode, { error: failed.error });
      }
      customStatus = state.customStatus;
      if (record) {
        record.customStatus = customStatus;
        record.lastUpdatedTime = now();
      }
      const leaves = flatten(state.actions);
      if (state.isDone) {
        const can = leaves.find((l) => l.action.actionType === ActionType.ContinueAsNew);
        if (!can) return result('Completed', episode, { output: state.output });
        input = decode(can.action.input); // continueAsNew: fresh history, same instance
        if (record) record.input = input; // the status API shows the current generation's input
        const t = now();
        history = [h.orchestratorStarted(t), h.executionStarted(t, name, input)];
        slots = new Map();
        nextId = 0;
        episodeTime = t;
        episode = 0; // the cap is per generation: an eternal orchestration continues as new for ever
        continue;
      }
      // 2. register newly scheduled actions; ids follow the SDK/DTFx sequence-number rule
      const t = now();
      for (const { path, action } of leaves) {
        const known = slots.get(path);
        if (known) {
          if (action.isCanceled && known.state === 'timer') known.state = 'done'; // timer.cancel()
          continue;
        }
        const type = action.actionType;
        if (type === ActionType.WaitForExternalEvent) {
          slots.set(path, { action, id: -1, attempt: 1, state: 'event' });
          continue;
        }
        const slot: Slot = {
          action,
          id: nextId++,
          attempt: 1,
          state: type === ActionType.CreateTimer ? 'timer' : 'new',
        };
        if (type === ActionType.CreateTimer) {
          slot.finalAt = new Date(action.fireAt ?? 0).getTime();
          // The SDK (schema V3+) splits timers beyond maximumShortTimerDuration into pieces computed from
          // currentUtcDateTime, i.e. this episode's OrchestratorStarted time; mirror it so ids line up.
          slot.fireAt = this.nextPiece(schema, episodeTime.getTime(), slot.finalAt);
          if (action.isCanceled) slot.state = 'done';
          history.push(h.timerCreated(slot.id, t, new Date(slot.fireAt)));
        } else if (
          type === ActionType.CallSubOrchestrator ||
          type === ActionType.CallSubOrchestratorWithRetry
        ) {
          history.push(
            h.subOrchCreated(
              slot.id,
              t,
              action.functionName ?? '',
              action.instanceId ?? `${instanceId}:${slot.id}`,
              action.input,
            ),
          );
        } else if (type === ActionType.CallActivity || type === ActionType.CallActivityWithRetry) {
          history.push(h.taskScheduled(slot.id, t, action.functionName ?? '', action.input));
        } else {
          throw new Error(`LocalDurableHost: unsupported action type ${type} (entities, callHttp, signal)`);
        }
        slots.set(path, slot);
      }
      if (this.opts.verifyIds !== false) verifyIds(context, slots);
      history.push(h.orchestratorCompleted(t));
      // 3. produce the next batch of completion events
      const batch = await this.nextBatch(instanceId, schema, slots, () => nextId++, now, advance);
      if (batch === 'terminated') {
        const reason = this.terminations.get(instanceId) ?? 'terminated';
        return result('Terminated', episode, { output: reason, error: reason });
      }
      episodeTime = batch.time;
      history.push(h.orchestratorStarted(batch.time), ...batch.events);
    }
    throw new Error(`LocalDurableHost: ${name} exceeded maxEpisodes`);
  }

  private nextPiece(schema: number, currentTime: number, finalAt: number): number {
    if (schema < ReplaySchema.V3) return finalAt;
    return finalAt - currentTime > this.maxShortMs ? currentTime + this.longIntervalMs : finalAt;
  }

  private async nextBatch(
    instanceId: string,
    schema: number,
    slots: Map<string, Slot>,
    newId: () => number,
    now: () => Date,
    advance: (t: number) => void,
  ): Promise<Batch | 'terminated'> {
    for (;;) {
      if (this.terminations.has(instanceId)) return 'terminated';
      const all = [...slots.values()].sort((a, b) => a.id - b.id);
      for (const s of all) if (s.state === 'new' || s.state === 'run') this.start(s, instanceId);
      // Completions are delivered when every running task has ended, or at once when one has failed: a
      // failed task gets its retry timer (and its retry) while the others still run, as on the extension
      // (holding a failure back until the rest had ended deadlocked a sweep whose batches wait for
      // discovery's retry). Otherwise the host keeps its older, coarser rule — completions that succeed
      // come together, and events and timers wait for them — which the leave calendar's end-to-end run
      // relies on: delivering each completion on its own, with timers and events between them, made one
      // of its owners run a generation from an older state (not yet understood).
      const busy = all.filter((s) => s.state === 'busy');
      const ended = busy.filter((s) => s.outcome);
      if (
        ended.length &&
        (ended.length === busy.length || ended.some((s) => s.outcome?.status === 'rejected'))
      ) {
        return this.completions(ended, newId, now);
      }

      // Until then, as before, nothing else happens to an instance whose tasks all run without a failure.
      const failing = all.some((s) => s.state === 'retryTimer');
      if (busy.length && !failing) {
        await Promise.race(busy.filter((s) => !s.outcome).map((s) => s.running ?? Promise.resolve()));
        continue;
      }
      const queued = this.events.get(instanceId) ?? [];
      const waiting = all.filter((s) => s.state === 'event');
      for (const s of waiting) {
        const i = queued.findIndex((e) => e.name === s.action.externalEventName);
        if (i < 0) continue;
        const [e] = queued.splice(i, 1);
        s.state = 'done';
        const t = now();
        if (e) return { time: t, events: [h.eventRaised(t, e.name, e.data)] };
      }

      const timers = all.filter((s) => s.state === 'timer' || s.state === 'retryTimer');
      const due = Math.min(...timers.map((s) => s.fireAt ?? 0));
      if (timers.length && this.opts.timers !== 'clock') advance(due); // skip: the instance's clock jumps
      if (timers.length && now().getTime() >= due) return this.fireTimers(schema, timers, now(), newId);

      if (!timers.length && !waiting.length && !busy.length) {
        throw new Error(
          'LocalDurableHost: orchestration is not done but has nothing pending (unsupported pattern?)',
        );
      }
      if (waiting.length && !timers.length && !busy.length) {
        this.opts.log?.(
          `[${instanceId}] waiting for event(s): ${waiting.map((s) => s.action.externalEventName).join(', ')}`,
        );
      }
      // wait for a completion, an event, a termination, a clock change or the next timer
      if (!busy.length) this.idleUntil.set(instanceId, timers.length ? due : Infinity);
      const wait = this.sleeping(instanceId, timers.length ? due - this.clock.now() : Infinity);
      await Promise.race([
        wait.promise,
        ...busy.filter((s) => !s.outcome).map((s) => s.running ?? Promise.resolve()),
      ]);
      wait.cancel();
      this.idleUntil.delete(instanceId);
      // completions that arrive together are delivered together
      if (busy.length) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private start(s: Slot, instanceId: string): void {
    s.state = 'busy';
    s.outcome = undefined;
    s.running = this.execute(s, instanceId).then(
      (value) => void (s.outcome = { status: 'fulfilled', value }),
      (reason: unknown) => void (s.outcome = { status: 'rejected', reason }),
    );
  }

  private completions(ended: Slot[], newId: () => number, now: () => Date): Batch {
    const t = now();
    const events: WireEvent[] = [];
    for (const s of ended) {
      const o = s.outcome;
      s.running = undefined;
      s.outcome = undefined;
      if (!o) continue;
      const sub = s.action.actionType >= ActionType.CallSubOrchestrator;
      if (o.status === 'fulfilled') {
        s.state = 'done';
        events.push(sub ? h.subOrchCompleted(t, s.id, o.value) : h.taskCompleted(t, s.id, o.value));
        continue;
      }
      const err = o.reason instanceof Error ? o.reason : new Error(String(o.reason));
      events.push(sub ? h.subOrchFailed(t, s.id, err) : h.taskFailed(t, s.id, err, s.action.functionName));
      const r = s.action.retryOptions;
      if (r) {
        // DTFx RetryInterceptor: a timer after every failed attempt, the last one included
        const delay = Math.min(
          r.firstRetryIntervalInMilliseconds * Math.pow(r.backoffCoefficient ?? 1, s.attempt - 1),
          r.maxRetryIntervalInMilliseconds ?? Infinity,
        );
        s.state = 'retryTimer';
        s.timerId = newId();
        s.fireAt = t.getTime() + delay;
        events.push(h.timerCreated(s.timerId, t, new Date(s.fireAt)));
      } else {
        s.state = 'done';
      }
    }
    return { time: t, events };
  }

  private fireTimers(schema: number, timers: Slot[], t: Date, newId: () => number): Batch {
    const events: WireEvent[] = [];
    for (const s of timers.filter((x) => (x.fireAt ?? 0) <= t.getTime())) {
      const fireAt = new Date(s.fireAt ?? 0);
      if (s.state === 'timer') {
        events.push(h.timerFired(t, s.id, fireAt));
        const finalAt = s.finalAt ?? fireAt.getTime();
        if (schema >= ReplaySchema.V3 && finalAt > t.getTime()) {
          // a piece of a long timer: the SDK adds the next piece with the next sequence id
          s.id = newId();
          s.fireAt = this.nextPiece(schema, t.getTime(), finalAt);
          events.push(h.timerCreated(s.id, t, new Date(s.fireAt)));
        } else {
          s.state = 'done';
        }
        continue;
      }
      events.push(h.timerFired(t, s.timerId ?? -1, fireAt));
      if (s.attempt < (s.action.retryOptions?.maxNumberOfAttempts ?? 1)) {
        s.attempt++;
        s.id = newId(); // the retry is a new task with a new sequence id
        s.state = 'run';
        events.push(h.taskScheduled(s.id, t, s.action.functionName ?? '', s.action.input));
      } else {
        s.state = 'done'; // the SDK fails the RetryableTask when this timer fires
      }
    }
    return { time: t, events };
  }

  private async execute(s: Slot, parentId: string): Promise<unknown> {
    const a = s.action;
    if (a.actionType === ActionType.CallActivity || a.actionType === ActionType.CallActivityWithRetry) {
      return this.callActivity(a.functionName ?? '', decode(a.input));
    }
    const r = await this.runOrchestration(
      a.functionName ?? '',
      decode(a.input),
      a.instanceId ?? `${parentId}:${s.id}`,
      parentId,
    );
    if (r.status === 'Completed') return r.output;
    throw new Error(r.error ?? `sub-orchestration ${a.functionName} ${r.status}`);
  }
}

/**
 * OrchestrationFailureError: its message is "false\n\n$OutOfProcData$:<state json>" (the SDK passes
 * `orchestratorReturned` as the message); the real error is in the state's `error`.
 */
export function parseOrchestrationFailure(err: unknown): { error: string; customStatus?: unknown } {
  const message = err instanceof Error ? err.message : String(err);
  const [head, data] = message.split('\n\n$OutOfProcData$:');
  if (!data) return { error: head ?? message };
  const state = JSON.parse(data) as { error?: string; customStatus?: unknown };
  return { error: state.error ?? message, customStatus: state.customStatus };
}

interface OpenTask {
  actionObj?: unknown;
  parent?: { actionObj?: unknown };
}

/**
 * Safety net (best effort, private SDK state; skipped if its shape changes): every id the driver is
 * about to complete must be an open task of the same kind in the SDK's executor, else results could be
 * routed to the wrong task.
 */
function verifyIds(context: unknown, slots: Map<string, Slot>): void {
  const executor = (
    context as { df?: { taskOrchestratorExecutor?: { openTasks?: Record<string, OpenTask> } } }
  ).df?.taskOrchestratorExecutor;
  const open = executor?.openTasks;
  if (!open) return;
  for (const s of slots.values()) {
    if (!['new', 'run', 'timer', 'retryTimer'].includes(s.state)) continue;
    const id = s.state === 'retryTimer' ? s.timerId : s.id;
    const task = id === undefined ? undefined : open[id];
    if (!task) continue; // e.g. a loser of Task.any whose task the SDK no longer tracks
    const actionObj = (task.actionObj === 'noOp' ? task.parent?.actionObj : task.actionObj) as
      WireAction | undefined;
    const ok =
      s.state === 'timer' || s.state === 'retryTimer'
        ? actionObj?.actionType === ActionType.CreateTimer || s.state === 'retryTimer'
        : actionObj?.functionName === s.action.functionName;
    if (!ok) {
      throw new Error(
        `LocalDurableHost: sequence-id mismatch for ${s.action.functionName ?? 'timer'} (id ${id}); unsupported pattern`,
      );
    }
  }
}

/** Leaves of the action tree with a stable path (actions are cumulative across replays). */
function flatten(actions: WireAction[][] | undefined): { path: string; action: WireAction }[] {
  const out: { path: string; action: WireAction }[] = [];
  const walk = (a: WireAction, path: string): void => {
    if (a.compoundActions) a.compoundActions.forEach((c, i) => walk(c, `${path}.${i}`));
    else out.push({ path, action: a });
  };
  (actions ?? []).forEach((group, g) => group.forEach((a, i) => walk(a, `${g}.${i}`)));
  return out;
}

/** SDK quirk (Utils.processInput): string inputs are JSON-stringified in the action, objects are not. */
function decode(v: unknown): unknown {
  return typeof v === 'string' ? (JSON.parse(v) as unknown) : v;
}
