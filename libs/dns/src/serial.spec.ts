import { MAX_SERIAL, nextSerial } from './serial.js';

const day = new Date('2026-12-07T10:00:00Z');

describe('SOA serial', () => {
  it("starts the day at YYYYMMDD00", () => {
    expect(nextSerial(null, day)).toBe(2026120700);
    expect(nextSerial(2026120399, day)).toBe(2026120700);
  });

  it('keeps increasing past 99 changes in a day', () => {
    let serial = nextSerial(null, day);
    for (let i = 0; i < 250; i++) {
      const next = nextSerial(serial, day);
      expect(next).toBeGreaterThan(serial);
      serial = next;
    }
    expect(serial).toBe(2026120700 + 250);
    // The next day, having run ahead, it still only goes up.
    expect(nextSerial(serial, new Date('2026-12-08T00:00:00Z'))).toBe(serial + 1);
  });

  it('goes up even when the clock goes back', () => {
    expect(nextSerial(2026120705, new Date('2026-12-01T00:00:00Z'))).toBe(2026120706);
  });

  it('refuses to wrap past 2^32-1', () => {
    expect(() => nextSerial(MAX_SERIAL, day)).toThrow(/2\^32-1/);
  });
});
