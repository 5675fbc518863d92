import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import { requireRole } from '../../http/guards.js';
import { PAGE_SIZE } from '../../http/pagination.js';
import { noStore } from '../../privacy/index.js';
import { auditQuery } from './schema.js';
import { auditUsers, listAudit } from './service.js';

export function auditRouter({ pool }: AppContext): Router {
  const r = Router();

  const list = async (req: Request, res: Response) => {
    const query = auditQuery.parse(req.query);
    const [{ rows, nextBefore }, users] = await Promise.all([listAudit(pool, query, PAGE_SIZE), auditUsers(pool)]);
    const base = new URLSearchParams();
    for (const key of ['userId', 'customerId', 'action', 'from', 'to'] as const) if (query[key] !== undefined) base.set(key, String(query[key]));
    const link = (before?: string) => {
      const params = new URLSearchParams(base);
      if (before) params.set('before', before);
      const qs = params.toString();
      return qs ? `/audit?${qs}` : '/audit';
    };
    res.render('audit/list', {
      title: 'Audit trail', events: rows, users,
      filters: { userId: query.userId ?? '', customerId: query.customerId ?? '', action: query.action ?? '', from: query.from ?? '', to: query.to ?? '' },
      page: { prevHref: query.before ? link() : null, nextHref: nextBefore ? link(nextBefore) : null, summary: rows.length ? `Showing ${rows.length}` : 'Nothing on this page' },
    });
  };

  r.get('/', requireRole('admin'), noStore, list);
  return r;
}
