import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import { MANAGERS, requireRole } from '../../http/guards.js';
import { homeCounts } from '../home/service.js';

export function metricsRouter({ pool }: AppContext): Router {
  const r = Router();

  const show = async (req: Request, res: Response) => {
    res.render('metrics/index', { title: 'Metrics', counts: await homeCounts(pool, req.user!.id) });
  };

  r.get('/', requireRole(...MANAGERS), show);
  return r;
}
