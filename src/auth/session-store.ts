import connectPgSimple from 'connect-pg-simple';
import type { Request } from 'express';
import session from 'express-session';
import type pg from 'pg';
import type { ReferenceCache } from '../db/reference-cache.js';

const PgStore = connectPgSimple(session);

/** What the session's own read also found out: the signed-in account, and its unread count. */
interface Preloaded {
  userId: number;
  /** false when the account is gone or disabled: the session then signs no one in. */
  user: Express.User | false;
  unread: number;
}

// Keyed by the session's `passport` object, which express-session hands to req.session as is,
// so the preload dies with the request and never reaches the stored JSON.
const preloads = new WeakMap<object, Preloaded>();

// The session row, the account it names (active ones only, read fresh on every request so a
// disabled account loses its sessions at once), the unread badge and the counter that says whether
// the cached staff and reply lists are still current: one prepared statement.
const SESSION_WITH_USER = `
  SELECT s.sess, u.id, u.email, u.name, u.role,
         (SELECT r.stamp::text FROM live.reference_stamp r WHERE r.id = 1) AS "referenceStamp",
         u.totp_enabled_at IS NOT NULL AS "twoFactor", u.time_zone AS "timeZone",
         CASE WHEN u.id IS NULL THEN 0 ELSE (SELECT count(*)::int FROM notifications n
                WHERE n.user_id = u.id AND n.read_at IS NULL) END AS unread
    FROM session s
    LEFT JOIN users u ON u.active AND u.id = CASE
           WHEN json_typeof(s.sess->'passport'->'user') = 'number'
           THEN (s.sess->'passport'->>'user')::int END
   WHERE s.sid = $1 AND s.expire >= now()`;

interface Row extends Omit<Express.User, 'id'> {
  sess: session.SessionData & { passport?: { user?: number } };
  id: number | null;
  unread: number;
  referenceStamp: string | null;
}

/** connect-pg-simple, with a session read that brings the signed-in account along. */
export class SessionStore extends PgStore {
  constructor(
    private readonly db: pg.Pool,
    options: Omit<connectPgSimple.PGStoreOptions, 'pool'>,
    private readonly references?: ReferenceCache,
  ) {
    super({ ...options, pool: db });
  }

  override get(sid: string, done: (error: unknown, sess?: session.SessionData | null) => void) {
    this.db
      .query<Row>({ name: 'caredesk-session', text: SESSION_WITH_USER, values: [sid] })
      .then(({ rows: [row] }) => {
        if (!row) return done(null, null);
        const { sess, id, unread, email, name, role, twoFactor, timeZone } = row;
        if (row.referenceStamp !== null) this.references?.observe(BigInt(row.referenceStamp));
        const userId = sess.passport?.user;
        if (sess.passport && typeof userId === 'number') {
          const user = id === null ? false : { id, email, name, role, twoFactor, timeZone };
          preloads.set(sess.passport, { userId, user, unread });
        }
        done(null, sess);
      }, done);
  }
}

function preloadOf(req: Request, userId?: number): Preloaded | undefined {
  const holder = (req.session as { passport?: object } | undefined)?.passport;
  const found = holder ? preloads.get(holder) : undefined;
  return found && (userId === undefined || found.userId === userId) ? found : undefined;
}

/** The account as read with this request's session, or undefined when it was not. */
export function preloadedUser(req: Request, userId: number): Express.User | false | undefined {
  return preloadOf(req, userId)?.user;
}

/** The unread count read with this request's session, when it was. */
export function preloadedUnread(req: Request): number | undefined {
  const found = preloadOf(req, req.user?.id);
  return found && found.user ? found.unread : undefined;
}
