import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { recordAudit } from '../audit.js';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { Role } from '../generated/prisma/enums.js';
import { checkSecondFactor } from '../modules/account/two-factor.js';
import { clearFailures, reserveAttempt, type ThrottlePolicy } from './throttle.js';

export const SECOND_STEP_PATH = '/login/two-factor';
/** Time to fetch the phone and type the code, after the password was accepted. */
const PENDING_MINUTES = 5;
const CODE_FAILED =
  'That code did not work. Enter the current code from your app, or one of your recovery codes.';

const codeForm = z.object({ code: z.string().trim().max(40).catch('') });

/** Whose password was accepted, and where they were going. */
export interface HeldSignIn {
  userId: number;
  returnTo: string;
}

/** The password was right: hold the sign-in until the second factor, in a fresh session. */
export function startSecondStep(
  req: Request,
  res: Response,
  next: NextFunction,
  { userId, returnTo }: HeldSignIn,
): void {
  req.session.regenerate((error) => {
    if (error) return next(error);
    req.session.pendingSignIn = { userId, returnTo, startedAt: Date.now() };
    res.redirect(303, SECOND_STEP_PATH);
  });
}

/** Per account, not per address: six digits must not be guessable from many machines at once. */
const throttleKey = (userId: number) => `two-factor|${userId}`;

/** The sign-in held for this browser, while it is still fresh. */
function heldSignIn(req: Request): HeldSignIn | null {
  const held = req.session.pendingSignIn;
  return held && Date.now() - held.startedAt < PENDING_MINUTES * 60_000 ? held : null;
}

function render(res: Response, status: number, error: string | null): void {
  res.status(status).render('auth/two-factor', { title: 'Two-factor sign-in', error });
}

function showSecondStep(req: Request, res: Response): void {
  if (req.user) return res.redirect(303, '/');
  if (!heldSignIn(req)) return res.redirect(303, '/login');
  render(res, 200, null);
}

const tooManyCodes = (minutes: number) =>
  `Too many wrong codes. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;

interface Attempt {
  userId: number;
  /** What was typed; empty when nothing was. */
  code: string;
}

async function refuseCode(db: Db, req: Request, res: Response, { userId, code }: Attempt) {
  await recordAudit(db, {
    action: 'two_factor_failed',
    recordType: 'user',
    recordId: userId,
    ip: req.ip,
  });
  render(res, code ? 401 : 422, code ? CODE_FAILED : 'Enter the code from your app.');
}

/** The person as the session keeps them, while their account is still active. */
async function activeUser(db: Db, userId: number) {
  const user = await db.user.findUnique({
    where: { id: userId },
    select: { id: true, email: true, name: true, role: true, active: true, timeZone: true },
  });
  if (!user?.active) return null;
  const { active: _active, ...signedIn } = user;
  return signedIn;
}

interface Passed {
  user: { id: number; role: Role };
  kind: 'totp' | 'recovery';
}

/** Both factors passed: the throttle is cleared and the sign-in recorded with the factor used. */
async function recordSignIn(db: Db, req: Request, { user, kind }: Passed): Promise<void> {
  await clearFailures(db, throttleKey(user.id));
  await db.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
  await recordAudit(db, {
    actor: user,
    action: 'sign_in',
    fieldGroup: kind === 'totp' ? 'two-factor code' : 'recovery code',
    ip: req.ip,
  });
}

function verifySecondStep(db: Db, policy: ThrottlePolicy) {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (req.user) return res.redirect(303, '/');
    const held = heldSignIn(req);
    if (!held) {
      delete req.session.pendingSignIn;
      return res.redirect(303, '/login');
    }
    // Reserved before the check, as for passwords: a burst of guesses cannot exceed the limit.
    const reservation = await reserveAttempt(db, throttleKey(held.userId), policy);
    if (!reservation.allowed) return render(res, 429, tooManyCodes(reservation.minutes));
    const { code } = codeForm.parse(req.body ?? {});
    const kind = code ? await checkSecondFactor(db, held.userId, code) : null;
    if (!kind) return refuseCode(db, req, res, { userId: held.userId, code });
    const user = await activeUser(db, held.userId);
    if (!user) return res.redirect(303, '/login');
    // passport regenerates the session here, so the held session id does not survive sign-in.
    req.logIn({ ...user, twoFactor: true }, async (error) => {
      if (error) return next(error);
      await recordSignIn(db, req, { user, kind });
      res.redirect(303, held.returnTo);
    });
  };
}

export function secondStepRouter(db: Db, config: Config): Router {
  const r = Router();
  const policy = { maxFailures: config.LOGIN_MAX_FAILURES, lockMinutes: config.LOGIN_LOCK_MINUTES };
  r.get(SECOND_STEP_PATH, showSecondStep);
  r.post(SECOND_STEP_PATH, verifySecondStep(db, policy));
  return r;
}
