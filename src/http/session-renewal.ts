import type { NextFunction, Request, Response } from 'express';

const RENEW_EVERY_MS = 60_000;

declare module 'express-session' {
  interface SessionData {
    renewedAt?: number;
  }
}

/** Header the live desk's script sends with its own requests (fragments, presence). */
export const BACKGROUND_HEADER = 'x-live';

/**
 * An open tab's own traffic (the event stream, live fragments, presence) is not the user's
 * activity: it must not keep an unattended session signed in.
 */
function isBackground(req: Request): boolean {
  return req.path === '/events' || req.get(BACKGROUND_HEADER) === '1';
}

/**
 * Extends a signed-in session's idle expiry at most once a minute. The store's per-request touch
 * (an UPDATE on every page view) is disabled; this write happens only when the minute has passed.
 */
export function renewSession(req: Request, _res: Response, next: NextFunction): void {
  const session = req.session;
  if (isBackground(req)) return next();
  if (req.user && session && Date.now() - (session.renewedAt ?? 0) > RENEW_EVERY_MS)
    session.renewedAt = Date.now();
  next();
}
