import { preloadedUnread } from '../../auth/session-store.js';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import type { Db } from '../../db/client.js';
import { ValidationError } from '../../errors.js';
import { flash } from '../../http/flash.js';
import { ALL_ROLES, requireRole } from '../../http/guards.js';
import { presentNotifications } from './presenter.js';
import { readForm } from './schema.js';
import { findOwn, listNotifications, markAllRead, markRead, unreadCount } from './service.js';

const viewerOf = (req: Request) => ({ id: req.user!.id, role: req.user!.role });

/**
 * The header's unread badge, on every page a signed-in user loads. Script requests (fragments, the
 * event stream: Sec-Fetch-Dest "empty") render no header, so they skip the count.
 */
export function exposeUnread(db: Db) {
  return async (req: Request, res: Response, next: NextFunction) => {
    res.locals.unreadNotifications = 0;
    if (!req.user || req.method !== 'GET' || req.get('sec-fetch-dest') === 'empty') return next();
    try {
      res.locals.unreadNotifications = preloadedUnread(req) ?? (await unreadCount(db, req.user.id));
      next();
    } catch (error) {
      next(error);
    }
  };
}

export function notificationsRouter({ db }: AppContext): Router {
  const r = Router();

  const list = async (req: Request, res: Response) => {
    const rows = await listNotifications(db, req.user!.id);
    const notifications = await presentNotifications(db, viewerOf(req), rows);
    res.render('notifications/list', { title: 'Notifications', notifications });
  };

  const badge = async (req: Request, res: Response) => {
    res.locals.unreadNotifications = await unreadCount(db, req.user!.id);
    res.set('Cache-Control', 'no-store').render('notifications/_badge');
  };

  const read = async (req: Request, res: Response) => {
    const parsed = readForm.safeParse(req.body ?? {});
    if (!parsed.success) throw new ValidationError('That notification does not exist.');
    await markRead(db, req.user!.id, parsed.data.id);
    if (parsed.data.open) {
      const own = await findOwn(db, req.user!.id, parsed.data.id);
      const [target] = own ? await presentNotifications(db, viewerOf(req), [own]) : [];
      if (target?.href) return res.redirect(303, target.href);
    }
    res.redirect(303, '/notifications');
  };

  const readAll = async (req: Request, res: Response) => {
    const count = await markAllRead(db, req.user!.id);
    flash(req, 'success', count ? `Marked ${count} as read.` : 'Nothing was unread.');
    res.redirect(303, '/notifications');
  };

  r.get('/', requireRole(...ALL_ROLES), list);
  r.get('/badge', requireRole(...ALL_ROLES), badge);
  r.post('/read', requireRole(...ALL_ROLES), read);
  r.post('/read-all', requireRole(...ALL_ROLES), readAll);
  return r;
}
