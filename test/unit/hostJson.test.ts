import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hostJsonPath, readDurableHostSettings } from '../../dev/host/hostJson';

const dir = mkdtempSync(path.join(tmpdir(), 'hostjson-'));
const write = (name: string, content: string): string => {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
};

describe('host.json settings for the dev host and the benchmarks', () => {
  it("reads the project's own host.json", () => {
    expect(path.basename(hostJsonPath())).toBe('host.json');
    expect(readDurableHostSettings().maxConcurrentActivityFunctions).toBe(32);
  });

  it('no limit when host.json sets none', () => {
    expect(readDurableHostSettings(write('none.json', '{"version":"2.0"}'))).toEqual({});
  });

  it('names the setting when its value is not a positive whole number, and the file when it is not JSON', () => {
    const bad = write('bad.json', '{"extensions":{"durableTask":{"maxConcurrentActivityFunctions":"ten"}}}');
    expect(() => readDurableHostSettings(bad)).toThrow(
      /extensions\.durableTask\.maxConcurrentActivityFunctions .* must be a positive whole number, got "ten"/,
    );
    expect(() => readDurableHostSettings(write('broken.json', '{'))).toThrow(
      /broken\.json is not valid JSON/,
    );
  });
});
