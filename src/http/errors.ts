import type { Express, NextFunction, Request, Response } from 'express';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  TransitionError,
  ValidationError,
} from '../errors.js';
import { logger } from '../logger.js';

export function notFound(_req: Request, res: Response): void {
  res.status(404).render('errors/404', { title: 'Not found' });
}

function statusOf(error: unknown): number {
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ForbiddenError) return 403;
  if (error instanceof ConflictError) return 409;
  if (error instanceof ValidationError || error instanceof TransitionError) return 422;
  const status =
    (error as { status?: number; statusCode?: number })?.status ??
    (error as { statusCode?: number })?.statusCode;
  // body-parser and friends mark malformed requests with a 4xx status.
  if (typeof status === 'number' && status >= 400 && status < 500) return status;
  return 500;
}

/**
 * The app's last handlers: 404 for unmatched routes, then typed errors to pages. Express's own
 * fallback (used when even the error page fails to render) prints stacks unless its env is
 * production, so that follows the same switch.
 */
export function useErrorPages(app: Express, showDetails: boolean): void {
  app.set('env', showDetails ? 'development' : 'production');
  app.use(notFound);
  app.use(errorHandler(showDetails));
}

function errorView(status: number): string {
  if (status === 404) return 'errors/404';
  if (status === 403) return 'errors/403';
  return status >= 500 ? 'errors/500' : 'errors/400';
}

function logFailure(error: unknown, req: Request): void {
  logger.error('request failed', {
    method: req.method,
    path: req.path,
    error: (error as Error)?.stack ?? String(error),
  });
}

/** `showDetails`: stack traces on 500 pages, for a developer's own machine only. */
export function errorHandler(showDetails: boolean) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const status = statusOf(error);
    const failed = status >= 500;
    if (failed) logFailure(error, req);
    if (res.headersSent) return;
    const message = failed ? 'Something went wrong on our side.' : (error as Error)?.message;
    res.status(status);
    // Errors raised before the page chrome was prepared (a malformed body, a refused CSRF token)
    // still get the app's page, without the menu.
    res.locals.currentUser ??= null;
    res.locals.flash ??= [];
    if (req.accepts(['html', 'json']) === 'json') {
      res.json({ error: message });
      return;
    }
    res.render(errorView(status), {
      title: failed ? 'Error' : message,
      message,
      status,
      stack: showDetails && failed ? (error as Error)?.stack : undefined,
    });
  };
}
