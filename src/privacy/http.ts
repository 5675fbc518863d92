import type { NextFunction, Request, Response } from 'express';
import type { Actor } from './access.js';

/** Pages that may carry patient data must not be stored by browsers or proxies. */
export function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.set('Cache-Control', 'no-store');
  res.set('Pragma', 'no-cache');
  next();
}

export function actorOf(req: Request): Actor {
  return { id: req.user!.id, role: req.user!.role };
}

export function viewContext(req: Request): { ip: string | null } {
  return { ip: req.ip ?? null };
}
