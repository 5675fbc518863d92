import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import { STAFF, requireRole } from '../../http/guards.js';
import { PAGE_SIZE, pageQuery, pageView } from '../../http/pagination.js';

export function ticketsRouter({ db }: AppContext): Router {
  const r = Router();

  const list = async (req: Request, res: Response) => {
    const page = pageQuery.parse(req.query.page);
    const rows = await db.supportTicket.findMany({
      select: { id: true, number: true, subject: true, category: true, priority: true, status: true, createdAt: true, customer: { select: { fullName: true } }, assignee: { select: { name: true } } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      skip: (page - 1) * PAGE_SIZE,
      take: PAGE_SIZE + 1,
    });
    res.render('tickets/list', { title: 'Tickets', tickets: rows.slice(0, PAGE_SIZE), page: pageView('/tickets', req.query, page, rows.length > PAGE_SIZE, Math.min(rows.length, PAGE_SIZE)) });
  };

  r.get('/', requireRole(...STAFF), list);
  return r;
}
