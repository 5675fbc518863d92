import type pg from 'pg';

export async function setTimeZone(pool: pg.Pool, userId: number, timeZone: string | null): Promise<void> {
  await pool.query(
    `UPDATE users SET time_zone = $2, updated_at = now() AT TIME ZONE 'UTC' WHERE id = $1`, [userId, timeZone]);
}
