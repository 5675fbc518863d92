import type { NextFunction, Request, Response } from 'express';
import type { Config } from '../config.js';
import { ForbiddenError } from '../errors.js';
import { flash } from '../http/flash.js';

export const ENROL_PATH = '/account/two-factor';
// `.test` is a reserved top-level domain: no real person can hold one of these addresses.
const DEMO_DOMAIN = '@caredesk.test';
/** Where a person who must enrol may still go: the enrolment pages and signing out. */
const OPEN_WHILE_ENROLLING = new Set([ENROL_PATH, '/logout']);

/**
 * Whether this person must have two-factor sign-in. The demo accounts are let off only on the
 * embedded development database, where they exist to be tried with a published password.
 */
export function mustUseTwoFactor(
  config: Config,
  user: { role: Express.User['role']; email: string },
): boolean {
  if (!config.MFA_REQUIRED_ROLES.includes(user.role)) return false;
  const embeddedDemo =
    config.NODE_ENV !== 'production' && !config.DATABASE_URL && user.email.endsWith(DEMO_DOMAIN);
  return !embeddedDemo;
}

/** Sends someone whose role requires two-factor, and who has none yet, to set it up first. */
export function requireTwoFactorEnrolment(config: Config) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const user = req.user;
    if (
      !user ||
      user.twoFactor ||
      !mustUseTwoFactor(config, user) ||
      OPEN_WHILE_ENROLLING.has(req.path)
    )
      return next();
    if (req.method !== 'GET')
      return next(new ForbiddenError('Set up two-factor sign-in before anything else.'));
    flash(
      req,
      'info',
      `Your role (${user.role}) requires two-factor sign-in. Set it up to continue.`,
    );
    res.redirect(303, ENROL_PATH);
  };
}
