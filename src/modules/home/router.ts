import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import { requireRole, ALL_ROLES } from '../../http/guards.js';
import { homeCounts } from './service.js';

export function homeRouter({ pool }: AppContext): Router {
  const r = Router();

  const show = async (req: Request, res: Response) => {
    const counts = await homeCounts(pool, req.user!.id);
    res.render('home/index', { title: 'Home', counts });
  };

  r.get('/', requireRole(...ALL_ROLES), show);
  return r;
}
