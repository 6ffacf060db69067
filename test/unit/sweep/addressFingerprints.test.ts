import { AddressFingerprints } from '../../../shared/sweep/addressFingerprints';

describe('the fingerprints of the addresses a discovery placed', () => {
  it('knows each address once, through many growths of its table', () => {
    const set = new AddressFingerprints('sweep-1', 4);
    for (let i = 0; i < 50_000; i++) expect(set.add(`user${i}@contoso.com`)).toBe(true);
    expect(set.size).toBe(50_000);
    for (let i = 0; i < 50_000; i += 997) {
      expect(set.add(`user${i}@contoso.com`)).toBe(false);
      expect(set.has(`user${i}@contoso.com`)).toBe(true);
    }
    expect(set.has('user50000@contoso.com')).toBe(false);
    expect(set.size).toBe(50_000);
  });

  it('is salted: the same addresses land in other slots for another sweep, so no collision repeats every night', () => {
    const a = new AddressFingerprints('sweep-1', 16);
    const b = new AddressFingerprints('sweep-2', 16);
    a.add('alice@contoso.com');
    b.add('alice@contoso.com');
    const slots = (set: AddressFingerprints) =>
      [...(set as unknown as { slots: Uint32Array }).slots].join(',');
    expect(slots(a)).not.toEqual(slots(b));
  });
});
