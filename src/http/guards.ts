import type { NextFunction, Request, Response } from 'express';
import type { Role } from '../generated/prisma/enums.js';
import { ForbiddenError } from '../errors.js';

export function requireAuth(req: Request, res: Response, next: NextFunction): void {
  if (req.user) return next();
  if (isPageNavigation(req)) req.session.returnTo = req.originalUrl;
  res.redirect(303, '/login');
}

/**
 * Only a page the person opened is worth returning to after sign-in: a background request of a
 * signed-out tab (the event stream reconnecting, a badge refresh) must not become the landing page.
 */
function isPageNavigation(req: Request): boolean {
  if (req.method !== 'GET') return false;
  const mode = req.get('sec-fetch-mode');
  if (mode) return mode === 'navigate';
  return req.accepts(['html', 'text/event-stream', 'json']) === 'html';
}

/** Signed in, and one of the given roles; anyone else gets 403. */
export function requireRole(...roles: readonly Role[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!req.user) return requireAuth(req, res, next);
    if (!roles.includes(req.user.role)) return next(new ForbiddenError());
    next();
  };
}

/** The role vocabulary lives in src/auth; routers take it from here beside the guards. */
export { ALL_ROLES, MANAGERS, STAFF } from '../auth/actor.js';
