import { describe, expect, it } from 'vitest';
import { makeReference, phoneDigits, REFERENCE_PATTERN } from '../../src/lib/references.js';
import { SeededRandom } from '../../src/db/seed/random.js';

describe('references', () => {
  it('makes TKT- plus eight upper-case letters or digits', () => {
    for (let i = 0; i < 500; i++) expect(makeReference('TKT')).toMatch(/^TKT-[A-Z0-9]{8}$/);
  });

  it('uses the whole alphabet given a random source', () => {
    let n = 0;
    const ref = makeReference('CNS', (max) => n++ % max);
    expect(ref).toBe('CNS-ABCDEFGH');
    expect(REFERENCE_PATTERN.test(ref)).toBe(true);
    expect(REFERENCE_PATTERN.test('TKT-abc12345')).toBe(false);
  });

  it('keeps only the digits of a phone number', () => {
    expect(phoneDigits('+234 (803) 555-0199')).toBe('2348035550199');
  });
});

describe('SeededRandom', () => {
  it('repeats the same sequence for the same seed', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const seqA = Array.from({ length: 20 }, () => a.int(1000));
    expect(Array.from({ length: 20 }, () => b.int(1000))).toEqual(seqA);
    expect(new Set(seqA).size).toBeGreaterThan(10);
  });

  it('respects weights', () => {
    const rnd = new SeededRandom(7);
    const counts = { a: 0, b: 0 };
    for (let i = 0; i < 10_000; i++) counts[rnd.weighted({ a: 9, b: 1 })]++;
    expect(counts.a / 10_000).toBeGreaterThan(0.85);
    expect(counts.a / 10_000).toBeLessThan(0.95);
  });
});
