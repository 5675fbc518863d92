import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import { requireRole } from '../../http/guards.js';
import { PAGE_SIZE, pageQuery, pageView } from '../../http/pagination.js';

export function auditRouter({ db }: AppContext): Router {
  const r = Router();

  const list = async (req: Request, res: Response) => {
    const page = pageQuery.parse(req.query.page);
    const rows = await db.auditEvent.findMany({ orderBy: [{ at: 'desc' }, { id: 'desc' }], skip: (page - 1) * PAGE_SIZE, take: PAGE_SIZE + 1 });
    res.render('audit/list', { title: 'Audit trail', events: rows.slice(0, PAGE_SIZE), page: pageView('/audit', req.query, page, rows.length > PAGE_SIZE, Math.min(rows.length, PAGE_SIZE)) });
  };

  r.get('/', requireRole('admin'), list);
  return r;
}
