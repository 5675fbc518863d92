import { Router, type NextFunction, type Request, type Response } from 'express';
import type passport from 'passport';
import { z } from 'zod';
import { recordAudit } from '../audit.js';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import { SIGN_IN_FAILED } from './passport.js';
import { startSecondStep } from './second-step.js';
import { accountIdOf, auditUnsuccessfulSignIn } from './sign-in-audit.js';
import { clearFailures, reserveAttempt, throttleKey } from './throttle.js';

const loginForm = z.object({
  email: z.string().trim().max(254).default(''),
  password: z.string().max(1024).default(''),
});

function safeReturnTo(value: string | undefined): string {
  return value && value.startsWith('/') && !value.startsWith('//') ? value : '/';
}

export function authRouter(db: Db, auth: passport.Authenticator, config: Config): Router {
  const r = Router();
  const policy = { maxFailures: config.LOGIN_MAX_FAILURES, lockMinutes: config.LOGIN_LOCK_MINUTES };

  const showLogin = (req: Request, res: Response) => {
    if (req.user) return res.redirect(303, '/');
    res.render('auth/login', { title: 'Sign in', email: '', error: null });
  };

  const signIn = async (req: Request, res: Response, next: NextFunction) => {
    const form = loginForm.safeParse(req.body ?? {});
    const email = form.success ? form.data.email : '';
    const rerender = (status: number, error: string) =>
      res.status(status).render('auth/login', { title: 'Sign in', email, error });
    if (!form.success || !email || !form.data.password)
      return rerender(422, 'Enter your email and password.');

    const key = throttleKey(email, req.ip);
    const attempt = async () => ({ email, ip: req.ip, userId: await accountIdOf(db, email) });
    const reservation = await reserveAttempt(db, key, policy);
    if (!reservation.allowed) {
      await auditUnsuccessfulSignIn(db, 'sign_in_refused', await attempt(), config.sessionSecret);
      const { minutes } = reservation;
      return rerender(
        429,
        `Too many failed attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
      );
    }

    auth.authenticate('local', async (error: unknown, user: Express.User | false) => {
      if (error) return next(error);
      if (!user) {
        await auditUnsuccessfulSignIn(db, 'sign_in_failed', await attempt(), config.sessionSecret);
        return rerender(401, SIGN_IN_FAILED);
      }
      const returnTo = safeReturnTo(req.session.returnTo);
      if (user.twoFactor) {
        await clearFailures(db, key);
        return startSecondStep(req, res, next, { userId: user.id, returnTo });
      }
      // passport regenerates the session here, so a pre-login session id never survives sign-in.
      req.logIn(user, async (loginError) => {
        if (loginError) return next(loginError);
        await clearFailures(db, key);
        await db.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
        await recordAudit(db, { actor: user, action: 'sign_in', ip: req.ip });
        res.redirect(303, returnTo);
      });
    })(req, res, next);
  };

  const signOut = async (req: Request, res: Response, next: NextFunction) => {
    const user = req.user;
    req.logout((error) => {
      if (error) return next(error);
      req.session.destroy(async () => {
        if (user) await recordAudit(db, { actor: user, action: 'sign_out', ip: req.ip });
        res.clearCookie('caredesk.sid');
        res.redirect(303, '/login');
      });
    });
  };

  r.get('/login', showLogin);
  r.post('/login', signIn);
  r.post('/logout', signOut);
  return r;
}
