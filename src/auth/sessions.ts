import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type pg from 'pg';
import type { Prisma } from '../generated/prisma/client.js';

declare module 'express-session' {
  interface SessionData {
    client?: { userAgent: string; ip: string | null; signedInAt: number };
  }
}

/**
 * Notes the browser and address of a signed-in session once, on its first request, so the
 * person can recognise it in their list of sessions.
 */
export function noteSessionClient(req: Request, _res: Response, next: NextFunction): void {
  if (req.user && req.session && !req.session.client) {
    req.session.client = {
      userAgent: (req.get('user-agent') ?? '').slice(0, 300),
      ip: req.ip ?? null,
      signedInAt: Date.now(),
    };
  }
  next();
}

export interface ActiveSession {
  /** A digest of the session id: names the session in forms without revealing the id. */
  handle: string;
  current: boolean;
  device: string;
  ip: string | null;
  signedInAt: Date | null;
  lastSeenAt: Date | null;
  expiresAt: Date;
}

export function sessionHandle(sid: string): string {
  return createHash('sha256').update(sid).digest('hex').slice(0, 32);
}

/** A short, readable name for a browser from its user-agent string. */
export function deviceName(userAgent: string): string {
  if (!userAgent) return 'Unknown device';
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Firefox\//.test(userAgent)
      ? 'Firefox'
      : /Chrome\//.test(userAgent)
        ? 'Chrome'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : null;
  const system = /Windows/.test(userAgent)
    ? 'Windows'
    : /Android/.test(userAgent)
      ? 'Android'
      : /iPhone|iPad/.test(userAgent)
        ? 'iOS'
        : /Mac OS X/.test(userAgent)
          ? 'macOS'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : null;
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? userAgent.slice(0, 60);
}

interface SessionRow {
  sid: string;
  sess: {
    client?: { userAgent?: string; ip?: string | null; signedInAt?: number };
    renewedAt?: number;
  };
  expire: Date;
}

const USER_SESSIONS = `SELECT sid, sess, expire FROM session WHERE sess->'passport'->>'user' = $1::text AND expire > now()`;

/** The person's unexpired sessions, most recently used first. */
export async function listSessions(
  pool: pg.Pool,
  userId: number,
  currentSid: string,
): Promise<ActiveSession[]> {
  const { rows } = await pool.query<SessionRow>(USER_SESSIONS, [userId]);
  return rows
    .map((row) => {
      const client = row.sess.client ?? {};
      const signedInAt = client.signedInAt ? new Date(client.signedInAt) : null;
      const lastSeen = row.sess.renewedAt ?? client.signedInAt;
      return {
        handle: sessionHandle(row.sid),
        current: row.sid === currentSid,
        device: deviceName(client.userAgent ?? ''),
        ip: client.ip ?? null,
        signedInAt,
        lastSeenAt: lastSeen ? new Date(lastSeen) : signedInAt,
        expiresAt: row.expire,
      };
    })
    .sort(
      (a, b) =>
        Number(b.current) - Number(a.current) ||
        (b.lastSeenAt?.getTime() ?? 0) - (a.lastSeenAt?.getTime() ?? 0),
    );
}

/** Ends one of the person's sessions by its handle; false when no such session is theirs. */
export async function endSession(pool: pg.Pool, userId: number, handle: string): Promise<boolean> {
  const { rows } = await pool.query<SessionRow>(USER_SESSIONS, [userId]);
  const target = rows.find((row) => sessionHandle(row.sid) === handle);
  if (!target) return false;
  await pool.query('DELETE FROM session WHERE sid = $1', [target.sid]);
  return true;
}

/**
 * Ends every session of a person, except `keepSid` when given; returns how many ended. Takes a
 * transaction so the sessions end together with the change that requires it.
 */
export async function endSessions(
  tx: Pick<Prisma.TransactionClient, '$executeRaw'>,
  userId: number,
  keepSid = '',
): Promise<number> {
  return tx.$executeRaw`DELETE FROM session WHERE sess->'passport'->>'user' = ${String(userId)} AND sid <> ${keepSid}`;
}
