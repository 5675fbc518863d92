import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import { ALL_ROLES, requireRole } from '../../http/guards.js';
import { PAGE_SIZE, pageQuery, pageView } from '../../http/pagination.js';

export function customersRouter({ db }: AppContext): Router {
  const r = Router();

  const list = async (req: Request, res: Response) => {
    const page = pageQuery.parse(req.query.page);
    const rows = await db.customer.findMany({
      select: { id: true, fullName: true, email: true, phone: true, createdAt: true },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      skip: (page - 1) * PAGE_SIZE,
      take: PAGE_SIZE + 1,
    });
    const hasMore = rows.length > PAGE_SIZE;
    res.render('customers/list', { title: 'Customers', customers: rows.slice(0, PAGE_SIZE), page: pageView('/customers', req.query, page, hasMore, Math.min(rows.length, PAGE_SIZE)) });
  };

  r.get('/', requireRole(...ALL_ROLES), list);
  return r;
}
