import type { Db } from '../db/client.js';

export interface ThrottlePolicy {
  maxFailures: number;
  lockMinutes: number;
}

export function throttleKey(email: string, ip: string | undefined): string {
  return `${email.trim().toLowerCase()}|${ip ?? 'unknown'}`;
}

/** Minutes left on a lock for this account+IP, or 0 when sign-in may be tried. */
export async function lockedMinutes(db: Db, key: string): Promise<number> {
  const row = await db.loginThrottle.findUnique({ where: { key } });
  if (!row?.lockedUntil) return 0;
  const ms = row.lockedUntil.getTime() - Date.now();
  return ms > 0 ? Math.ceil(ms / 60_000) : 0;
}

/** Counts a failure atomically; the counter resets after a quiet window as long as the lock. */
export async function recordFailure(db: Db, key: string, policy: ThrottlePolicy): Promise<void> {
  await db.$executeRaw`
    INSERT INTO login_throttles (key, failures, window_start, locked_until)
    VALUES (${key}, 1, now(), CASE WHEN 1 >= ${policy.maxFailures} THEN now() + make_interval(mins => ${policy.lockMinutes}) END)
    ON CONFLICT (key) DO UPDATE SET
      failures = CASE WHEN login_throttles.window_start < now() - make_interval(mins => ${policy.lockMinutes}) THEN 1 ELSE login_throttles.failures + 1 END,
      window_start = CASE WHEN login_throttles.window_start < now() - make_interval(mins => ${policy.lockMinutes}) THEN now() ELSE login_throttles.window_start END,
      locked_until = CASE
        WHEN login_throttles.window_start >= now() - make_interval(mins => ${policy.lockMinutes})
         AND login_throttles.failures + 1 >= ${policy.maxFailures}
        THEN now() + make_interval(mins => ${policy.lockMinutes})
        ELSE NULL END`;
}

export async function clearFailures(db: Db, key: string): Promise<void> {
  await db.loginThrottle.deleteMany({ where: { key } });
}
