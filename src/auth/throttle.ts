import type { Db } from '../db/client.js';
import { Prisma } from '../generated/prisma/client.js';

export interface ThrottlePolicy {
  maxFailures: number;
  lockMinutes: number;
}

export type Reservation = { allowed: true } | { allowed: false; minutes: number };

export function throttleKey(email: string, ip: string | undefined): string {
  return `${email.trim().toLowerCase()}|${ip ?? 'unknown'}`;
}

/**
 * Reserves one password check for this account+client *before* it runs, in one atomic upsert:
 * however many requests arrive at once, at most `maxFailures` are checked per window. A reserved
 * check counts as a failure until a successful sign-in clears the row. The window restarts once
 * it is older than the lock and no lock is running.
 */
export async function reserveAttempt(
  db: Db,
  key: string,
  policy: ThrottlePolicy,
): Promise<Reservation> {
  const lock = policy.lockMinutes;
  const expired = Prisma.sql`(t.window_start < now() - make_interval(mins => ${lock})
    AND (t.locked_until IS NULL OR t.locked_until <= now()))`;
  const failures = Prisma.sql`(CASE WHEN ${expired} THEN 1 ELSE t.failures + 1 END)`;
  const [row] = await db.$queryRaw<{ failures: number; minutes: number | null }[]>`
    WITH reserved AS (
      INSERT INTO login_throttles AS t (key, failures, window_start, locked_until)
      VALUES (${key}, 1, now(), CASE WHEN ${policy.maxFailures} <= 1 THEN now() + make_interval(mins => ${lock}) END)
      ON CONFLICT (key) DO UPDATE SET
        failures = ${failures},
        window_start = CASE WHEN ${expired} THEN now() ELSE t.window_start END,
        locked_until = CASE
          WHEN ${failures} = ${policy.maxFailures} THEN now() + make_interval(mins => ${lock})
          WHEN ${expired} THEN NULL
          ELSE t.locked_until END
      RETURNING failures, locked_until)
    SELECT failures, ceil(extract(epoch FROM locked_until - now()) / 60)::int AS minutes FROM reserved`;
  if (row.failures <= policy.maxFailures) return { allowed: true };
  return { allowed: false, minutes: Math.max(1, row.minutes ?? lock) };
}

export async function clearFailures(db: Db, key: string): Promise<void> {
  await db.loginThrottle.deleteMany({ where: { key } });
}
