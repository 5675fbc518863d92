import type { IncomingMessage } from 'node:http';
import type { Request } from 'express';
import type pg from 'pg';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { Db } from '../db/client.js';
import { verifyPassword } from './passwords.js';
import { preloadedUser } from './session-store.js';

type Deserialized = (error: unknown, user?: Express.User | false) => void;

export const SIGN_IN_FAILED = 'That email and password do not match an active account.';

export function configurePassport(db: Db, pool: pg.Pool): passport.Authenticator {
  const instance = new passport.Passport();
  instance.use(
    new LocalStrategy(
      { usernameField: 'email', passwordField: 'password' },
      async (email, password, done) => {
        try {
          const user = await db.user.findUnique({ where: { email: email.trim().toLowerCase() } });
          const ok = await verifyPassword(user?.active ? user.passwordHash : null, password);
          if (!user || !ok) return done(null, false, { message: SIGN_IN_FAILED });
          done(null, {
            id: user.id,
            email: user.email,
            name: user.name,
            role: user.role,
            twoFactor: user.totpEnabledAt !== null,
            timeZone: user.timeZone,
          });
        } catch (error) {
          done(error);
        }
      },
    ),
  );
  instance.serializeUser((user, done) => done(null, user.id));
  // Reloaded on every request so a disabled account loses its sessions at once: read with the
  // session itself (SessionStore), or here when the session came from elsewhere.
  instance.deserializeUser(async (req: IncomingMessage, id: number, done: Deserialized) => {
    const preloaded = preloadedUser(req as Request, id);
    if (preloaded !== undefined) return done(null, preloaded);
    try {
      const { rows } = await pool.query<Express.User>(
        `SELECT id, email, name, role, totp_enabled_at IS NOT NULL AS "twoFactor", time_zone AS "timeZone"
         FROM users WHERE id = $1 AND active`,
        [id],
      );
      done(null, rows[0] ?? false);
    } catch (error) {
      done(error);
    }
  });
  return instance;
}
