import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import { ALL_ROLES, requireRole } from '../../http/guards.js';
import { PAGE_SIZE, pageQuery, pageView } from '../../http/pagination.js';

export function escalationsRouter({ db }: AppContext): Router {
  const r = Router();

  const list = async (req: Request, res: Response) => {
    const page = pageQuery.parse(req.query.page);
    const user = req.user!;
    const rows = await db.escalation.findMany({
      where: user.role === 'doctor' ? { targetUserId: user.id } : {},
      select: { id: true, targetType: true, status: true, createdAt: true, customer: { select: { fullName: true } }, targetUser: { select: { name: true } }, raisedBy: { select: { name: true } } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      skip: (page - 1) * PAGE_SIZE,
      take: PAGE_SIZE + 1,
    });
    res.render('escalations/list', { title: 'Escalations', escalations: rows.slice(0, PAGE_SIZE), page: pageView('/escalations', req.query, page, rows.length > PAGE_SIZE, Math.min(rows.length, PAGE_SIZE)) });
  };

  r.get('/', requireRole(...ALL_ROLES), list);
  return r;
}
