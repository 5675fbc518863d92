import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import { ALL_ROLES, requireRole } from '../../http/guards.js';
import { PAGE_SIZE, pageQuery, pageView } from '../../http/pagination.js';

export function consultationsRouter({ db }: AppContext): Router {
  const r = Router();

  const list = async (req: Request, res: Response) => {
    const page = pageQuery.parse(req.query.page);
    const rows = await db.consultation.findMany({
      select: { id: true, reference: true, status: true, mode: true, paymentStatus: true, createdAt: true, customer: { select: { fullName: true } }, doctor: { select: { name: true } } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      skip: (page - 1) * PAGE_SIZE,
      take: PAGE_SIZE + 1,
    });
    res.render('consultations/list', { title: 'Consultations', consultations: rows.slice(0, PAGE_SIZE), page: pageView('/consultations', req.query, page, rows.length > PAGE_SIZE, Math.min(rows.length, PAGE_SIZE)) });
  };

  r.get('/', requireRole(...ALL_ROLES), list);
  return r;
}
