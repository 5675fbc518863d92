import { describe, expect, it } from 'vitest';
import { makeReference, phoneDigits, REFERENCE_PATTERN } from '../../src/lib/references.js';
import { SeededRandom } from '../../src/db/seed/random.js';

describe('references', () => {
  it('when a ticket reference is made, then it is TKT- plus eight upper-case letters or digits', () => {
    for (let i = 0; i < 500; i++) expect(makeReference('TKT')).toMatch(/^TKT-[A-Z0-9]{8}$/);
  });

  it('when given a random source, then the whole alphabet is used', () => {
    let n = 0;
    const ref = makeReference('CNS', (max) => n++ % max);
    expect(ref).toBe('CNS-ABCDEFGH');
    expect(REFERENCE_PATTERN.test(ref)).toBe(true);
    expect(REFERENCE_PATTERN.test('TKT-abc12345')).toBe(false);
  });

  it('when a phone number is typed with signs and spaces, then only its digits are kept', () => {
    expect(phoneDigits('+234 (803) 555-0199')).toBe('2348035550199');
  });
});

describe('SeededRandom', () => {
  it('when two generators share a seed, then they repeat the same sequence', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const seqA = Array.from({ length: 20 }, () => a.int(1000));
    expect(Array.from({ length: 20 }, () => b.int(1000))).toEqual(seqA);
    expect(new Set(seqA).size).toBeGreaterThan(10);
  });

  it('when choices are weighted, then the weights are respected', () => {
    const rnd = new SeededRandom(7);
    const counts = { a: 0, b: 0 };
    for (let i = 0; i < 10_000; i++) counts[rnd.weighted({ a: 9, b: 1 })]++;
    expect(counts.a / 10_000).toBeGreaterThan(0.85);
    expect(counts.a / 10_000).toBeLessThan(0.95);
  });
});
