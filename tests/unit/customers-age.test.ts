import { describe, expect, it } from 'vitest';
import { ageOf, ageOn } from '../../src/modules/customers/age.js';
import { activityOf } from '../../src/modules/customers/service.js';

const d = (s: string) => new Date(`${s}T00:00:00Z`);

describe('ageOn', () => {
  it('when the age is asked, then whole years are counted', () => {
    expect(ageOn(d('1990-05-17'), d('2026-11-24'))).toBe(36);
  });
  it('when it is the birthday itself, then the age is a year older', () => {
    expect(ageOn(d('2000-11-24'), d('2026-11-24'))).toBe(26);
  });
  it('when the birthday is tomorrow, then the age is still the younger one', () => {
    expect(ageOn(d('2000-11-25'), d('2026-11-24'))).toBe(25);
  });
  it('when born on a leap day, then the birthday is 1 March in non-leap years, 29 February in leap years', () => {
    expect(ageOn(d('2004-02-29'), d('2025-02-28'))).toBe(20);
    expect(ageOn(d('2004-02-29'), d('2025-03-01'))).toBe(21);
    expect(ageOn(d('2004-02-29'), d('2028-02-28'))).toBe(23);
    expect(ageOn(d('2004-02-29'), d('2028-02-29'))).toBe(24);
  });
  it('when the dates cross month-end and year boundaries, then the age is right', () => {
    expect(ageOn(d('1999-12-31'), d('2026-12-30'))).toBe(26);
    expect(ageOn(d('1999-12-31'), d('2026-12-31'))).toBe(27);
    expect(ageOn(d('2000-01-01'), d('2026-01-01'))).toBe(26);
  });
  it('when the birth date is later or missing, then the age is never negative, and null without one', () => {
    expect(ageOn(d('2030-01-01'), d('2026-01-01'))).toBe(0);
    expect(ageOf(null)).toBeNull();
  });
  it('when the times of day differ, then they are ignored', () => {
    expect(ageOn(d('2000-11-24'), new Date('2026-11-24T23:59:59Z'))).toBe(26);
    expect(ageOn(d('2000-11-24'), new Date('2026-11-23T23:59:59Z'))).toBe(25);
  });
});

describe('activityOf', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  const days = (n: number) => new Date(now.getTime() - n * 86_400_000);
  it('when within 30 days of joining, then the customer is new', () => {
    expect(activityOf({ createdAt: days(29), lastActivityAt: null }, now)).toBe('new');
  });
  it('when there was activity within 90 days, then the customer is active', () => {
    expect(activityOf({ createdAt: days(400), lastActivityAt: days(89) }, now)).toBe('active');
  });
  it('when neither, then the customer is inactive', () => {
    expect(activityOf({ createdAt: days(400), lastActivityAt: days(91) }, now)).toBe('inactive');
    expect(activityOf({ createdAt: days(31), lastActivityAt: null }, now)).toBe('inactive');
  });
});
