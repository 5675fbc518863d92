import type { NextFunction, Request, Response } from 'express';

/**
 * express-session sends a response's headers before its store write finishes, so a browser can
 * follow a redirect before the flash message, return path or new sign-in is stored, and read the
 * old session. Redirects therefore wait for the session to be saved.
 */
export function redirectAfterSave(req: Request, res: Response, next: NextFunction): void {
  const redirect = res.redirect.bind(res) as (...args: unknown[]) => void;
  res.redirect = ((...args: unknown[]) => {
    if (!req.session) return redirect(...args);
    req.session.save((error) => (error ? next(error) : redirect(...args)));
  }) as Response['redirect'];
  next();
}
