/**
 * In Azure, the durable client binding the Functions host hands a function carries the Durable
 * extension's system key: every management URL ends in `code=<system key>` and
 * requiredQueryStringParameters is `code=<system key>`. The dev host's binding has no key (it checks
 * none). This gives chosen functions of a running dev host the binding as Azure shapes it, so a test can
 * see whether an answer would hand that key out.
 */
import type { InvocationContext } from '@azure/functions';
import type { DevHost } from '../../dev/host/devHost';

type ClientData = {
  requiredQueryStringParameters?: string;
  creationUrls?: Record<string, string>;
  managementUrls?: Record<string, string>;
} & Record<string, unknown>;

function withKey(urls: Record<string, string> | undefined, key: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(urls ?? {}).map(([name, url]) => [
      name,
      /^https?:/.test(url) ? `${url}${url.includes('?') ? '&' : '?'}code=${key}` : url,
    ]),
  );
}

/** Wraps each named function's callback so that its durable client binding carries `systemKey`. */
export function giveDurableClientsSystemKey(host: DevHost, functionNames: string[], systemKey: string): void {
  for (const name of functionNames) {
    const registration = host.registrations.get(name);
    if (!registration) throw new Error(`the dev host has no function ${name}`);
    const original = registration.callback;
    registration.callback = (input, context) => {
      const ctx = context as InvocationContext;
      for (const binding of ctx.options.extraInputs) {
        if (binding.type !== 'durableClient') continue;
        const data = ctx.extraInputs.get(binding) as ClientData;
        ctx.extraInputs.set(binding, {
          ...data,
          requiredQueryStringParameters: `code=${systemKey}`,
          creationUrls: withKey(data.creationUrls, systemKey),
          managementUrls: withKey(data.managementUrls, systemKey),
        });
      }
      return original(input, ctx);
    };
  }
}
