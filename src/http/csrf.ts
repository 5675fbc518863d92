import type { NextFunction, Request, Response } from 'express';
import { csrfSync } from 'csrf-sync';
import { ForbiddenError } from '../errors.js';

const { csrfSynchronisedProtection, generateToken } = csrfSync({
  getTokenFromRequest: (req) =>
    (req.body?._csrf as string | undefined) ?? (req.headers['x-csrf-token'] as string | undefined),
});

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Refuses cross-site writes by Fetch Metadata, then checks the synchronizer token. */
export function csrfProtection(req: Request, res: Response, next: NextFunction): void {
  if (!SAFE_METHODS.has(req.method) && req.headers['sec-fetch-site'] === 'cross-site') {
    return next(new ForbiddenError('Cross-site form posts are refused.'));
  }
  csrfSynchronisedProtection(req, res, (error?: unknown) => {
    if (error)
      return next(
        new ForbiddenError(
          'Your form expired or was sent from elsewhere. Reload the page and try again.',
        ),
      );
    res.locals.csrfToken = generateToken(req);
    next();
  });
}
