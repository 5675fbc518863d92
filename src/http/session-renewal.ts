import type { NextFunction, Request, Response } from 'express';

const RENEW_EVERY_MS = 60_000;

declare module 'express-session' {
  interface SessionData {
    renewedAt?: number;
  }
}

/**
 * Extends a signed-in session's idle expiry at most once a minute. The store's per-request touch
 * (an UPDATE on every page view) is disabled; this write happens only when the minute has passed.
 */
export function renewSession(req: Request, _res: Response, next: NextFunction): void {
  const session = req.session;
  if (req.user && session && Date.now() - (session.renewedAt ?? 0) > RENEW_EVERY_MS) session.renewedAt = Date.now();
  next();
}
