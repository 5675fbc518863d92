import type { NextFunction, Request, Response } from 'express';

export function flash(req: Request, type: 'success' | 'error' | 'info', message: string): void {
  (req.session.flash ??= []).push({ type, message });
}

/** Moves queued messages into the page being rendered, once. */
export function exposeFlash(req: Request, res: Response, next: NextFunction): void {
  res.locals.flash = req.session?.flash ?? [];
  if (req.session?.flash) delete req.session.flash;
  next();
}
