import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { recordAudit } from '../audit.js';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import { checkSecondFactor } from '../modules/account/two-factor.js';
import { clearFailures, reserveAttempt } from './throttle.js';

export const SECOND_STEP_PATH = '/login/two-factor';
/** Time to fetch the phone and type the code, after the password was accepted. */
const PENDING_MINUTES = 5;
const CODE_FAILED =
  'That code did not work. Enter the current code from your app, or one of your recovery codes.';

const codeForm = z.object({ code: z.string().trim().max(40).catch('') });

/** The password was right: hold the sign-in until the second factor, in a fresh session. */
export function startSecondStep(
  req: Request,
  res: Response,
  next: NextFunction,
  userId: number,
  returnTo: string,
): void {
  req.session.regenerate((error) => {
    if (error) return next(error);
    req.session.pendingSignIn = { userId, returnTo, startedAt: Date.now() };
    res.redirect(303, SECOND_STEP_PATH);
  });
}

/** Per account, not per address: six digits must not be guessable from many machines at once. */
const throttleKey = (userId: number) => `two-factor|${userId}`;

export function secondStepRouter(db: Db, config: Config): Router {
  const r = Router();
  const policy = { maxFailures: config.LOGIN_MAX_FAILURES, lockMinutes: config.LOGIN_LOCK_MINUTES };

  const pending = (req: Request) => {
    const p = req.session.pendingSignIn;
    return p && Date.now() - p.startedAt < PENDING_MINUTES * 60_000 ? p : null;
  };

  const render = (res: Response, status: number, error: string | null) =>
    res.status(status).render('auth/two-factor', { title: 'Two-factor sign-in', error });

  const show = (req: Request, res: Response) => {
    if (req.user) return res.redirect(303, '/');
    if (!pending(req)) return res.redirect(303, '/login');
    render(res, 200, null);
  };

  const verify = async (req: Request, res: Response, next: NextFunction) => {
    if (req.user) return res.redirect(303, '/');
    const held = pending(req);
    if (!held) {
      delete req.session.pendingSignIn;
      return res.redirect(303, '/login');
    }
    const key = throttleKey(held.userId);
    // Reserved before the check, as for passwords: a burst of guesses cannot exceed the limit.
    const reservation = await reserveAttempt(db, key, policy);
    if (!reservation.allowed) {
      const { minutes } = reservation;
      return render(
        res,
        429,
        `Too many wrong codes. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
      );
    }
    const { code } = codeForm.parse(req.body ?? {});
    const kind = code ? await checkSecondFactor(db, held.userId, code) : null;
    if (!kind) {
      await recordAudit(db, {
        action: 'two_factor_failed',
        recordType: 'user',
        recordId: held.userId,
        ip: req.ip,
      });
      return render(res, code ? 401 : 422, code ? CODE_FAILED : 'Enter the code from your app.');
    }
    const user = await db.user.findUnique({
      where: { id: held.userId },
      select: { id: true, email: true, name: true, role: true, active: true, timeZone: true },
    });
    if (!user?.active) return res.redirect(303, '/login');
    const signedIn = {
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role,
      timeZone: user.timeZone,
    };
    req.logIn({ ...signedIn, twoFactor: true }, async (error) => {
      if (error) return next(error);
      await clearFailures(db, key);
      await db.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
      await recordAudit(db, {
        actor: user,
        action: 'sign_in',
        fieldGroup: kind === 'totp' ? 'two-factor code' : 'recovery code',
        ip: req.ip,
      });
      res.redirect(303, held.returnTo);
    });
  };

  r.get(SECOND_STEP_PATH, show);
  r.post(SECOND_STEP_PATH, verify);
  return r;
}
