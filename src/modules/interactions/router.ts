import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import { STAFF, requireRole } from '../../http/guards.js';
import { PAGE_SIZE, pageQuery, pageView } from '../../http/pagination.js';

export function interactionsRouter({ db }: AppContext): Router {
  const r = Router();

  const list = async (req: Request, res: Response) => {
    const page = pageQuery.parse(req.query.page);
    const rows = await db.interaction.findMany({
      select: { id: true, channel: true, status: true, startedAt: true, durationSeconds: true, customer: { select: { fullName: true } }, agent: { select: { name: true } } },
      orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
      skip: (page - 1) * PAGE_SIZE,
      take: PAGE_SIZE + 1,
    });
    res.render('interactions/list', { title: 'Interactions', interactions: rows.slice(0, PAGE_SIZE), page: pageView('/interactions', req.query, page, rows.length > PAGE_SIZE, Math.min(rows.length, PAGE_SIZE)) });
  };

  r.get('/', requireRole(...STAFF), list);
  return r;
}
