/**
 * Both service stand-ins take their knobs through the stand-in kit: a misspelt or ill-typed knob is
 * refused with its name, at start and at runtime, and a refused change leaves every knob as it was (a
 * test that thinks it set a limit must not run against the default).
 */
import { generateKeyPairSync } from 'node:crypto';
import { startEwsSandbox, type EwsSandbox } from '../../../dev/ews-sandbox';
import { startGraphStandIn, type GraphStandIn } from '../../../dev/graph/graphStandIn';
import { demoSeedPath } from '../../../dev/seeds/demoSeedPath';

let sandbox: EwsSandbox;
let graph: GraphStandIn;

beforeAll(async () => {
  sandbox = await startEwsSandbox({ seed: demoSeedPath() });
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  graph = await startGraphStandIn({ tenant: sandbox.tenant, signingKeys: [publicKey] });
});

afterAll(async () => {
  await graph?.close();
  await sandbox?.close();
});

describe('the EWS sandbox’s knobs', () => {
  it('refuses a misspelt knob and a bad value, naming both, and keeps every knob', () => {
    const before = sandbox.knobs;
    expect(() => sandbox.configure({ latencyMS: 20, faultRate: 2 } as never)).toThrow(
      'sandbox knobs: unknown knob "latencyMS"; faultRate must be between 0 and 1',
    );
    expect(sandbox.knobs).toEqual(before);
  });

  it('refuses a fault of a kind it does not know', () => {
    expect(() => sandbox.injectFaults({ kind: 'http429' as never })).toThrow('unknown kind "http429"');
    expect(sandbox.pendingFaults).toBe(0);
  });
});

describe('the Graph stand-in’s knobs', () => {
  it('refuses a misspelt knob and a page size Graph would refuse, and keeps every knob', () => {
    const before = graph.knobs;
    expect(() => graph.configure({ pagesize: 5, pageSize: 1000 } as never)).toThrow(
      'Graph stand-in knobs: unknown knob "pagesize"; pageSize must be a whole number from 1 to 999',
    );
    expect(() => graph.configure({ latencyMs: '20' } as never)).toThrow('latencyMs must be a number');
    expect(graph.knobs).toEqual(before);
  });

  it('takes a good change', () => {
    graph.configure({ pageSize: 5 });
    expect(graph.knobs.pageSize).toBe(5);
  });

  it('refuses bad knobs at start, before listening', async () => {
    await expect(
      startGraphStandIn({ tenant: sandbox.tenant, signingKeys: [], knobs: { windowMs: 0 } }),
    ).rejects.toThrow('windowMs must be a whole number >= 1');
  });
});
