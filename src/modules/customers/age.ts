/**
 * Whole years between a date of birth and a day, both read as calendar dates in UTC.
 * Someone born on 29 February turns a year older on 1 March in non-leap years.
 */
export function ageOn(dateOfBirth: Date, today: Date): number {
  const by = dateOfBirth.getUTCFullYear(),
    bm = dateOfBirth.getUTCMonth(),
    bd = dateOfBirth.getUTCDate();
  const ty = today.getUTCFullYear(),
    tm = today.getUTCMonth(),
    td = today.getUTCDate();
  let age = ty - by;
  if (tm < bm || (tm === bm && td < bd)) age -= 1;
  return Math.max(0, age);
}

export function ageOf(dateOfBirth: Date | null | undefined, today = new Date()): number | null {
  return dateOfBirth ? ageOn(dateOfBirth, today) : null;
}
