/**
 * Stand-in for the host-injected `@azure/functions-core` module. The real Node worker provides it by
 * proxying Module.prototype.require; @azure/functions v4 calls `registerFunction(metadata, handler)`
 * for every app.* registration. We capture them so the dev host and the tests can run the real
 * function modules without the Functions host.
 */
import Module from 'node:module';

export interface BindingMetadata {
  type: string;
  direction: 'in' | 'out';
  name?: string;
  [key: string]: unknown;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, BindingMetadata>;
  retryOptions?: unknown;
}

/** The handler as @azure/functions passes it: (triggerInput, invocationContext) => result. */
export type RegisteredCallback = (triggerInput: unknown, context: unknown) => unknown;

export interface Registration {
  metadata: FunctionMetadata;
  callback: RegisteredCallback;
  /** e.g. httpTrigger, timerTrigger, orchestrationTrigger, activityTrigger. */
  triggerType: string;
}

/** Every function registered so far in this process, by name. */
export const registrations = new Map<string, Registration>();

class Disposable {
  constructor(private readonly onDispose?: () => void) {}
  dispose(): void {
    this.onDispose?.();
  }
}

export const functionsCoreStandIn = {
  version: 'dev-host',
  hostVersion: 'dev-host',
  registerFunction(metadata: FunctionMetadata, callback: RegisteredCallback): Disposable {
    const trigger = Object.values(metadata.bindings).find(
      (b) => b.direction === 'in' && b.type.endsWith('Trigger'),
    );
    registrations.set(metadata.name, { metadata, callback, triggerType: trigger?.type ?? 'unknown' });
    return new Disposable(() => registrations.delete(metadata.name));
  },
  registerHook: (): Disposable => new Disposable(),
  setProgrammingModel: (): void => undefined,
  getProgrammingModel: (): undefined => undefined,
  log: (): void => undefined,
  Disposable,
};

let installed = false;

/** Plain-Node equivalent of jest.mock('@azure/functions-core', ..., {virtual: true}). Call before loading functions. */
export function installFunctionsCoreStandIn(): void {
  if (installed) return;
  installed = true;
  const proto = Module.prototype as unknown as { require: (id: string) => unknown };
  proto.require = new Proxy(proto.require, {
    apply(target, thisArg, args: unknown[]): unknown {
      return args[0] === '@azure/functions-core'
        ? functionsCoreStandIn
        : Reflect.apply(target, thisArg, args);
    },
  });
}
