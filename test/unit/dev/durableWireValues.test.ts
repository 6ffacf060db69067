/**
 * The dev host (dev/host/localDurableHost.ts, dev/host/history.ts) speaks the Durable extension's wire
 * protocol to the real durable-functions replay engine: it writes history events with numeric EventType
 * values and reads the actions the engine returns by numeric actionType. durable-functions does not
 * export those enums from its entry point, so the host keeps its own copies (it imports nothing deep
 * from the package). This test pins them: it reads the package's own compiled enums and fails, naming
 * the value, when an upgrade of durable-functions renumbers anything the host uses.
 */
import path from 'node:path';
import { EventType, ReplaySchema } from '../../../dev/host/history';
import { ActionType } from '../../../dev/host/localDurableHost';

const packageDir = path.dirname(require.resolve('durable-functions/package.json'));

/** A TypeScript enum compiled by durable-functions, by name (numeric members only). */
function packageEnum(file: string, exportName: string): Record<string, number> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- reading the package's internals is this test's purpose
  const loaded = require(path.join(packageDir, 'lib', 'src', file)) as Record<
    string,
    Record<string, unknown>
  >;
  const members = loaded[exportName];
  if (!members) throw new Error(`durable-functions ${file} no longer exports ${exportName}`);
  return Object.fromEntries(
    Object.entries(members).filter((entry): entry is [string, number] => typeof entry[1] === 'number'),
  );
}

/** Our copy as { name: value } pairs, compared member by member so a failure names the member. */
function pairs(values: Record<string, unknown>): [string, unknown][] {
  return Object.entries(values).filter(([, v]) => typeof v === 'number');
}

describe('the dev host’s copies of durable-functions’ wire values', () => {
  it.each(pairs(ActionType))('ActionType.%s = %d, as the engine numbers its actions', (name, value) => {
    expect(packageEnum('actions/ActionType.js', 'ActionType')[name]).toBe(value);
  });

  it.each(pairs(EventType))('EventType.%s = %d, as the engine reads history', (name, value) => {
    expect(packageEnum('history/HistoryEventType.js', 'HistoryEventType')[name]).toBe(value);
  });

  it.each(pairs(ReplaySchema))('ReplaySchema.%s = %d', (name, value) => {
    expect(packageEnum('orchestrations/ReplaySchema.js', 'ReplaySchema')[name]).toBe(value);
  });
});
