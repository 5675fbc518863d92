import type { NextFunction, Request, Response } from 'express';
import type { AccessRules } from './access.js';
import type { ViewContext } from './presenter.js';

/** Pages that may carry patient data must not be stored by browsers or proxies. */
export function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.set('Cache-Control', 'no-store');
  res.set('Pragma', 'no-cache');
  next();
}

/** Where the viewer is and the access rules the app was configured with (set in src/app.ts). */
export function viewContext(req: Request): ViewContext {
  const rules = req.app.get(ACCESS_RULES) as AccessRules | undefined;
  return { ip: req.ip ?? null, escalationAccessDays: rules?.escalationAccessDays };
}

/** The Express setting under which src/app.ts stores the configured AccessRules. */
export const ACCESS_RULES = 'privacy access rules';
